package testutil

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TreeOptions selects the costly or privileged parts of the fixture tree.
type TreeOptions struct {
	// Huge adds "huge/sparse-4g", a sparse file of 4 GiB + 70000 bytes
	// with data at its start, in its middle and at its end. It costs
	// almost nothing on disk but every reader has to walk 4 GiB.
	Huge bool
	// ManyEntries is the number of files in "many/" (0 means 300, enough
	// for a directory index and for several directory headers).
	ManyEntries int
}

// fixtureEpoch is the base of every mtime in the fixture (2021-01-01).
const fixtureEpoch = 1609459200

// Tree builds, in a new temporary directory, a tree holding every case a
// squashfs writer must handle, and returns its path:
//
//   - nested and empty directories, a directory of ManyEntries files with
//     long names (directory index, several headers), unusual permissions
//     (setuid, setgid, sticky, read-only);
//   - regular files: empty, small (fragments), exactly 128 KiB, several
//     blocks with a tail, incompressible and compressible data, duplicates
//     (large and small), a sparse file with whole zero blocks, and with
//     TreeOptions.Huge a sparse file of more than 4 GiB;
//   - hard links (three names for one file, across directories);
//   - symlinks: relative, absolute, dangling, to a directory, a loop to
//     its own directory, and a 1000-byte target;
//   - names with spaces, UTF-8, a newline, and a 255-byte name;
//   - a fifo and a socket; as root also a character and a block device
//     and files owned by other users.
//
// Every object gets a distinct whole-second mtime. The content is the same
// on every run.
func Tree(t testing.TB, opts TreeOptions) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	if err := BuildTree(root, opts); err != nil {
		t.Fatalf("building fixture tree: %v", err)
	}
	return root
}

// BuildTree writes the fixture tree described at Tree into root, which
// must not exist yet.
func BuildTree(root string, opts TreeOptions) error {
	b := &treeBuilder{root: root, rng: rand.New(rand.NewPCG(1, 2))}
	b.build(opts)
	return b.err
}

type treeBuilder struct {
	root  string
	rng   *rand.Rand
	err   error
	times []timed // applied at the end, deepest first, so directories keep theirs
}

type timed struct {
	path string
	t    time.Time
}

func (b *treeBuilder) p(rel string) string { return filepath.Join(b.root, filepath.FromSlash(rel)) }

func (b *treeBuilder) check(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// stamp records that rel gets the next distinct mtime.
func (b *treeBuilder) stamp(rel string) {
	sec := int64(fixtureEpoch + 3600*len(b.times))
	b.times = append(b.times, timed{b.p(rel), time.Unix(sec, 0)})
}

func (b *treeBuilder) dir(rel string, perm fs.FileMode) {
	b.check(os.MkdirAll(b.p(rel), 0o755))
	b.check(os.Chmod(b.p(rel), perm))
	b.stamp(rel)
}

func (b *treeBuilder) file(rel string, data []byte, perm fs.FileMode) {
	b.check(os.WriteFile(b.p(rel), data, 0o644))
	b.check(os.Chmod(b.p(rel), perm))
	b.stamp(rel)
}

func (b *treeBuilder) symlink(rel, target string) {
	b.check(os.Symlink(target, b.p(rel)))
	b.stamp(rel)
}

func (b *treeBuilder) random(n int) []byte {
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(b.rng.Uint32())
	}
	return buf
}

func text(n int) []byte {
	var buf bytes.Buffer
	for i := 0; buf.Len() < n; i++ {
		fmt.Fprintf(&buf, "line %d: the quick brown fox jumps over the lazy dog %d times\n", i, i*7%13)
	}
	return buf.Bytes()[:n]
}

func (b *treeBuilder) build(opts TreeOptions) {
	const kib = 1 << 10
	b.check(os.MkdirAll(b.root, 0o755))
	b.dir("empty", 0o755)
	b.dir("a/b/c/d", 0o755)
	b.dir("a/b/c", 0o750)
	b.dir("a/b", 0o755)
	b.dir("a", 0o755)
	b.dir("perms", 0o755)
	b.dir("perms/sticky", 0o1777)
	b.dir("perms/readonly-dir", 0o555)
	b.file("perms/setuid", text(100), 0o4755)
	b.file("perms/setgid", text(101), 0o2755)
	b.file("perms/private", text(102), 0o600)
	b.file("perms/readonly", text(103), 0o444)

	b.dir("files", 0o755)
	b.file("files/empty", nil, 0o644)
	b.file("files/one-byte", []byte("x"), 0o644)
	b.file("files/small.txt", text(3000), 0o644)
	b.file("files/block", b.random(128*kib), 0o644)
	b.file("files/multi-with-tail", b.random(3*128*kib+12345), 0o755)
	b.file("files/compressible", text(700*kib+3), 0o644)
	b.dir("files/a/deep", 0o755)
	b.dir("files/a", 0o755)
	b.file("files/a/deep/small", text(10), 0o644)
	big := b.random(300*kib + 777)
	b.file("files/dup-big-1", big, 0o644)
	b.file("files/dup-big-2", big, 0o600)
	b.file("files/a/dup-big-3", big, 0o644)
	b.file("files/dup-small-1", text(5000), 0o644)
	b.file("files/dup-small-2", text(5000), 0o644)
	b.file("files/same-size-other", b.random(300*kib+777), 0o644) // same size as dup-big, other content
	b.file("files/zeros", make([]byte, 256*kib), 0o644)

	// A sparse file: data, four whole zero blocks of 128 KiB (a hole), data.
	sparse := b.p("files/sparse")
	b.check(os.WriteFile(sparse, b.random(200*kib), 0o644))
	b.appendAt(sparse, 200*kib+4*128*kib+56*kib, b.random(60*kib+5))
	b.stamp("files/sparse")

	b.dir("links", 0o755)
	b.file("links/original", b.random(150*kib), 0o644)
	b.check(os.Link(b.p("links/original"), b.p("links/second")))
	b.check(os.Link(b.p("links/original"), b.p("files/third-name")))
	b.file("links/small-original", text(77), 0o644)
	b.check(os.Link(b.p("links/small-original"), b.p("links/small-second")))
	b.symlink("links/relative", "original")
	b.symlink("links/absolute", "/usr/bin/env")
	b.symlink("links/dangling", "does/not/exist")
	b.symlink("links/to-dir", "../a/b")
	b.symlink("links/loop", ".")
	b.symlink("links/self-loop", "self-loop")
	b.symlink("links/long-target", strings.Repeat("long/", 200))

	b.dir("names", 0o755)
	b.file("names/with space", text(11), 0o644)
	b.file("names/ünïcödé-文字-🙂", text(12), 0o644)
	b.file("names/new\nline", text(13), 0o644)
	b.file("names/"+strings.Repeat("n", 255), text(14), 0o644)
	b.file("names/-dash", text(15), 0o644)
	b.file("names/Zupper", text(16), 0o644)

	b.dir("special", 0o755)
	b.check(unix.Mkfifo(b.p("special/fifo"), 0o644))
	b.stamp("special/fifo")
	b.check(unix.Mknod(b.p("special/socket"), unix.S_IFSOCK|0o755, 0))
	b.stamp("special/socket")
	if os.Geteuid() == 0 {
		b.check(unix.Mknod(b.p("special/char"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 7))))
		b.stamp("special/char")
		b.check(unix.Mknod(b.p("special/block"), unix.S_IFBLK|0o660, int(unix.Mkdev(259, 300))))
		b.stamp("special/block")
		b.file("special/owned", text(20), 0o644)
		b.check(os.Lchown(b.p("special/owned"), 1000, 1001))
		b.check(os.Lchown(b.p("special/char"), 0, 6))
		b.check(os.Lchown(b.p("links/relative"), 65534, 65534))
		b.check(os.Lchown(b.p("a/b"), 123456, 7))
	}

	n := opts.ManyEntries
	if n == 0 {
		n = 300
	}
	b.dir("many", 0o755)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("many/entry-with-a-rather-long-name-%05d", i)
		if i%3 == 0 {
			b.dir(name, 0o755)
		} else {
			b.file(name, text(i%50), 0o644)
		}
	}

	if opts.Huge {
		b.dir("huge", 0o755)
		huge := b.p("huge/sparse-4g")
		b.check(os.WriteFile(huge, text(5000), 0o644))
		b.appendAt(huge, 3<<30, b.random(200*kib))
		b.appendAt(huge, 4<<30+70000-777, b.random(777))
		b.stamp("huge/sparse-4g")
	}
	b.stamp(".")

	// Deepest paths first, so that setting a file's time never changes its
	// directory's afterwards.
	sort.SliceStable(b.times, func(i, j int) bool {
		return strings.Count(b.times[i].path, "/") > strings.Count(b.times[j].path, "/")
	})
	for _, tm := range b.times {
		ts := []unix.Timespec{unix.NsecToTimespec(tm.t.UnixNano()), unix.NsecToTimespec(tm.t.UnixNano())}
		b.check(unix.UtimesNanoAt(unix.AT_FDCWD, tm.path, ts, unix.AT_SYMLINK_NOFOLLOW))
	}
}

// appendAt writes data at offset off of an existing file, leaving a hole.
func (b *treeBuilder) appendAt(path string, off int64, data []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		b.check(err)
		return
	}
	_, err = f.WriteAt(data, off)
	b.check(err)
	b.check(f.Close())
}

// CompareOptions selects what CompareTrees checks beyond names, types,
// permissions, content, symlink targets, device numbers and hard links.
type CompareOptions struct {
	Owners        bool // compare uid and gid
	MTimes        bool // compare mtimes (whole seconds) of everything
	SkipLinkTimes bool // with MTimes, do not compare the mtimes of symlinks
	SkipRootMeta  bool // do not compare the mode, owner and mtime of the top directories
	SkipHardLinks bool // do not compare hard-link groups (FUSE file systems number inodes themselves)
}

// CompareTrees reports every difference between the trees at want and got
// as a test error. Symlinks are never followed.
func CompareTrees(t testing.TB, want, got string, o CompareOptions) {
	t.Helper()
	diffs, err := TreeDiff(want, got, o)
	if err != nil {
		t.Fatalf("comparing %s with %s: %v", want, got, err)
	}
	for i, d := range diffs {
		if i == 20 {
			t.Errorf("... and %d more differences", len(diffs)-i)
			break
		}
		t.Error(d)
	}
}

type entry struct {
	info fs.FileInfo
	st   *unix.Stat_t
	path string
}

func scan(root string) (map[string]entry, error) {
	m := map[string]entry{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return fmt.Errorf("lstat %s: %w", path, err)
		}
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		m[filepath.ToSlash(rel)] = entry{info: info, st: &st, path: path}
		return nil
	})
	return m, err
}

// TreeDiff lists the differences between the trees at want and got, in
// path order, as CompareTrees reports them.
func TreeDiff(want, got string, o CompareOptions) ([]string, error) {
	wm, err := scan(want)
	if err != nil {
		return nil, err
	}
	gm, err := scan(got)
	if err != nil {
		return nil, err
	}
	var names []string
	for n := range wm {
		names = append(names, n)
	}
	for n := range gm {
		if _, ok := wm[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	wantGroups, gotGroups := linkGroups(wm), linkGroups(gm)
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	for _, n := range names {
		w, inW := wm[n]
		g, inG := gm[n]
		switch {
		case !inG:
			add("%q: missing", n)
			continue
		case !inW:
			add("%q: unexpected", n)
			continue
		}
		wt, gt := w.info.Mode().Type(), g.info.Mode().Type()
		if wt != gt {
			add("%q: type got %v, want %v", n, gt, wt)
			continue
		}
		meta := n != "." || !o.SkipRootMeta
		if wp, gp := w.st.Mode&0o7777, g.st.Mode&0o7777; meta && wp != gp {
			add("%q: permissions got %#o, want %#o", n, gp, wp)
		}
		if meta && o.Owners && (w.st.Uid != g.st.Uid || w.st.Gid != g.st.Gid) {
			add("%q: owner got %d:%d, want %d:%d", n, g.st.Uid, g.st.Gid, w.st.Uid, w.st.Gid)
		}
		if meta && o.MTimes && !(o.SkipLinkTimes && wt == fs.ModeSymlink) && w.st.Mtim.Sec != g.st.Mtim.Sec {
			add("%q: mtime got %d, want %d", n, g.st.Mtim.Sec, w.st.Mtim.Sec)
		}
		switch wt {
		case fs.ModeSymlink:
			wl, err1 := os.Readlink(w.path)
			gl, err2 := os.Readlink(g.path)
			if err1 != nil || err2 != nil || wl != gl {
				add("%q: symlink target got %q, want %q", n, gl, wl)
			}
		case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
			if w.st.Rdev != g.st.Rdev {
				add("%q: device got %d:%d, want %d:%d", n, unix.Major(g.st.Rdev), unix.Minor(g.st.Rdev), unix.Major(w.st.Rdev), unix.Minor(w.st.Rdev))
			}
		case 0:
			if w.st.Size != g.st.Size {
				add("%q: size got %d, want %d", n, g.st.Size, w.st.Size)
			} else if err := sameContent(w.path, g.path); err != nil {
				add("%q: %v", n, err)
			}
			if !o.SkipHardLinks && wantGroups[n] != gotGroups[n] {
				add("%q: hard-link group got %q, want %q", n, gotGroups[n], wantGroups[n])
			}
		}
	}
	return diffs, nil
}

// linkGroups maps each regular file to the first path (bytewise) of the
// set of paths sharing its inode.
func linkGroups(m map[string]entry) map[string]string {
	type key struct{ dev, ino uint64 }
	first := map[key]string{}
	var names []string
	for n, e := range m {
		if e.info.Mode().IsRegular() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := map[string]string{}
	for _, n := range names {
		k := key{m[n].st.Dev, m[n].st.Ino}
		if _, ok := first[k]; !ok {
			first[k] = n
		}
		out[n] = first[k]
	}
	return out
}

func sameContent(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	var off int64
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			for i := 0; i < min(na, nb); i++ {
				if ba[i] != bb[i] {
					return fmt.Errorf("content differs at byte %d", off+int64(i))
				}
			}
			return fmt.Errorf("content differs at byte %d", off+int64(min(na, nb)))
		}
		off += int64(na)
		if ea == io.EOF || ea == io.ErrUnexpectedEOF {
			if eb == io.EOF || eb == io.ErrUnexpectedEOF {
				return nil
			}
		}
		if ea != nil && ea != io.ErrUnexpectedEOF && ea != io.EOF {
			return ea
		}
		if eb != nil && eb != io.ErrUnexpectedEOF && eb != io.EOF {
			return eb
		}
	}
}
