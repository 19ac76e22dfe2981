package squashfs

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
	"golang.org/x/sys/unix"
)

// TestExtractMatchesSource extracts mksquashfs images of the fixture tree
// (every compressor) and compares the result with the source tree.
func TestExtractMatchesSource(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	root := os.Geteuid() == 0
	for _, comp := range []string{"gzip", "xz", "lz4", "zstd"} {
		t.Run(comp, func(t *testing.T) {
			r := openImage(t, mksquashfs(t, src, "-comp", comp))
			dst := filepath.Join(t.TempDir(), "out")
			if err := r.Extract(context.Background(), dst, ExtractOptions{KeepOwners: root, Workers: 3}); err != nil {
				t.Fatalf("Extract = %v", err)
			}
			testutil.CompareTrees(t, src, dst, testutil.CompareOptions{Owners: root, MTimes: true})
		})
	}
}

// TestExtractLikeUnsquashfs extracts one image with unsquashfs and with
// Extract and compares the two trees.
func TestExtractLikeUnsquashfs(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{})
	img := mksquashfs(t, src, "-comp", "zstd", "-always-use-fragments")
	want := filepath.Join(t.TempDir(), "unsquashfs")
	if out, err := exec.Command(unsquashfs, "-no-progress", "-d", want, img).CombinedOutput(); err != nil {
		t.Fatalf("unsquashfs: %v\n%s", err, out)
	}
	got := filepath.Join(t.TempDir(), "ours")
	root := os.Geteuid() == 0
	if err := openImage(t, img).Extract(context.Background(), got, ExtractOptions{KeepOwners: root}); err != nil {
		t.Fatalf("Extract = %v", err)
	}
	testutil.CompareTrees(t, want, got, testutil.CompareOptions{Owners: root, MTimes: true})
}

// TestExtractSparse checks that the holes of a sparse file stay holes.
func TestExtractSparse(t *testing.T) {
	src := t.TempDir()
	f, err := os.Create(filepath.Join(src, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("end"), 64<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// A file ending in a hole: only truncation gives it its size.
	if err := os.WriteFile(filepath.Join(src, "tail-hole"), []byte("head"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(src, "tail-hole"), 1<<20); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if err := openImage(t, mksquashfs(t, src)).Extract(context.Background(), dst, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	st := mustStat(t, filepath.Join(dst, "sparse"))
	if st.Size() != 64<<20+3 {
		t.Fatalf("size got %d, want %d", st.Size(), 64<<20+3)
	}
	testutil.CompareTrees(t, src, dst, testutil.CompareOptions{MTimes: true, SkipRootMeta: true})
	if used := diskUsage(t, filepath.Join(dst, "sparse")); used > 4<<20 {
		t.Errorf("extracted sparse file uses %d bytes on disk, want its holes kept", used)
	}
}

// TestExtractPatterns selects parts of an image with the runtime's pattern
// semantics.
func TestExtractPatterns(t *testing.T) {
	src := t.TempDir()
	for _, p := range []string{"usr/bin/app", "usr/bin/tool", "usr/lib/libx.so", "usr/share/icons/a.png", "app.desktop", "AppRun"} {
		full := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img := mksquashfs(t, src)
	for _, tc := range []struct {
		patterns []string
		want     []string
	}{
		{[]string{"*.desktop"}, []string{"app.desktop"}},
		{[]string{"usr/bin"}, []string{"usr", "usr/bin", "usr/bin/app", "usr/bin/tool"}},
		{[]string{"*"}, []string{"AppRun", "app.desktop", "usr", "usr/bin", "usr/bin/app", "usr/bin/tool", "usr/lib", "usr/lib/libx.so", "usr/share", "usr/share/icons", "usr/share/icons/a.png"}},
		{[]string{"usr/*/a*"}, []string{"usr", "usr/bin", "usr/bin/app"}},
		{[]string{"*.png"}, nil}, // "*" does not cross "/"
		{[]string{"usr/share/icons/[!b]*", "AppRun"}, []string{"AppRun", "usr", "usr/share", "usr/share/icons", "usr/share/icons/a.png"}},
	} {
		t.Run(strings.Join(tc.patterns, ","), func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "out")
			if err := openImage(t, img).Extract(context.Background(), dst, ExtractOptions{Patterns: tc.patterns}); err != nil {
				t.Fatal(err)
			}
			got := listTree(t, dst)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("extracted %q, want %q", got, tc.want)
			}
		})
	}
	if err := openImage(t, img).Extract(context.Background(), t.TempDir(), ExtractOptions{Patterns: []string{"[a"}}); err == nil {
		t.Error("Extract with pattern \"[a\" succeeded, want an error")
	}
}

// TestExtractExisting checks that existing files are kept unless
// Overwrite is set and that an existing symlink is never followed.
func TestExtractExisting(t *testing.T) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "d/f"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := mksquashfs(t, src)

	dst := t.TempDir()
	os.Mkdir(filepath.Join(dst, "d"), 0o755)
	os.WriteFile(filepath.Join(dst, "d/f"), []byte("old"), 0o644)
	err := openImage(t, img).Extract(context.Background(), dst, ExtractOptions{})
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Extract over an existing file = %v, want fs.ErrExist", err)
	}
	if err := openImage(t, img).Extract(context.Background(), dst, ExtractOptions{Overwrite: true}); err != nil {
		t.Errorf("Extract with Overwrite = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "d/f")); string(b) != "new" {
		t.Errorf("d/f holds %q after Overwrite, want %q", b, "new")
	}

	// An existing symlink named like a directory of the image must not be
	// followed, even with Overwrite.
	dst2 := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dst2, "d")); err != nil {
		t.Fatal(err)
	}
	err = openImage(t, img).Extract(context.Background(), dst2, ExtractOptions{Overwrite: true})
	if !errors.Is(err, errEscape) {
		t.Errorf("Extract through a symlinked directory = %v, want %v", err, errEscape)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("Extract wrote %d entries outside the destination", len(entries))
	}
}

func TestExtractCancel(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	r := openImage(t, mksquashfs(t, src))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Extract(ctx, filepath.Join(t.TempDir(), "out"), ExtractOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a cancelled context = %v, want context.Canceled", err)
	}
}

// diskUsage returns the bytes the file at p takes on disk.
func diskUsage(t *testing.T, p string) int64 {
	t.Helper()
	return mustStat(t, p).Sys().(*syscall.Stat_t).Blocks * 512
}

func mustStat(t *testing.T, p string) fs.FileInfo {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// listTree returns the sorted relative paths below dir.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestExtractHugeSparse reads and extracts a sparse file larger than
// 4 GiB (an extended inode with a 64-bit size, almost all holes).
func TestExtractHugeSparse(t *testing.T) {
	if testing.Short() {
		t.Skip("mksquashfs reads 4 GiB of holes")
	}
	src := t.TempDir()
	size := int64(4<<30 + 10)
	marks := map[int64]string{0: "start", 3 << 30: "middle", size - 5: "end!!"}
	f, err := os.Create(filepath.Join(src, "big"))
	if err != nil {
		t.Fatal(err)
	}
	for off, s := range marks {
		if _, err := f.WriteAt([]byte(s), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	r := openImage(t, mksquashfs(t, src, "-comp", "zstd"))
	check := func(what string, ra io.ReaderAt) {
		t.Helper()
		for off, s := range marks {
			buf := make([]byte, len(s)+4)
			n, err := ra.ReadAt(buf, off-2)
			if off == 0 {
				n, err = ra.ReadAt(buf[2:], 0)
				n += 2
			}
			if err != nil && err != io.EOF {
				t.Fatalf("%s: ReadAt(%d) = %v", what, off, err)
			}
			if got := string(buf[2 : 2+len(s)]); got != s || n < len(s)+2 {
				t.Errorf("%s: at %d got %q, want %q", what, off, got, s)
			}
		}
	}
	fi, err := r.Stat("big")
	if err != nil || fi.Size() != size {
		t.Fatalf("Stat = %v, %v; want size %d", fi, err, size)
	}
	img, _ := r.Open("big")
	check("image", img.(*File))
	dst := filepath.Join(t.TempDir(), "out")
	if err := r.Extract(context.Background(), dst, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := os.Open(filepath.Join(dst, "big"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if st, _ := out.Stat(); st.Size() != size {
		t.Errorf("extracted size %d, want %d", st.Size(), size)
	}
	check("extracted", out)
	if used := diskUsage(t, filepath.Join(dst, "big")); used > 1<<20 {
		t.Errorf("extracted file uses %d bytes on disk, want its holes kept", used)
	}
}

// TestExtractXattrs restores extended attributes when asked to.
func TestExtractXattrs(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(src, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"f", "d"} {
		if err := unix.Setxattr(filepath.Join(src, p), "user.test", []byte("value of "+p), 0); err != nil {
			t.Skipf("the temporary directory does not take user xattrs: %v", err)
		}
	}
	img := mksquashfs(t, src)
	for _, keep := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "out")
		if err := openImage(t, img).Extract(context.Background(), dst, ExtractOptions{Xattrs: keep}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"f", "d"} {
			buf := make([]byte, 64)
			n, err := unix.Getxattr(filepath.Join(dst, p), "user.test", buf)
			switch {
			case keep && (err != nil || string(buf[:n]) != "value of "+p):
				t.Errorf("%s: xattr user.test = %q, %v; want %q", p, buf[:max(n, 0)], err, "value of "+p)
			case !keep && err == nil:
				t.Errorf("%s: xattr user.test restored without Xattrs", p)
			}
		}
	}
}
