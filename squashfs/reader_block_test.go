package squashfs

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// TestReaderRecyclesBlocks reads files at random offsets and lengths from
// several goroutines through a data cache of two blocks, so that blocks
// are evicted and their memory reused while others still read them, and
// checks every byte and that no reference is leaked.
func TestReaderRecyclesBlocks(t *testing.T) {
	src := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	want := map[string][]byte{}
	for i, size := range []int{100, 5000, 16384, 40000, 70000, 200000} {
		data := make([]byte, size)
		for j := range data {
			if i%2 == 0 {
				data[j] = byte(rng.Uint32()) // stored uncompressed
			} else {
				data[j] = "abcd\n"[rng.IntN(5)]
			}
		}
		name := "f" + strconv.Itoa(i)
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[name] = data
	}
	r := openImage(t, mksquashfs(t, src, "-comp", "zstd", "-b", "16K"))
	r.data.maxCost = 2 * int64(r.blockSize)

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 500 {
				name := "f" + strconv.Itoa(rng.IntN(len(want)))
				data := want[name]
				f, err := r.Open(name)
				if err != nil {
					t.Error(err)
					return
				}
				off := rng.IntN(len(data))
				buf := make([]byte, rng.IntN(3*r.blockSize)+1)
				n, err := f.(io.ReaderAt).ReadAt(buf, int64(off))
				f.Close()
				if err != nil && err != io.EOF {
					t.Errorf("%s at %d: %v", name, off, err)
					return
				}
				if end := min(off+len(buf), len(data)); !bytes.Equal(buf[:n], data[off:end]) {
					t.Errorf("%s: %d bytes at %d differ from the source", name, len(buf), off)
					return
				}
			}
		}()
	}
	wg.Wait()
	waitPrefetch(r)
	if len(r.freeBlocks) == 0 {
		t.Error("no block was recycled")
	}
	for _, e := range r.data.items {
		if b := e.Value.(*cacheItem[dataKey, *block]).val; b.refs.Load() != 1 {
			t.Errorf("cached block has %d references after every reader finished, want 1 (the cache's)", b.refs.Load())
		}
	}
}

// waitPrefetch waits until no read-ahead goroutine of r is running.
func waitPrefetch(r *Reader) {
	for range cap(r.prefetch) {
		r.prefetch <- struct{}{}
	}
	for range cap(r.prefetch) {
		<-r.prefetch
	}
}
