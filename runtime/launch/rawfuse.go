//go:build 386 || arm

package launch

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"path"
	"sync"
	"syscall"
)

// This file is a small read-only FUSE server speaking the kernel protocol
// directly. The 32-bit runtimes use it because go-fuse does not build for
// 32-bit Linux (its splice package assumes syscall.Splice returns an int64).
// TestMountedImageMatchesSource checks it through the i686 runtime.

// FUSE opcodes served (linux/fuse.h).
const (
	opLookup      = 1
	opForget      = 2
	opGetattr     = 3
	opReadlink    = 5
	opOpen        = 14
	opRead        = 15
	opStatfs      = 17
	opRelease     = 18
	opFlush       = 25
	opInit        = 26
	opOpendir     = 27
	opReaddir     = 28
	opReleasedir  = 29
	opInterrupt   = 36
	opDestroy     = 38
	opBatchForget = 42
)

// Protocol constants.
const (
	fuseKernelMajor  = 7
	fuseKernelMinor  = 31
	fuseRootID       = 1
	inHeaderSize     = 40
	outHeaderSize    = 16
	attrSize         = 88
	fuseAsyncRead    = 1 << 0
	fuseNoOpen       = 1 << 17
	fuseParallelDirs = 1 << 18
	fuseMaxPages     = 1 << 22
	fuseCacheSymlink = 1 << 23
	fopenKeepCache   = 1 << 1
	fopenCacheDir    = 1 << 3
	rawMaxRead       = 1 << 20
	rawWorkers       = 4
	rawTimeoutSec    = 24 * 60 * 60
)

var le = binary.LittleEndian

// rawNode is an object the kernel knows by a node id.
type rawNode struct {
	name string // path in the tree, "." for the root
	st   objStat

	openOnce sync.Once
	file     io.ReaderAt // opened on the first read without a handle
	openErr  syscall.Errno
}

// rawServer serves a Tree on an open /dev/fuse descriptor.
type rawServer struct {
	tree Tree
	fd   int

	noOpen bool // the kernel opens files itself (FUSE_NO_OPEN_SUPPORT)

	mu      sync.Mutex
	nodes   map[uint64]*rawNode // by node id
	byIno   map[uint64]uint64   // inode number -> node id, so hard links are one node
	handles map[uint64]any      // by file handle: fs.File or []byte (a directory listing)
	nextID  uint64
	nextFH  uint64

	workers sync.WaitGroup
}

// newRawServer prepares to serve t on the FUSE descriptor fd.
func newRawServer(t Tree, fd int) (*rawServer, error) {
	fi, err := t.Stat(".")
	if err != nil {
		return nil, err
	}
	root := &rawNode{name: ".", st: statOf(fi)}
	s := &rawServer{
		tree:    t,
		fd:      fd,
		nodes:   map[uint64]*rawNode{fuseRootID: root},
		byIno:   map[uint64]uint64{},
		handles: map[uint64]any{},
		nextID:  fuseRootID + 1,
		nextFH:  1,
	}
	if root.st.ino != 0 {
		s.byIno[root.st.ino] = fuseRootID
	}
	return s, nil
}

// start starts the workers; wait returns when the kernel has ended the
// connection (after unmount) and they have stopped.
func (s *rawServer) start() {
	for range rawWorkers {
		s.workers.Add(1)
		go s.work()
	}
}

func (s *rawServer) wait() { s.workers.Wait() }

func (s *rawServer) work() {
	defer s.workers.Done()
	buf := make([]byte, rawMaxRead+4096)
	for {
		n, err := syscall.Read(s.fd, buf)
		switch {
		case err == syscall.EINTR || err == syscall.ENOENT || err == syscall.EAGAIN:
			continue // interrupted, or a request the kernel took back
		case err != nil:
			return // ENODEV: unmounted
		case n < inHeaderSize:
			continue
		}
		if !s.handle(buf[:n]) {
			return
		}
	}
}

// handle answers one request; it returns false after DESTROY.
func (s *rawServer) handle(req []byte) bool {
	opcode := le.Uint32(req[4:])
	unique := le.Uint64(req[8:])
	nodeID := le.Uint64(req[16:])
	in := req[inHeaderSize:]
	var (
		out   []byte
		errno syscall.Errno
	)
	switch opcode {
	case opForget, opBatchForget, opInterrupt:
		return true // no reply; nodes are kept for the life of the mount
	case opInit:
		out, errno = s.init(in)
	case opDestroy:
		s.reply(unique, 0, nil)
		return false
	case opLookup:
		out, errno = s.lookup(nodeID, in)
	case opGetattr:
		out, errno = s.getattr(nodeID)
	case opReadlink:
		out, errno = s.readlink(nodeID)
	case opOpen:
		out, errno = s.open(nodeID, in)
	case opRead:
		out, errno = s.read(nodeID, in)
	case opRelease, opReleasedir:
		s.release(in)
	case opOpendir:
		out, errno = s.opendir(nodeID)
	case opReaddir:
		out, errno = s.readdir(in)
	case opStatfs:
		out = make([]byte, 80)
		le.PutUint32(out[40:], 4096) // bsize
		le.PutUint32(out[44:], 255)  // namelen
		le.PutUint32(out[48:], 4096) // frsize
	case opFlush:
		errno = syscall.ENOSYS // the kernel sends no more: nothing is ever written
	default:
		errno = syscall.ENOSYS
	}
	s.reply(unique, errno, out)
	return true
}

// reply writes the answer to request unique.
func (s *rawServer) reply(unique uint64, errno syscall.Errno, data []byte) {
	if errno != 0 {
		data = nil
	}
	msg := make([]byte, outHeaderSize+len(data))
	le.PutUint32(msg[0:], uint32(len(msg)))
	le.PutUint32(msg[4:], uint32(-int32(errno)))
	le.PutUint64(msg[8:], unique)
	copy(msg[outHeaderSize:], data)
	_, err := syscall.Write(s.fd, msg)
	if err == syscall.EINVAL && errno == 0 {
		// The kernel refused the reply: answer with an error rather than
		// leave the caller waiting forever. (ENOENT means the request was
		// interrupted: nothing to do.)
		s.reply(unique, syscall.EIO, nil)
	}
}

func (s *rawServer) init(in []byte) ([]byte, syscall.Errno) {
	if len(in) < 16 {
		return nil, syscall.EINVAL
	}
	major, minor := le.Uint32(in[0:]), le.Uint32(in[4:])
	out := make([]byte, 64)
	le.PutUint32(out[0:], fuseKernelMajor)
	if major != fuseKernelMajor {
		return out[:8], 0 // the kernel retries with our major, or gives up
	}
	le.PutUint32(out[4:], min(minor, fuseKernelMinor))
	le.PutUint32(out[8:], min(le.Uint32(in[8:]), rawMaxRead)) // max_readahead
	flags := le.Uint32(in[12:]) & (fuseAsyncRead | fuseNoOpen | fuseParallelDirs | fuseMaxPages | fuseCacheSymlink)
	s.noOpen = flags&fuseNoOpen != 0
	le.PutUint32(out[12:], flags)
	le.PutUint16(out[16:], 64)         // max_background
	le.PutUint16(out[18:], 48)         // congestion_threshold
	le.PutUint32(out[20:], rawMaxRead) // max_write
	le.PutUint32(out[24:], 1)          // time_gran: nanoseconds
	le.PutUint16(out[28:], rawMaxRead/4096)
	if minor < 23 {
		return out[:24], 0
	}
	return out, 0
}

func (s *rawServer) node(id uint64) (*rawNode, syscall.Errno) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nodes[id]
	if !ok {
		return nil, syscall.ESTALE
	}
	return n, 0
}

func (s *rawServer) lookup(parent uint64, in []byte) ([]byte, syscall.Errno) {
	p, errno := s.node(parent)
	if errno != 0 {
		return nil, errno
	}
	name := string(in)
	if i := indexZero(in); i >= 0 {
		name = string(in[:i])
	}
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return nil, syscall.ENOENT // the kernel resolves . and .. itself
	}
	child := path.Join(p.name, name)
	fi, err := s.tree.Lstat(child)
	if err != nil {
		return nil, toErrno(err)
	}
	st := statOf(fi)
	s.mu.Lock()
	id, known := uint64(0), false
	if st.ino != 0 {
		id, known = s.byIno[st.ino]
	}
	if !known {
		id = s.nextID
		s.nextID++
		s.nodes[id] = &rawNode{name: child, st: st}
		if st.ino != 0 {
			s.byIno[st.ino] = id
		}
	}
	s.mu.Unlock()
	out := make([]byte, 40+attrSize)
	le.PutUint64(out[0:], id)
	le.PutUint64(out[16:], rawTimeoutSec) // entry_valid
	le.PutUint64(out[24:], rawTimeoutSec) // attr_valid
	putAttr(out[40:], id, st)
	return out, 0
}

func (s *rawServer) getattr(id uint64) ([]byte, syscall.Errno) {
	n, errno := s.node(id)
	if errno != 0 {
		return nil, errno
	}
	out := make([]byte, 16+attrSize)
	le.PutUint64(out[0:], rawTimeoutSec)
	putAttr(out[16:], id, n.st)
	return out, 0
}

// putAttr encodes struct fuse_attr.
func putAttr(b []byte, id uint64, st objStat) {
	ino := st.ino
	if ino == 0 {
		ino = id
	}
	le.PutUint64(b[0:], ino)
	le.PutUint64(b[8:], st.size)
	le.PutUint64(b[16:], (st.size+511)/512)
	for _, off := range []int{24, 32, 40} { // atime, mtime, ctime
		le.PutUint64(b[off:], uint64(st.mtime))
	}
	for _, off := range []int{48, 52, 56} {
		le.PutUint32(b[off:], st.mtimeNsec)
	}
	le.PutUint32(b[60:], st.mode)
	le.PutUint32(b[64:], st.nlink)
	le.PutUint32(b[68:], st.uid)
	le.PutUint32(b[72:], st.gid)
	le.PutUint32(b[76:], st.rdev)
	le.PutUint32(b[80:], 4096) // blksize
}

func (s *rawServer) readlink(id uint64) ([]byte, syscall.Errno) {
	n, errno := s.node(id)
	if errno != 0 {
		return nil, errno
	}
	target, err := s.tree.ReadLink(n.name)
	if err != nil {
		return nil, toErrno(err)
	}
	return []byte(target), 0
}

// newHandle stores h and returns its file handle.
func (s *rawServer) newHandle(h any) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	fh := s.nextFH
	s.nextFH++
	s.handles[fh] = h
	return fh
}

func openOut(fh uint64, flags uint32) []byte {
	out := make([]byte, 16)
	le.PutUint64(out[0:], fh)
	le.PutUint32(out[8:], flags)
	return out
}

func (s *rawServer) open(id uint64, in []byte) ([]byte, syscall.Errno) {
	n, errno := s.node(id)
	if errno != 0 {
		return nil, errno
	}
	if len(in) >= 4 && le.Uint32(in)&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, syscall.EROFS
	}
	if s.noOpen {
		return nil, syscall.ENOSYS // from now on the kernel opens files itself
	}
	f, _, errno := openReaderAt(s.tree, n.name)
	if errno != 0 {
		return nil, errno
	}
	return openOut(s.newHandle(f), fopenKeepCache), 0
}

func (s *rawServer) read(id uint64, in []byte) ([]byte, syscall.Errno) {
	if len(in) < 24 {
		return nil, syscall.EINVAL
	}
	fh, off, size := le.Uint64(in[0:]), int64(le.Uint64(in[8:])), min(le.Uint32(in[16:]), rawMaxRead)
	var ra io.ReaderAt
	if fh == 0 { // no OPEN was sent
		n, errno := s.node(id)
		if errno != 0 {
			return nil, errno
		}
		if ra, errno = s.reader(n); errno != 0 {
			return nil, errno
		}
	} else {
		s.mu.Lock()
		ra, _ = s.handles[fh].(io.ReaderAt)
		s.mu.Unlock()
	}
	if ra == nil || off < 0 {
		return nil, syscall.EBADF
	}
	buf := make([]byte, size)
	n, err := ra.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, syscall.EIO
	}
	return buf[:n], 0
}

// reader returns the file of n, opened once for the reads that come
// without a handle.
func (s *rawServer) reader(n *rawNode) (io.ReaderAt, syscall.Errno) {
	n.openOnce.Do(func() { _, n.file, n.openErr = openReaderAt(s.tree, n.name) })
	return n.file, n.openErr
}

func (s *rawServer) release(in []byte) {
	if len(in) < 8 {
		return
	}
	fh := le.Uint64(in)
	s.mu.Lock()
	h := s.handles[fh]
	delete(s.handles, fh)
	s.mu.Unlock()
	if f, ok := h.(fs.File); ok {
		f.Close()
	}
}

// opendir reads the whole listing once, encoded as struct fuse_dirent
// records (with "." and ".."), which readdir then serves in slices.
func (s *rawServer) opendir(id uint64) ([]byte, syscall.Errno) {
	n, errno := s.node(id)
	if errno != 0 {
		return nil, errno
	}
	entries, err := s.tree.ReadDir(n.name)
	if err != nil {
		return nil, toErrno(err)
	}
	var list []byte
	add := func(name string, ino uint64, mode uint32) {
		rec := make([]byte, (24+len(name)+7)&^7)
		le.PutUint64(rec[0:], ino)
		le.PutUint32(rec[16:], uint32(len(name)))
		le.PutUint32(rec[20:], mode>>12)
		copy(rec[24:], name)
		list = append(list, rec...)
		le.PutUint64(list[len(list)-len(rec)+8:], uint64(len(list))) // off: where the next entry starts
	}
	add(".", n.st.ino, syscall.S_IFDIR)
	add("..", n.st.ino, syscall.S_IFDIR)
	for _, e := range entries {
		var ino uint64
		if fi, err := e.Info(); err == nil {
			ino = statOf(fi).ino
		}
		add(e.Name(), ino, unixMode(e.Type()))
	}
	return openOut(s.newHandle(list), fopenKeepCache|fopenCacheDir), 0
}

func (s *rawServer) readdir(in []byte) ([]byte, syscall.Errno) {
	if len(in) < 24 {
		return nil, syscall.EINVAL
	}
	fh, off, size := le.Uint64(in[0:]), le.Uint64(in[8:]), uint64(le.Uint32(in[16:]))
	s.mu.Lock()
	list, ok := s.handles[fh].([]byte)
	s.mu.Unlock()
	if !ok {
		return nil, syscall.EBADF
	}
	if off >= uint64(len(list)) {
		return nil, 0
	}
	end := off
	for end < uint64(len(list)) {
		rec := uint64((24 + le.Uint32(list[end+16:]) + 7) &^ 7)
		if end+rec-off > size {
			break
		}
		end += rec
	}
	return list[off:end], 0
}

func indexZero(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}
