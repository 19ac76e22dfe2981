package appimage

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	ourelf "github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/elf/elftest"
	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/squashfs"
)

func TestOpen(t *testing.T) {
	out := filepath.Join(t.TempDir(), "Test_App-1.2.3-aarch64.AppImage")
	const ui = "zsync|https://example.com/Test_App-aarch64.AppImage.zsync"
	rt := testRuntime(t, "arm64")
	res, err := Create(out, Options{Runtime: rt, UpdateInfo: ui, SignKey: testKey(t)},
		writeDir(makeAppDir(t, "inspect", nil), squashfs.WriterOptions{Compression: squashfs.GZIP, BlockSize: 64 << 10}))
	if err != nil {
		t.Fatal(err)
	}
	info, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		Path: out, Type: 2, Arch: "aarch64", Runtime: RuntimeOther, Size: res.Size, Offset: int64(len(rt)),
		Compression: "gzip", BlockSize: 64 << 10, UpdateInfo: ui, Digest: res.Digest, DigestOK: true,
		Signature: "valid", DesktopFile: "test.desktop", Name: "Test App", Version: "1.2.3",
	}
	got := *info
	got.ImageSize, got.Inodes, got.Signer = 0, 0, nil
	got.ImageTime = want.ImageTime
	if got.Path != want.Path || got.Arch != want.Arch || got.Runtime != want.Runtime || got.Size != want.Size ||
		got.Offset != want.Offset || got.Compression != want.Compression || got.BlockSize != want.BlockSize ||
		got.UpdateInfo != want.UpdateInfo || got.Digest != want.Digest || !got.DigestOK || got.Signature != want.Signature ||
		got.DesktopFile != want.DesktopFile || got.Name != want.Name || got.Version != want.Version || len(got.Problems) != 0 {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if info.Signer == nil || info.Signer.UserID != "Test Signer <signer@example.com>" {
		t.Errorf("signer: got %+v", info.Signer)
	}
	if info.Inodes < 6 || info.ImageSize == 0 || int64(info.ImageSize) > info.Size-info.Offset {
		t.Errorf("image: %d inodes, %d bytes", info.Inodes, info.ImageSize)
	}

	// One changed byte in the image: digest and signature both fail.
	b, _ := os.ReadFile(out)
	b[len(b)-5000] ^= 0x80
	tampered := filepath.Join(t.TempDir(), "t.AppImage")
	os.WriteFile(tampered, b, 0o755)
	info, err = Open(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if info.DigestOK || info.Signature != "invalid" || info.SignatureError == "" {
		t.Errorf("tampered: digest ok %v, signature %q (%s)", info.DigestOK, info.Signature, info.SignatureError)
	}
}

// TestOpenMksquashfsAppImage inspects an AppImage made the way appimagetool
// makes one: "mksquashfs -offset" after the runtime, no digest, unsigned.
func TestOpenMksquashfsAppImage(t *testing.T) {
	mksquashfs := testutil.Tool(t, "mksquashfs")
	rt := testRuntime(t, "386")
	out := filepath.Join(t.TempDir(), "x.AppImage")
	cmd := exec.Command(mksquashfs, makeAppDir(t, "mk", nil), out, "-offset", itoa(int64(len(rt))), "-comp", "xz", "-root-owned", "-noappend", "-quiet", "-no-progress")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, msg)
	}
	f, _ := os.OpenFile(out, os.O_RDWR, 0)
	f.WriteAt(rt, 0)
	f.Close()
	info, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Arch != "i686" || info.Compression != "xz" || info.Digest != "" || info.Signature != "none" || info.Name != "Test App" || info.UpdateInfo != "" {
		t.Errorf("got %+v", info)
	}
	// Any type-2 AppImage can be signed afterwards.
	if err := Sign(out, testKey(t), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(out, nil); err != nil {
		t.Error(err)
	}
	gpgVerify(t, out, true)
}

func TestOpenErrors(t *testing.T) {
	rt := testRuntime(t, "amd64")
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty":     nil,
		"text":      []byte("hello"),
		"runtime":   rt,
		"truncated": rt[:len(rt)-10],
		"not sqfs":  append(bytes.Clone(rt), make([]byte, 8192)...),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		if _, err := Open(p); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func TestIdentifyRuntime(t *testing.T) {
	tests := []struct {
		in            string
		kind, version string
	}{
		{"\x7fELF...goappimage runtime 1\x00...", RuntimeOurs, "goappimage runtime 1"},
		{"\x7fELF...goappimage runtime 1invalid write result", RuntimeOurs, "goappimage runtime 1"},
		{"\x7fELF...goappimage runtime 2.10rune", RuntimeOurs, "goappimage runtime 2.10"},
		{"...AppImage runtime version: %s\n\x00https://github.com/AppImage/type2-runtime/commit/caf24f9\x00", RuntimeType2, "https://github.com/AppImage/type2-runtime/commit/caf24f9"},
		{"...AppImage runtime version: %s\n\x00", RuntimeType2, ""},
		{"\x7fELF plain program", RuntimeOther, ""},
	}
	for _, tt := range tests {
		kind, version := identifyRuntime([]byte(tt.in))
		if kind != tt.kind || version != tt.version {
			t.Errorf("%q: got %s %q, want %s %q", tt.in, kind, version, tt.kind, tt.version)
		}
	}
}

func FuzzReadLayout(f *testing.F) {
	rt, err := ourelf.AddSections(elftest.Minimal(true, binary.LittleEndian, 62), RuntimeSections)
	if err != nil {
		f.Fatal(err)
	}
	ourelf.SetMagic(rt)
	f.Add(rt)
	out := filepath.Join(f.TempDir(), "seed.AppImage")
	dir := f.TempDir()
	os.WriteFile(filepath.Join(dir, "a.desktop"), []byte("[Desktop Entry]\nName=A\n"), 0o644)
	if _, err := Create(out, Options{Runtime: rt, UpdateInfo: "zsync|https://a/b"}, writeDir(dir, squashfs.WriterOptions{})); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(out)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		l, err := ReadLayout(r, int64(len(b)))
		if err != nil {
			return
		}
		if l.Offset > int64(len(b)) {
			t.Fatalf("offset %d past the end (%d)", l.Offset, len(b))
		}
		_, _ = inspect(r, int64(len(b)))
	})
}
