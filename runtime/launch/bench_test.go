//go:build !386 && !arm

package launch

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// benchPayloadSize is the content size of the benchmark images.
const benchPayloadSize = 48 << 20

// benchPayloads fill an AppDir with about benchPayloadSize bytes and
// return how many they wrote.
var benchPayloads = []struct {
	name string
	fill func(b *testing.B, dir string) int64
}{
	// Files of 1 KiB to 8 MiB, half random bytes (stored uncompressed),
	// half random letters (nothing but literals: the hardest zstd input).
	{"synthetic", func(b *testing.B, dir string) int64 {
		rng := rand.New(rand.NewPCG(1, 2))
		total := 0
		for i := 0; total < benchPayloadSize; i++ {
			size := 1 << (10 + i%14) // 1 KiB .. 8 MiB
			data := make([]byte, size)
			if i%2 == 0 {
				for j := range data {
					data[j] = byte(rng.Uint32())
				}
			} else {
				for j := range data {
					data[j] = "abcdefgh ijklmn\n"[rng.IntN(16)]
				}
			}
			writeBenchFile(b, filepath.Join(dir, "usr", "lib", strconv.Itoa(i%7), "f"+strconv.Itoa(i)), data)
			total += size
		}
		return int64(total)
	}},
	// What an application is made of: half executables (those of the Go
	// toolchain running the benchmark), half source text (Go's own).
	{"toolchain", func(b *testing.B, dir string) int64 {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			b.Fatalf("go env GOROOT: %v", err)
		}
		root := strings.TrimSpace(string(out))
		groups := [][]string{
			{"bin", filepath.Join("pkg", "tool", goruntime.GOOS+"_"+goruntime.GOARCH)},
			{filepath.Join("src", "net"), filepath.Join("src", "crypto"), filepath.Join("src", "cmd")},
		}
		var total int64
		for i, group := range groups {
			budget := benchPayloadSize * int64(i+1) / int64(len(groups))
			for _, sub := range group {
				err := filepath.WalkDir(filepath.Join(root, sub), func(p string, d fs.DirEntry, err error) error {
					if err != nil || !d.Type().IsRegular() || total >= budget {
						return err
					}
					data, err := os.ReadFile(p)
					if err != nil {
						return err
					}
					rel, _ := filepath.Rel(root, p)
					writeBenchFile(b, filepath.Join(dir, "usr", rel), data)
					total += int64(len(data))
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		if total < benchPayloadSize*3/4 {
			b.Fatalf("only %d bytes in the Go toolchain at %s", total, root)
		}
		return total
	}},
}

func writeBenchFile(b *testing.B, p string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// benchAppImage makes an AppImage (mksquashfs, zstd, 128 KiB blocks, as
// appimagetool) whose AppRun exits at once and whose payload fill writes;
// it returns the AppImage, its payload offset and the payload's size.
func benchAppImage(b *testing.B, fill func(*testing.B, string) int64) (app string, offset, size int64) {
	b.Helper()
	testutil.FUSE(b)
	dir := filepath.Join(b.TempDir(), "AppDir")
	writeBenchFile(b, filepath.Join(dir, "AppRun"), []byte("#!/bin/sh\nexit 0\n"))
	if err := os.Chmod(filepath.Join(dir, "AppRun"), 0o755); err != nil {
		b.Fatal(err)
	}
	size = fill(b, dir)
	rt := hostRuntime(b)
	mksquashfs := testutil.Tool(b, "mksquashfs")
	sqfs := filepath.Join(b.TempDir(), "payload")
	if out, err := exec.Command(mksquashfs, dir, sqfs, "-noappend", "-quiet", "-no-progress", "-all-root", "-comp", "zstd", "-b", "128K").CombinedOutput(); err != nil {
		b.Fatalf("mksquashfs: %v\n%s", err, out)
	}
	payload, err := os.ReadFile(sqfs)
	if err != nil {
		b.Fatal(err)
	}
	app = filepath.Join(b.TempDir(), "bench.AppImage")
	if err := os.WriteFile(app, append(append([]byte{}, rt...), payload...), 0o755); err != nil {
		b.Fatal(err)
	}
	return app, int64(len(rt)), size
}

// squashfuseMount mounts the payload of app on a new directory with
// squashfuse and returns it.
func squashfuseMount(b *testing.B, squashfuse, app string, offset int64) string {
	mnt, err := os.MkdirTemp("", "bench-squashfuse")
	if err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command(squashfuse, "-o", "offset="+strconv.FormatInt(offset, 10), app, mnt).CombinedOutput(); err != nil {
		b.Fatalf("squashfuse: %v\n%s", err, out)
	}
	return mnt
}

func unmount(b *testing.B, mnt string) {
	if out, err := exec.Command("fusermount3", "-u", mnt).CombinedOutput(); err != nil {
		b.Fatalf("fusermount3 -u: %v\n%s", err, out)
	}
	os.Remove(mnt)
}

// BenchmarkStartup measures the time from starting an AppImage to its AppRun
// having run: our runtime, against mounting the payload with squashfuse and
// executing AppRun from it.
func BenchmarkStartup(b *testing.B) {
	app, offset, _ := benchAppImage(b, benchPayloads[0].fill)
	b.Run("runtime", func(b *testing.B) {
		for b.Loop() {
			if out, err := exec.Command(app).CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
	b.Run("squashfuse", func(b *testing.B) {
		squashfuse := testutil.Tool(b, "squashfuse")
		for b.Loop() {
			mnt := squashfuseMount(b, squashfuse, app, offset)
			if out, err := exec.Command(filepath.Join(mnt, "AppRun")).CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			b.StopTimer()
			unmount(b, mnt)
			b.StartTimer()
		}
	})
}

// BenchmarkReadAll measures reading every file through a fresh mount with
// `tar -cf - . | cat >/dev/null` (GNU tar does not read files when its
// archive is /dev/null): our mount against squashfuse's, for each payload.
func BenchmarkReadAll(b *testing.B) {
	for _, payload := range benchPayloads {
		b.Run(payload.name, func(b *testing.B) {
			app, offset, size := benchAppImage(b, payload.fill)
			benchReadAll(b, app, offset, size)
		})
	}
}

func benchReadAll(b *testing.B, app string, offset, size int64) {
	readAll := func(b *testing.B, mnt string) {
		cmd := exec.Command("sh", "-c", "tar -cf - . | cat >/dev/null")
		cmd.Dir = mnt
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tar: %v\n%s", err, out)
		}
	}
	b.Run("runtime", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			mnt, stop := mountAppImage(b, app)
			b.StartTimer()
			readAll(b, mnt)
			b.StopTimer()
			stop()
			b.StartTimer()
		}
	})
	b.Run("squashfuse", func(b *testing.B) {
		squashfuse := testutil.Tool(b, "squashfuse")
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			mnt := squashfuseMount(b, squashfuse, app, offset)
			b.StartTimer()
			readAll(b, mnt)
			b.StopTimer()
			unmount(b, mnt)
			b.StartTimer()
		}
	})
}

// mountAppImage mounts app with --appimage-mount and returns the mount
// point and a function that unmounts it and waits until it is gone.
func mountAppImage(b *testing.B, app string) (string, func()) {
	cmd, mnt := startMount(b, exec.Command(app, "--appimage-mount"))
	return mnt, func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		waitGone(b, mnt)
	}
}
