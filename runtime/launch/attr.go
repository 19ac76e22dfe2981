package launch

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/goappimage/goappimage/squashfs"
)

// objStat is what the kernel is told about one object of a Tree.
type objStat struct {
	ino            uint64 // 0 when unknown
	size           uint64
	mtime          int64 // seconds
	mtimeNsec      uint32
	mode           uint32 // st_mode: type and permission bits
	nlink          uint32
	uid, gid, rdev uint32
}

// statOf converts fi, with the inode data of the squashfs reader or of the
// operating system (os.DirFS) when present.
func statOf(fi fs.FileInfo) objStat {
	s := objStat{mode: unixMode(fi.Mode()), nlink: 1}
	if !fi.IsDir() {
		s.size = uint64(fi.Size())
	}
	t := fi.ModTime()
	s.mtime, s.mtimeNsec = t.Unix(), uint32(t.Nanosecond())
	switch sys := fi.Sys().(type) {
	case *squashfs.Inode:
		s.ino, s.uid, s.gid, s.nlink, s.rdev = uint64(sys.Number), sys.UID, sys.GID, sys.Nlink, uint32(sys.Rdev)
	case *syscall.Stat_t:
		s.ino, s.uid, s.gid, s.nlink, s.rdev = uint64(sys.Ino), sys.Uid, sys.Gid, uint32(sys.Nlink), uint32(sys.Rdev)
	}
	return s
}

// unixMode converts the type and permission bits of m to a st_mode value.
func unixMode(m fs.FileMode) uint32 {
	mode := uint32(m.Perm())
	switch m.Type() {
	case fs.ModeDir:
		mode |= syscall.S_IFDIR
	case fs.ModeSymlink:
		mode |= syscall.S_IFLNK
	case fs.ModeNamedPipe:
		mode |= syscall.S_IFIFO
	case fs.ModeSocket:
		mode |= syscall.S_IFSOCK
	case fs.ModeDevice:
		mode |= syscall.S_IFBLK
	case fs.ModeDevice | fs.ModeCharDevice:
		mode |= syscall.S_IFCHR
	default:
		mode |= syscall.S_IFREG
	}
	if m&fs.ModeSetuid != 0 {
		mode |= syscall.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		mode |= syscall.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		mode |= syscall.S_ISVTX
	}
	return mode
}

// toErrno maps errors of the tree to the errno the kernel expects.
func toErrno(err error) syscall.Errno {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		return errno
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, fs.ErrInvalid):
		return syscall.EINVAL
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	}
	return syscall.EIO
}
