package squashfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
)

// writerSuperblock reads the superblock of the image at img (at offset).
func writerSuperblock(t *testing.T, img string, offset int64) Superblock {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, SuperblockSize)
	if _, err := f.ReadAt(b, offset); err != nil {
		t.Fatal(err)
	}
	var sb Superblock
	if err := sb.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return sb
}

func TestWriterDeterministic(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	one := writerSHA(t, writerPack(t, src, WriterOptions{Workers: 1, KeepOwners: true}))
	runtime.GOMAXPROCS(8)
	eight := writerSHA(t, writerPack(t, src, WriterOptions{Workers: 8, KeepOwners: true}))
	if one != eight {
		t.Errorf("sha256 with 1 worker %s, with 8 workers %s; want equal", one, eight)
	}
	fsys := writerSHA(t, writerPackFS(t, os.DirFS(src)))
	if fsys != one {
		t.Errorf("sha256 of AddFS(os.DirFS) %s, of AddDir %s; want equal", fsys, one)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		if got := writerSHA(t, writerPackShuffled(t, src, seed)); got != one {
			t.Errorf("sha256 with entries added in shuffled order (seed %d) %s, in walk order %s; want equal", seed, got, one)
		}
	}
}

func writerPackFS(t *testing.T, fsys fs.FS) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "fs.sqfs")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, WriterOptions{KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddFS(fsys); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return img
}

// writerPackShuffled adds the entries of src with Add, in a shuffled order
// (hard links last, pointing at the first name in byte order).
func writerPackShuffled(t *testing.T, src string, seed uint64) string {
	t.Helper()
	var entries, links []Entry
	first := map[[2]uint64]string{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			k := [2]uint64{st.Dev, st.Ino}
			if f, ok := first[k]; ok {
				links = append(links, Entry{Path: rel, Link: f})
				return nil
			}
			first[k] = rel
		}
		e := Entry{Path: rel, Mode: fi.Mode(), ModTime: fi.ModTime(), UID: st.Uid, GID: st.Gid, Rdev: st.Rdev, Size: fi.Size()}
		if fi.Mode().IsRegular() {
			e.Open = func() (io.ReadCloser, error) { return os.Open(p) }
		}
		if fi.Mode().Type() == fs.ModeSymlink {
			e.Symlink, _ = os.Readlink(p)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	img := filepath.Join(t.TempDir(), "shuffled.sqfs")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, WriterOptions{KeepOwners: true, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range append(entries, links...) {
		if err := w.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return img
}

func TestWriterTimes(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 5})
	var newest time.Time
	var mtimes []time.Time
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		fi, _ := os.Lstat(p)
		if fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
		mtimes = append(mtimes, fi.ModTime())
		return nil
	})
	sort.Slice(mtimes, func(i, j int) bool { return mtimes[i].Before(mtimes[j]) })

	t.Run("newest mtime", func(t *testing.T) {
		img := writerPack(t, src, WriterOptions{})
		if got := writerSuperblock(t, img, 0).ModTime; int64(got) != newest.Unix() {
			t.Errorf("image time %d, want the newest mtime %d", got, newest.Unix())
		}
	})
	t.Run("SOURCE_DATE_EPOCH", func(t *testing.T) {
		epoch := mtimes[len(mtimes)/2]
		t.Setenv("SOURCE_DATE_EPOCH", fmt.Sprint(epoch.Unix()))
		sde, ok, err := SourceDateEpoch()
		if err != nil || !ok || !sde.Equal(epoch) {
			t.Fatalf("SourceDateEpoch() = %v, %v, %v; want %v, true, nil", sde, ok, err, epoch)
		}
		img := writerPack(t, src, WriterOptions{ModTime: sde, Clamp: true})
		if got := writerSuperblock(t, img, 0).ModTime; int64(got) != epoch.Unix() {
			t.Errorf("image time %d, want %d", got, epoch.Unix())
		}
		out := filepath.Join(t.TempDir(), "x")
		writerRun(t, unsquashfs, "-q", "-n", "-d", out, img)
		clamped, kept := 0, 0
		filepath.WalkDir(src, func(p string, d fs.DirEntry, _ error) error {
			rel, _ := filepath.Rel(src, p)
			want, _ := os.Lstat(p)
			got, err := os.Lstat(filepath.Join(out, rel))
			if err != nil {
				t.Errorf("%q: not extracted: %v", rel, err)
				return nil
			}
			w := want.ModTime()
			if w.After(epoch) {
				w = epoch
				clamped++
			} else {
				kept++
			}
			if !got.ModTime().Equal(w) {
				t.Errorf("%q: mtime %v, want %v", rel, got.ModTime(), w)
			}
			return nil
		})
		if clamped == 0 || kept == 0 {
			t.Errorf("%d mtimes clamped, %d kept; the test wants some of each", clamped, kept)
		}
	})
	t.Run("malformed SOURCE_DATE_EPOCH", func(t *testing.T) {
		for _, v := range []string{"yesterday", "-1", "1.5", "99999999999"} {
			t.Setenv("SOURCE_DATE_EPOCH", v)
			if _, _, err := SourceDateEpoch(); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
				t.Errorf("SOURCE_DATE_EPOCH=%q: error %v, want one naming the variable", v, err)
			}
		}
		t.Setenv("SOURCE_DATE_EPOCH", "")
		if _, ok, err := SourceDateEpoch(); ok || err != nil {
			t.Errorf("empty SOURCE_DATE_EPOCH: ok %v, err %v; want false, nil", ok, err)
		}
	})
}

// TestWriterOffset writes an image after other bytes, as in an AppImage.
func TestWriterOffset(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 10})
	const offset = 12345
	img := filepath.Join(t.TempDir(), "offset.img")
	prefix := []byte(strings.Repeat("runtime!", offset/8+1))[:offset]
	if err := os.WriteFile(img, prefix, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(io.NewOffsetWriter(f, offset), WriterOptions{Compression: GZIP, KeepOwners: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddDir(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	fi, _ := os.Stat(img)
	if fi.Size() != offset+w.Size() {
		t.Errorf("file size %d, want offset + Size() = %d", fi.Size(), offset+w.Size())
	}
	head, _ := os.ReadFile(img)
	if string(head[:offset]) != string(prefix) {
		t.Error("bytes before the offset changed")
	}
	out := filepath.Join(t.TempDir(), "x")
	writerRun(t, unsquashfs, "-q", "-n", "-o", fmt.Sprint(offset), "-d", out, img)
	testutil.CompareTrees(t, src, out, testutil.CompareOptions{MTimes: true})
	t.Run("kernel", func(t *testing.T) {
		testutil.Root(t)
		testutil.CompareTrees(t, src, writerMount(t, img, offset), testutil.CompareOptions{Owners: true, MTimes: true})
	})
}

// TestWriterLayouts covers block sizes, fragments off and a large
// directory (many headers and index entries) through the kernel.
func TestWriterLayouts(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 2000})
	cases := []struct {
		name string
		opts WriterOptions
	}{
		{"4K blocks", WriterOptions{BlockSize: 4096, Compression: GZIP, Level: 1}},
		{"1M blocks", WriterOptions{BlockSize: 1 << 20, Level: 3}},
		{"no fragments", WriterOptions{NoFragments: true, Compression: LZ4, Level: 4}},
		{"xz 4K blocks", WriterOptions{BlockSize: 4096, Compression: XZ}},
		{"zstd 64K level 22", WriterOptions{BlockSize: 64 << 10, Level: 22}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.KeepOwners = true
			img := writerPack(t, src, c.opts)
			out := filepath.Join(t.TempDir(), "x")
			writerRun(t, unsquashfs, "-q", "-n", "-d", out, img)
			testutil.CompareTrees(t, src, out, testutil.CompareOptions{MTimes: true})
			if c.opts.NoFragments {
				if sb := writerSuperblock(t, img, 0); sb.FragmentCount != 0 {
					t.Errorf("%d fragment blocks, want 0", sb.FragmentCount)
				}
			}
			t.Run("kernel", func(t *testing.T) {
				testutil.Root(t)
				testutil.CompareTrees(t, src, writerMount(t, img, 0), testutil.CompareOptions{Owners: true, MTimes: true})
			})
		})
	}
}

// TestWriterOwners checks that owners are root unless KeepOwners is set.
func TestWriterOwners(t *testing.T) {
	testutil.Root(t)
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 1})
	mnt := writerMount(t, writerPack(t, src, WriterOptions{Compression: GZIP}), 0)
	filepath.WalkDir(mnt, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(p)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: owner %d:%d, want 0:0", p, st.Uid, st.Gid)
		}
		return nil
	})
}

func TestWriterErrors(t *testing.T) {
	file := func(p, content string) Entry {
		return Entry{Path: p, Mode: 0o644, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(content)), nil
		}}
	}
	cases := []struct {
		name    string
		entries []Entry
		want    string // in the error of Add or Close
	}{
		{"name too long", []Entry{file(strings.Repeat("n", 257), "x")}, "at most 256"},
		{"absolute path", []Entry{file("/etc/passwd", "x")}, "relative"},
		{"dot dot", []Entry{file("a/../b", "x")}, `".."`},
		{"empty element", []Entry{file("a//b", "x")}, "empty"},
		{"twice", []Entry{file("a", "x"), file("a", "y")}, "added twice"},
		{"parent is a file", []Entry{file("a", "x"), file("a/b", "y")}, "not a directory"},
		{"link to nothing", []Entry{{Path: "l", Link: "missing"}}, `"missing"`},
		{"link to a directory", []Entry{{Path: "d", Mode: fs.ModeDir | 0o755}, {Path: "l", Link: "d"}}, "not a regular file"},
		{"long symlink", []Entry{{Path: "s", Mode: fs.ModeSymlink | 0o777, Symlink: strings.Repeat("x", 4096)}}, "4095"},
		{"device number", []Entry{{Path: "d", Mode: fs.ModeDevice | 0o600, Rdev: 1 << 44}}, "too large"},
		{"open fails", []Entry{{Path: "f", Mode: 0o644, Size: 3, Open: func() (io.ReadCloser, error) { return nil, errors.New("boom") }}}, `f: boom`},
		{"shorter than Size", []Entry{{Path: "f", Mode: 0o644, Size: 300000, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("short")), nil
		}}}, "f: file shrank"},
		{"longer than Size", []Entry{{Path: "f", Mode: 0o644, Size: 2, Open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("longer")), nil
		}}}, "f: file grew"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := NewWriter(discardAt{}, WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range c.entries {
				if err = w.Add(e); err != nil {
					break
				}
			}
			if err == nil {
				err = w.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestWriterOptionErrors(t *testing.T) {
	cases := []struct {
		opts WriterOptions
		want string
	}{
		{WriterOptions{BlockSize: 3000}, "block size 3000"},
		{WriterOptions{BlockSize: 2 << 20}, "block size"},
		{WriterOptions{Level: 23}, "zstd level 23"},
		{WriterOptions{Compression: GZIP, Level: 10}, "gzip level 10"},
		{WriterOptions{Compression: XZ, Level: 6}, "xz takes no level"},
		{WriterOptions{Compression: LZO}, "cannot compress with lzo"},
		{WriterOptions{Clamp: true}, "Clamp needs ModTime"},
	}
	for _, c := range cases {
		if _, err := NewWriter(discardAt{}, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewWriter(%+v): error %v, want one containing %q", c.opts, err, c.want)
		}
	}
}

// TestWriterDiskErrors changes files on disk between AddDir and Close.
func TestWriterDiskErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(path string) error
		want   string
	}{
		{"vanished", os.Remove, "no such file"},
		{"shrank", func(p string) error { return os.Truncate(p, 100) }, "shrank"},
		{"grew", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte("more"))
			return err
		}, "grew"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "sub", "victim")
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, make([]byte, 200000), 0o644); err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(discardAt{}, WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddDir(dir); err != nil {
				t.Fatal(err)
			}
			if err := c.change(p); err != nil {
				t.Fatal(err)
			}
			err = w.Close()
			if err == nil || !strings.Contains(err.Error(), "sub/victim") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Close: %v, want an error naming sub/victim and containing %q", err, c.want)
			}
		})
	}
	t.Run("not a directory", func(t *testing.T) {
		w, _ := NewWriter(discardAt{}, WriterOptions{})
		if err := w.AddDir(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("AddDir of a missing directory: %v, want an error naming it", err)
		}
	})
}

// discardAt is an io.WriterAt that drops everything.
type discardAt struct{}

func (discardAt) WriteAt(p []byte, off int64) (int, error) { return len(p), nil }

func TestWriterProgress(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 5})
	var calls int
	var last, total int64
	w, err := NewWriter(discardAt{}, WriterOptions{Progress: func(done, tot int64) {
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		calls++
		last, total = done, tot
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddDir(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total || total == 0 {
		t.Errorf("%d progress calls, last %d of %d; want calls ending at the total", calls, last, total)
	}
}

// patternReader yields n bytes of a cheap, non-zero, repeating pattern.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n-p.off)]
	for i := range b {
		b[i] = byte((p.off+int64(i))%251) | 1
	}
	p.off += int64(len(b))
	return len(b), nil
}

// TestWriterBoundedMemory streams a 1 GiB file and checks that the live
// heap never holds more than a few blocks' worth of it.
func TestWriterBoundedMemory(t *testing.T) {
	const size = 1 << 30
	var base runtime.MemStats
	runtime.GC()
	runtime.GC() // the second collection also empties sync.Pools
	runtime.ReadMemStats(&base)
	var peak uint64
	calls := 0
	w, err := NewWriter(discardAt{}, WriterOptions{Compression: Uncompressed, Workers: 4, Progress: func(done, total int64) {
		if calls++; calls%256 == 0 {
			// What stays reachable: garbage depends on the collector's
			// pace (and on the race detector, which defeats sync.Pool).
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(ms.HeapAlloc, base.HeapAlloc))
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Add(Entry{Path: "big", Mode: 0o644, Size: size, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(&patternReader{n: size}), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("peak growth of the live heap: %.1f MiB", float64(peak)/(1<<20))
	if calls < 256 || peak > 32<<20 {
		t.Errorf("live heap grew by %d MiB while writing a 1 GiB file (%d progress calls), want under 32 MiB", peak>>20, calls)
	}
}
