//go:build !386 && !arm

package launch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// TestMountTreeMatchesSource serves a directory on disk (os.DirFS stands in
// for the squashfs reader) and compares what the kernel shows through the
// mount with the directory itself.
func TestMountTreeMatchesSource(t *testing.T) {
	testutil.FUSE(t)
	t.Run("direct", func(t *testing.T) {
		testutil.Root(t)
		testMountTree(t)
	})
	t.Run("fusermount", func(t *testing.T) {
		// $FUSERMOUNT_PROG names the helper, as for type2-runtime.
		t.Setenv("FUSERMOUNT_PROG", testutil.Tool(t, "fusermount3"))
		t.Setenv("PATH", t.TempDir())
		direct := tryDirectMount
		tryDirectMount = func() bool { return false }
		defer func() { tryDirectMount = direct }()
		testMountTree(t)
	})
}

func testMountTree(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 50})
	tree, ok := os.DirFS(src).(Tree)
	if !ok {
		t.Fatal("os.DirFS does not implement Tree")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := mountTree(mnt, tree, "fusefs-test")
	if err != nil {
		testutil.Unavailable(t, "cannot mount with FUSE: %v", err)
	}
	defer m.unmount()
	testutil.CompareTrees(t, src, mnt, testutil.CompareOptions{Owners: true, MTimes: true, SkipRootMeta: true})

	f, err := os.OpenFile(filepath.Join(mnt, "files", "empty"), os.O_WRONLY, 0)
	if err == nil {
		f.Close()
		t.Error("opening a file for writing through the mount succeeded, want an error")
	}
}
