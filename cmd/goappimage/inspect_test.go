package main

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goappimage/goappimage/appimage"
	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/elf/elftest"
	"github.com/goappimage/goappimage/squashfs"
)

// smallAppImage writes an unsigned AppImage with update information (so a
// .zsync file too) around a prepared tiny program, without the build
// pipeline, and returns its path.
func smallAppImage(t *testing.T) string {
	t.Helper()
	rt, err := elf.AddSections(elftest.Program(t, "amd64"), appimage.RuntimeSections)
	if err != nil {
		t.Fatal(err)
	}
	if err := elf.SetMagic(rt); err != nil {
		t.Fatal(err)
	}
	tree := fstest.MapFS{
		"AppRun":       {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		"my.desktop":   {Data: []byte("[Desktop Entry]\nType=Application\nName=My App\nExec=AppRun\nIcon=my\nCategories=Utility;\nX-AppImage-Version=2.0\n")},
		"my.png":       {Data: []byte("\x89PNG\r\n\x1a\n")},
		"usr/lib/data": {Data: bytes.Repeat([]byte("data "), 10000)},
	}
	out := filepath.Join(t.TempDir(), "My_App-2.0-x86_64.AppImage")
	_, err = appimage.Create(out, appimage.Options{Runtime: rt, UpdateInfo: "zsync|https://example.com/My_App-x86_64.AppImage.zsync"},
		func(w io.WriterAt) error {
			sw, err := squashfs.NewWriter(w, squashfs.WriterOptions{})
			if err != nil {
				return err
			}
			if err := sw.AddFS(tree); err != nil {
				return err
			}
			return sw.Close()
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// squeezeSpaces turns every run of spaces into one, so that tests do not
// depend on the alignment of columns.
func squeezeSpaces(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(append([]string{"goappimage"}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestInspect(t *testing.T) {
	path := smallAppImage(t)
	code, out, errOut := runCmd(t, "inspect", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	out = squeezeSpaces(out)
	for _, want := range []string{
		"Architecture: x86_64\n",
		"Compression: zstd, 128 KiB blocks\n",
		"Update info: zsync|https://example.com/My_App-x86_64.AppImage.zsync\n",
		"Signature: none\n",
		"(MD5, matches the file)",
		`Desktop entry: my.desktop: "My App", version 2.0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCmd(t, "inspect", "--json", path)
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	for k, want := range map[string]any{"arch": "x86_64", "type": 2.0, "compression": "zstd", "signature": "none", "name": "My App", "version": "2.0", "digest_ok": true} {
		if got[k] != want {
			t.Errorf("JSON %s: got %v, want %v", k, got[k], want)
		}
	}

	if code, _, errOut := runCmd(t, "inspect", filepath.Join(t.TempDir(), "missing")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "inspect"); code != 2 {
		t.Errorf("no argument: exit %d, want 2", code)
	}
}
