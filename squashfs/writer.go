package squashfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// WriterOptions configures a Writer. The zero value gives the defaults
// documented per field: zstd level 15, 128 KiB blocks, one worker per CPU,
// fragments on, every inode owned by root, image time = newest mtime.
type WriterOptions struct {
	// Compression is the compressor: ZSTD (the default when 0), GZIP, XZ,
	// LZ4 or Uncompressed. The AppImage runtime reads only zstd and gzip.
	Compression Compression
	// Level is the compression level; 0 means the compressor's default.
	// zstd: 1..22 (default 15); gzip: 1..9 (default 9); lz4: 0 fast,
	// 1..9 high compression; xz and Uncompressed take no level.
	Level int
	// BlockSize is the data block size: a power of two from 4 KiB to
	// 1 MiB; 0 means 128 KiB.
	BlockSize int
	// Workers is the number of goroutines compressing blocks; 0 means
	// GOMAXPROCS. The output does not depend on it.
	Workers int
	// NoFragments stores the tails of files in short blocks of their own
	// instead of packing them together into fragment blocks.
	NoFragments bool
	// KeepOwners keeps the uid and gid of entries. When false (the
	// default) every inode is owned by 0:0, like mksquashfs -root-owned.
	KeepOwners bool
	// ModTime is the image time (the superblock's mkfs time) and the
	// mtime of implied directories. When zero, the image time is the
	// newest mtime of all added entries (the Unix epoch for an image of
	// implied directories only), so it stays a pure function of the input.
	ModTime time.Time
	// Clamp sets every mtime newer than ModTime to ModTime, as
	// SOURCE_DATE_EPOCH asks (see SourceDateEpoch). It needs ModTime.
	Clamp bool
	// Progress, when set, is called from one goroutine as file data is
	// written, with the bytes done and the total to do.
	Progress func(done, total int64)
}

// SourceDateEpoch reads the SOURCE_DATE_EPOCH environment variable
// (https://reproducible-builds.org/specs/source-date-epoch/). ok is false
// when it is unset or empty; a value that is not a non-negative decimal
// integer of seconds is an error. Use it as
//
//	t, ok, err := squashfs.SourceDateEpoch()
//	opts.ModTime, opts.Clamp = t, ok
func SourceDateEpoch() (t time.Time, ok bool, err error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, false, nil
	}
	sec, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970 between 0 and 4294967295", v)
	}
	return time.Unix(int64(sec), 0).UTC(), true, nil
}

// Entry describes one object to put in the image.
type Entry struct {
	// Path is slash-separated and relative to the image root; "." is the
	// root directory itself.
	Path string
	// Mode holds the type bits and the permissions (including setuid,
	// setgid and sticky).
	Mode     fs.FileMode
	UID, GID uint32
	ModTime  time.Time
	// Size is the length of a regular file. The content read through Open
	// must have exactly this length.
	Size int64
	// Symlink is the target of a symbolic link.
	Symlink string
	// Link makes this entry a hard link to the regular file added earlier
	// at that Path; every other field is then ignored.
	Link string
	// Rdev is the device number (as unix.Mkdev makes it) of a character or
	// block device.
	Rdev uint64
	// Open returns the content of a regular file. It may be called more
	// than once (duplicate detection reads a file before compressing it)
	// and is not called for empty files.
	Open func() (io.ReadCloser, error)
}

// Writer writes a squashfs image. Add entries in any order, then Close
// writes the data, the tables and the superblock.
//
// To write the image after other bytes, such as an AppImage runtime, give
// NewWriter io.NewOffsetWriter(f, offset): every position in the image is
// relative to its start, as squashfs requires.
type Writer struct {
	dst    io.WriterAt
	opts   WriterOptions
	spec   *compressorSpec
	nodes  map[string]*wnode
	root   *wnode
	newest int64 // newest mtime of an added entry, in seconds
	hasAny bool
	size   int64
	closed bool
	err    error
}

// wnode is one path of the image being written.
type wnode struct {
	name     string
	path     string
	mode     fs.FileMode
	uid, gid uint32
	mtime    int64 // seconds since the epoch
	size     int64
	symlink  string
	rdev     uint64
	open     func() (io.ReadCloser, error)
	implied  bool     // a parent directory nobody added
	link     *wnode   // for a hard link: the node holding the inode
	nlink    uint32   // on the node holding the inode
	children []*wnode // of a directory, sorted at Close
	parent   *wnode

	ino     uint32 // inode number, 1..N
	ref     uint64 // inode reference once written
	written bool
	data    *wfileData // for regular files: where the content went
}

// NewWriter returns a Writer that writes an image to dst, starting at
// offset 0 of dst.
func NewWriter(dst io.WriterAt, opts WriterOptions) (*Writer, error) {
	if opts.Compression == 0 {
		opts.Compression = ZSTD
	}
	if opts.Level == 0 {
		switch opts.Compression {
		case ZSTD:
			opts.Level = defaultZstdLevel
		case GZIP:
			opts.Level = defaultGzipLevel
		}
	}
	if opts.BlockSize == 0 {
		opts.BlockSize = DefaultBlockSize
	}
	if opts.BlockSize < MinBlockSize || opts.BlockSize > MaxBlockSize || opts.BlockSize&(opts.BlockSize-1) != 0 {
		return nil, fmt.Errorf("squashfs: block size %d is not a power of two between 4 KiB and 1 MiB", opts.BlockSize)
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Clamp && opts.ModTime.IsZero() {
		return nil, errors.New("squashfs: Clamp needs ModTime (the time to clamp to)")
	}
	spec, err := newCompressorSpec(opts.Compression, opts.Level, opts.BlockSize, opts.Workers)
	if err != nil {
		return nil, err
	}
	root := &wnode{name: "", path: ".", mode: fs.ModeDir | 0o755, implied: true}
	return &Writer{
		dst:   dst,
		opts:  opts,
		spec:  spec,
		nodes: map[string]*wnode{".": root},
		root:  root,
	}, nil
}

// Size returns the size of the image including its padding to 4 KiB, once
// Close has returned successfully.
func (w *Writer) Size() int64 { return w.size }

// Add adds one entry. Missing parent directories are implied (mode 0755,
// owner 0:0, the image time); adding them later gives them their own
// attributes.
func (w *Writer) Add(e Entry) error {
	if w.closed {
		return errors.New("squashfs: Add after Close")
	}
	if err := w.add(e); err != nil {
		return fmt.Errorf("squashfs: adding %q: %w", e.Path, err)
	}
	return nil
}

// writerValidPath checks an entry path and returns it cleaned.
func writerValidPath(p string) (string, error) {
	if p == "" || p == "." {
		return ".", nil
	}
	if strings.HasPrefix(p, "/") {
		return "", errors.New("path must be relative")
	}
	for _, el := range strings.Split(p, "/") {
		switch {
		case el == "" || el == "." || el == "..":
			return "", errors.New("path has an empty, \".\" or \"..\" element")
		case len(el) > 256:
			return "", fmt.Errorf("name %.40q... is %d bytes long, squashfs allows at most 256", el, len(el))
		case strings.IndexByte(el, 0) >= 0:
			return "", errors.New("name contains a NUL byte")
		}
	}
	return p, nil
}

func (w *Writer) add(e Entry) error {
	p, err := writerValidPath(e.Path)
	if err != nil {
		return err
	}
	if e.Link != "" {
		return w.addLink(p, e.Link)
	}
	n := &wnode{
		path:    p,
		name:    path.Base(p),
		mode:    e.Mode,
		mtime:   e.ModTime.Unix(),
		symlink: e.Symlink,
		rdev:    e.Rdev,
		open:    e.Open,
		nlink:   1,
	}
	if p == "." {
		n.name = ""
	}
	if w.opts.KeepOwners {
		n.uid, n.gid = e.UID, e.GID
	}
	switch e.Mode.Type() {
	case 0:
		if e.Size < 0 {
			return fmt.Errorf("negative size %d", e.Size)
		}
		if e.Size > 0 && e.Open == nil {
			return errors.New("regular file without Open")
		}
		n.size = e.Size
	case fs.ModeDir, fs.ModeNamedPipe, fs.ModeSocket:
	case fs.ModeSymlink:
		if e.Symlink == "" {
			return errors.New("symlink with an empty target")
		}
		if len(e.Symlink) > 4095 {
			return fmt.Errorf("symlink target is %d bytes long, Linux allows at most 4095", len(e.Symlink))
		}
	case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
		if major, minor := writerDevMajor(e.Rdev), writerDevMinor(e.Rdev); major > 0xfff || minor > 0xfffff {
			return fmt.Errorf("device number %d:%d too large for squashfs (major <= 4095, minor <= 1048575)", major, minor)
		}
	default:
		return fmt.Errorf("unsupported file type %v", e.Mode.Type())
	}
	if p == "." && !n.mode.IsDir() {
		return fmt.Errorf("the root must be a directory, not %v", n.mode.Type())
	}
	if old, ok := w.nodes[p]; ok {
		if !old.implied || !n.mode.IsDir() {
			return errors.New("path added twice")
		}
		old.mode, old.uid, old.gid, old.mtime, old.implied = n.mode, n.uid, n.gid, n.mtime, false
		w.noteTime(n.mtime)
		return nil
	}
	parent, err := w.parentOf(p)
	if err != nil {
		return err
	}
	n.parent = parent
	parent.children = append(parent.children, n)
	w.nodes[p] = n
	w.noteTime(n.mtime)
	return nil
}

func (w *Writer) noteTime(sec int64) {
	if !w.hasAny || sec > w.newest {
		w.newest, w.hasAny = sec, true
	}
}

// parentOf returns the directory holding p, implying missing ones.
func (w *Writer) parentOf(p string) (*wnode, error) {
	dir := path.Dir(p)
	if n, ok := w.nodes[dir]; ok {
		if !n.mode.IsDir() {
			return nil, fmt.Errorf("parent %q is not a directory", dir)
		}
		return n, nil
	}
	gp, err := w.parentOf(dir)
	if err != nil {
		return nil, err
	}
	n := &wnode{path: dir, name: path.Base(dir), mode: fs.ModeDir | 0o755, implied: true, parent: gp, nlink: 1}
	gp.children = append(gp.children, n)
	w.nodes[dir] = n
	return n, nil
}

func (w *Writer) addLink(p, target string) error {
	t, ok := w.nodes[target]
	if !ok {
		return fmt.Errorf("hard link to %q, which was not added before", target)
	}
	for t.link != nil {
		t = t.link
	}
	if !t.mode.IsRegular() {
		return fmt.Errorf("hard link to %q, which is not a regular file", target)
	}
	if _, ok := w.nodes[p]; ok || p == "." {
		return errors.New("path added twice")
	}
	parent, err := w.parentOf(p)
	if err != nil {
		return err
	}
	n := &wnode{path: p, name: path.Base(p), link: t, parent: parent, mode: t.mode}
	t.nlink++
	parent.children = append(parent.children, n)
	w.nodes[p] = n
	return nil
}

// inodeOf returns the node that holds n's inode (n itself unless n is a
// hard link).
func (n *wnode) inodeOf() *wnode {
	if n.link != nil {
		return n.link
	}
	return n
}

// writerSortTree sorts every directory's children bytewise, as lookups in the
// kernel and squashfuse require.
func writerSortTree(n *wnode) {
	sort.Slice(n.children, func(i, j int) bool { return n.children[i].name < n.children[j].name })
	for _, c := range n.children {
		if c.link == nil && c.mode.IsDir() {
			writerSortTree(c)
		}
	}
}

// writerNumberTree gives inode numbers 1..N: the root first, then the children
// of each directory together, directories in depth-first order. It
// returns the regular files in that order, which is also the data order.
func writerNumberTree(root *wnode) (count uint32, files []*wnode) {
	count = 1
	root.ino = 1
	var walk func(d *wnode)
	walk = func(d *wnode) {
		for _, c := range d.children {
			if c.link != nil {
				continue
			}
			count++
			c.ino = count
			if c.mode.IsRegular() {
				files = append(files, c)
			}
		}
		for _, c := range d.children {
			if c.link == nil && c.mode.IsDir() {
				walk(c)
			}
		}
	}
	walk(root)
	return count, files
}

func writerDevMajor(dev uint64) uint32 {
	return uint32((dev>>8)&0x00000fff) | uint32((dev>>32)&0xfffff000)
}

func writerDevMinor(dev uint64) uint32 {
	return uint32(dev&0x000000ff) | uint32((dev>>12)&0xffffff00)
}

// writerMode converts the permission bits of m to the Unix form squashfs
// stores.
func writerMode(m fs.FileMode) uint16 {
	v := uint16(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}
