//go:build !386 && !arm

package launch

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// benchPayloadSize is the content size of the benchmark image.
const benchPayloadSize = 48 << 20

// benchAppImage makes an AppImage (mksquashfs, zstd, 128 KiB blocks, as
// appimagetool) whose AppRun exits at once, and whose payload holds
// benchPayloadSize bytes in files of 1 KiB to 8 MiB, half text, half random.
func benchAppImage(b *testing.B) (app string, offset int64) {
	b.Helper()
	testutil.FUSE(b)
	dir := filepath.Join(b.TempDir(), "AppDir")
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(name string, data []byte, perm os.FileMode) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, data, perm); err != nil {
			b.Fatal(err)
		}
	}
	write("AppRun", []byte("#!/bin/sh\nexit 0\n"), 0o755)
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
		write(filepath.Join("usr", "lib", strconv.Itoa(i%7), "f"+strconv.Itoa(i)), data, 0o644)
		total += size
	}
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
	return app, int64(len(rt))
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
	app, offset := benchAppImage(b)
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
// archive is /dev/null): our mount against squashfuse's.
func BenchmarkReadAll(b *testing.B) {
	app, offset := benchAppImage(b)
	readAll := func(b *testing.B, mnt string) {
		cmd := exec.Command("sh", "-c", "tar -cf - . | cat >/dev/null")
		cmd.Dir = mnt
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tar: %v\n%s", err, out)
		}
	}
	b.Run("runtime", func(b *testing.B) {
		b.SetBytes(benchPayloadSize)
		for b.Loop() {
			b.StopTimer()
			cmd := exec.Command(app, "--appimage-mount")
			out, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			mnt := strings.TrimSpace(line)
			b.StartTimer()
			readAll(b, mnt)
			b.StopTimer()
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			waitGone(b, mnt)
			b.StartTimer()
		}
	})
	b.Run("squashfuse", func(b *testing.B) {
		squashfuse := testutil.Tool(b, "squashfuse")
		b.SetBytes(benchPayloadSize)
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
