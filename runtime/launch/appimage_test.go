package launch

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/runtime/internal/prep"
)

// printAppRun is an AppRun that prints its pid, arguments, the runtime's
// variables and a file of the payload, then exits with $EXIT_WITH. With
// $WAIT_FOR_SIGNAL it says "ready" and waits for SIGTERM or SIGINT, exiting
// 42 or 43 on them;
// with $DIE_BY_SIGNAL it kills itself with SIGTERM; with $LATE_READER it
// leaves a child behind that copies data.txt to that file a second later.
const printAppRun = `#!/bin/sh
echo "pid=$$"
for a in "$@"; do echo "arg=$a"; done
echo "APPIMAGE=$APPIMAGE"
echo "APPDIR=$APPDIR"
echo "OWD=$OWD"
echo "ARGV0=$ARGV0"
echo "HOME=$HOME"
echo "data=$(cat "$APPDIR/data.txt")"
if [ -n "$LATE_READER" ]; then
	(sleep 1; cat "$APPDIR/data.txt" > "$LATE_READER") >/dev/null 2>&1 &
fi
if [ -n "$DIE_BY_SIGNAL" ]; then
	kill -TERM $$
fi
if [ -n "$WAIT_FOR_SIGNAL" ]; then
	trap 'echo "got TERM"; exit 42' TERM
	trap 'echo "got INT"; exit 43' INT
	echo ready
	while :; do sleep 0.05; done
fi
exit ${EXIT_WITH:-0}
`

var (
	runtimeOnce sync.Once
	runtimeBin  []byte
	runtimeErr  error
)

// hostRuntime returns the prepared x86_64 runtime built from the current
// source.
func hostRuntime(t testing.TB) []byte {
	t.Helper()
	runtimeOnce.Do(func() { runtimeBin, runtimeErr = prep.Build("x86_64") })
	if runtimeErr != nil {
		t.Fatal(runtimeErr)
	}
	return runtimeBin
}

// appDir writes an AppDir with printAppRun, data.txt and extra files.
func appDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "AppDir")
	files := map[string]string{"AppRun": printAppRun, "data.txt": "payload data", "usr/share/doc/readme": "read me"}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// makeAppImage packs dir with mksquashfs (an independent writer) and puts
// runtime in front of it.
func makeAppImage(t *testing.T, runtime []byte, dir string, mksquashfsArgs ...string) string {
	t.Helper()
	mksquashfs := testutil.Tool(t, "mksquashfs")
	out := t.TempDir()
	sqfs := filepath.Join(out, "payload.squashfs")
	args := append([]string{dir, sqfs, "-noappend", "-quiet", "-no-progress", "-all-root"}, mksquashfsArgs...)
	if b, err := exec.Command(mksquashfs, args...).CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, b)
	}
	payload, err := os.ReadFile(sqfs)
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(out, "Test App.AppImage")
	if err := os.WriteFile(app, append(append([]byte{}, runtime...), payload...), 0o755); err != nil {
		t.Fatal(err)
	}
	return app
}

// result is what one run of an AppImage did.
type result struct {
	stdout, stderr string
	status         int
	pid            int
}

// command prepares app with args in the directory cwd and extra environment.
func command(app, cwd string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(app, args...)
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// run runs app with args in the directory cwd and extra environment.
func run(t *testing.T, app, cwd string, env []string, args ...string) result {
	t.Helper()
	cmd := command(app, cwd, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{stdout: stdout.String(), stderr: stderr.String(), status: cmd.ProcessState.ExitCode()}
	if cmd.Process != nil {
		res.pid = cmd.Process.Pid
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running %s: %v", app, err)
	}
	return res
}

// values parses the "key=value" lines AppRun prints; repeated keys are
// joined with "|".
func values(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if old, ok := m[k]; ok {
			v = old + "|" + v
		}
		m[k] = v
	}
	return m
}

// testSignalReachesApp starts app with args and the waiting AppRun, in a
// process group of its own as a shell job is, and once AppRun is ready
// sends SIGTERM to the process it started (as kill does) or SIGINT to the
// whole group (as Ctrl-C on a terminal does). AppRun must get it: it prints
// "got TERM" or "got INT" and exits 42 or 43, and the runtime exits with
// that status, leaving no mount behind.
func testSignalReachesApp(t *testing.T, app string, args ...string) {
	t.Helper()
	for _, tt := range []struct {
		sig    syscall.Signal
		group  bool
		status int
		says   string
	}{
		{syscall.SIGTERM, false, 42, "got TERM"},
		{syscall.SIGINT, true, 43, "got INT"},
	} {
		cmd := command(app, t.TempDir(), []string{"TMPDIR=" + t.TempDir(), "WAIT_FOR_SIGNAL=1"}, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var seen strings.Builder
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			seen.WriteString(lines.Text() + "\n")
			if lines.Text() == "ready" {
				break
			}
		}
		pid := cmd.Process.Pid
		if tt.group {
			pid = -pid
		}
		if err := syscall.Kill(pid, tt.sig); err != nil {
			t.Fatal(err)
		}
		stuck := time.AfterFunc(10*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
		for lines.Scan() {
			seen.WriteString(lines.Text() + "\n")
		}
		cmd.Wait()
		if !stuck.Stop() {
			t.Errorf("after %v (to the group: %v): AppRun still ran 10 s later", tt.sig, tt.group)
		}
		if dir := values(seen.String())["APPDIR"]; strings.Contains(dir, "/.mount_") {
			waitGone(t, dir)
		}
		if got := cmd.ProcessState.ExitCode(); got != tt.status || !strings.Contains(seen.String(), tt.says) {
			t.Errorf("after %v (to the group: %v): exit status %d, output %q; want %d and %q\nstderr: %s",
				tt.sig, tt.group, got, seen.String(), tt.status, tt.says, stderr.String())
		}
	}
}

// waitGone waits until dir is neither mounted nor present.
func waitGone(t testing.TB, dir string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mounts, err := os.ReadFile("/proc/self/mounts")
		if err != nil {
			t.Fatal(err)
		}
		_, statErr := os.Lstat(dir)
		if !strings.Contains(string(mounts), " "+dir+" ") && os.IsNotExist(statErr) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mount point %s still mounted or present 15 s after the application exited", dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
