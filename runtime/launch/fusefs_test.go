//go:build !386 && !arm

package launch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// TestMountTreeMatchesSource serves a directory on disk with go-fuse in this
// process (os.DirFS stands in for the squashfs reader), directly as root and
// through fusermount3 named by $FUSERMOUNT_PROG, and compares what the
// kernel shows through the mount with the directory itself.
func TestMountTreeMatchesSource(t *testing.T) {
	testutil.FUSE(t)
	t.Run("direct", func(t *testing.T) {
		testutil.Root(t)
		testMountTree(t)
	})
	t.Run("fusermount", func(t *testing.T) {
		t.Setenv("FUSERMOUNT_PROG", testutil.Tool(t, "fusermount3"))
		t.Setenv("PATH", t.TempDir())
		direct := tryDirectMount
		tryDirectMount = func() bool { return false }
		defer func() { tryDirectMount = direct }()
		testMountTree(t)
	})
}

func testMountTree(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 300})
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
	checkReadOnly(t, mnt)
}
