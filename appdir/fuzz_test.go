package appdir

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidate puts arbitrary bytes in the places of the example AppDir
// that the validator parses (AppRun, the desktop entry, the root icon,
// .DirIcon, a theme icon, the AppStream file): it must never panic and
// must always return a report.
func FuzzValidate(f *testing.F) {
	f.Add(uint8(0), []byte("#!/bin/sh\n"))
	f.Add(uint8(1), []byte(exampleDesktop))
	f.Add(uint8(2), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"))
	f.Add(uint8(3), svgIcon)
	f.Add(uint8(5), []byte(`<component type="desktop-application"><id>io.github.goappimage.Example</id></component>`))
	f.Add(uint8(0), fakeELF(emAArch64))
	targets := []string{"AppRun", "io.github.goappimage.Example.desktop", "example.png", ".DirIcon",
		"usr/share/icons/hicolor/48x48/apps/example.png", "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}
	dir := copyExample(f)
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		rel := targets[int(which)%len(targets)]
		p := filepath.Join(dir, filepath.FromSlash(rel))
		old, _ := os.ReadFile(p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if old != nil {
				os.WriteFile(p, old, 0o755)
			} else {
				os.Remove(p)
			}
		}()
		r, err := Validate(dir, Options{})
		if err != nil || r == nil {
			t.Fatalf("Validate: %v", err)
		}
		for _, pr := range r.Problems {
			if pr.Rule == "" || pr.Message == "" || pr.Fix == "" {
				t.Fatalf("incomplete problem %+v", pr)
			}
		}
	})
}
