package squashfs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzReader feeds mutated images to the reader and to Extract. Any input
// must give an image or an error: never a panic, a hang or a file outside
// the destination (exerciseImage checks the last).
//
// The seeds are made at test time by mksquashfs: one tiny tree (a file in
// a fragment, a two-block file, a sparse file, a symlink, a hard link, a
// fifo, nested directories) with each compressor and with uncompressed
// metadata, all with 4 KiB blocks to keep them small.
func FuzzReader(f *testing.F) {
	src := f.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	write("small", []byte("hello"))
	two := make([]byte, 9000)
	for i := range two {
		two[i] = byte(i * 31 / 7)
	}
	write("d/two-blocks", two)
	write("d/e/sparse", append(make([]byte, 12288), 'x'))
	if err := os.Symlink("../small", filepath.Join(src, "d/link")); err != nil {
		f.Fatal(err)
	}
	if err := os.Link(filepath.Join(src, "small"), filepath.Join(src, "d/hard")); err != nil {
		f.Fatal(err)
	}
	// Extended attributes, where the temporary directory takes them.
	_ = unix.Setxattr(filepath.Join(src, "small"), "user.seed", []byte("value"), 0)
	for _, args := range [][]string{
		{"-comp", "gzip"},
		{"-comp", "zstd"},
		{"-comp", "xz"},
		{"-comp", "lz4"},
		{"-comp", "lzo"},
		{"-noI", "-noD", "-noF", "-noX", "-always-use-fragments"},
	} {
		img, err := os.ReadFile(mksquashfs(f, src, append(args, "-b", "4K")...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(img)
	}
	f.Fuzz(func(t *testing.T, img []byte) {
		_ = exerciseImage(t, img)
	})
}
