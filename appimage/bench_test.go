package appimage

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// benchFile writes a 64 MiB AppImage-sized file: a runtime, then data.
func benchFile(b *testing.B) (string, *Layout) {
	b.Helper()
	rt := testRuntime(b, "amd64")
	path := filepath.Join(b.TempDir(), "bench.AppImage")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	f.Write(rt)
	f.Write(randomBytes(b, 64<<20-len(rt)))
	f.Close()
	l, err := ReadLayout(mustOpen(b, path), 64<<20)
	if err != nil {
		b.Fatal(err)
	}
	return path, l
}

func mustOpen(b *testing.B, path string) *os.File {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkZsync compares WriteZsync with Debian's zsyncmake on 64 MiB.
func BenchmarkZsync(b *testing.B) {
	path, _ := benchFile(b)
	b.Run("goappimage", func(b *testing.B) {
		f := mustOpen(b, path)
		b.SetBytes(64 << 20)
		for b.Loop() {
			if err := WriteZsync(io.Discard, f, 64<<20, ZsyncOptions{Filename: "a", URL: "a"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("zsyncmake", func(b *testing.B) {
		zsyncmake := testutil.Tool(b, "zsyncmake")
		out := filepath.Join(b.TempDir(), "out.zsync")
		b.SetBytes(64 << 20)
		for b.Loop() {
			if msg, err := exec.Command(zsyncmake, "-u", "a", "-o", out, path).CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, msg)
			}
		}
	})
}

// BenchmarkDigest measures the .digest_md5 computation and the SHA-256
// that signing needs, against md5sum and sha256sum over the same file.
func BenchmarkDigest(b *testing.B) {
	path, l := benchFile(b)
	f := mustOpen(b, path)
	for _, bb := range []struct {
		name string
		fn   func() error
	}{
		{"md5/goappimage", func() error { _, err := Digest(f, 64<<20, l); return err }},
		{"md5/md5sum", func() error { return exec.Command("md5sum", path).Run() }},
		{"sha256/goappimage", func() error { _, err := SignedHash(f, 64<<20, l); return err }},
		{"sha256/sha256sum", func() error { return exec.Command("sha256sum", path).Run() }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(64 << 20)
			for b.Loop() {
				if err := bb.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
