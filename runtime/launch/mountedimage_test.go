//go:build !386 && !arm

package launch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/runtime/internal/prep"
)

// TestMountedImageMatchesSource packs the fixture tree with mksquashfs,
// mounts it with the runtime's --appimage-mount and compares the mount with
// the tree: the squashfs reader, the FUSE server and the process model
// together. x86_64 serves with go-fuse; i686 (run natively) with the server
// of rawfuse.go, which the 32-bit runtimes use.
func TestMountedImageMatchesSource(t *testing.T) {
	testutil.FUSE(t)
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 300})
	for _, arch := range []string{"x86_64", "i686"} {
		t.Run(arch, func(t *testing.T) {
			rt := hostRuntime(t)
			if arch != "x86_64" {
				var err error
				if rt, err = prep.Build(arch); err != nil {
					t.Fatal(err)
				}
			}
			app := makeAppImage(t, rt, src, "-comp", "zstd")
			cmd, mnt := startMount(t, command(app, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, "--appimage-mount"))
			testutil.CompareTrees(t, src, mnt, testutil.CompareOptions{MTimes: true, SkipRootMeta: true})
			checkReadOnly(t, mnt)
			cmd.Process.Signal(os.Interrupt)
			if err := cmd.Wait(); err != nil {
				t.Errorf("after Ctrl-C: %v, want exit status 0", err)
			}
			waitGone(t, mnt)
		})
	}
}

// checkReadOnly checks that the mount at mnt refuses writing and reports
// missing names as missing.
func checkReadOnly(t *testing.T, mnt string) {
	t.Helper()
	if f, err := os.OpenFile(filepath.Join(mnt, "files", "empty"), os.O_WRONLY, 0); err == nil {
		f.Close()
		t.Error("opening a file for writing through the mount succeeded, want an error")
	}
	if _, err := os.Stat(filepath.Join(mnt, "no such file")); !os.IsNotExist(err) {
		t.Errorf("stat of a missing name: %v, want not-exist", err)
	}
}
