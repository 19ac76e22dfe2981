package build

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

func TestExcluded(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"usr/share/doc", "usr/share/doc", true},
		{"usr/share/doc", "usr/share/doc/x/README", true},
		{"usr/share/doc", "usr/share/docs", false},
		{"usr/share/doc", "opt/usr/share/doc", false},
		{"*.la", "libfoo.la", true},
		{"*.la", "usr/lib/libfoo.la", false},
		{"... *.la", "usr/lib/libfoo.la", true},
		{"... lib/*.la", "usr/lib/libfoo.la", true},
		{"... lib/*.la", "usr/libx/libfoo.la", false},
		{"*", ".git", false},
		{".*", ".git", true},
		{"\\.git", ".git", true},
		{"*/*.o", "src/a.o", true},
		{"*/*.o", "src/sub/a.o", false},
		{"usr/?in", "usr/bin/x", true},
		{"usr/[bs]bin", "usr/sbin", true},
		{"usr/[!b]in", "usr/bin", false},
		{"usr//lib/", "usr/lib", true},
	}
	for _, tt := range tests {
		var e Excluder
		if err := e.AddPattern(tt.pattern); err != nil {
			t.Fatalf("AddPattern(%q): %v", tt.pattern, err)
		}
		if got := e.Excluded(tt.path); got != tt.want {
			t.Errorf("pattern %q, path %q: got %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestExcludeBadPatterns(t *testing.T) {
	for _, p := range []string{"/usr", "./usr", "../x", "", "a/[", "///"} {
		var e Excluder
		if err := e.AddPattern(p); err == nil {
			t.Errorf("AddPattern(%q): no error", p)
		}
	}
}

func TestExcludeFileSyntax(t *testing.T) {
	var e Excluder
	in := "# comment\n\n   \t  usr/share/doc\n\\#hash\n\\ space\nlast"
	if err := e.AddReader(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"usr", "share", "doc"}, {"#hash"}, {" space"}, {"last"}}
	if !reflect.DeepEqual(e.anchored, want) {
		t.Errorf("patterns %q, want %q", e.anchored, want)
	}
	if err := e.AddReader(strings.NewReader("ok\n/abs\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: got %v, want an error naming line 2", err)
	}
}

// TestExcludeMatchesMksquashfs packs the same tree with mksquashfs
// -wildcards -ef and with Walk, and compares the lists of paths.
func TestExcludeMatchesMksquashfs(t *testing.T) {
	mksquashfs := testutil.Tool(t, "mksquashfs")
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := t.TempDir()
	for _, f := range []string{
		"AppRun", ".git/config", ".hidden", "keep.txt", "a.la", "usr/lib/libx.la", "usr/lib/libx.so",
		"usr/lib/deep/liby.la", "usr/share/doc/README", "usr/share/docs/keep", "usr/bin/tool",
		"usr/sbin/tool", "usr/xbin/tool", "src/a.o", "src/sub/b.o", "#hash", " space",
	} {
		p := filepath.Join(src, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	patterns := "# drop documentation\nusr/share/doc\n... *.la\n*/*.o\n.git\nusr/[!bx]bin\n\\#hash\n\\ space\n"
	ef := filepath.Join(t.TempDir(), "ignore")
	if err := os.WriteFile(ef, []byte(patterns), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "img.sqfs")
	if out, err := exec.Command(mksquashfs, src, img, "-noappend", "-no-progress", "-quiet", "-wildcards", "-ef", ef).CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, out)
	}
	out, err := exec.Command(unsquashfs, "-lc", "-d", "", img).Output()
	if err != nil {
		t.Fatalf("unsquashfs: %v", err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimPrefix(l, "/"); l != "" {
			want = append(want, l)
		}
	}
	var e Excluder
	if err := e.AddFile(ef); err != nil {
		t.Fatal(err)
	}
	tree, err := Walk(context.Background(), src, &e)
	if err != nil {
		t.Fatal(err)
	}
	// unsquashfs -lc lists files and empty directories.
	var got []string
	for i, n := range tree.Nodes {
		empty := n.Mode.IsDir() && (i+1 == len(tree.Nodes) || !strings.HasPrefix(tree.Nodes[i+1].Path, n.Path+"/"))
		if n.Mode.IsRegular() || empty && n.Path != "." {
			got = append(got, n.Path)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files kept:\n got %q\nwant %q (mksquashfs)", got, want)
	}
}

func FuzzExcludeFile(f *testing.F) {
	f.Add("usr/share/doc\n... *.la\n# c\n\\#x\n")
	f.Add("a/[b\n")
	f.Add("... \n")
	f.Fuzz(func(t *testing.T, in string) {
		var e Excluder
		if err := e.AddReader(strings.NewReader(in)); err != nil {
			return
		}
		for _, p := range []string{".", "a", "usr/share/doc/x", ".git/config", "x/y/z.la"} {
			e.Excluded(p)
		}
	})
}
