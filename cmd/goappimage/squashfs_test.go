package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

func TestSquashfsCreate(t *testing.T) {
	unsquashfs := testutil.Tool(t, "unsquashfs")
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 10})
	dir := t.TempDir()
	out := filepath.Join(dir, "out.img")
	prefix := bytes.Repeat([]byte{0x7f}, 5000)
	if err := os.WriteFile(out, prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"goappimage", "squashfs", "create", src, out, "--comp", "gzip", "--level", "6",
		"--block-size", "64K", "--processors", "2", "--offset", "5000", "--keep-owner"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit status %d, want 0\nstderr: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "gzip, 64 KiB blocks") || !strings.Contains(stderr.String(), "100%") {
		t.Errorf("stdout %q, stderr %q: want a summary and plain progress lines", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data[:5000], prefix) {
		t.Error("the bytes before --offset were not kept")
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want the existing file's 0755", fi.Mode().Perm())
	}
	x := filepath.Join(t.TempDir(), "x")
	if o, err := exec.Command(unsquashfs, "-q", "-n", "-o", "5000", "-d", x, out).CombinedOutput(); err != nil {
		t.Fatalf("unsquashfs: %v\n%s", err, o)
	}
	testutil.CompareTrees(t, src, x, testutil.CompareOptions{MTimes: true, Owners: os.Geteuid() == 0})
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestSquashfsCreateDeterministic(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 10})
	dir := t.TempDir()
	var sums []string
	for _, procs := range []string{"1", "8"} {
		out := filepath.Join(dir, procs+".sqfs")
		var stdout, stderr bytes.Buffer
		if code := run([]string{"goappimage", "squashfs", "create", "-q", src, out, "--processors", procs}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit status %d\n%s", code, stderr.String())
		}
		if stdout.Len()+stderr.Len() != 0 {
			t.Errorf("--quiet printed %q %q", stdout.String(), stderr.String())
		}
		data, _ := os.ReadFile(out)
		sums = append(sums, string(data))
	}
	if sums[0] != sums[1] {
		t.Error("images made with 1 and 8 processors differ")
	}
}

func TestSquashfsCreateErrors(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{ManyEntries: 1})
	cases := []struct {
		name string
		args []string
		env  string
		code int
		want string
	}{
		{"missing source", []string{"/nonexistent/src"}, "", 1, "/nonexistent/src"},
		{"source is a file", []string{filepath.Join(src, "files/small.txt")}, "", 1, "not a directory"},
		{"bad compressor", []string{src, "--comp", "brotli"}, "", 2, `unknown compressor "brotli"`},
		{"bad block size", []string{src, "--block-size", "100K"}, "", 2, "power of two"},
		{"bad level", []string{src, "--level", "30"}, "", 1, "zstd level 30"},
		{"negative offset", []string{src, "--offset", "-1"}, "", 2, "--offset"},
		{"malformed SOURCE_DATE_EPOCH", []string{src}, "tomorrow", 1, "SOURCE_DATE_EPOCH"},
		{"missing OUT", []string{src}, "", 2, "want SRC and OUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", c.env)
			dir := t.TempDir()
			args := append([]string{"goappimage", "squashfs", "create"}, c.args...)
			if c.name != "missing OUT" {
				args = append(args[:4], append([]string{filepath.Join(dir, "out.sqfs")}, args[4:]...)...)
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != c.code || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and a message containing %q", code, stderr.String(), c.code, c.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("files left in the output directory: %v", ents)
			}
		})
	}
}
