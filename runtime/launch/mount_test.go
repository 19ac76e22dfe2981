//go:build !386 && !arm

package launch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
)

// waitGone waits until dir is neither mounted nor present.
func waitGone(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
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
			t.Fatalf("mount point %s still mounted or present 5 s after the application exited", dir)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

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
