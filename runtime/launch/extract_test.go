package launch

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/internal/testutil"
)

func TestExtractAndRun(t *testing.T) {
	app := makeAppImage(t, hostRuntime(t), appDir(t), "-comp", "gzip")
	for _, how := range []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", nil, []string{"--appimage-extract-and-run", "one", "two words"}},
		{"env", []string{"APPIMAGE_EXTRACT_AND_RUN=1"}, []string{"one", "two words"}},
	} {
		t.Run(how.name, func(t *testing.T) {
			tmp, cwd := t.TempDir(), t.TempDir()
			env := append([]string{"TMPDIR=" + tmp, "EXIT_WITH=3"}, how.env...)
			res := run(t, app, cwd, env, how.args...)
			if res.status != 3 {
				t.Fatalf("exit status %d, want 3 (AppRun's)\nstdout: %s\nstderr: %s", res.status, res.stdout, res.stderr)
			}
			v := values(res.stdout)
			for _, c := range []struct{ key, want string }{
				{"arg", "one|two words"},
				{"APPIMAGE", app},
				{"OWD", cwd},
				{"ARGV0", app},
				{"data", "payload data"},
			} {
				if v[c.key] != c.want {
					t.Errorf("%s: got %q, want %q", c.key, v[c.key], c.want)
				}
			}
			if dir := v["APPDIR"]; filepath.Dir(dir) != tmp || !strings.HasPrefix(filepath.Base(dir), "appimage_extracted_") {
				t.Errorf("APPDIR %q is not $TMPDIR/appimage_extracted_*", dir)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("$TMPDIR not cleaned up: %d entries left, first %s", len(left), left[0].Name())
			}
		})
	}
	t.Run("NO_CLEANUP", func(t *testing.T) {
		tmp := t.TempDir()
		res := run(t, app, t.TempDir(), []string{"TMPDIR=" + tmp, "NO_CLEANUP=1"}, "--appimage-extract-and-run")
		if res.status != 0 {
			t.Fatalf("exit status %d\nstderr: %s", res.status, res.stderr)
		}
		dir := values(res.stdout)["APPDIR"]
		if b, err := os.ReadFile(filepath.Join(dir, "data.txt")); err != nil || string(b) != "payload data" {
			t.Errorf("with NO_CLEANUP, %s/data.txt: %q, %v; want the payload kept", dir, b, err)
		}
		// A second run reuses the same, content-named directory.
		res = run(t, app, t.TempDir(), []string{"TMPDIR=" + tmp, "NO_CLEANUP=1"}, "--appimage-extract-and-run")
		if got := values(res.stdout)["APPDIR"]; got != dir || res.status != 0 {
			t.Errorf("second run: APPDIR %q, status %d; want %q, 0", got, res.status, dir)
		}
	})
}

// TestExtractAndRunCleansReadOnlyDirs runs, as an unprivileged user, an
// AppImage with a read-only directory holding a file: the extracted copy
// must still be removed afterwards.
func TestExtractAndRunCleansReadOnlyDirs(t *testing.T) {
	testutil.Root(t)
	dir := appDir(t)
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ro, "file"), []byte("x"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	app := makeAppImage(t, hostRuntime(t), dir)
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(filepath.Dir(app)), filepath.Dir(app), tmp} {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	cmd := command(app, tmp, []string{"TMPDIR=" + tmp}, "--appimage-extract-and-run")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("extracted copy not removed: %s left\n%s", left[0].Name(), out)
	}
}

// TestExtractAndRunSignals checks that a signal sent to the runtime reaches
// the application, and that the application's death by a signal is the
// runtime's.
func TestExtractAndRunSignals(t *testing.T) {
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	t.Run("forwarded", func(t *testing.T) {
		testSignalReachesApp(t, app, "--appimage-extract-and-run")
	})
	t.Run("death", func(t *testing.T) {
		cmd := command(app, t.TempDir(), []string{"TMPDIR=" + t.TempDir(), "DIE_BY_SIGNAL=1"}, "--appimage-extract-and-run")
		err := cmd.Run()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("runtime ended with %v (%v), want killed by SIGTERM like its AppRun", cmd.ProcessState, err)
		}
	})
}

func TestExtract(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 40})
	if err := os.WriteFile(filepath.Join(src, "AppRun"), []byte(printAppRun), 0o755); err != nil {
		t.Fatal(err)
	}
	app := makeAppImage(t, hostRuntime(t), src, "-comp", "xz")

	cwd := t.TempDir()
	res := run(t, app, cwd, nil, "--appimage-extract")
	if res.status != 0 {
		t.Fatalf("exit status %d\nstderr: %s", res.status, res.stderr)
	}
	testutil.CompareTrees(t, src, filepath.Join(cwd, "squashfs-root"), testutil.CompareOptions{MTimes: true, SkipRootMeta: true})

	// A pattern selects a directory with everything below it and nothing else.
	cwd = t.TempDir()
	if res := run(t, app, cwd, nil, "--appimage-extract", "a/b"); res.status != 0 {
		t.Fatalf("with a pattern: exit status %d\nstderr: %s", res.status, res.stderr)
	}
	testutil.CompareTrees(t, filepath.Join(src, "a"), filepath.Join(cwd, "squashfs-root", "a"), testutil.CompareOptions{SkipRootMeta: true})
	top, _ := os.ReadDir(filepath.Join(cwd, "squashfs-root"))
	if len(top) != 1 || top[0].Name() != "a" {
		t.Errorf("pattern a/b extracted %v, want only a/", top)
	}

	if res := run(t, app, cwd, nil, "--appimage-extract", "a", "b"); res.status != 1 || !strings.Contains(res.stderr, "Usage") {
		t.Errorf("two patterns: status %d, stderr %q; want 1 and a usage message", res.status, res.stderr)
	}
}

func TestInformationFlags(t *testing.T) {
	rt := hostRuntime(t)
	app := makeAppImage(t, rt, appDir(t))
	f, err := os.OpenFile(app, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	const updateInfo = "gh-releases-zsync|owner|repo|latest|App-*x86_64.AppImage.zsync"
	for name, data := range map[string]string{".upd_info": updateInfo, ".sha256_sig": "signature text"} {
		s, err := elf.FindSection(f, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := elf.WriteSection(f, s, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	end, err := elf.Size(bytes.NewReader(rt))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	tests := []struct {
		args       []string
		wantStatus int
		wantStdout string
		wantStderr string
	}{
		{[]string{"--appimage-offset"}, 0, strconv.FormatInt(end, 10) + "\n", ""},
		{[]string{"--appimage-updateinformation"}, 0, updateInfo + "\n", ""},
		{[]string{"--appimage-updateinfo"}, 0, updateInfo + "\n", ""},
		{[]string{"--appimage-signature"}, 0, "signature text\n", ""},
		{[]string{"--appimage-version"}, 0, "", "AppImage runtime version: " + Version},
		{[]string{"--appimage-help"}, 0, "", app + ".home"},
		{[]string{"--appimage-portable-home"}, 0, "", app + ".home"},
		{[]string{"--appimage-portable-config"}, 0, "", app + ".config"},
		{[]string{"--appimage-list"}, 1, "", "--appimage-list"},
	}
	for _, tt := range tests {
		res := run(t, app, dir, nil, tt.args...)
		if res.status != tt.wantStatus || res.stdout != tt.wantStdout || !strings.Contains(res.stderr, tt.wantStderr) {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
				tt.args, res.status, res.stdout, res.stderr, tt.wantStatus, tt.wantStdout, tt.wantStderr)
		}
	}
	for _, s := range []string{".home", ".config"} {
		if fi, err := os.Stat(app + s); err != nil || !fi.IsDir() {
			t.Errorf("portable directory %s%s not created: %v", app, s, err)
		}
	}
	// The portable directories now exist: the application gets them.
	v := values(run(t, app, dir, []string{"TMPDIR=" + t.TempDir()}, "--appimage-extract-and-run").stdout)
	if v["HOME"] != app+".home" {
		t.Errorf("HOME: got %q, want %q", v["HOME"], app+".home")
	}
}

// TestBadImages checks the errors for a runtime without payload and for a
// payload that is not squashfs, in both modes: they name the file and the
// problem, and do not blame FUSE.
func TestBadImages(t *testing.T) {
	rt := hostRuntime(t)
	dir := t.TempDir()
	bare := filepath.Join(dir, "bare")
	garbage := filepath.Join(dir, "garbage.AppImage")
	if err := os.WriteFile(bare, rt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(garbage, append(append([]byte{}, rt...), bytes.Repeat([]byte("not squashfs "), 500)...), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		app        string
		wantStatus int
		wantStderr []string
	}{
		{bare, 1, []string{bare, "no payload"}},
		{garbage, 127, []string{garbage, "file system", strconv.Itoa(len(rt))}},
	}
	for _, tt := range tests {
		for _, args := range [][]string{{"--appimage-extract-and-run"}, nil} {
			res := run(t, tt.app, dir, []string{"TMPDIR=" + t.TempDir()}, args...)
			if res.status != tt.wantStatus {
				t.Errorf("%s %q: exit status %d, want %d\nstderr: %s", tt.app, args, res.status, tt.wantStatus, res.stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("%s %q: stderr %q does not mention %q", tt.app, args, res.stderr, want)
				}
			}
			if strings.Contains(res.stderr, "FUSE") {
				t.Errorf("%s %q: stderr %q blames FUSE for a bad image", tt.app, args, res.stderr)
			}
		}
	}
}

// TestExtractAndRunNoexec checks the advice given when $TMPDIR is on a
// file system mounted noexec.
func TestExtractAndRunNoexec(t *testing.T) {
	testutil.Root(t)
	app := makeAppImage(t, hostRuntime(t), appDir(t))
	tmp := t.TempDir()
	if err := syscall.Mount("tmpfs", tmp, "tmpfs", syscall.MS_NOEXEC, ""); err != nil {
		testutil.Unavailable(t, "cannot mount a tmpfs: %v", err)
	}
	defer syscall.Unmount(tmp, 0)
	res := run(t, app, t.TempDir(), []string{"TMPDIR=" + tmp}, "--appimage-extract-and-run")
	if res.status != 127 || !strings.Contains(res.stderr, "noexec") || !strings.Contains(res.stderr, "TMPDIR") {
		t.Errorf("status %d, stderr %q; want 127 and advice about noexec and TMPDIR", res.status, res.stderr)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%s left in $TMPDIR", left[0].Name())
	}
}
