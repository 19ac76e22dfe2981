//go:build !386 && !arm

package launch

import (
	"io/fs"
	"syscall"

	"github.com/goappimage/goappimage/squashfs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// inodeNumber returns the inode number of fi in its file system, or 0 when
// it is not known (go-fuse then numbers the node itself).
func inodeNumber(fi fs.FileInfo) uint64 {
	switch s := fi.Sys().(type) {
	case *squashfs.Inode:
		return uint64(s.Number)
	case *syscall.Stat_t:
		return s.Ino
	}
	return 0
}

// fillOwner sets owner, link count and device number from fi's system data.
func fillOwner(a *fuse.Attr, fi fs.FileInfo) {
	switch s := fi.Sys().(type) {
	case *squashfs.Inode:
		a.Uid, a.Gid, a.Nlink, a.Rdev = s.UID, s.GID, s.Nlink, uint32(s.Rdev)
	case *syscall.Stat_t:
		a.Uid, a.Gid, a.Nlink, a.Rdev = s.Uid, s.Gid, uint32(s.Nlink), uint32(s.Rdev)
	}
}
