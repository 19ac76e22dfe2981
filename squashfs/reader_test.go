package squashfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/goappimage/goappimage/internal/testutil"
	"golang.org/x/sys/unix"
)

// mksquashfsCompressors are the compressors of mksquashfs 4.5.1 that the
// reader supports: all of them.
var mksquashfsCompressors = []string{"gzip", "xz", "lz4", "zstd", "lzo", "lzma"}

// mksquashfs makes an image of src with the given extra options and
// returns its path.
func mksquashfs(t testing.TB, src string, args ...string) string {
	t.Helper()
	tool := testutil.Tool(t, "mksquashfs")
	img := filepath.Join(t.TempDir(), "image.sqfs")
	cmd := exec.Command(tool, append([]string{src, img, "-noappend", "-no-progress", "-quiet"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs %v: %v\n%s", args, err, out)
	}
	return img
}

// openImage opens the image at path with NewReader.
func openImage(t testing.TB, path string) *Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(f, st.Size())
	if err != nil {
		t.Fatalf("NewReader(%s) = %v", path, err)
	}
	return r
}

// compareWithSource checks every object of the tree at src against the
// image: type, permissions, owners, mtime, size, content, symlink target,
// device number and hard links (unless hardLinks is false, for writers
// that store each name as a file of its own); and that the image holds
// nothing more.
func compareWithSource(t *testing.T, r *Reader, src string, hardLinks bool) {
	t.Helper()
	seen := map[string]bool{}
	links := map[uint64]uint32{} // source inode -> image inode number
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		want, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := want.Sys().(*syscall.Stat_t)
		got, err := r.Lstat(rel)
		if err != nil {
			t.Errorf("Lstat(%q) = %v", rel, err)
			return nil
		}
		ino := got.Sys().(*Inode)
		if got.Mode() != want.Mode() {
			t.Errorf("%q: mode got %v, want %v", rel, got.Mode(), want.Mode())
		}
		if ino.UID != st.Uid || ino.GID != st.Gid {
			t.Errorf("%q: owner got %d:%d, want %d:%d", rel, ino.UID, ino.GID, st.Uid, st.Gid)
		}
		if rel != "." && !got.ModTime().Equal(want.ModTime().Truncate(1e9)) {
			t.Errorf("%q: mtime got %v, want %v", rel, got.ModTime(), want.ModTime())
		}
		switch want.Mode().Type() {
		case 0:
			if got.Size() != want.Size() {
				t.Errorf("%q: size got %d, want %d", rel, got.Size(), want.Size())
			}
			if hardLinks && ino.Nlink != uint32(st.Nlink) {
				t.Errorf("%q: nlink got %d, want %d", rel, ino.Nlink, st.Nlink)
			}
			if hardLinks && st.Nlink > 1 {
				if n, ok := links[st.Ino]; ok && n != ino.Number {
					t.Errorf("%q: hard link has inode %d, want %d", rel, ino.Number, n)
				}
				links[st.Ino] = ino.Number
			}
			wantData, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			gotData, err := fs.ReadFile(r, rel)
			if err != nil {
				t.Errorf("ReadFile(%q) = %v", rel, err)
			} else if !bytes.Equal(gotData, wantData) {
				t.Errorf("%q: content differs (%d bytes, want %d)", rel, len(gotData), len(wantData))
			}
		case fs.ModeSymlink:
			wantT, _ := os.Readlink(p)
			gotT, err := r.ReadLink(rel)
			if err != nil || gotT != wantT {
				t.Errorf("ReadLink(%q) = %q, %v; want %q", rel, gotT, err, wantT)
			}
		case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
			if ino.Rdev != st.Rdev {
				t.Errorf("%q: rdev got %#x, want %#x", rel, ino.Rdev, st.Rdev)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !seen[p] {
			t.Errorf("image holds %q, which is not in the source", p)
		}
		return nil
	})
	if err != nil {
		t.Errorf("walking the image: %v", err)
	}
}

func TestReaderMksquashfsCompressors(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	for _, comp := range mksquashfsCompressors {
		t.Run(comp, func(t *testing.T) {
			img := mksquashfs(t, src, "-comp", comp)
			r := openImage(t, img)
			if got := r.Superblock().Compression.String(); got != comp {
				t.Errorf("compression got %s, want %s", got, comp)
			}
			compareWithSource(t, r, src, true)
		})
	}
}

// TestReaderMksquashfsOptions reads images made with the options that
// change the layout: tail-ends in fragments, no fragments, no exports,
// uncompressed tables and data, small and large blocks, no duplicates.
func TestReaderMksquashfsOptions(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	for _, args := range [][]string{
		{"-comp", "zstd", "-always-use-fragments"},
		{"-comp", "gzip", "-no-fragments"},
		{"-comp", "xz", "-no-exports", "-no-xattrs"},
		{"-comp", "gzip", "-noI", "-noD", "-noF", "-noX", "-noId"},
		{"-comp", "lz4", "-Xhc", "-b", "4K"},
		{"-comp", "zstd", "-b", "1M", "-no-duplicates"},
		{"-comp", "xz", "-Xbcj", "x86", "-Xdict-size", "50%"},
		{"-comp", "gzip", "-Xcompression-level", "1", "-Xwindow-size", "8"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := openImage(t, mksquashfs(t, src, args...))
			compareWithSource(t, r, src, true)
		})
	}
}

func TestReaderFSTest(t *testing.T) {
	src := t.TempDir()
	for name, data := range map[string]string{
		"a.txt": "hello", "dir/b.txt": strings.Repeat("b", 300000), "dir/sub/c": "", "dir/sub/d": "ddd",
	} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("dir/b.txt", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(src, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := openImage(t, mksquashfs(t, src, "-comp", "zstd"))
	if err := fstest.TestFS(r, "a.txt", "dir/b.txt", "dir/sub/c", "dir/sub/d", "link", "empty"); err != nil {
		t.Error(err)
	}
}

// TestReaderSymlinks checks how Open resolves symlinks inside the image.
func TestReaderSymlinks(t *testing.T) {
	src := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "d/e"), 0o755))
	must(os.WriteFile(filepath.Join(src, "d/e/f"), []byte("data"), 0o644))
	must(os.Symlink("d/e", filepath.Join(src, "rel")))
	must(os.Symlink("/d/e/f", filepath.Join(src, "abs")))
	must(os.Symlink("../../outside", filepath.Join(src, "d/escape")))
	must(os.Symlink("loop", filepath.Join(src, "loop")))
	r := openImage(t, mksquashfs(t, src))
	for _, tc := range []struct {
		name    string
		want    string
		wantErr bool
	}{
		{name: "rel/f", want: "data"},
		{name: "abs", want: "data"},
		{name: "d/escape", wantErr: true},
		{name: "loop", wantErr: true},
		{name: "d/e/f/g", wantErr: true},
		{name: "missing", wantErr: true},
	} {
		got, err := fs.ReadFile(r, tc.name)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ReadFile(%q) = %q, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("ReadFile(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := r.Open("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want fs.ErrNotExist", err)
	}
}

// TestReaderReadAtSeek reads a multi-block file at scattered offsets and
// through Seek, concurrently.
func TestReaderReadAtSeek(t *testing.T) {
	src := t.TempDir()
	data := make([]byte, 5*4096+123)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	if err := os.WriteFile(filepath.Join(src, "f"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := openImage(t, mksquashfs(t, src, "-b", "4K", "-comp", "lz4"))
	f, err := r.Open("f")
	if err != nil {
		t.Fatal(err)
	}
	file := f.(*File)
	done := make(chan error)
	for w := 0; w < 4; w++ {
		go func(w int) {
			buf := make([]byte, 1000)
			for off := int64(w * 13); off < int64(len(data)); off += 997 {
				n, err := file.ReadAt(buf, off)
				if err != nil && err != io.EOF {
					done <- err
					return
				}
				if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
					done <- errors.New("ReadAt returned wrong bytes")
					return
				}
			}
			done <- nil
		}(w)
	}
	for w := 0; w < 4; w++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if _, err := file.Seek(-100, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(file)
	if err != nil || !bytes.Equal(rest, data[len(data)-100:]) {
		t.Errorf("read after Seek(-100, SeekEnd) = %d bytes, %v", len(rest), err)
	}
	if n, err := file.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at end = %d, %v; want 0, EOF", n, err)
	}
}

// TestReaderXattrs reads extended attributes of every stored prefix
// ("security." needs root), including a value long enough that mksquashfs
// may store it out of line when repeated.
func TestReaderXattrs(t *testing.T) {
	src := t.TempDir()
	long := bytes.Repeat([]byte("v"), 3000)
	want := map[string]map[string][]byte{
		"a": {"user.one": []byte("1"), "user.long": long},
		"b": {"user.long": long},
		"d": {"user.dir": []byte("dir value")},
	}
	if os.Geteuid() == 0 {
		want["a"]["trusted.t"] = []byte("trusted value")
		want["a"]["security.s"] = []byte("security value")
	}
	for name, attrs := range want {
		p := filepath.Join(src, name)
		var err error
		if name == "d" {
			err = os.Mkdir(p, 0o755)
		} else {
			err = os.WriteFile(p, []byte(name), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range attrs {
			if err := unix.Lsetxattr(p, k, v, 0); err != nil {
				t.Skipf("the temporary directory does not take xattr %s: %v", k, err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(src, "none"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := openImage(t, mksquashfs(t, src, "-comp", "gzip"))
	for name, attrs := range want {
		fi, err := r.Lstat(name)
		if err != nil {
			t.Fatal(err)
		}
		got := fi.Sys().(*Inode).Xattrs
		if len(got) != len(attrs) {
			t.Errorf("%s: got %d xattrs %v, want %d", name, len(got), got, len(attrs))
		}
		for k, v := range attrs {
			if !bytes.Equal(got[k], v) {
				t.Errorf("%s: xattr %s got %q, want %q", name, k, got[k], v)
			}
		}
	}
	fi, err := r.Lstat("none")
	if err != nil {
		t.Fatal(err)
	}
	if x := fi.Sys().(*Inode).Xattrs; x != nil {
		t.Errorf("none: xattrs got %v, want nil", x)
	}
}

// TestReaderDirectoryIndex looks names up in a directory large enough to
// have an index, through the index (uncached) and through the decoded
// listing (cached), and checks both agree with the listing.
func TestReaderDirectoryIndex(t *testing.T) {
	src := t.TempDir()
	var names []string
	for i := 0; i < 2000; i++ {
		n := fmt.Sprintf("file-%04d-%s", i, strings.Repeat("x", i%40))
		names = append(names, n)
		if err := os.WriteFile(filepath.Join(src, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := mksquashfs(t, src)
	r := openImage(t, img)
	if r.root.dirLen <= indexedLookupMin {
		t.Fatalf("root listing of %d bytes is too small to be searched through its index", r.root.dirLen)
	}
	if len(r.root.dirIndex) < 2 {
		t.Fatalf("root directory has %d index entries, want several", len(r.root.dirIndex))
	}
	probe := append([]string{"", "a", "file-", "file-9999", "zzz", "file-0500-"}, names...)
	for pass, cached := range []bool{false, true} {
		if cached {
			if _, err := r.readDir(r.root); err != nil {
				t.Fatal(err)
			}
		}
		for i, n := range probe {
			e, ok, err := r.lookup(r.root, n)
			wantOK := i >= 6
			if err != nil || ok != wantOK || (ok && e.name != n) {
				t.Errorf("pass %d: lookup(%q) = %q, %v, %v; want found=%v", pass, n, e.name, ok, err, wantOK)
			}
		}
	}
	// A fresh reader: every lookup goes through the index.
	r = openImage(t, img)
	entries, err := r.ReadDir(".")
	if err != nil || len(entries) != len(names) {
		t.Fatalf("ReadDir = %d entries, %v; want %d", len(entries), err, len(names))
	}
}

// TestReaderGensquashfs reads images of the fixture tree made by
// squashfs-tools-ng, whose layout differs from mksquashfs's (tail packing,
// root parent inode 0, no export table unless asked).
func TestReaderGensquashfs(t *testing.T) {
	tool := testutil.Tool(t, "gensquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{})
	for _, args := range [][]string{{"-c", "xz"}, {"-c", "zstd", "-e"}, {"-c", "gzip", "-b", "4096"}, {"-c", "lz4"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "image.sqfs")
			cmd := exec.Command(tool, append([]string{"--pack-dir", src, "--keep-time", "-q", "-f", img}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("gensquashfs %v: %v\n%s", args, err, out)
			}
			compareWithSource(t, openImage(t, img), src, false) // gensquashfs 1.2 stores hard links as copies
		})
	}
}

// TestReaderConcurrent walks and reads one Reader from several goroutines
// at once, as a FUSE server does, with small caches being shared.
func TestReaderConcurrent(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 50})
	r := openImage(t, mksquashfs(t, src, "-comp", "zstd", "-b", "16K"))
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			errs <- fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() {
					return err
				}
				got, err := fs.ReadFile(r, p)
				if err != nil {
					return err
				}
				want, err := os.ReadFile(filepath.Join(src, p))
				if err != nil {
					return err
				}
				if !bytes.Equal(got, want) {
					return fmt.Errorf("%s: content differs", p)
				}
				return nil
			})
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestReaderNonUTF8Names opens names that are not UTF-8, which Linux and
// squashfs allow, and checks that invalid paths are still refused.
func TestReaderNonUTF8Names(t *testing.T) {
	src := t.TempDir()
	name := "caf\xe9" // Latin-1
	if err := os.Mkdir(filepath.Join(src, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, name, "\xff"), []byte("bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := openImage(t, mksquashfs(t, src))
	entries, err := r.ReadDir(name)
	if err != nil || len(entries) != 1 || entries[0].Name() != "\xff" {
		t.Fatalf("ReadDir(%q) = %v, %v; want one entry %q", name, entries, err, "\xff")
	}
	if data, err := fs.ReadFile(r, name+"/\xff"); err != nil || string(data) != "bytes" {
		t.Errorf("ReadFile = %q, %v; want %q", data, err, "bytes")
	}
	for _, bad := range []string{"", "/" + name, name + "/", name + "/./\xff", name + "/../" + name, "a//b", "a\x00b"} {
		if _, err := r.Open(bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want fs.ErrInvalid", bad, err)
		}
	}
}
