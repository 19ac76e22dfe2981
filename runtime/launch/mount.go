package launch

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// readyMessage is what the FUSE server writes on the ready pipe once the
// payload is mounted; anything else is an error message, which starts with
// payloadError when the payload cannot be read (a problem FUSE has no part
// in).
const (
	readyMessage = "mounted"
	payloadError = "payload: "
)

// mountAndRun mounts the payload and replaces this process by AppRun.
func (r *runner) mountAndRun() int {
	m, status := r.startServer()
	if m == nil {
		return status
	}
	owd, _ := os.Getwd()
	env := appEnv(os.Environ(), r.img, m.dir, owd, r.stderr)
	// The keep-alive pipe's write end must survive exec: AppRun and
	// everything it starts inherit it, and the server unmounts once the
	// last of them has closed it.
	if _, err := unix.FcntlInt(m.keepAlive.Fd(), unix.F_SETFD, 0); err != nil {
		return r.fail(exitExecError, "keeping the mount alive: %v", err)
	}
	app := filepath.Join(m.dir, "AppRun")
	err := syscall.Exec(app, r.args, env)
	return r.fail(exitExecError, "running %s: %v", app, err)
}

// mountOnly mounts the payload, prints the mount point and waits until it
// is interrupted; the server then unmounts.
func (r *runner) mountOnly() int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	m, status := r.startServer()
	if m == nil {
		return status
	}
	fmt.Fprintln(r.stdout, m.dir)
	if f, ok := r.stdout.(*os.File); ok {
		f.Sync()
	}
	<-sigs
	m.keepAlive.Close()
	return exitOK
}

// liveMount is a mounted payload as its user sees it.
type liveMount struct {
	dir       string
	keepAlive *os.File // write end: the server unmounts when every copy is closed
}

// startServer creates the mount point, starts the FUSE server in the
// background and waits until the payload is mounted. On failure it prints
// why and returns the exit status.
func (r *runner) startServer() (*liveMount, int) {
	prefix := filepath.Base(r.args[0])
	if len(prefix) > 6 {
		prefix = prefix[:6]
	}
	base, err := filepath.Abs(tempDir())
	if err != nil {
		return nil, r.fail(exitExecError, "%v", err)
	}
	dir, err := os.MkdirTemp(base, ".mount_"+prefix)
	if err != nil {
		return nil, r.fail(exitExecError, "creating the mount point: %v (set TMPDIR to a writable directory)", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		os.Remove(dir)
		return nil, r.fail(exitExecError, "%v", err)
	}
	keepR, keepW, err := os.Pipe()
	if err != nil {
		os.Remove(dir)
		return nil, r.fail(exitExecError, "%v", err)
	}
	pid, err := startHelper(roleDetach, []string{dir, r.img.path, strconv.FormatInt(r.img.offset, 10)}, "", false, readyW, keepR)
	readyW.Close()
	keepR.Close()
	if err == nil {
		err = waitHelper(pid)
	}
	msg, _ := io.ReadAll(bufio.NewReader(readyR))
	readyR.Close()
	if string(msg) == readyMessage {
		return &liveMount{dir: dir, keepAlive: keepW}, 0
	}
	keepW.Close()
	os.Remove(dir)
	if text, ok := strings.CutPrefix(string(msg), payloadError); ok {
		return nil, r.fail(exitExecError, "%s", text)
	}
	why := strings.TrimSpace(string(msg))
	if why == "" && err != nil {
		why = fmt.Sprintf("the FUSE server did not start: %v", err)
	}
	fmt.Fprintf(r.stderr, `Error: cannot mount the AppImage %s: %s
This needs FUSE: the kernel device /dev/fuse and a setuid fusermount3 or
fusermount on $PATH (Debian: apt install fuse3; or set $FUSERMOUNT_PROG).
Without FUSE, run it with --appimage-extract-and-run (or set
APPIMAGE_EXTRACT_AND_RUN=1), or unpack it with --appimage-extract.
`, r.img.path, why)
	return nil, exitExecError
}
