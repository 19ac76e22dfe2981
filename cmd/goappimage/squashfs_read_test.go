package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// mksquashfsImage packs src with mksquashfs after offset bytes of 0xee.
func mksquashfsImage(t *testing.T, src string, offset int) string {
	t.Helper()
	mksquashfs := testutil.Tool(t, "mksquashfs")
	img := filepath.Join(t.TempDir(), "image")
	if err := os.WriteFile(img, bytes.Repeat([]byte{0xee}, offset), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{src, img, "-comp", "zstd", "-no-progress", "-quiet", "-noappend", "-offset", strconv.Itoa(offset)}
	if out, err := exec.Command(mksquashfs, args...).CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, out)
	}
	return img
}

// TestSquashfsLsLikeUnsquashfs compares "squashfs ls -l" with
// "unsquashfs -lln" on the fixture tree, and "ls" with "unsquashfs -ls".
func TestSquashfsLsLikeUnsquashfs(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 20})
	img := mksquashfsImage(t, src, 0)
	for _, tc := range []struct{ ours, theirs []string }{
		{[]string{"-l"}, []string{"-lln"}},
		{nil, []string{"-ls"}},
	} {
		want, err := exec.Command(unsquashfs, append(tc.theirs, img)...).Output()
		if err != nil {
			t.Fatalf("unsquashfs %v: %v", tc.theirs, err)
		}
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"goappimage", "squashfs", "ls", img}, tc.ours...), &stdout, &stderr); code != 0 {
			t.Fatalf("squashfs ls %v: exit status %d\n%s", tc.ours, code, stderr.String())
		}
		got, wantS := stdout.String(), string(want)
		if tc.ours != nil {
			// Device lines: compare only where unsquashfs prints them right.
			got = filterDevices(got)
			wantS = filterDevices(wantS)
		}
		if got != wantS {
			t.Errorf("squashfs ls %v differs from unsquashfs %v:\n%s", tc.ours, tc.theirs, lineDiff(wantS, got))
		}
	}
}

// filterDevices drops device lines with a minor number above 255.
func filterDevices(s string) string {
	var out []string
	for _, line := range strings.SplitAfter(s, "\n") {
		if (strings.HasPrefix(line, "b") || strings.HasPrefix(line, "c")) && strings.HasSuffix(strings.TrimSpace(line), "special/block") {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "")
}

// lineDiff lists the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 2000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("want: " + wl + "\n got: " + gl + "\n")
		}
	}
	return b.String()
}

// TestSquashfsExtractAndInfo extracts an image at an offset (as in an
// AppImage) and describes it.
func TestSquashfsExtractAndInfo(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 20})
	img := mksquashfsImage(t, src, 12345)
	dest := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"goappimage", "squashfs", "extract", img, "-d", dest, "--offset", "12345"}, &stdout, &stderr); code != 0 {
		t.Fatalf("squashfs extract: exit status %d\n%s", code, stderr.String())
	}
	root := os.Geteuid() == 0
	testutil.CompareTrees(t, src, dest, testutil.CompareOptions{MTimes: true, Owners: root})

	// A second extraction into the same place fails without --force.
	stderr.Reset()
	if code := run([]string{"goappimage", "squashfs", "extract", "-q", img, "-d", dest, "--offset", "12345"}, &stdout, &stderr); code == 0 {
		t.Error("extracting over existing files succeeded without --force")
	}
	if code := run([]string{"goappimage", "squashfs", "extract", "-q", "-f", img, "-d", dest, "--offset", "12345", "files/*"}, &stdout, &stderr); code != 0 {
		t.Errorf("extract -f files/*: exit status %d\n%s", code, stderr.String())
	}

	stdout.Reset()
	if code := run([]string{"goappimage", "squashfs", "info", img, "--offset", "12345"}, &stdout, &stderr); code != 0 {
		t.Fatalf("squashfs info: exit status %d\n%s", code, stderr.String())
	}
	for _, want := range []string{"Compression       zstd", "Block size        131072", "Contents "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("info output lacks %q:\n%s", want, stdout.String())
		}
	}
	// Without the offset there is no image there.
	stderr.Reset()
	if code := run([]string{"goappimage", "squashfs", "info", img}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "not a squashfs image") {
		t.Errorf("info without --offset: exit status %d, stderr %q; want 1 and a clear error", code, stderr.String())
	}
}
