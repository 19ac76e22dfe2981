package appimage

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/runtime/binaries"
	"github.com/goappimage/goappimage/runtime/launch"
	"github.com/goappimage/goappimage/squashfs"
)

// TestOurRuntime assembles AppImages around goappimage's own runtimes: each
// passes CheckRuntime, is recognized, and the x86_64 one runs, reading our
// sections and an xz image (which type2-runtime could not).
func TestOurRuntime(t *testing.T) {
	for _, arch := range binaries.Arches() {
		rt, err := binaries.Get(arch)
		if err != nil {
			t.Fatal(err)
		}
		r, err := CheckRuntime(rt)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if r.Arch != arch || r.Kind != RuntimeOurs || r.Version != launch.Version {
			t.Errorf("%s: got %s %s %q, want %s %s %q", arch, r.Arch, r.Kind, r.Version, arch, RuntimeOurs, launch.Version)
		}
	}
	if runtime.GOARCH != "amd64" {
		t.Skip("running the x86_64 AppImage needs an x86_64 machine")
	}
	rt, _ := binaries.Get("x86_64")
	out := filepath.Join(t.TempDir(), "Test_App-x86_64.AppImage")
	const ui = "gh-releases-zsync|o|r|latest|Test_App-*x86_64.AppImage.zsync"
	var warnings []string
	if _, err := Create(out, Options{Runtime: rt, UpdateInfo: ui, SignKey: testKey(t), Warn: func(s string) { warnings = append(warnings, s) }},
		writeDir(makeAppDir(t, "run", nil), squashfs.WriterOptions{Compression: squashfs.XZ})); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings for xz with our runtime: %q", warnings)
	}
	run := func(args ...string) string {
		cmd := exec.Command(out, args...)
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", out, args, err, b)
		}
		return string(b)
	}
	if got := run("--appimage-updateinformation"); strings.TrimSpace(got) != ui {
		t.Errorf("--appimage-updateinformation: got %q, want %q", got, ui)
	}
	if got := run("--appimage-signature"); !strings.Contains(got, "-----BEGIN PGP SIGNATURE-----") {
		t.Errorf("--appimage-signature: got %q", got)
	}
	if got := run("--appimage-extract-and-run"); got != "hello from AppRun\n" {
		t.Errorf("--appimage-extract-and-run: got %q", got)
	}
	info, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Runtime != RuntimeOurs || info.Signature != "valid" || !info.DigestOK || info.Compression != "xz" {
		t.Errorf("inspect: got %+v", info)
	}
}
