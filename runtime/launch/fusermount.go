package launch

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// fusermountNames are the helper names tried in every $PATH directory, in
// order of preference.
var fusermountNames = []string{"fusermount3", "fusermount"}

// findFusermount returns the fusermount program to use: $FUSERMOUNT_PROG
// when set, else the first fusermount3 or fusermount in $PATH that is
// setuid root (any one will do when we are root ourselves).
func findFusermount() (string, error) {
	if p := os.Getenv("FUSERMOUNT_PROG"); p != "" {
		return p, nil
	}
	var fallback string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		for _, name := range fusermountNames {
			p := filepath.Join(dir, name)
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if ok && st.Uid == 0 && fi.Mode()&os.ModeSetuid != 0 {
				return p, nil
			}
			if fallback == "" {
				fallback = p
			}
		}
	}
	if fallback != "" && os.Geteuid() == 0 {
		return fallback, nil
	}
	if fallback != "" {
		return "", fmt.Errorf("%s is not setuid root", fallback)
	}
	return "", fmt.Errorf("no fusermount3 or fusermount on $PATH (Debian: apt install fuse3)")
}

// fusermountMount asks the fusermount program prog to mount a FUSE file
// system on dir with the given options, and returns the /dev/fuse
// descriptor it passes back.
func fusermountMount(prog, dir string, options []string) (int, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("creating a socket pair for %s: %w", prog, err)
	}
	local := os.NewFile(uintptr(fds[0]), "fusermount-local")
	remote := os.NewFile(uintptr(fds[1]), "fusermount-remote")
	defer local.Close()
	var out strings.Builder
	cmd := exec.Command(prog, "-o", strings.Join(options, ","), "--", dir)
	cmd.Env = append(os.Environ(), "_FUSE_COMMFD=3")
	cmd.ExtraFiles = []*os.File{remote}
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	remote.Close()
	if err != nil {
		return -1, fmt.Errorf("%s: %v: %s", prog, err, strings.TrimSpace(out.String()))
	}
	return receiveFD(local, prog)
}

// receiveFD reads the descriptor fusermount sends over sock.
func receiveFD(sock *os.File, prog string) (int, error) {
	buf := make([]byte, 8)
	oob := make([]byte, syscall.CmsgSpace(4))
	rc, err := sock.SyscallConn()
	if err != nil {
		return -1, err
	}
	var oobn int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		_, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, 0)
		return rerr != syscall.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return -1, fmt.Errorf("receiving the FUSE descriptor from %s: %w", prog, err)
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("%s sent no FUSE descriptor", prog)
	}
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, fmt.Errorf("%s sent no FUSE descriptor", prog)
	}
	syscall.CloseOnExec(fds[0])
	return fds[0], nil
}

// fusermountUnmount unmounts dir with prog; lazily when lazy is set.
func fusermountUnmount(prog, dir string, lazy bool) error {
	args := []string{"-u", "-q"}
	if lazy {
		args = append(args, "-z")
	}
	out, err := exec.Command(prog, append(args, "--", dir)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -u %s: %v: %s", prog, dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}
