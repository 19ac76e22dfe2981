package build

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// mkfiles creates files (path → content) under dir; a content starting
// with "->" makes a symlink to the rest.
func mkfiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// describe renders a tree as "path type detail" lines.
func describe(t *testing.T, tree *Tree) []string {
	t.Helper()
	var out []string
	for _, n := range tree.Nodes {
		switch {
		case n.Mode.IsDir():
			out = append(out, n.Path+"/")
		case n.Mode&fs.ModeSymlink != 0:
			out = append(out, n.Path+" -> "+n.Symlink)
		case n.Mode.IsRegular():
			data, err := os.ReadFile(n.Source)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, n.Path+" = "+string(data))
		}
	}
	return out
}

func TestWalkSymlinkPolicy(t *testing.T) {
	store := t.TempDir()
	mkfiles(t, store, map[string]string{
		"pkg/bin/tool":        "tool",
		"pkg/lib/libx.so.1":   "libx",
		"pkg/lib/libx.so":     "->libx.so.1",
		"pkg/share/doc/x.txt": "doc",
		"icon.png":            "png",
	})
	top := t.TempDir()
	app := filepath.Join(top, "real.AppDir")
	mkfiles(t, app, map[string]string{
		"AppRun":           "#!/bin/sh\n",
		"usr/bin/app":      "app",
		"usr/bin/rel":      "->app",
		"usr/bin/up":       "->../../AppRun",
		"usr/bin/abs":      "->" + filepath.Join(app, "usr/bin/app"),
		"usr/bin/tool":     "->" + filepath.Join(store, "pkg/bin/tool"),
		"usr/lib":          "->" + filepath.Join(store, "pkg/lib"),
		"usr/share":        "->" + filepath.Join(store, "pkg/share"),
		"app.png":          "->../../" + filepath.Base(store) + "/icon.png",
		".DirIcon":         "->app.png",
		"usr/bin/rootlink": "->" + app,
	})
	// The AppDir is given through a symlink, as a Nix result link would be.
	link := filepath.Join(top, "result")
	if err := os.Symlink(app, link); err != nil {
		t.Fatal(err)
	}
	var ex Excluder
	if err := ex.AddPattern("usr/share/doc"); err != nil {
		t.Fatal(err)
	}
	tree, err := Walk(context.Background(), link, &ex)
	if err != nil {
		t.Fatal(err)
	}
	got := describe(t, tree)
	want := []string{
		"./",
		".DirIcon -> app.png",
		"AppRun = #!/bin/sh\n",
		"app.png = png",
		"usr/",
		"usr/bin/",
		"usr/bin/abs -> app",
		"usr/bin/app = app",
		"usr/bin/rel -> app",
		"usr/bin/rootlink -> ../..",
		"usr/bin/tool = tool",
		"usr/bin/up -> ../../AppRun",
		"usr/lib/",
		"usr/lib/libx.so -> libx.so.1",
		"usr/lib/libx.so.1 = libx",
		"usr/share/",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tree:\n got %q\nwant %q", got, want)
	}
	if len(tree.Warnings) != 0 {
		t.Errorf("warnings: %q", tree.Warnings)
	}
	var followed []string
	for _, f := range tree.Followed {
		followed = append(followed, f.Path)
	}
	if want := []string{"app.png", "usr/bin/tool", "usr/lib", "usr/share"}; !reflect.DeepEqual(followed, want) {
		t.Errorf("followed %q, want %q", followed, want)
	}
	if n := tree.Resolve("usr/bin/abs"); n == nil || n.Path != "usr/bin/app" {
		t.Errorf("Resolve(usr/bin/abs) = %v, want usr/bin/app", n)
	}
}

func TestWalkErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"dangling", map[string]string{"AppRun": "x", "usr/lib/gone.so": "->nowhere.so"}, `usr/lib/gone.so: symlink to "nowhere.so" points to nothing`},
		{"dangling outside", map[string]string{"lib": "->/nonexistent/goappimage/lib"}, `lib: symlink to "/nonexistent/goappimage/lib" points to nothing`},
		{"loop", map[string]string{"a": "->b", "b": "->a"}, "a: symlink to \"b\" is part of a symlink loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mkfiles(t, dir, tt.files)
			_, err := Walk(context.Background(), dir, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWalkDirectoryLoopThroughOutsideLink(t *testing.T) {
	outside := t.TempDir()
	mkfiles(t, outside, map[string]string{"x/file": "f", "x/again": "->" + filepath.Join(outside, "x")})
	app := t.TempDir()
	mkfiles(t, app, map[string]string{"ext": "->" + filepath.Join(outside, "x")})
	_, err := Walk(context.Background(), app, nil)
	if err == nil || !strings.Contains(err.Error(), "ext/again: directory contains itself") {
		t.Errorf("got error %v, want a loop error naming ext/again", err)
	}
}

func TestWalkWarnsAboutExcludedLinkTarget(t *testing.T) {
	app := t.TempDir()
	mkfiles(t, app, map[string]string{"lib/libx.so.1": "x", "lib/libx.so": "->libx.so.1"})
	var ex Excluder
	if err := ex.AddPattern("lib/*.1"); err != nil {
		t.Fatal(err)
	}
	tree, err := Walk(context.Background(), app, &ex)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Warnings) != 1 || !strings.Contains(tree.Warnings[0], "lib/libx.so") {
		t.Errorf("warnings %q, want one about lib/libx.so", tree.Warnings)
	}
}

func TestWalkCancelled(t *testing.T) {
	app := t.TempDir()
	mkfiles(t, app, map[string]string{"a": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Walk(ctx, app, nil); err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestTreeSet(t *testing.T) {
	app := t.TempDir()
	mkfiles(t, app, map[string]string{"b": "b", "d/x": "x"})
	tree, err := Walk(context.Background(), app, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.Set(&Node{Path: ".DirIcon", Mode: fs.ModeSymlink | 0o777, Symlink: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := tree.Set(&Node{Path: "b", Mode: 0o644, Data: []byte("new"), Size: 3}); err != nil {
		t.Fatal(err)
	}
	if err := tree.Set(&Node{Path: "nodir/x", Mode: 0o644}); err == nil {
		t.Error("Set under a missing directory: no error")
	}
	var paths []string
	for _, n := range tree.Nodes {
		paths = append(paths, n.Path)
	}
	if want := []string{".", ".DirIcon", "b", "d", "d/x"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	if n := tree.Lookup("b"); string(n.Data) != "new" {
		t.Errorf("b holds %q, want new", n.Data)
	}
}

func TestOutputName(t *testing.T) {
	tests := []struct{ name, version, arch, want string }{
		{"Hello World", "", "x86_64", "Hello_World-x86_64.AppImage"},
		{"Hello World", "1.0 beta", "aarch64", "Hello_World-1.0_beta-aarch64.AppImage"},
		{"a/b", "../1", "i686", "a_b-.._1-i686.AppImage"},
	}
	for _, tt := range tests {
		if got := OutputName(tt.name, tt.version, tt.arch); got != tt.want {
			t.Errorf("OutputName(%q, %q, %q) = %q, want %q", tt.name, tt.version, tt.arch, got, tt.want)
		}
	}
}

func TestOverlayLeavesAppDirAlone(t *testing.T) {
	app := t.TempDir()
	desktopEntry := "[Desktop Entry]\nType=Application\nName=Hello\nExec=hello\nIcon=hello\nCategories=Utility;\n"
	mkfiles(t, app, map[string]string{"hello.desktop": desktopEntry, "hello.png": "png", "AppRun": "x"})
	tree, err := Walk(context.Background(), app, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.SetVersion("hello.desktop", "1.2"); err != nil {
		t.Fatal(err)
	}
	added, err := tree.SetDirIcon("hello.png")
	if err != nil || !added {
		t.Fatalf("SetDirIcon: %v, %v", added, err)
	}
	if n := tree.Lookup("hello.desktop"); !strings.Contains(string(n.Data), "\nX-AppImage-Version=1.2\n") || n.Size != int64(len(n.Data)) {
		t.Errorf("desktop entry in the image:\n%s", n.Data)
	}
	if n := tree.Resolve(".DirIcon"); n == nil || n.Path != "hello.png" {
		t.Errorf(".DirIcon resolves to %v, want hello.png", n)
	}
	if got, _ := os.ReadFile(filepath.Join(app, "hello.desktop")); string(got) != desktopEntry {
		t.Errorf("the AppDir's desktop entry changed:\n%s", got)
	}
	if _, err := os.Lstat(filepath.Join(app, ".DirIcon")); err == nil {
		t.Error("a .DirIcon appeared in the AppDir")
	}
	// An existing .DirIcon is kept.
	if added, err := tree.SetDirIcon("hello.png"); added || err != nil {
		t.Errorf("second SetDirIcon: %v, %v; want false, nil", added, err)
	}
}
