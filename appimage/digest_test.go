package appimage

import (
	"bytes"
	"crypto/md5"
	"math/rand/v2"
	"testing"

	"github.com/goappimage/goappimage/elf"
)

// TestHashZeroed compares hashZeroed with hashing a copy whose sections are
// zeroed, for sections in any order, adjacent, overlapping, at the ends and
// across the 1 MiB read size.
func TestHashZeroed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 3<<20+123)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	size := int64(len(data))
	cases := [][]elf.Section{
		nil,
		{{Offset: 0, Size: 16}},
		{{Offset: size - 10, Size: 10}},
		{{Offset: 1<<20 - 5, Size: 10}},
		{{Offset: 100, Size: 50}, {Offset: 150, Size: 50}},
		{{Offset: 5000, Size: 100}, {Offset: 1000, Size: 10}},
		{{Offset: 100, Size: 100}, {Offset: 150, Size: 100}},
		{{Offset: 2 << 20, Size: 1 << 20}},
	}
	for range 20 {
		var secs []elf.Section
		for range 3 {
			off := rng.Int64N(size)
			secs = append(secs, elf.Section{Offset: off, Size: rng.Int64N(min(size-off, 9000) + 1)})
		}
		cases = append(cases, secs)
	}
	for _, secs := range cases {
		zeroed := bytes.Clone(data)
		for _, s := range secs {
			clear(zeroed[s.Offset : s.Offset+s.Size])
		}
		want := md5.Sum(zeroed)
		h := md5.New()
		if err := hashZeroed(h, bytes.NewReader(data), size, secs); err != nil {
			t.Fatal(err)
		}
		if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
			t.Errorf("sections %+v: got %x, want %x", secs, got, want)
		}
	}
}
