package launch

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// mountedFS is a payload mounted by the FUSE server.
type mountedFS interface {
	// unmount unmounts (lazily if the mount stays busy) and returns once
	// the kernel has let go of the file system.
	unmount()
}

// tryDirectMount tells whether to mount without fusermount: only root may.
var tryDirectMount = func() bool { return os.Geteuid() == 0 }

// openImageTree opens the squashfs payload at offset in the AppImage at
// imagePath.
func openImageTree(imagePath, offset string) (Tree, error) {
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
	return img.tree()
}

// fusermountOptions are the mount options given to fusermount.
func fusermountOptions(fsName string, maxRead int) []string {
	return []string{"ro", "nosuid", "nodev", "fsname=" + escapeOption(fsName), "subtype=appimage", fmt.Sprintf("max_read=%d", maxRead)}
}

// unmountDir unmounts dir, with fusermount program prog ("" for a direct
// mount), retrying a few times and then lazily when it stays busy.
func unmountDir(dir, prog string) {
	var err error
	for try, delay := 0, 5*time.Millisecond; try < 5; try, delay = try+1, delay*2 {
		if prog == "" {
			err = syscall.Unmount(dir, 0)
		} else {
			err = fusermountUnmount(prog, dir, false)
		}
		if err == nil {
			return
		}
		time.Sleep(delay)
	}
	if prog == "" {
		syscall.Unmount(dir, syscall.MNT_DETACH)
	} else {
		fusermountUnmount(prog, dir, true)
	}
}

// withDirectError adds why a direct mount failed, if one was tried, to err.
func withDirectError(err, directErr error) error {
	if directErr == nil {
		return err
	}
	return fmt.Errorf("%w; %v", err, directErr)
}

// escapeOption escapes a mount option value the way libfuse parses it.
func escapeOption(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`).Replace(s)
}
