//go:build !386 && !arm

package launch

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// cacheTimeout is how long the kernel may trust names and attributes: the
// content of an AppImage never changes while it is mounted.
const cacheTimeout = 24 * time.Hour

// node is one file, directory or other object of a Tree, served read-only.
type node struct {
	fusefs.Inode
	tree  Tree
	name  string // path in tree, "." for the root
	attr  fuse.Attr
	share *mountShare

	openOnce sync.Once
	file     io.ReaderAt // a regular file opened on its first read without a handle
	openErr  syscall.Errno
}

// mountShare is what the nodes of one mount share.
type mountShare struct {
	// noOpen is set when the kernel opens files without asking the server
	// once told so (FUSE_NO_OPEN_SUPPORT): no OPEN and RELEASE round trip
	// for each open, and the page cache is kept as with FOPEN_KEEP_CACHE.
	noOpen atomic.Bool
}

var (
	_ fusefs.NodeLookuper   = (*node)(nil)
	_ fusefs.NodeGetattrer  = (*node)(nil)
	_ fusefs.NodeReaddirer  = (*node)(nil)
	_ fusefs.NodeOpener     = (*node)(nil)
	_ fusefs.NodeReader     = (*node)(nil)
	_ fusefs.NodeReadlinker = (*node)(nil)
	_ fusefs.NodeStatfser   = (*node)(nil)
	_ fusefs.NodeFlusher    = (*node)(nil)
)

// newRoot returns the root node of t for fusefs.Mount.
func newRoot(t Tree) (*node, error) {
	fi, err := t.Stat(".")
	if err != nil {
		return nil, err
	}
	n := &node{tree: t, name: ".", share: &mountShare{}}
	fillAttr(&n.attr, fi)
	return n, nil
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	p := path.Join(n.name, name)
	fi, err := n.tree.Lstat(p)
	if err != nil {
		return nil, toErrno(err)
	}
	child := &node{tree: n.tree, name: p, share: n.share}
	fillAttr(&child.attr, fi)
	out.Attr = child.attr
	out.SetEntryTimeout(cacheTimeout)
	out.SetAttrTimeout(cacheTimeout)
	return n.NewInode(ctx, child, fusefs.StableAttr{Mode: child.attr.Mode & syscall.S_IFMT, Ino: child.attr.Ino}), 0
}

func (n *node) Getattr(ctx context.Context, f fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Attr = n.attr
	out.SetTimeout(cacheTimeout)
	return 0
}

func (n *node) Readdir(ctx context.Context) (fusefs.DirStream, syscall.Errno) {
	entries, err := n.tree.ReadDir(n.name)
	if err != nil {
		return nil, toErrno(err)
	}
	list := make([]fuse.DirEntry, 0, len(entries)+2)
	parent := n.attr.Ino
	if _, p := n.Parent(); p != nil {
		parent = p.StableAttr().Ino
	}
	list = append(list,
		fuse.DirEntry{Name: ".", Mode: syscall.S_IFDIR, Ino: n.attr.Ino},
		fuse.DirEntry{Name: "..", Mode: syscall.S_IFDIR, Ino: parent})
	for _, e := range entries {
		d := fuse.DirEntry{Name: e.Name(), Mode: unixMode(e.Type())}
		if fi, err := e.Info(); err == nil {
			d.Ino = statOf(fi).ino
		}
		list = append(list, d)
	}
	return fusefs.NewListDirStream(list), 0
}

func (n *node) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, 0, syscall.EROFS
	}
	if n.share.noOpen.Load() {
		return nil, 0, syscall.ENOSYS // from now on the kernel opens files itself
	}
	f, ra, errno := openReaderAt(n.tree, n.name)
	if errno != 0 {
		return nil, 0, errno
	}
	return &handle{f: f, ra: ra}, fuse.FOPEN_KEEP_CACHE, 0
}

// reader returns the file of n opened once for reads that come without a
// handle (the kernel no longer sends OPEN).
func (n *node) reader() (io.ReaderAt, syscall.Errno) {
	n.openOnce.Do(func() { _, n.file, n.openErr = openReaderAt(n.tree, n.name) })
	return n.file, n.openErr
}

func (n *node) Read(ctx context.Context, fh fusefs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	var ra io.ReaderAt
	if h, ok := fh.(*handle); ok {
		ra = h.ra
	} else if fh != nil {
		return nil, syscall.EBADF
	} else {
		var errno syscall.Errno
		if ra, errno = n.reader(); errno != 0 {
			return nil, errno
		}
	}
	if off >= int64(n.attr.Size) {
		return fuse.ReadResultData(nil), 0
	}
	if rest := int64(n.attr.Size) - off; int64(len(dest)) > rest {
		dest = dest[:rest]
	}
	got, err := ra.ReadAt(dest, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:got]), 0
}

// Flush answers ENOSYS, after which the kernel sends no FLUSH on close:
// nothing is ever written.
func (n *node) Flush(ctx context.Context, f fusefs.FileHandle) syscall.Errno {
	return syscall.ENOSYS
}

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	target, err := n.tree.ReadLink(n.name)
	if err != nil {
		return nil, toErrno(err)
	}
	return []byte(target), 0
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	out.Bsize = 4096
	out.NameLen = 255
	return 0
}

// handle is an open regular file.
type handle struct {
	f  fs.File
	ra io.ReaderAt
}

var _ fusefs.FileReleaser = (*handle)(nil)

func (h *handle) Release(ctx context.Context) syscall.Errno {
	h.f.Close()
	return 0
}

// fillAttr sets the attributes the kernel sees for fi.
func fillAttr(a *fuse.Attr, fi fs.FileInfo) {
	s := statOf(fi)
	a.Ino, a.Size, a.Mode, a.Nlink = s.ino, s.size, s.mode, s.nlink
	a.Uid, a.Gid, a.Rdev = s.uid, s.gid, s.rdev
	a.Blocks = (a.Size + 511) / 512
	a.Blksize = 4096
	a.Mtime, a.Mtimensec = uint64(s.mtime), s.mtimeNsec
	a.Atime, a.Atimensec = a.Mtime, a.Mtimensec
	a.Ctime, a.Ctimensec = a.Mtime, a.Mtimensec
}
