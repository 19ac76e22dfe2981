//go:build !386 && !arm

package launch

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// countingTree counts the files opened in a Tree.
type countingTree struct {
	Tree
	opens atomic.Int32
}

func (c *countingTree) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.Tree.Open(name)
}

// TestOpenWithoutServer checks that once the kernel knows it need not ask
// (FUSE_NO_OPEN_SUPPORT), opening a file many times through the mount
// opens it once in the tree, and that what is read is still right.
func TestOpenWithoutServer(t *testing.T) {
	testutil.FUSE(t)
	testutil.Root(t)
	src := t.TempDir()
	want := bytes.Repeat([]byte("goappimage "), 50000)
	if err := os.WriteFile(filepath.Join(src, "file"), want, 0o644); err != nil {
		t.Fatal(err)
	}
	tree := &countingTree{Tree: os.DirFS(src).(Tree)}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	m, err := mountTree(mnt, tree, "noopen-test")
	if err != nil {
		testutil.Unavailable(t, "cannot mount with FUSE: %v", err)
	}
	defer m.unmount()
	if m.server.KernelSettings().Flags64()&fuse.CAP_NO_OPEN_SUPPORT == 0 {
		t.Skip("the kernel does not support FUSE_NO_OPEN_SUPPORT")
	}
	for range 3 {
		got, err := os.ReadFile(filepath.Join(mnt, "file"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("content read through the mount differs")
		}
	}
	if n := tree.opens.Load(); n != 1 {
		t.Errorf("the tree was opened %d times for 3 opens through the mount, want 1", n)
	}
}
