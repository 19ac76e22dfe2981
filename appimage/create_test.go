package appimage

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	ourelf "github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/elf/elftest"
	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/squashfs"
)

func TestCreate(t *testing.T) {
	rt := testRuntime(t, "amd64")
	dir := makeAppDir(t, "one", randomBytes(t, 300<<10))
	out := filepath.Join(t.TempDir(), "Test_App-x86_64.AppImage")
	const ui = "gh-releases-zsync|owner|repo|latest|Test_App-*x86_64.AppImage.zsync"
	res, err := Create(out, Options{Runtime: rt, UpdateInfo: ui}, writeDir(dir, squashfs.WriterOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(out)
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("mode: got %v, want 0755", fi.Mode().Perm())
	}
	if res.Offset != int64(len(rt)) || res.Size != int64(len(b)) || res.Arch != "x86_64" || res.Compression != squashfs.ZSTD {
		t.Errorf("result: got %+v, want offset %d, size %d, x86_64, zstd", res, len(rt), len(b))
	}
	// The runtime is unchanged outside its metadata sections.
	meta := []string{SectionDigest, SectionUpdateInfo, SectionSignature, SectionKey}
	if !bytes.Equal(zeroedSections(t, b[:len(rt)], meta...), rt) {
		t.Error("the runtime bytes changed outside the metadata sections")
	}
	if !bytes.Equal(b[len(rt):len(rt)+4], []byte("hsqs")) {
		t.Errorf("bytes at the runtime's end: got %q, want hsqs", b[len(rt):len(rt)+4])
	}
	if got := sectionBytes(t, b, SectionUpdateInfo); !bytes.Equal(got, append([]byte(ui), make([]byte, 1024-len(ui))...)) {
		t.Errorf(".upd_info: got %q", bytes.TrimRight(got, "\x00"))
	}
	want := md5.Sum(zeroedSections(t, b, SectionDigest, SectionSignature, SectionKey))
	if got := sectionBytes(t, b, SectionDigest); !bytes.Equal(got, want[:]) {
		t.Errorf(".digest_md5: got %x, want %x", got, want)
	}
	for _, s := range []string{SectionSignature, SectionKey} {
		if len(bytes.Trim(sectionBytes(t, b, s), "\x00")) != 0 {
			t.Errorf("%s is not empty in an unsigned AppImage", s)
		}
	}
	if _, err := os.Stat(out + ".zsync"); err != nil || res.ZsyncPath != out+".zsync" {
		t.Errorf("zsync file: %v (result %q)", err, res.ZsyncPath)
	}
	if left := tempFiles(t, filepath.Dir(out)); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// The image is readable by unsquashfs at the offset, with the AppDir's files.
	unsquashfs := testutil.Tool(t, "unsquashfs")
	dest := filepath.Join(t.TempDir(), "x")
	if msg, err := exec.Command(unsquashfs, "-no-xattrs", "-o", itoa(res.Offset), "-d", dest, out).CombinedOutput(); err != nil {
		t.Fatalf("unsquashfs: %v\n%s", err, msg)
	}
	sameFile(t, filepath.Join(dir, "usr/data.bin"), filepath.Join(dest, "usr/data.bin"))
	sameFile(t, filepath.Join(dir, "test.desktop"), filepath.Join(dest, "test.desktop"))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", a, b)
	}
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tmp []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			tmp = append(tmp, e.Name())
		}
	}
	return tmp
}

// TestCreateMounts mounts the payload with the kernel and with squashfuse at
// the AppImage's offset.
func TestCreateMounts(t *testing.T) {
	dir := makeAppDir(t, "mount", randomBytes(t, 200<<10))
	out := filepath.Join(t.TempDir(), "app.AppImage")
	res, err := Create(out, Options{Runtime: testRuntime(t, "amd64")}, writeDir(dir, squashfs.WriterOptions{Compression: squashfs.GZIP}))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("kernel", func(t *testing.T) {
		testutil.Root(t)
		mnt := t.TempDir()
		if msg, err := exec.Command("mount", "-t", "squashfs", "-o", "loop,ro,offset="+itoa(res.Offset), out, mnt).CombinedOutput(); err != nil {
			testutil.Unavailable(t, "kernel squashfs loop mount: %v: %s", err, msg)
		}
		defer exec.Command("umount", mnt).Run()
		sameFile(t, filepath.Join(dir, "usr/data.bin"), filepath.Join(mnt, "usr/data.bin"))
		sameFile(t, filepath.Join(dir, "AppRun"), filepath.Join(mnt, "AppRun"))
	})
	t.Run("squashfuse", func(t *testing.T) {
		testutil.FUSE(t)
		squashfuse := testutil.Tool(t, "squashfuse")
		mnt := t.TempDir()
		if msg, err := exec.Command(squashfuse, "-o", "offset="+itoa(res.Offset), out, mnt).CombinedOutput(); err != nil {
			t.Fatalf("squashfuse: %v: %s", err, msg)
		}
		defer exec.Command("fusermount3", "-u", mnt).Run()
		sameFile(t, filepath.Join(dir, "usr/data.bin"), filepath.Join(mnt, "usr/data.bin"))
		sameFile(t, filepath.Join(dir, "test.desktop"), filepath.Join(mnt, "test.desktop"))
	})
}

func TestCreateDeterministic(t *testing.T) {
	rt := testRuntime(t, "arm64")
	dir := makeAppDir(t, "det", randomBytes(t, 100<<10))
	key := testKey(t)
	var outs [][]byte
	for i, workers := range []int{1, 2} {
		out := filepath.Join(t.TempDir(), "App-aarch64.AppImage")
		opts := Options{Runtime: rt, UpdateInfo: "zsync|https://example.com/App-aarch64.AppImage.zsync", SignKey: key}
		if _, err := Create(out, opts, writeDir(dir, squashfs.WriterOptions{Workers: workers})); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		z, _ := os.ReadFile(out + ".zsync")
		outs = append(outs, b, z)
		_ = i
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Error("two builds of the same AppDir differ")
	}
	if !bytes.Equal(outs[1], outs[3]) {
		t.Error("two .zsync files of the same AppDir differ")
	}
}

func TestCreateErrors(t *testing.T) {
	rt := testRuntime(t, "386")
	dir := makeAppDir(t, "err", nil)
	noMagic := bytes.Clone(rt)
	copy(noMagic[8:], []byte{0, 0, 0})
	type1 := bytes.Clone(rt)
	copy(type1[8:], []byte{'A', 'I', 1})
	trailing := append(bytes.Clone(rt), 0)
	bare := elfWithout(t, SectionKey)
	small := elfWithSizes(t, map[string]int64{SectionUpdateInfo: 100})
	tests := []struct {
		name    string
		opts    Options
		write   func(io.WriterAt) error
		wantErr string
	}{
		{"no runtime", Options{}, writeDir(dir, squashfs.WriterOptions{}), "runtime: elf: file ends inside ELF identification"},
		{"script runtime", Options{Runtime: []byte("#!/bin/sh\nexit 0\n")}, writeDir(dir, squashfs.WriterOptions{}), "not an ELF file"},
		{"no magic", Options{Runtime: noMagic}, writeDir(dir, squashfs.WriterOptions{}), `no AppImage type-2 magic "AI\x02" at byte 8`},
		{"type 1", Options{Runtime: type1}, writeDir(dir, squashfs.WriterOptions{}), "a type-1 AppImage"},
		{"trailing bytes", Options{Runtime: trailing}, writeDir(dir, squashfs.WriterOptions{}), "but its ELF end is"},
		{"missing section", Options{Runtime: bare}, writeDir(dir, squashfs.WriterOptions{}), "no ELF section .sig_key"},
		{"small section", Options{Runtime: small}, writeDir(dir, squashfs.WriterOptions{}), "ELF section .upd_info is 100 bytes, want at least 1024"},
		{"bad update info", Options{Runtime: rt, UpdateInfo: "bintray-zsync|a|b|c|d"}, writeDir(dir, squashfs.WriterOptions{}), `unknown transport "bintray-zsync"`},
		{"writer fails", Options{Runtime: rt}, func(io.WriterAt) error { return errors.New("disk on fire") }, "writing the squashfs image: disk on fire"},
		{"no image", Options{Runtime: rt}, func(io.WriterAt) error { return nil }, "no squashfs image at the runtime's end"},
		{"not squashfs", Options{Runtime: rt}, func(w io.WriterAt) error { _, err := w.WriteAt(make([]byte, 4096), 0); return err }, "not a squashfs image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outDir := t.TempDir()
			out := filepath.Join(outDir, "x.AppImage")
			_, err := Create(out, tt.opts, tt.write)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
				t.Errorf("files left after the error: %v", ents)
			}
		})
	}
}

// elfWithout prepares a runtime lacking the section skip.
func elfWithout(t *testing.T, skip string) []byte {
	t.Helper()
	var secs []ourelf.NewSection
	for _, s := range RuntimeSections {
		if s.Name != skip {
			secs = append(secs, s)
		}
	}
	return prepare(t, secs)
}

// elfWithSizes prepares a runtime with some sections of other sizes.
func elfWithSizes(t *testing.T, sizes map[string]int64) []byte {
	t.Helper()
	secs := append([]ourelf.NewSection(nil), RuntimeSections...)
	for i := range secs {
		if n, ok := sizes[secs[i].Name]; ok {
			secs[i].Size = n
		}
	}
	return prepare(t, secs)
}

func prepare(t *testing.T, secs []ourelf.NewSection) []byte {
	t.Helper()
	b, err := ourelf.AddSections(elftest.Program(t, "amd64"), secs)
	if err != nil {
		t.Fatal(err)
	}
	if err := ourelf.SetMagic(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCreateWarnsAboutCompression(t *testing.T) {
	dir := makeAppDir(t, "warn", nil)
	for _, tt := range []struct {
		comp squashfs.Compression
		warn bool
	}{{squashfs.ZSTD, false}, {squashfs.GZIP, false}, {squashfs.XZ, true}} {
		var warnings []string
		out := filepath.Join(t.TempDir(), "x.AppImage")
		_, err := Create(out, Options{Runtime: testRuntime(t, "amd64"), Warn: func(s string) { warnings = append(warnings, s) }},
			writeDir(dir, squashfs.WriterOptions{Compression: tt.comp}))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(warnings) > 0; got != tt.warn {
			t.Errorf("%s: got warnings %q, want a warning: %v", tt.comp, warnings, tt.warn)
		}
	}
}

func TestCreateZsyncURLAndTime(t *testing.T) {
	dir := makeAppDir(t, "url", nil)
	out := filepath.Join(t.TempDir(), "App.AppImage")
	when := time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)
	_, err := Create(out, Options{Runtime: testRuntime(t, "amd64"), UpdateInfo: "zsync|https://example.com/App.AppImage.zsync",
		ZsyncURL: "https://downloads.example.com/App.AppImage", Time: when}, writeDir(dir, squashfs.WriterOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	z, err := os.ReadFile(out + ".zsync")
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(z, []byte("\n\n"))
	for _, want := range []string{"Filename: App.AppImage\n", "MTime: Thu, 29 Feb 2024 13:14:15 +0000\n", "URL: https://downloads.example.com/App.AppImage\n"} {
		if !strings.Contains(string(head)+"\n", want) {
			t.Errorf("zsync header %q lacks %q", head, want)
		}
	}
}
