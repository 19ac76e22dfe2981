//go:build !386 && !arm

// go-fuse does not build for 32-bit Linux; those runtimes use rawfuse.go.

package launch

import (
	"fmt"
	"path/filepath"
	"syscall"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// maxRead is the largest read the kernel sends us.
const maxRead = 1 << 20

// fuseMount is a mounted payload as the server sees it.
type fuseMount struct {
	dir    string
	server *fuse.Server
	prog   string // fusermount program; "" for a direct mount
}

// mountImage mounts t read-only on dir with go-fuse.
func mountImage(dir string, t Tree, fsName string) (mountedFS, error) {
	return mountTree(dir, t, fsName)
}

// mountTree mounts t read-only on dir: directly when we are root, else (or
// when that fails) through fusermount. fsName names the source in the mount
// table.
func mountTree(dir string, t Tree, fsName string) (*fuseMount, error) {
	root, err := newRoot(t)
	if err != nil {
		return nil, fmt.Errorf("reading the root directory of %s: %w", fsName, err)
	}
	timeout := cacheTimeout
	opts := &fusefs.Options{
		EntryTimeout:    &timeout,
		AttrTimeout:     &timeout,
		NegativeTimeout: &timeout,
		RootStableAttr:  &fusefs.StableAttr{Ino: root.attr.Ino},
		MountOptions: fuse.MountOptions{
			FsName:        fsName,
			Name:          "appimage",
			MaxWrite:      maxRead,
			MaxReadAhead:  maxRead,
			MaxBackground: 64,
			DisableXAttrs: true,
			// Replies are bytes in memory, which go-fuse would first
			// try to splice (a pipe, an fcntl and a write each) before
			// falling back to writev: a few per cent of read-all time.
			DisableSplice:        true,
			EnableSymlinkCaching: true,
			DirectMountStrict:    true,
			DirectMountFlags:     syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV,
		},
	}
	var directErr error
	if tryDirectMount() {
		srv, err := fusefs.Mount(dir, root, opts)
		if err == nil {
			root.share.noOpen.Store(srv.KernelSettings().Flags64()&fuse.CAP_NO_OPEN_SUPPORT != 0)
			return &fuseMount{dir: dir, server: srv}, nil
		}
		directErr = fmt.Errorf("mounting directly: %w", err)
	}
	prog, err := findFusermount()
	if err != nil {
		return nil, withDirectError(err, directErr)
	}
	fd, err := fusermountMount(prog, dir, fusermountOptions(fsName, maxRead))
	if err != nil {
		return nil, withDirectError(err, directErr)
	}
	opts.DirectMountStrict = false
	srv, err := fusefs.Mount(fmt.Sprintf("/dev/fd/%d", fd), root, opts)
	if err != nil {
		fusermountUnmount(prog, dir, true)
		return nil, err
	}
	root.share.noOpen.Store(srv.KernelSettings().Flags64()&fuse.CAP_NO_OPEN_SUPPORT != 0)
	pollHack(dir)
	return &fuseMount{dir: dir, server: srv, prog: prog}, nil
}

// unmount unmounts and waits until the kernel has let go of the file
// system.
func (m *fuseMount) unmount() {
	unmountDir(m.dir, m.prog)
	m.server.Wait()
}

// pollHackName is the name go-fuse answers for itself in the root of every
// mount, so that the kernel can be made to send it one POLL request.
const pollHackName = ".go-fuse-epoll-hack"

// pollHack does for a mount made through fusermount what go-fuse does for
// the mounts it makes itself (it cannot for a /dev/fd/N mount point): it
// makes the kernel send one POLL, which go-fuse answers with ENOSYS, after
// which the kernel sends none. Otherwise a process that both serves the
// mount and opens files in it can deadlock: Go registers every opened file
// with epoll without releasing its scheduler slot, and epoll asks the FUSE
// server. (The runtime's server never opens its own files; tests do.)
func pollHack(dir string) {
	fd, err := syscall.Open(filepath.Join(dir, pollHackName), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLPRI | unix.POLLOUT}}, 0)
	syscall.Close(fd)
}
