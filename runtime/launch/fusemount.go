//go:build !386 && !arm

// go-fuse does not build for 32-bit Linux (its splice package assumes
// syscall.Splice returns int64), so the 32-bit runtimes do without FUSE.

package launch

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// fuseAvailable tells whether this build of the runtime can mount.
const fuseAvailable = true

// tryDirectMount tells whether to mount without fusermount: only root may.
var tryDirectMount = func() bool { return os.Geteuid() == 0 }

// maxRead is the largest read the kernel sends us.
const maxRead = 1 << 20

// fuseMount is a mounted payload as the server sees it.
type fuseMount struct {
	dir    string
	server *fuse.Server
	prog   string // fusermount program; "" for a direct mount
}

// mountImage opens the payload of the AppImage at imagePath and mounts it
// read-only on dir.
func mountImage(dir, imagePath, offset string) (*fuseMount, error) {
	off, err := strconv.ParseInt(offset, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("bad payload offset %q", offset)
	}
	f, err := os.Open(imagePath)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	img := &image{path: imagePath, file: f, size: fi.Size(), offset: off}
	t, err := img.tree()
	if err != nil {
		return nil, err
	}
	return mountTree(dir, t, imagePath)
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
			FsName:               fsName,
			Name:                 "appimage",
			MaxWrite:             maxRead,
			MaxReadAhead:         maxRead,
			MaxBackground:        64,
			DisableXAttrs:        true,
			EnableSymlinkCaching: true,
			DirectMountStrict:    true,
			DirectMountFlags:     syscall.MS_RDONLY | syscall.MS_NOSUID | syscall.MS_NODEV,
		},
	}
	if tryDirectMount() {
		if srv, err := fusefs.Mount(dir, root, opts); err == nil {
			return &fuseMount{dir: dir, server: srv}, nil
		}
	}
	prog, err := findFusermount()
	if err != nil {
		return nil, err
	}
	mopts := []string{"ro", "nosuid", "nodev", "fsname=" + escapeOption(fsName), "subtype=appimage", fmt.Sprintf("max_read=%d", maxRead)}
	fd, err := fusermountMount(prog, dir, mopts)
	if err != nil {
		return nil, err
	}
	opts.DirectMountStrict = false
	srv, err := fusefs.Mount(fmt.Sprintf("/dev/fd/%d", fd), root, opts)
	if err != nil {
		fusermountUnmount(prog, dir, true)
		return nil, err
	}
	return &fuseMount{dir: dir, server: srv, prog: prog}, nil
}

// unmount unmounts, lazily when the mount is still busy after a few tries,
// and waits until the kernel has let go of the file system.
func (m *fuseMount) unmount() {
	var err error
	for try, delay := 0, 5*time.Millisecond; try < 5; try, delay = try+1, delay*2 {
		if m.prog == "" {
			err = syscall.Unmount(m.dir, 0)
		} else {
			err = fusermountUnmount(m.prog, m.dir, false)
		}
		if err == nil {
			break
		}
		time.Sleep(delay)
	}
	if err != nil {
		if m.prog == "" {
			syscall.Unmount(m.dir, syscall.MNT_DETACH)
		} else {
			fusermountUnmount(m.prog, m.dir, true)
		}
	}
	m.server.Wait()
}

// escapeOption escapes a mount option value the way libfuse parses it.
func escapeOption(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}
