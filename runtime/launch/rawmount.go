//go:build 386 || arm

package launch

import (
	"fmt"
	"os"
	"syscall"
)

// rawMount is a Tree mounted with the server of rawfuse.go.
type rawMount struct {
	dir  string
	prog string // fusermount program; "" for a direct mount
	srv  *rawServer
}

// rawMountTree mounts t read-only on dir and serves it with rawServer:
// directly when we are root, else (or when that fails) through fusermount.
func rawMountTree(dir string, t Tree, fsName string) (*rawMount, error) {
	srv, err := newRawServer(t, -1)
	if err != nil {
		return nil, fmt.Errorf("reading the root directory of %s: %w", fsName, err)
	}
	m := &rawMount{dir: dir, srv: srv}
	var directErr error
	if tryDirectMount() {
		if srv.fd, directErr = directMount(dir, fsName); directErr == nil {
			srv.start()
			return m, nil
		}
	}
	if m.prog, err = findFusermount(); err != nil {
		return nil, withDirectError(err, directErr)
	}
	if srv.fd, err = fusermountMount(m.prog, dir, fusermountOptions(fsName, rawMaxRead)); err != nil {
		return nil, withDirectError(err, directErr)
	}
	srv.start()
	return m, nil
}

// directMount mounts a FUSE file system on dir with mount(2) and returns
// the /dev/fuse descriptor that serves it.
func directMount(dir, fsName string) (int, error) {
	fd, err := syscall.Open("/dev/fuse", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("opening /dev/fuse: %w", err)
	}
	data := fmt.Sprintf("fd=%d,rootmode=40000,user_id=%d,group_id=%d,max_read=%d", fd, os.Geteuid(), os.Getegid(), rawMaxRead)
	flags := uintptr(syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV)
	if err := syscall.Mount(fsName, dir, "fuse.appimage", flags, data); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("mounting %s: %w", dir, err)
	}
	return fd, nil
}

func (m *rawMount) unmount() {
	unmountDir(m.dir, m.prog)
	m.srv.wait()
	syscall.Close(m.srv.fd)
}
