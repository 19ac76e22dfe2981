package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goappimage/goappimage/build"
	"github.com/goappimage/goappimage/internal/testutil"
)

// The tests build real AppImages and run them. Subprocess tests use a
// goappimage binary built once; a runtime comes from the binary itself, or
// is built with mkruntime when none is embedded.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	testTmp string
)

func TestMain(m *testing.M) {
	var err error
	if testTmp, err = os.MkdirTemp("", "goappimage-cmd-test"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(testTmp)
	os.Exit(code)
}

// goappimageBinary builds the command once, for tests that need a process.
func goappimageBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binPath = filepath.Join(testTmp, "goappimage")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			binPath = string(out)
		}
	})
	if binErr != nil {
		t.Fatalf("building goappimage: %v\n%s", binErr, binPath)
	}
	return binPath
}

// runtimeArgs returns the flags that give the build a runtime: none, the
// embedded one is used.
func runtimeArgs(t *testing.T) []string { return nil }

// writePNG writes a size×size PNG.
func writePNG(t *testing.T, p string, size int) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, size, size))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

const helloDesktop = `[Desktop Entry]
Type=Application
Name=Hello World
Exec=hello
Icon=hello
Categories=Utility;
Terminal=true
`

// helloAppRun prints a greeting with the AppDir it runs from, using the
// static busybox packed next to it.
const helloAppRun = `#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/bin/busybox" echo "hello from the AppImage:" "$@"
`

// makeAppDir writes a small AppDir: desktop entry, icon, AppRun script and
// a static busybox (the ELF file that tells the architecture).
func makeAppDir(t *testing.T, dir string) string {
	t.Helper()
	busybox := testutil.Tool(t, "busybox")
	for _, d := range []string{"usr/bin", "usr/share/doc/hello"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"hello.desktop": helloDesktop, "AppRun": helloAppRun, "usr/share/doc/hello/README": "hello\n"}
	for name, content := range files {
		mode := fs.FileMode(0o644)
		if name == "AppRun" {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	writePNG(t, filepath.Join(dir, "hello.png"), 256)
	copyFile(t, busybox, filepath.Join(dir, "usr/bin/busybox"))
	return dir
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// snapshot describes every file under dir (path, mode, content hash, link
// target, mtime) to check that a build leaves it alone.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + fi.Mode().String() + " " + fi.ModTime().String())
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			b.WriteString(" -> " + target)
		} else if fi.Mode().IsRegular() {
			b.WriteString(" " + fileSHA(t, p))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func fileSHA(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runIn runs the goappimage command line in process, in directory dir.
func runIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// runAppImage runs an AppImage with args and extra environment, and
// returns its combined output.
func runAppImage(t *testing.T, appImage string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, appImage, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("running %s %q: %v\n%s", filepath.Base(appImage), args, err, out)
	}
	return string(out)
}

// listImage lists an AppImage's files with unsquashfs at the runtime's
// offset: an independent reader.
func listImage(t *testing.T, appImage string) []string {
	t.Helper()
	unsquashfs := testutil.Tool(t, "unsquashfs")
	out, err := exec.Command(appImage, "--appimage-offset").Output()
	if err != nil {
		t.Fatalf("--appimage-offset: %v", err)
	}
	offset := strings.TrimSpace(string(out))
	out, err = exec.Command(unsquashfs, "-o", offset, "-lls", "-d", "", appImage).CombinedOutput()
	if err != nil {
		t.Fatalf("unsquashfs -o %s: %v\n%s", offset, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// catImage prints one file of an AppImage with unsquashfs -cat.
func catImage(t *testing.T, appImage, name string) string {
	t.Helper()
	unsquashfs := testutil.Tool(t, "unsquashfs")
	out, err := exec.Command(appImage, "--appimage-offset").Output()
	if err != nil {
		t.Fatalf("--appimage-offset: %v", err)
	}
	data, err := exec.Command(unsquashfs, "-o", strings.TrimSpace(string(out)), "-cat", appImage, name).Output()
	if err != nil {
		t.Fatalf("unsquashfs -cat %s: %v", name, err)
	}
	return string(data)
}

func TestBuildRunsThroughFUSEAndExtractAndRun(t *testing.T) {
	testutil.FUSE(t)
	work := t.TempDir()
	app := makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	before := snapshot(t, app)
	args := append([]string{"goappimage", "build", "--json", "--app-version", "1.2"}, runtimeArgs(t)...)
	code, stdout, stderr := runIn(t, work, append(args, "Hello.AppDir")...)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	var res build.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--json output %q: %v", stdout, err)
	}
	out := filepath.Join(work, "Hello_World-1.2-x86_64.AppImage")
	if res.Output != "Hello_World-1.2-x86_64.AppImage" || res.Arch != "x86_64" || res.Compression != "zstd" {
		t.Errorf("result %+v", res)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 || fi.Size() != res.Size || fileSHA(t, out) != res.SHA256 {
		t.Errorf("output mode %v size %d sha %s; result says %d %s", fi.Mode(), fi.Size(), fileSHA(t, out), res.Size, res.SHA256)
	}
	if after := snapshot(t, app); after != before {
		t.Errorf("the build changed the AppDir:\nbefore\n%s\nafter\n%s", before, after)
	}

	if got := runAppImage(t, out, nil, "via", "fuse"); !strings.Contains(got, "hello from the AppImage: via fuse") {
		t.Errorf("FUSE run printed %q", got)
	}
	if got := runAppImage(t, out, []string{"APPIMAGE_EXTRACT_AND_RUN=1"}, "extracted"); !strings.Contains(got, "hello from the AppImage: extracted") {
		t.Errorf("extract-and-run printed %q", got)
	}
	if got := runAppImage(t, out, nil, "--appimage-extract-and-run", "flag"); !strings.Contains(got, "hello from the AppImage: flag") {
		t.Errorf("--appimage-extract-and-run printed %q", got)
	}

	// What went into the image only: .DirIcon and X-AppImage-Version.
	listing := strings.Join(listImage(t, out), "\n")
	if !strings.Contains(listing, ".DirIcon -> hello.png") {
		t.Errorf("no .DirIcon symlink in the image:\n%s", listing)
	}
	if entry := catImage(t, out, "hello.desktop"); !strings.Contains(entry, "X-AppImage-Version=1.2\n") {
		t.Errorf("desktop entry in the image:\n%s", entry)
	}
}

func TestBuildBadAppDirListsEveryProblem(t *testing.T) {
	work := t.TempDir()
	app := filepath.Join(work, "Bad.AppDir")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	entry := strings.Replace(helloDesktop, "Categories=Utility;\n", "", 1)
	if err := os.WriteFile(filepath.Join(app, "hello.desktop"), []byte(entry), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "AppRun"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"goappimage", "build"}, runtimeArgs(t)...)
	code, _, stderr := runIn(t, work, append(args, "Bad.AppDir", "out.AppImage")...)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"3 problems", "Categories", "hello.png", "AppRun is not executable"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, stderr)
		}
	}
	entries, _ := os.ReadDir(work)
	if len(entries) != 1 {
		t.Errorf("files left in the output directory: %v", entries)
	}
}

// TestBuildDeterministic builds the same AppDir several ways and wants the
// same bytes: twice, with GOMAXPROCS 1 and 2, and from a copy made in the
// reverse order with other mtimes.
func TestBuildDeterministic(t *testing.T) {
	bin := goappimageBinary(t)
	work := t.TempDir()
	app := makeAppDir(t, filepath.Join(work, "a", "Hello.AppDir"))
	for i := 0; i < 40; i++ {
		p := filepath.Join(app, "usr/share/data", string(rune('a'+i%26))+strings.Repeat("x", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte(i)}, i*5000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The copy: files created in reverse order, a day later.
	cp := filepath.Join(work, "b", "Hello.AppDir")
	var paths []string
	filepath.Walk(app, func(p string, fi fs.FileInfo, err error) error {
		paths = append(paths, p)
		return err
	})
	sort.Sort(sort.Reverse(sort.StringSlice(paths)))
	later := time.Now().Add(24 * time.Hour)
	for _, p := range paths {
		rel, _ := filepath.Rel(app, p)
		dst := filepath.Join(cp, rel)
		fi, _ := os.Lstat(p)
		if fi.IsDir() {
			os.MkdirAll(dst, fi.Mode().Perm())
			continue
		}
		os.MkdirAll(filepath.Dir(dst), 0o755)
		copyFile(t, p, dst)
		os.Chtimes(dst, later, later)
	}

	build := func(dir, maxprocs string) string {
		out := filepath.Join(t.TempDir(), "out.AppImage")
		args := append([]string{"build", "-q"}, runtimeArgs(t)...)
		cmd := exec.Command(bin, append(args, dir, out)...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+maxprocs, "SOURCE_DATE_EPOCH=1700000000")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s GOMAXPROCS=%s: %v\n%s", dir, maxprocs, err, msg)
		}
		return fileSHA(t, out)
	}
	first := build(app, "2")
	for _, c := range []struct{ name, dir, procs string }{
		{"again", app, "2"},
		{"GOMAXPROCS=1", app, "1"},
		{"reverse-order copy", cp, "2"},
	} {
		if got := build(c.dir, c.procs); got != first {
			t.Errorf("%s: sha256 %s, first build %s", c.name, got, first)
		}
	}
}

func TestBuildInterruptedLeavesNoFile(t *testing.T) {
	bin := goappimageBinary(t)
	work := t.TempDir()
	app := makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	// Enough incompressible data that the build takes a while.
	big, err := os.Create(filepath.Join(app, "usr/share/big"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(big, newNoise(), 256<<20); err != nil {
		t.Fatal(err)
	}
	big.Close()
	outDir := t.TempDir()
	args := append([]string{"build", "--level", "19"}, runtimeArgs(t)...)
	cmd := exec.Command(bin, append(args, app, filepath.Join(outDir, "out.AppImage"))...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once packing has started.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(outDir)
		if len(entries) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if err == nil {
		t.Fatalf("interrupted build exited 0\n%s", stderr.String())
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Errorf("files left after the interrupt: %v\n%s", entries, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say the build was interrupted:\n%s", stderr.String())
	}
}

// noise is a cheap incompressible byte stream (xorshift).
type noise struct{ s uint64 }

func newNoise() *noise { return &noise{s: 0x9e3779b97f4a7c15} }

func (n *noise) Read(p []byte) (int, error) {
	for i := range p {
		n.s ^= n.s << 13
		n.s ^= n.s >> 7
		n.s ^= n.s << 17
		p[i] = byte(n.s)
	}
	return len(p), nil
}

func TestBuildDiskFullLeavesNoFile(t *testing.T) {
	testutil.Root(t)
	work := t.TempDir()
	app := makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	small := filepath.Join(work, "small")
	if err := os.MkdirAll(small, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", small).CombinedOutput(); err != nil {
		testutil.Unavailable(t, "mounting a tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", small).Run()
	args := append([]string{"goappimage", "build", "-q"}, runtimeArgs(t)...)
	code, _, stderr := runIn(t, work, append(args, app, filepath.Join(small, "out.AppImage"))...)
	if code == 0 {
		t.Fatal("build into a full disk exited 0")
	}
	if !strings.Contains(stderr, "no space left on device") {
		t.Errorf("stderr does not report the full disk:\n%s", stderr)
	}
	if entries, _ := os.ReadDir(small); len(entries) != 0 {
		t.Errorf("files left on the full disk: %v", entries)
	}
}

// TestExampleAppDir builds the example AppDir of the repository (the README's
// quick start) and runs it both ways.
func TestExampleAppDir(t *testing.T) {
	testutil.FUSE(t)
	example, err := filepath.Abs("../../testdata/example.AppDir")
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, example)
	work := t.TempDir()
	code, stdout, stderr := runIn(t, work, "goappimage", "build", example)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	out := filepath.Join(work, "Example_App-x86_64.AppImage")
	if !strings.HasPrefix(stdout, "Example_App-x86_64.AppImage: x86_64") {
		t.Errorf("build printed %q", stdout)
	}
	if after := snapshot(t, example); after != before {
		t.Error("the build changed testdata/example.AppDir")
	}
	for _, env := range [][]string{nil, {"APPIMAGE_EXTRACT_AND_RUN=1"}} {
		got := runAppImage(t, out, env, "one", "two words")
		for _, want := range []string{"example: AppRun\n", "APPIMAGE=" + out + "\n", "ARGC=2\n", "ARG2=two words\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("run with %q: output lacks %q:\n%s", env, want, got)
			}
		}
	}
}

// TestBuildInsideAppDirSkipsEarlierOutput: building from inside the AppDir
// twice gives the same AppImage; the first one is not packed into the
// second.
func TestBuildInsideAppDirSkipsEarlierOutput(t *testing.T) {
	app := makeAppDir(t, filepath.Join(t.TempDir(), "Hello.AppDir"))
	var sums []string
	for i := 0; i < 2; i++ {
		code, _, stderr := runIn(t, app, "goappimage", "build", "-q", "-u", "zsync|https://example.com/x.zsync", ".", ".")
		if code != 0 {
			t.Fatalf("build %d: exit %d\n%s", i, code, stderr)
		}
		sums = append(sums, fileSHA(t, filepath.Join(app, "Hello_World-x86_64.AppImage")))
	}
	if sums[0] != sums[1] {
		t.Errorf("the second build differs from the first: it packed the earlier output")
	}
}

// TestBuildHermetic builds in a network namespace with no network, with an
// environment holding nothing but SOURCE_DATE_EPOCH (no HOME, no PATH), and
// wants the same bytes as a build in the test's own environment.
func TestBuildHermetic(t *testing.T) {
	testutil.Root(t)
	unshare := testutil.Tool(t, "unshare")
	bin := goappimageBinary(t)
	app := makeAppDir(t, filepath.Join(t.TempDir(), "Hello.AppDir"))
	out := filepath.Join(t.TempDir(), "hermetic.AppImage")
	cmd := exec.Command(unshare, "--net", bin, "build", "-q", app, out)
	cmd.Env = []string{"SOURCE_DATE_EPOCH=1"}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build without network, HOME or PATH: %v\n%s", err, msg)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1")
	ref := filepath.Join(t.TempDir(), "ref.AppImage")
	if code, _, stderr := runIn(t, t.TempDir(), "goappimage", "build", "-q", app, ref); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	if a, b := fileSHA(t, out), fileSHA(t, ref); a != b {
		t.Errorf("hermetic build %s differs from the normal one %s", a, b)
	}
}

func TestBuildExclusions(t *testing.T) {
	work := t.TempDir()
	app := makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	files := map[string]string{
		".appimageignore":        "# documentation stays out\nusr/share/doc\n",
		"usr/share/keep/a.txt":   "a",
		"usr/share/keep/b.md":    "b",
		"usr/lib/libx.la":        "la",
		"usr/lib/deeper/liby.la": "la",
	}
	for name, content := range files {
		p := filepath.Join(app, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ef := filepath.Join(work, "more-excludes")
	if err := os.WriteFile(ef, []byte("usr/share/keep/*.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIn(t, work, "goappimage", "build", "-q", "--exclude", "... *.la", "--exclude-file", ef, "Hello.AppDir", "out.AppImage")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	listing := strings.Join(listImage(t, filepath.Join(work, "out.AppImage")), "\n")
	for _, gone := range []string{"usr/share/doc", ".appimageignore", ".la", "b.md"} {
		if strings.Contains(listing, gone) {
			t.Errorf("%s is in the image:\n%s", gone, listing)
		}
	}
	if !strings.Contains(listing, "/usr/share/keep/a.txt") || !strings.Contains(listing, "/usr/lib/deeper") {
		t.Errorf("kept files are missing:\n%s", listing)
	}
}
