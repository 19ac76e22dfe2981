package launch

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// extractAndRun extracts the payload to a directory in $TMPDIR, runs AppRun
// from there as a child, waits for it, removes the directory unless
// $NO_CLEANUP is set, and returns the child's status.
func (r *runner) extractAndRun() int {
	dir, err := r.extractDir()
	if err != nil {
		return r.fail(exitExecError, "%v (set TMPDIR to a writable directory)", err)
	}
	t, err := r.img.tree()
	if err != nil {
		removeTree(dir)
		return r.fail(exitExecError, "%v", err)
	}
	if err := extractTree(context.Background(), t, dir, nil); err != nil {
		removeTree(dir)
		return r.fail(exitExecError, "extracting %s to %s: %v", r.img.path, dir, err)
	}
	status := r.runChild(dir)
	if os.Getenv("NO_CLEANUP") == "" {
		if err := removeTree(dir); err != nil {
			fmt.Fprintf(r.stderr, "Error: removing %s: %v\n", dir, err)
			if status == 0 {
				status = exitExecError
			}
		}
	}
	if status < 0 {
		reraise(syscall.Signal(-status))
		return 128 - status
	}
	return status
}

// runChild runs dir/AppRun with the application's arguments and returns its
// exit status, or minus the number of the signal that killed it.
func (r *runner) runChild(dir string) int {
	owd, _ := os.Getwd()
	cmd := &exec.Cmd{
		Path:   filepath.Join(dir, "AppRun"),
		Args:   append([]string{r.args[0]}, withoutExtractAndRun(r.args[1:])...),
		Env:    appEnv(os.Environ(), r.img, dir, owd, r.stderr),
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
	}
	// Terminal signals (Ctrl-C, Ctrl-\) reach the whole foreground process
	// group, the application included: this process catches and drops
	// them so that it lives to clean up. (Catching, not ignoring: an
	// ignored signal would stay ignored in the application.) Signals sent
	// to this process alone are passed on.
	terminal := make(chan os.Signal, 8)
	signal.Notify(terminal, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(terminal)
	forward := make(chan os.Signal, 8)
	signal.Notify(forward, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGCONT)
	defer signal.Stop(forward)
	if err := cmd.Start(); err != nil {
		hint := ""
		if errors.Is(err, fs.ErrPermission) {
			hint = fmt.Sprintf(" (if %s is on a file system mounted noexec, set TMPDIR to another directory)", tempDir())
		}
		fmt.Fprintf(r.stderr, "Error: running AppRun: %v%s\n", err, hint)
		return exitExecError
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-forward:
				cmd.Process.Signal(s)
			case <-terminal:
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -int(ws.Signal())
		}
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(r.stderr, "Error: running AppRun: %v\n", err)
		return exitExecError
	}
	return 0
}

// extractDir creates the directory to extract to. With $NO_CLEANUP it is
// $TMPDIR/appimage_extracted_<md5 of the AppImage>, as in type2-runtime, so
// that later runs of the same AppImage reuse it; otherwise it is a new
// directory of its own, so that runs at the same time never remove each
// other's files (and no time goes into hashing).
func (r *runner) extractDir() (string, error) {
	if os.Getenv("NO_CLEANUP") == "" {
		dir, err := os.MkdirTemp(tempDir(), "appimage_extracted_")
		if err != nil {
			return "", fmt.Errorf("creating the extraction directory: %w", err)
		}
		return dir, nil
	}
	sum, err := fileMD5(r.img.file)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", r.img.path, err)
	}
	dir := filepath.Join(tempDir(), "appimage_extracted_"+sum)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the extraction directory: %w", err)
	}
	return dir, nil
}

// removeTree removes dir and everything below it, also when the payload
// made some directories read-only.
func removeTree(dir string) error {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// reraise kills this process with sig, so that its parent sees the same
// death as the application's.
func reraise(sig syscall.Signal) {
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
	// Delivery is asynchronous: give it time before the caller exits.
	time.Sleep(time.Second)
}

// fileMD5 returns the MD5 of the whole file in hex: the name of the
// extraction directory is tied to the content, as in type2-runtime.
func fileMD5(f *os.File) (string, error) {
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
