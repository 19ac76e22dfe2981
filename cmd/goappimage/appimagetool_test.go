package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// appimagetoolOptions is appimagetool's GLib option table
// (AppImage/appimagetool src/appimagetool.c): long name → short name.
var appimagetoolOptionTable = map[string]string{
	"list": "l", "updateinformation": "u", "guess": "g", "version": "", "verbose": "v", "sign": "s",
	"comp": "", "mksquashfs-opt": "", "no-appstream": "n", "exclude-file": "", "runtime-file": "",
	"sign-key": "", "file-url": "",
}

func TestAppimagetoolFlagsMatchItsOptionTable(t *testing.T) {
	got := map[string]string{}
	for _, f := range newAppimagetoolCommand().Flags {
		names := f.Names()
		short := ""
		if len(names) > 1 {
			short = names[1]
		}
		got[names[0]] = short
	}
	if !reflect.DeepEqual(got, appimagetoolOptionTable) {
		t.Errorf("flags %v,\nwant appimagetool's %v", got, appimagetoolOptionTable)
	}
}

// TestAppimagetoolNameGivesSameResult builds one AppDir with `goappimage
// build`, with `goappimage appimagetool` and through a symlink named
// appimagetool, with the same settings given each command's way, and wants
// the same bytes and the same default name.
func TestAppimagetoolNameGivesSameResult(t *testing.T) {
	bin := goappimageBinary(t)
	work := t.TempDir()
	makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	const name = "Hello_World-2.0-x86_64.AppImage"

	dirs := []string{filepath.Join(work, "build"), filepath.Join(work, "sub"), filepath.Join(work, "link")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1600000000")
	code, _, stderr := runIn(t, dirs[0], "goappimage", "build", "-q", "--app-version", "2.0", "--block-size", "256K", "--level", "12", "../Hello.AppDir")
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}

	t.Setenv("VERSION", "2.0")
	code, _, stderr = runIn(t, dirs[1], "goappimage", "appimagetool", "--mksquashfs-opt", "-b", "--mksquashfs-opt", "256K",
		"--mksquashfs-opt", "-Xcompression-level", "--mksquashfs-opt", "12", "../Hello.AppDir")
	if code != 0 || !strings.Contains(stderr, "Success") {
		t.Fatalf("appimagetool: exit %d\n%s", code, stderr)
	}

	link := filepath.Join(work, "appimagetool")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "../Hello.AppDir", "--mksquashfs-opt", "-b", "--mksquashfs-opt", "256K",
		"--mksquashfs-opt", "-Xcompression-level", "--mksquashfs-opt", "12", "--mksquashfs-opt", "-no-xattrs")
	cmd.Dir = dirs[2]
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("appimagetool symlink: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "-no-xattrs is ignored") {
		t.Errorf("no warning about an ignored mksquashfs option:\n%s", out)
	}

	want := fileSHA(t, filepath.Join(dirs[0], name))
	for _, d := range dirs[1:] {
		if got := fileSHA(t, filepath.Join(d, name)); got != want {
			t.Errorf("%s: sha256 %s, build gave %s", d, got, want)
		}
	}
}

func TestAppimagetoolEnvironment(t *testing.T) {
	work := t.TempDir()
	makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	owd := filepath.Join(work, "owd")
	if err := os.MkdirAll(owd, 0o755); err != nil {
		t.Fatal(err)
	}
	// .appimageignore in the original working directory drops the docs.
	if err := os.WriteFile(filepath.Join(owd, ".appimageignore"), []byte("usr/share/doc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OWD", owd)
	t.Setenv("APPIMAGETOOL_APP_NAME", "My App")
	t.Setenv("ARCH", "amd64")
	t.Setenv("VERSION", "")
	code, _, stderr := runIn(t, t.TempDir(), "appimagetool", "-n", "-u", "zsync|https://example.com/My_App-x86_64.AppImage.zsync",
		"--file-url", "https://example.com/My_App-x86_64.AppImage", "../Hello.AppDir")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	out := filepath.Join(owd, "My_App-x86_64.AppImage")
	var list strings.Builder
	if code, _, stderr := runIn(t, owd, "appimagetool", "-l", "My_App-x86_64.AppImage"); code != 0 {
		t.Fatalf("-l: exit %d\n%s", code, stderr)
	}
	code, stdout, _ := runIn(t, owd, "appimagetool", "-l", out)
	list.WriteString(stdout)
	if code != 0 || !strings.Contains(list.String(), "usr/bin/busybox\n") || strings.Contains(list.String(), "usr/share/doc") {
		t.Errorf("-l listed:\n%s", list.String())
	}
	zsync, err := os.ReadFile(out + ".zsync")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(zsync), "URL: https://example.com/My_App-x86_64.AppImage\n") {
		t.Errorf(".zsync header:\n%s", strings.SplitN(string(zsync), "\n\n", 2)[0])
	}
	if info, err := exec.Command(out, "--appimage-updateinformation").Output(); err != nil || !strings.Contains(string(info), "zsync|https://example.com/") {
		t.Errorf("--appimage-updateinformation: %q, %v", info, err)
	}
}

func TestAppimagetoolErrors(t *testing.T) {
	t.Setenv("GNUPGHOME", t.TempDir())
	work := t.TempDir()
	makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	if err := os.WriteFile(filepath.Join(work, "file"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"appimagetool", "--bogus", "Hello.AppDir"}, 2, "bogus"},
		{[]string{"appimagetool", "missing.AppDir"}, 1, "no such file or directory"},
		{[]string{"appimagetool", "file"}, 1, "is a file"},
		{[]string{"appimagetool", "--file-url", "", "Hello.AppDir"}, 1, "--file-url argument is empty"},
		{[]string{"appimagetool", "-u", "http://nope", "Hello.AppDir"}, 1, "update"},
		{[]string{"appimagetool", "-s", "--sign-key", "0xDEADBEEF", "Hello.AppDir"}, 1, "gpg --export-secret-keys --armor 0xDEADBEEF > key.asc"},
		{[]string{"appimagetool", "--mksquashfs-opt", "-b", "Hello.AppDir"}, 1, "needs a value"},
		{[]string{"appimagetool", "--comp", "lzo", "Hello.AppDir"}, 1, "lzo"},
	}
	for _, tt := range tests {
		code, _, stderr := runIn(t, work, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	entries, _ := os.ReadDir(work)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if want := []string{"Hello.AppDir", "file"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files after failed builds: %q, want %q", names, want)
	}
}

func TestAppimagetoolVersion(t *testing.T) {
	for _, args := range [][]string{{"appimagetool", "--version"}, {"goappimage", "appimagetool", "--version"}} {
		code, stdout, _ := runIn(t, t.TempDir(), args...)
		if code != 0 || !strings.Contains(stdout, "appimagetool") || !strings.Contains(stdout, version) {
			t.Errorf("%q: exit %d, printed %q", args, code, stdout)
		}
	}
}

// TestAppimagetoolGuessVersionFromGit: with -g and no VERSION, appimagetool
// names the output after the short commit hash of the checkout.
func TestAppimagetoolGuessVersionFromGit(t *testing.T) {
	git := testutil.Tool(t, "git")
	work := t.TempDir()
	makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	for _, args := range [][]string{
		{"init", "-q"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"},
	} {
		cmd := exec.Command(git, args...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %q: %v\n%s", args, err, out)
		}
	}
	cmd := exec.Command(git, "rev-parse", "--short", "HEAD")
	cmd.Dir = work
	hash, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VERSION", "")
	for _, k := range []string{"GITHUB_REPOSITORY", "TRAVIS_REPO_SLUG", "CI_COMMIT_REF_NAME"} {
		t.Setenv(k, "")
	}
	code, _, stderr := runIn(t, work, "appimagetool", "-g", "Hello.AppDir")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	name := "Hello_World-" + strings.TrimSpace(string(hash)) + "-x86_64.AppImage"
	if _, err := os.Stat(filepath.Join(work, name)); err != nil {
		t.Errorf("no %s: %v\n%s", name, err, stderr)
	}
}
