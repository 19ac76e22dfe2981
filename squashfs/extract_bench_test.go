package squashfs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// benchTree writes a deterministic tree shaped like an application: many
// small text-like files, some libraries of mixed compressible and random
// data, and a few large ones. It returns the total content size.
func benchTree(b *testing.B, dir string) int64 {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var total int64
	write := func(name string, size int) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		data := make([]byte, size)
		for i := 0; i < size; {
			// Runs of words (compressible) and of random bytes.
			n := min(size-i, 64+rng.IntN(4096))
			if rng.IntN(3) == 0 {
				for j := i; j < i+n; j++ {
					data[j] = byte(rng.Uint32())
				}
			} else {
				for j := i; j < i+n; j++ {
					data[j] = "abcdefgh ijklmnop\n"[(j*7+n)%18]
				}
			}
			i += n
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		total += int64(size)
	}
	for i := 0; i < 2000; i++ {
		write(fmt.Sprintf("share/doc/pkg%02d/file%04d.txt", i%40, i), 500+rng.IntN(20000))
	}
	for i := 0; i < 40; i++ {
		write(fmt.Sprintf("lib/lib%02d.so", i), 100<<10+rng.IntN(1<<20))
	}
	for i := 0; i < 3; i++ {
		write(fmt.Sprintf("bin/app%d", i), 8<<20)
	}
	return total
}

func benchImage(b *testing.B, comp string) (string, int64) {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "goappimage-squashfs-bench")
	src := filepath.Join(dir, "tree")
	sizeFile := filepath.Join(dir, "size")
	if _, err := os.Stat(sizeFile); err != nil {
		os.RemoveAll(dir)
		total := benchTree(b, src)
		if err := os.WriteFile(sizeFile, []byte(strconv.FormatInt(total, 10)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sz, _ := os.ReadFile(sizeFile)
	total, _ := strconv.ParseInt(string(sz), 10, 64)
	img := filepath.Join(dir, comp+".sqfs")
	if _, err := os.Stat(img); err != nil {
		mk := testutil.Tool(b, "mksquashfs")
		tmp := img + ".tmp"
		if out, err := exec.Command(mk, src, tmp, "-noappend", "-no-progress", "-quiet", "-comp", comp).CombinedOutput(); err != nil {
			b.Fatalf("mksquashfs: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, img); err != nil {
			b.Fatal(err)
		}
	}
	return img, total
}

// BenchmarkExtract extracts the same image with Extract and with
// unsquashfs -d, both using GOMAXPROCS cores.
func BenchmarkExtract(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	for _, comp := range []string{"zstd", "gzip", "xz", "lz4"} {
		b.Run(comp+"/goappimage", func(b *testing.B) {
			img, total := benchImage(b, comp)
			r := openImage(b, img)
			b.SetBytes(total)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst := filepath.Join(b.TempDir(), "out")
				if err := r.Extract(context.Background(), dst, ExtractOptions{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				r = openImage(b, img) // start with cold caches, as a new process would
				b.StartTimer()
			}
		})
		b.Run(comp+"/unsquashfs", func(b *testing.B) {
			img, total := benchImage(b, comp)
			tool := testutil.Tool(b, "unsquashfs")
			b.SetBytes(total)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dst := filepath.Join(b.TempDir(), "out")
				cmd := exec.Command(tool, "-no-progress", "-processors", strconv.Itoa(procs), "-d", dst, img)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("unsquashfs: %v\n%s", err, out)
				}
				b.StopTimer()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkReadAll reads every file of an image through the io/fs
// interface, one file after the other, as a program reading its files
// through the runtime's FUSE mount would.
func BenchmarkReadAll(b *testing.B) {
	for _, comp := range []string{"zstd", "gzip"} {
		b.Run(comp, func(b *testing.B) {
			img, total := benchImage(b, comp)
			b.SetBytes(total)
			buf := make([]byte, 128<<10)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				r := openImage(b, img)
				b.StartTimer()
				var n int64
				err := fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
					if err != nil || !d.Type().IsRegular() {
						return err
					}
					f, err := r.Open(p)
					if err != nil {
						return err
					}
					defer f.Close()
					k, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
					n += k
					return err
				})
				if err != nil || n != total {
					b.Fatalf("read %d bytes, %v; want %d", n, err, total)
				}
			}
		})
	}
}
