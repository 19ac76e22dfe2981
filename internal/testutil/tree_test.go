package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestTreeCompare(t *testing.T) {
	src := Tree(t, TreeOptions{ManyEntries: 20})
	if diffs, err := TreeDiff(src, src, CompareOptions{Owners: true, MTimes: true}); err != nil || len(diffs) != 0 {
		t.Fatalf("tree against itself: %v %q", err, diffs)
	}
	cp := Tool(t, "cp")
	cases := []struct {
		name   string
		change func(dir string) error
		want   string
	}{
		{"content", func(d string) error { return os.WriteFile(filepath.Join(d, "files/small.txt"), []byte("other"), 0o644) }, `"files/small.txt": size`},
		{"mode", func(d string) error { return os.Chmod(filepath.Join(d, "perms/private"), 0o640) }, "permissions got 0640, want 0600"},
		{"missing", func(d string) error { return os.Remove(filepath.Join(d, "names/with space")) }, `"names/with space": missing`},
		{"symlink", func(d string) error {
			p := filepath.Join(d, "links/relative")
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink("elsewhere", p)
		}, `symlink target got "elsewhere"`},
		{"hard link", func(d string) error {
			p := filepath.Join(d, "links/second")
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.WriteFile(p, data, 0o644)
		}, `"links/second": hard-link group`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "copy")
			if out, err := exec.Command(cp, "-a", src, dst).CombinedOutput(); err != nil {
				t.Fatalf("cp -a: %v\n%s", err, out)
			}
			if diffs, err := TreeDiff(src, dst, CompareOptions{MTimes: true}); err != nil || len(diffs) != 0 {
				t.Fatalf("cp -a copy: %v %q", err, diffs)
			}
			if err := c.change(dst); err != nil {
				t.Fatal(err)
			}
			diffs, err := TreeDiff(src, dst, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(diffs) == 0 || !strings.Contains(strings.Join(diffs, "\n"), c.want) {
				t.Errorf("diffs %q, want one containing %q", diffs, c.want)
			}
		})
	}
}
