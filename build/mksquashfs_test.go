package build

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"128K", 131072, true}, {"1M", 1 << 20, true}, {"4096", 4096, true}, {"64k", 65536, true},
		{"2M", 0, false}, {"3K", 0, false}, {"100", 0, false}, {"x", 0, false}, {"", 0, false}, {"-4K", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestMapMksquashfsOptions(t *testing.T) {
	var s Squash
	ef, warn, err := MapMksquashfsOptions(&s, []string{
		"-b", "1M", "-comp", "gzip", "-Xcompression-level", "9", "-no-fragments", "-processors", "1",
		"-ef", "ignore.txt", "-no-xattrs", "-mem", "2G", "-bogus",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Squash{Compression: "gzip", Level: 9, BlockSize: 1 << 20, NoFragments: true, Workers: 1}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if !reflect.DeepEqual(ef, []string{"ignore.txt"}) {
		t.Errorf("exclude files %q", ef)
	}
	if len(warn) != 3 || !strings.Contains(warn[0], "-no-xattrs") || !strings.Contains(warn[1], "-mem 2G") || !strings.Contains(warn[2], "-bogus") {
		t.Errorf("warnings %q", warn)
	}
	for _, bad := range [][]string{{"-b"}, {"-b", "3M"}, {"-Xcompression-level", "x"}, {"-mem"}, {"-processors", "0"}} {
		var s Squash
		if _, _, err := MapMksquashfsOptions(&s, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzMapMksquashfsOptions(f *testing.F) {
	f.Add("-b 1M -comp gzip -Xcompression-level 9 -no-xattrs")
	f.Add("-b")
	f.Add("-mem -ef")
	f.Fuzz(func(t *testing.T, in string) {
		var s Squash
		if _, _, err := MapMksquashfsOptions(&s, strings.Fields(in)); err != nil {
			return
		}
		if s.BlockSize != 0 && (s.BlockSize < 4096 || s.BlockSize > 1<<20 || s.BlockSize&(s.BlockSize-1) != 0) {
			t.Errorf("%q: block size %d accepted", in, s.BlockSize)
		}
	})
}
