package build

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/runtime/binaries"
)

// benchAppDir writes a valid AppDir of about 48 MiB: a static busybox, text
// that compresses well, random data that does not, and many small files.
func benchAppDir(b *testing.B) (string, int64) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "Bench.AppDir")
	var total int64
	write := func(name string, data []byte, mode os.FileMode) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			b.Fatal(err)
		}
		total += int64(len(data))
	}
	busybox, err := os.ReadFile(testutil.Tool(b, "busybox"))
	if err != nil {
		b.Fatal(err)
	}
	write("usr/bin/busybox", busybox, 0o755)
	write("AppRun", []byte("#!/bin/sh\nexec \"$APPDIR/usr/bin/busybox\" true\n"), 0o755)
	write("bench.desktop", []byte("[Desktop Entry]\nType=Application\nName=Bench\nExec=bench\nIcon=bench\nCategories=Utility;\nTerminal=true\n"), 0o644)
	var icon bytes.Buffer
	png.Encode(&icon, image.NewRGBA(image.Rect(0, 0, 256, 256)))
	write("bench.png", icon.Bytes(), 0o644)
	rng := rand.New(rand.NewPCG(1, 2))
	var text bytes.Buffer
	for text.Len() < 16<<20 {
		fmt.Fprintf(&text, "line %d: the quick brown fox %x jumps over the lazy dog\n", text.Len(), rng.Uint32()%64)
	}
	write("usr/share/bench/text.txt", text.Bytes(), 0o644)
	random := make([]byte, 16<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	write("usr/lib/bench/random.bin", random, 0o644)
	for i := 0; i < 2000; i++ {
		n := rng.IntN(8192)
		write(filepath.Join("usr/share/bench/small", strconv.Itoa(i%40), strconv.Itoa(i)+".txt"), text.Bytes()[i*100:i*100+n], 0o644)
	}
	return dir, total
}

// BenchmarkBuild compares goappimage build with what appimagetool runs for
// the same AppDir: mksquashfs at the runtime's offset (zstd, 128K blocks,
// root-owned), then the runtime written in front.
func BenchmarkBuild(b *testing.B) {
	dir, total := benchAppDir(b)
	out := filepath.Join(b.TempDir(), "out.AppImage")
	b.Run("goappimage", func(b *testing.B) {
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			if _, err := Build(context.Background(), dir, Options{Output: out}); err != nil {
				b.Fatal(err)
			}
		}
		reportSize(b, out)
	})
	b.Run("mksquashfs+runtime", func(b *testing.B) {
		mksquashfs := testutil.Tool(b, "mksquashfs")
		rt, err := binaries.Get("x86_64")
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(total)
		for i := 0; i < b.N; i++ {
			os.Remove(out)
			cmd := exec.Command(mksquashfs, dir, out, "-offset", strconv.Itoa(len(rt)), "-comp", "zstd", "-b", "128K",
				"-root-owned", "-noappend", "-no-progress", "-quiet")
			if msg, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("mksquashfs: %v\n%s", err, msg)
			}
			f, err := os.OpenFile(out, os.O_WRONLY, 0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.WriteAt(rt, 0); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		reportSize(b, out)
	})
}

func reportSize(b *testing.B, p string) {
	if fi, err := os.Stat(p); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-out")
	}
}
