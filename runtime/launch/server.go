package launch

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"syscall"
)

// roleEnv marks a re-executed runtime as one of the helper processes of a
// FUSE mount. Its value is unguessable enough that no user sets it by
// accident, and it is never passed on to the application.
const roleEnv = "_GOAPPIMAGE_RUNTIME_ROLE_7f3c"

// Roles of re-executed runtimes. The launcher starts "detach", which starts
// "serve" in a new session and exits at once, so that the server is not a
// child of the application (which could wait for it) and no terminal signal
// reaches it.
const (
	roleDetach = "detach"
	roleServe  = "serve"
)

// Descriptors the helper processes inherit.
const (
	readyFD     = 3 // write end: readyMessage or an error message, then closed
	keepAliveFD = 4 // read end: EOF once the application and its children exited
)

// serveRole runs a helper process; args are [self, mountDir, image, offset].
func serveRole(role string, args []string) int {
	ready := os.NewFile(readyFD, "ready")
	keepAlive := os.NewFile(keepAliveFD, "keep-alive")
	if len(args) != 4 || ready == nil || keepAlive == nil {
		fmt.Fprintln(os.Stderr, "Error: internal runtime role started without its arguments")
		return exitError
	}
	// Inherited without close-on-exec: keep them from the programs this
	// process starts, except where passed on explicitly.
	syscall.CloseOnExec(readyFD)
	syscall.CloseOnExec(keepAliveFD)
	switch role {
	case roleDetach:
		// In a new session, in / (keeping no file system busy but ours).
		_, err := startHelper(roleServe, args[1:], "/", true, ready, keepAlive)
		if err != nil {
			fmt.Fprintf(ready, "starting the FUSE server: %v", err)
			return exitError
		}
		return exitOK
	case roleServe:
		return serve(args[1], args[2], args[3], ready, keepAlive)
	}
	return exitError
}

// serve mounts the payload of the AppImage at imagePath (squashfs at offset) on
// dir, reports on ready, serves until keepAlive reaches EOF, then unmounts
// and removes dir.
func serve(dir, imagePath, offset string, ready, keepAlive *os.File) int {
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE)
	if os.Getenv("GOMAXPROCS") == "" {
		// The reader decompresses ahead on every processor. With twice
		// as many as there are, a request that arrives while all are
		// busy is served as soon as the kernel schedules it rather than
		// after a whole block: about 15 % faster sequential reads.
		goruntime.GOMAXPROCS(2 * goruntime.GOMAXPROCS(0))
	}
	t, err := openImageTree(imagePath, offset)
	if err != nil {
		fmt.Fprint(ready, payloadError, err)
		ready.Close()
		return exitError
	}
	m, err := mountImage(dir, t, imagePath)
	if err != nil {
		fmt.Fprint(ready, err)
		ready.Close()
		return exitError
	}
	io.WriteString(ready, readyMessage)
	ready.Close()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, keepAlive)
		close(eof)
	}()
	select {
	case <-eof:
	case <-stop:
	}
	m.unmount()
	os.Remove(dir)
	return exitOK
}

// startHelper starts this executable again in the given role with args,
// in dir ("": ours) and, if setsid, a new session, with stdio on /dev/null
// (nothing may wait for a helper's output) and ready and keepAlive as
// readyFD and keepAliveFD. It uses syscall.ForkExec rather than os/exec,
// which would first start a test process of its own to probe for pidfd
// support: each helper started costs the launch of an AppImage time.
func startHelper(role string, args []string, dir string, setsid bool, ready, keepAlive *os.File) (pid int, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	return syscall.ForkExec(self, append([]string{self}, args...), &syscall.ProcAttr{
		Dir:   dir,
		Env:   helperEnv(os.Environ(), role),
		Files: []uintptr{null.Fd(), null.Fd(), null.Fd(), ready.Fd(), keepAlive.Fd()},
		Sys:   &syscall.SysProcAttr{Setsid: setsid},
	})
}

// waitHelper waits for the helper process pid to exit.
func waitHelper(pid int) error {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if ws.Exited() && ws.ExitStatus() == 0 {
			return nil
		}
		return fmt.Errorf("the helper process ended with status %v", ws)
	}
}

// helperEnv is environ with the role variable set to role, once: a second
// copy (the role of this process) would be the one getenv finds.
func helperEnv(environ []string, role string) []string {
	env := []string{roleEnv + "=" + role}
	for _, kv := range environ {
		if !strings.HasPrefix(kv, roleEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}
