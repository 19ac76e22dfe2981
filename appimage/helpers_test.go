package appimage

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	ourelf "github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/elf/elftest"
	"github.com/goappimage/goappimage/squashfs"
)

// testRuntime prepares a runtime the way ours is prepared: a tiny static
// program with the four metadata sections added and the magic set.
func testRuntime(t testing.TB, goarch string) []byte {
	t.Helper()
	b, err := ourelf.AddSections(elftest.Program(t, goarch), RuntimeSections)
	if err != nil {
		t.Fatal(err)
	}
	if err := ourelf.SetMagic(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// makeAppDir writes a small AppDir; variant changes one file's contents so
// that two AppDirs differ a little (for zsync tests).
func makeAppDir(t testing.TB, variant string, bigFile []byte) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"AppRun":                     "#!/bin/sh\necho hello from AppRun\n",
		"test.desktop":               "[Desktop Entry]\nType=Application\nName=Test App\nName[de]=Testprogramm\nExec=test\nIcon=test\nCategories=Utility;\nX-AppImage-Version=1.2.3\n\n[Desktop Action New]\nName=Other\n",
		"test.png":                   "\x89PNG\r\n\x1a\nnot really",
		"usr/share/doc/test/VERSION": variant + "\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "AppRun"), 0o755); err != nil {
		t.Fatal(err)
	}
	if bigFile != nil {
		if err := os.WriteFile(filepath.Join(dir, "usr/data.bin"), bigFile, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// randomBytes returns n bytes that do not compress.
func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// writeDir returns a Create callback that packs dir with our squashfs writer.
func writeDir(dir string, opts squashfs.WriterOptions) func(w io.WriterAt) error {
	return func(w io.WriterAt) error {
		sw, err := squashfs.NewWriter(w, opts)
		if err != nil {
			return err
		}
		if err := sw.AddDir(dir); err != nil {
			return err
		}
		return sw.Close()
	}
}

// zeroedSections returns a copy of b with the named sections (found by
// debug/elf, independently of our parser) overwritten with zeros.
func zeroedSections(t testing.TB, b []byte, names ...string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("debug/elf: %v", err)
	}
	out := bytes.Clone(b)
	for _, n := range names {
		s := f.Section(n)
		if s == nil {
			t.Fatalf("debug/elf finds no section %s", n)
		}
		clear(out[s.Offset : s.Offset+s.FileSize])
	}
	return out
}

// sectionBytes returns section name of b, found by debug/elf.
func sectionBytes(t testing.TB, b []byte, name string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("debug/elf: %v", err)
	}
	s := f.Section(name)
	if s == nil {
		t.Fatalf("debug/elf finds no section %s", name)
	}
	return b[s.Offset : s.Offset+s.FileSize]
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
