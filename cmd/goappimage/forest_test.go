package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
)

// forestAppRun starts two static programs that talk through two fifos: the
// Go greeter sends "ping N", busybox awk answers "pong N".
const forestAppRun = `#!/bin/sh
set -e
APPDIR="${APPDIR:-$(dirname "$(readlink -f "$0")")}"
BB="$APPDIR/usr/bin/busybox"
d="$("$BB" mktemp -d)"
"$BB" mkfifo "$d/up" "$d/down"
"$APPDIR/usr/bin/greeter" >"$d/up" <"$d/down" &
greeter=$!
"$BB" awk '{ print "pong " $2; fflush() }' <"$d/up" >"$d/down"
wait $greeter
"$BB" rm -rf "$d"
`

// TestSymlinkForestMultiProcess builds an AppDir the way Nix makes one: a
// forest of symlinks into a read-only store where every mtime is 1, reached
// through a symlink itself. The AppImage runs a static Go program and a
// static busybox that talk to each other, through FUSE and with
// extract-and-run.
func TestSymlinkForestMultiProcess(t *testing.T) {
	testutil.FUSE(t)
	busybox := testutil.Tool(t, "busybox")
	work := t.TempDir()
	store := filepath.Join(work, "store")
	greeterPkg := filepath.Join(store, "0a1b-greeter")
	busyboxPkg := filepath.Join(store, "2c3d-busybox")
	metaPkg := filepath.Join(store, "4e5f-hello-meta")
	for _, d := range []string{greeterPkg + "/bin", busyboxPkg + "/bin", metaPkg + "/share/doc/hello"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(greeterPkg, "bin/greeter"), "./testdata/greeter")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the greeter: %v\n%s", err, out)
	}
	copyFile(t, busybox, filepath.Join(busyboxPkg, "bin/busybox"))
	if err := os.WriteFile(filepath.Join(metaPkg, "AppRun"), []byte(forestAppRun), 0o755); err != nil {
		t.Fatal(err)
	}
	desktopEntry := strings.Replace(helloDesktop, "Name=Hello World", "Name=Ping Pong", 1)
	if err := os.WriteFile(filepath.Join(metaPkg, "hello.desktop"), []byte(desktopEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(metaPkg, "hello.png"), 256)
	if err := os.WriteFile(filepath.Join(metaPkg, "share/doc/hello/README"), []byte("ping pong\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A read-only store where everything has mtime 1, as in /nix/store.
	epoch1 := time.Unix(1, 0)
	err := filepath.Walk(store, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, epoch1, epoch1)
	})
	if err != nil {
		t.Fatal(err)
	}
	filepath.Walk(store, func(p string, fi fs.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, fi.Mode().Perm()&^0o222)
		}
		return nil
	})
	t.Cleanup(func() {
		filepath.Walk(store, func(p string, fi fs.FileInfo, err error) error {
			if err == nil && fi.IsDir() {
				os.Chmod(p, 0o755)
			}
			return nil
		})
	})

	// The forest: every entry a link into the store; usr/share links a
	// whole directory; .DirIcon is a link inside the AppDir.
	forest := filepath.Join(work, "forest")
	links := map[string]string{
		"AppRun":          filepath.Join(metaPkg, "AppRun"),
		"hello.desktop":   filepath.Join(metaPkg, "hello.desktop"),
		"hello.png":       filepath.Join(metaPkg, "hello.png"),
		".DirIcon":        "hello.png",
		"usr/bin/greeter": filepath.Join(greeterPkg, "bin/greeter"),
		"usr/bin/busybox": filepath.Join(busyboxPkg, "bin/busybox"),
		"usr/share":       filepath.Join(metaPkg, "share"),
	}
	for name, target := range links {
		p := filepath.Join(forest, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	result := filepath.Join(work, "result")
	if err := os.Symlink(forest, result); err != nil {
		t.Fatal(err)
	}
	storeBefore := snapshot(t, store)

	out := filepath.Join(work, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "315532800")
	code, _, stderr := runIn(t, out, "goappimage", "build", "-q", "-v", result)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	appImage := filepath.Join(out, "Ping_Pong-x86_64.AppImage")
	if after := snapshot(t, store); after != storeBefore {
		t.Error("the build changed the store")
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("files in the output directory: %v, want only the AppImage", entries)
	}

	// Links that left the AppDir are packed as what they point to; the
	// link inside it stays a link.
	listing := strings.Join(listImage(t, appImage), "\n")
	regular := map[string]bool{}
	for _, l := range strings.Split(listing, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			regular[strings.TrimPrefix(f[len(f)-1], "/")] = strings.HasPrefix(l, "-")
			if strings.HasPrefix(l, "l") && !strings.Contains(l, "/.DirIcon -> hello.png") {
				t.Errorf("a link that leaves the AppDir stayed a link: %s", l)
			}
		}
	}
	for _, p := range []string{"AppRun", "hello.desktop", "usr/bin/greeter", "usr/bin/busybox", "usr/share/doc/hello/README"} {
		if !regular[p] {
			t.Errorf("%s is not a regular file in the image:\n%s", p, listing)
		}
	}
	if !strings.Contains(listing, "/.DirIcon -> hello.png") {
		t.Errorf("the link inside the AppDir is gone:\n%s", listing)
	}

	const want = "greeter: 3 pongs from busybox in "
	if got := runAppImage(t, appImage, nil); !strings.Contains(got, want) {
		t.Errorf("FUSE run printed %q, want %q", got, want)
	}
	if got := runAppImage(t, appImage, []string{"APPIMAGE_EXTRACT_AND_RUN=1"}); !strings.Contains(got, want) {
		t.Errorf("extract-and-run printed %q, want %q", got, want)
	}
}
