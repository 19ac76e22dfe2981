package squashfs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	diskfile "github.com/diskfs/go-diskfs/backend/file"
	diskfs "github.com/diskfs/go-diskfs/filesystem/squashfs"

	"github.com/goappimage/goappimage/internal/testutil"
)

// packDir writes an image of src with opts to a new file and returns its
// path.
func writerPack(t testing.TB, src string, opts WriterOptions) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "image.sqfs")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddDir(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != w.Size() || w.Size()%4096 != 0 {
		t.Fatalf("image file is %d bytes, Size() says %d; want equal and a multiple of 4096", fi.Size(), w.Size())
	}
	return img
}

func writerRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var witnessCompressors = []struct {
	name string
	c    Compression
}{
	{"zstd", ZSTD}, {"gzip", GZIP}, {"xz", XZ}, {"lz4", LZ4}, {"none", Uncompressed},
}

// TestWriterWitnesses packs the fixture tree with every compressor and
// reads it back with readers we did not write.
func TestWriterWitnesses(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	mksquashfs := testutil.Tool(t, "mksquashfs")
	sqfsdiff := testutil.Tool(t, "sqfsdiff")
	src := testutil.Tree(t, testutil.TreeOptions{Huge: !testing.Short()})
	root := os.Geteuid() == 0
	for _, c := range witnessCompressors {
		t.Run(c.name, func(t *testing.T) {
			tree := src
			if c.c != ZSTD {
				tree = writerWithoutHuge(t, src)
			}
			img := writerPack(t, tree, WriterOptions{Compression: c.c, KeepOwners: true})

			ref := filepath.Join(t.TempDir(), "ref.sqfs")
			writerRun(t, mksquashfs, tree, ref, "-noappend", "-no-progress", "-quiet")

			t.Run("unsquashfs", func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "x")
				writerRun(t, unsquashfs, "-q", "-n", "-d", out, img)
				testutil.CompareTrees(t, tree, out, testutil.CompareOptions{Owners: root, MTimes: true})
				// The long listing (types, modes, owners, sizes including
				// directory sizes, mtimes, names, symlink targets) must be
				// that of mksquashfs's image of the same tree.
				got, want := writerRun(t, unsquashfs, "-lln", img), writerRun(t, unsquashfs, "-lln", ref)
				if got != want {
					gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
					for i := 0; i < max(len(gl), len(wl)); i++ {
						if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
							t.Errorf("unsquashfs -lln differs from mksquashfs's image at line %d:\n got %q\nwant %q", i+1, writerLine(gl, i), writerLine(wl, i))
							break
						}
					}
				}
			})
			t.Run("sqfsdiff", func(t *testing.T) {
				cmd := exec.Command(sqfsdiff, "-T", "-a", ref, "-b", img)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("sqfsdiff against mksquashfs's image: %v\n%s", err, out)
				}
			})
			t.Run("kernel", func(t *testing.T) {
				testutil.Root(t)
				mnt := writerMount(t, img, 0)
				testutil.CompareTrees(t, tree, mnt, testutil.CompareOptions{Owners: true, MTimes: true})
			})
			t.Run("squashfuse", func(t *testing.T) {
				testutil.FUSE(t)
				mnt := writerSquashfuse(t, img, 0)
				testutil.CompareTrees(t, tree, mnt, testutil.CompareOptions{Owners: root, MTimes: true, SkipRootMeta: true, SkipHardLinks: true})
			})
			t.Run("go-diskfs", func(t *testing.T) {
				if c.c == LZ4 {
					t.Skip("go-diskfs reads LZ4 as frames, not the raw blocks squashfs stores (known bug, see squashfs.md)")
				}
				writerCompareDiskfs(t, tree, img)
			})
		})
	}
}

// withoutHuge returns src, or a copy of it without the 4 GiB file, so that
// only one compressor pays for reading it.
func writerWithoutHuge(t *testing.T, src string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(src, "huge")); err != nil {
		return src
	}
	dst := filepath.Join(t.TempDir(), "tree")
	writerRun(t, "cp", "-a", src, dst)
	if err := os.RemoveAll(filepath.Join(dst, "huge")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dst, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	return dst
}

func writerLine(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end)"
}

// mount loop-mounts img (at offset) read-only with the kernel driver.
func writerMount(t *testing.T, img string, offset int64) string {
	t.Helper()
	mnt := t.TempDir()
	opts := "loop,ro"
	if offset > 0 {
		opts += ",offset=" + strconv.FormatInt(offset, 10)
	}
	writerRun(t, "mount", "-t", "squashfs", "-o", opts, img, mnt)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount: %v\n%s", err, out)
		}
	})
	return mnt
}

// squashfuse mounts img (at offset) with squashfuse.
func writerSquashfuse(t *testing.T, img string, offset int64) string {
	t.Helper()
	bin := testutil.Tool(t, "squashfuse")
	fusermount := testutil.Tool(t, "fusermount3")
	mnt := t.TempDir()
	args := []string{img, mnt}
	if offset > 0 {
		args = []string{"-o", "offset=" + strconv.FormatInt(offset, 10), img, mnt}
	}
	writerRun(t, bin, args...)
	t.Cleanup(func() {
		if out, err := exec.Command(fusermount, "-u", mnt).CombinedOutput(); err != nil {
			t.Errorf("fusermount3 -u: %v\n%s", err, out)
		}
	})
	return mnt
}

// compareDiskfs reads every regular file and directory of img with
// go-diskfs and compares it with the tree at src.
func writerCompareDiskfs(t *testing.T, src, img string) {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	sfs, err := diskfs.Read(diskfile.New(f, true), fi.Size(), 0, 0)
	if err != nil {
		t.Fatalf("go-diskfs: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			ents, err := sfs.ReadDir(rel)
			if err != nil {
				t.Errorf("go-diskfs ReadDir %q: %v", rel, err)
				return nil
			}
			disk, _ := os.ReadDir(p)
			if len(ents) != len(disk) {
				t.Errorf("go-diskfs ReadDir %q: %d entries, want %d", rel, len(ents), len(disk))
			}
		case d.Type().IsRegular():
			if fi, _ := d.Info(); fi.Size() > 1<<30 {
				return nil // go-diskfs reads sparse files block by block: too slow for 4 GiB
			}
			want, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sf, err := sfs.Open(rel)
			if err != nil {
				t.Errorf("go-diskfs Open %q: %v", rel, err)
				return nil
			}
			got, err := io.ReadAll(sf)
			sf.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("go-diskfs %q: content differs (%d bytes, want %d, err %v)", rel, len(got), len(want), err)
			}
			checked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Error("go-diskfs: no file checked")
	}
}

func writerSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
