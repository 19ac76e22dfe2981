//go:build !386 && !arm

package launch

import (
	"bufio"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
)

func TestRunThroughFUSE(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t), "-comp", "zstd")
	link := filepath.Join(t.TempDir(), "link-to-app")
	if err := os.Symlink(app, link); err != nil {
		t.Fatal(err)
	}
	tmp, cwd := t.TempDir(), t.TempDir()
	res := run(t, link, cwd, []string{"TMPDIR=" + tmp, "EXIT_WITH=7"}, "first arg", "--app-option", "--appimage-extract")
	if res.status != 7 {
		t.Fatalf("exit status %d, want 7 (AppRun's)\nstdout: %s\nstderr: %s", res.status, res.stdout, res.stderr)
	}
	v := values(res.stdout)
	checks := []struct{ key, want string }{
		{"pid", strconv.Itoa(res.pid)}, // the AppImage's process became AppRun
		{"arg", "first arg|--app-option|--appimage-extract"},
		{"APPIMAGE", app},
		{"OWD", cwd},
		{"ARGV0", link},
		{"data", "payload data"},
	}
	for _, c := range checks {
		if v[c.key] != c.want {
			t.Errorf("%s: got %q, want %q", c.key, v[c.key], c.want)
		}
	}
	mnt := v["APPDIR"]
	if filepath.Dir(mnt) != tmp || !strings.HasPrefix(filepath.Base(mnt), ".mount_link-t") {
		t.Errorf("APPDIR %q is not $TMPDIR/.mount_link-t<random>", mnt)
	}
	waitGone(t, mnt)
}

func TestSignalsThroughFUSE(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	testSignalReachesApp(t, app)
}

// TestWithoutFUSE runs the AppImage as an unprivileged user whose
// fusermount does not exist: it must say what is missing, suggest
// --appimage-extract-and-run and exit 127, leaving no mount point behind.
func TestWithoutFUSE(t *testing.T) {
	testutil.Root(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(filepath.Dir(app)), filepath.Dir(app), tmp} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	cmd := command(app, tmp, []string{"TMPDIR=" + tmp, "FUSERMOUNT_PROG=/nonexistent/fusermount"})
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.CombinedOutput()
	if got := cmd.ProcessState.ExitCode(); got != 127 {
		t.Errorf("exit status %d, want 127\noutput: %s", got, out)
	}
	for _, want := range []string{"FUSE", "fusermount", "--appimage-extract-and-run"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message does not mention %q:\n%s", want, out)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("mount point left behind: %s", left[0].Name())
	}
}

func TestMountFlag(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	tmp := t.TempDir()
	cmd, mnt := startMount(t, command(app, t.TempDir(), []string{"TMPDIR=" + tmp}, "--appimage-mount"))
	if b, err := os.ReadFile(filepath.Join(mnt, "data.txt")); err != nil || string(b) != "payload data" {
		t.Errorf("reading data.txt through %s: %q, %v", mnt, b, err)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after Ctrl-C: %v, want exit status 0", err)
	}
	waitGone(t, mnt)
}

// TestTargetAppImage runs a bare runtime on an AppImage named by
// $TARGET_APPIMAGE, through FUSE (where the server must open that file,
// not the runtime) and with extract-and-run.
func TestTargetAppImage(t *testing.T) {
	rt := hostRuntime(t)
	app := makeAppImage(t, rt, appDir(t))
	bare := filepath.Join(t.TempDir(), "runtime")
	if err := os.WriteFile(bare, rt, 0o755); err != nil {
		t.Fatal(err)
	}
	modes := [][]string{{"--appimage-extract-and-run"}}
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err == nil {
		f.Close()
		modes = append(modes, nil)
	}
	for _, args := range modes {
		res := run(t, bare, t.TempDir(), []string{"TMPDIR=" + t.TempDir(), "TARGET_APPIMAGE=" + app}, args...)
		v := values(res.stdout)
		if res.status != 0 || v["APPIMAGE"] != app || v["ARGV0"] != app || v["data"] != "payload data" {
			t.Errorf("%q: status %d, APPIMAGE %q, ARGV0 %q, data %q; want 0, %q, %q, payload data\nstderr: %s",
				args, res.status, v["APPIMAGE"], v["ARGV0"], v["data"], app, app, res.stderr)
		}
		if args == nil {
			waitGone(t, v["APPDIR"])
		}
	}
}

// TestNoAppRun checks that a payload without AppRun gives exit status 127
// and leaves nothing behind, in both modes.
func TestNoAppRun(t *testing.T) {
	testutil.FUSE(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	app := makeAppImage(t, hostRuntime(t), dir)
	for _, args := range [][]string{nil, {"--appimage-extract-and-run"}} {
		tmp := t.TempDir()
		res := run(t, app, t.TempDir(), []string{"TMPDIR=" + tmp}, args...)
		if res.status != 127 || !strings.Contains(res.stderr, "AppRun") {
			t.Errorf("%q: status %d, stderr %q; want 127 and a message naming AppRun", args, res.status, res.stderr)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			left, _ := os.ReadDir(tmp)
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%q: %s left in $TMPDIR", args, left[0].Name())
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestMountOutlivesAppRun checks that the mount stays while a process AppRun
// started still runs, and goes once that one has exited too.
func TestMountOutlivesAppRun(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	late := filepath.Join(t.TempDir(), "late")
	res := run(t, app, t.TempDir(), []string{"TMPDIR=" + t.TempDir(), "LATE_READER=" + late})
	mnt := values(res.stdout)["APPDIR"]
	if res.status != 0 {
		t.Fatalf("exit status %d\nstderr: %s", res.status, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(mnt, "data.txt")); err != nil {
		t.Errorf("mount gone while AppRun's child still runs: %v", err)
	}
	waitGone(t, mnt)
	if b, err := os.ReadFile(late); err != nil || string(b) != "payload data" {
		t.Errorf("AppRun's child read %q (%v) through the mount, want %q", b, err, "payload data")
	}
}

// TestModesAgree runs one AppImage through FUSE and with extract-and-run:
// AppRun must print the same, except for its APPDIR and pid.
func TestModesAgree(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	cwd := t.TempDir()
	env := []string{"TMPDIR=" + t.TempDir(), "EXIT_WITH=9"}
	fuse := run(t, app, cwd, env, "a", "b c")
	extracted := run(t, app, cwd, append(env, "APPIMAGE_EXTRACT_AND_RUN=1"), "a", "b c")
	waitGone(t, values(fuse.stdout)["APPDIR"])
	if fuse.status != 9 || extracted.status != 9 {
		t.Errorf("exit status %d through FUSE, %d extracted; want 9 for both", fuse.status, extracted.status)
	}
	vf, ve := values(fuse.stdout), values(extracted.stdout)
	for _, v := range []map[string]string{vf, ve} {
		delete(v, "pid")
		delete(v, "APPDIR")
	}
	if len(vf) < 6 || !maps.Equal(vf, ve) {
		t.Errorf("AppRun printed\n%v\nthrough FUSE and\n%v\nextracted", vf, ve)
	}
}

// startMount starts cmd, an AppImage run with --appimage-mount, and returns
// it with the mount point it prints once the payload is mounted.
func startMount(t testing.TB, cmd *exec.Cmd) (*exec.Cmd, string) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("reading the mount point: %v", err)
	}
	mnt := strings.TrimSuffix(line, "\n")
	return cmd, mnt
}

// TestClosedStdio runs the AppImage with its standard input, output and
// error closed, as some launchers do: the FUSE helpers must still start
// (they get /dev/null) and the application run.
func TestClosedStdio(t *testing.T) {
	testutil.FUSE(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	out := filepath.Join(t.TempDir(), "out")
	// AppRun prints to its stdout: give it one again, inside the mount.
	cmd := exec.Command("sh", "-c", `"$0" "$@" 0<&- 1>&- 2>&- ; echo "status $?" >"$OUT"`, app)
	tmp := t.TempDir()
	cmd.Env = append(os.Environ(), "OUT="+out, "TMPDIR="+tmp)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	mounts, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		waitGone(t, filepath.Join(tmp, m.Name()))
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(got)) != "status 0" {
		t.Errorf("AppImage with closed stdio: %s, want status 0", got)
	}
}
