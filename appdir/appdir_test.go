package appdir

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// copyExample copies the example AppDir into a temporary directory.
func copyExample(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "Test.AppDir")
	err := filepath.WalkDir(exampleDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(exampleDir, p)
		out := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(out, data, fi.Mode().Perm())
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func write(t *testing.T, dir, rel string, data []byte, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, dir, rel, target string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir, rel string) {
	t.Helper()
	if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

// desktopBothAs writes the desktop entry name at the root and in
// usr/share/applications.
func desktopBothAs(t *testing.T, dir, name, data string) {
	write(t, dir, name, []byte(data), 0o644)
	write(t, dir, "usr/share/applications/"+name, []byte(data), 0o644)
}

// desktopBoth writes the desktop entry at the root and in
// usr/share/applications, as the example has it.
func desktopBoth(t *testing.T, dir, data string) {
	write(t, dir, "io.github.goappimage.Example.desktop", []byte(data), 0o644)
	write(t, dir, "usr/share/applications/io.github.goappimage.Example.desktop", []byte(data), 0o644)
}

const exampleDesktop = "[Desktop Entry]\nType=Application\nName=Example App\nComment=Show what the AppImage runtime passes to an application\nExec=example %F\nIcon=example\nTerminal=true\nCategories=Utility;\n"

// pngOf returns a w x h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fakeELF returns the 64-byte header of a little-endian 64-bit ELF
// executable for machine.
func fakeELF(machine uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], machine)
	return h
}

const (
	emX86_64  = 62
	emAArch64 = 183
	emI386    = 3
)

var svgIcon = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><circle cx="128" cy="128" r="100"/></svg>`)

var appdirCases = []struct {
	name   string
	opts   Options
	modify func(t *testing.T, dir string)
	// want lists "severity rule path" for every error and warning, and
	// the hints that must be present.
	want  []string
	check func(t *testing.T, r *Report)
}{
	{name: "example is valid", want: []string{"hint arch-unknown .", "hint diricon-derived .DirIcon"},
		check: func(t *testing.T, r *Report) {
			if r.DesktopFile != "io.github.goappimage.Example.desktop" || r.IconFile != "example.png" || r.Arch != "" || r.DirIcon || r.Desktop == nil || r.Desktop.Name() != "Example App" {
				t.Errorf("report: desktop %q icon %q arch %q diricon %v", r.DesktopFile, r.IconFile, r.Arch, r.DirIcon)
			}
		}},
	{name: "AppRun missing", modify: func(t *testing.T, d string) { remove(t, d, "AppRun") }, want: []string{"error apprun-missing AppRun"}},
	{name: "AppRun not executable", modify: func(t *testing.T, d string) { os.Chmod(filepath.Join(d, "AppRun"), 0o644) }, want: []string{"error apprun-not-executable AppRun"}},
	{name: "AppRun not for others", modify: func(t *testing.T, d string) { os.Chmod(filepath.Join(d, "AppRun"), 0o750) }, want: []string{"warning apprun-permissions AppRun"}},
	{name: "AppRun without shebang", modify: func(t *testing.T, d string) { write(t, d, "AppRun", []byte("echo hi\n"), 0o755) }, want: []string{"error apprun-format AppRun"}},
	{name: "AppRun CRLF", modify: func(t *testing.T, d string) { write(t, d, "AppRun", []byte("#!/bin/sh\r\necho hi\r\n"), 0o755) }, want: []string{"error apprun-shebang-crlf AppRun"}},
	{name: "AppRun uncommon interpreter", modify: func(t *testing.T, d string) { write(t, d, "AppRun", []byte("#!/usr/bin/python3\n"), 0o755) }, want: []string{"warning apprun-interpreter AppRun"}},
	{name: "AppRun env interpreter", modify: func(t *testing.T, d string) { write(t, d, "AppRun", []byte("#!/usr/bin/env python3\n"), 0o755) }},
	{name: "AppRun absolute link", modify: func(t *testing.T, d string) { symlink(t, d, "AppRun", "/bin/sh") },
		want: []string{"warning apprun-link-escapes AppRun", "warning symlink-external AppRun"},
		check: func(t *testing.T, r *Report) {
			if len(r.ExternalLinks) != 1 || r.ExternalLinks[0] != (Link{"AppRun", "/bin/sh"}) {
				t.Errorf("ExternalLinks = %v", r.ExternalLinks)
			}
		}},
	{name: "AppRun relative link inside", modify: func(t *testing.T, d string) {
		write(t, d, "usr/bin/example", []byte("#!/bin/sh\necho hi\n"), 0o755)
		symlink(t, d, "AppRun", "usr/bin/example")
	}},
	{name: "AppRun link escaping with dotdot", modify: func(t *testing.T, d string) { symlink(t, d, "AppRun", "../x/AppRun") },
		want: []string{"error apprun-missing AppRun", "warning apprun-link-escapes AppRun", "warning symlink-external AppRun"}},
	{name: "AppRun link escaping to a script", modify: func(t *testing.T, d string) {
		write(t, d, "../outside/run", []byte("hello\n"), 0o755)
		symlink(t, d, "AppRun", "../outside/run")
	}, want: []string{"error apprun-format AppRun", "warning apprun-link-escapes AppRun", "warning symlink-external AppRun"}},
	{name: "desktop entry and icon outside", modify: func(t *testing.T, d string) {
		data, _ := os.ReadFile(filepath.Join(d, "io.github.goappimage.Example.desktop"))
		write(t, d, "../outside/io.github.goappimage.Example.desktop", data, 0o644)
		write(t, d, "../outside/example.png", pngOf(t, 256, 256), 0o644)
		symlink(t, d, "io.github.goappimage.Example.desktop", "../outside/io.github.goappimage.Example.desktop")
		symlink(t, d, "example.png", "../outside/example.png")
	}, want: []string{"warning layout-desktop-link-escapes io.github.goappimage.Example.desktop", "warning symlink-external io.github.goappimage.Example.desktop",
		"warning icon-link-escapes example.png", "warning symlink-external example.png"},
		check: func(t *testing.T, r *Report) {
			if r.Desktop == nil || r.Desktop.Name() != "Example App" || r.IconFile != "example.png" || r.DesktopFile != "io.github.goappimage.Example.desktop" {
				t.Errorf("report: desktop %v %q icon %q", r.Desktop != nil, r.DesktopFile, r.IconFile)
			}
		}},
	{name: "AppRun dangling", modify: func(t *testing.T, d string) { symlink(t, d, "AppRun", "usr/bin/nothing") },
		want: []string{"error apprun-missing AppRun", "warning symlink-dangling AppRun"}},
	{name: "AppRun directory", modify: func(t *testing.T, d string) {
		remove(t, d, "AppRun")
		os.Mkdir(filepath.Join(d, "AppRun"), 0o755)
	}, want: []string{"error apprun-not-regular AppRun"}},
	{name: "AppRun of another architecture", opts: Options{Arch: "amd64"}, modify: func(t *testing.T, d string) { write(t, d, "AppRun", fakeELF(emAArch64), 0o755) },
		want: []string{"error apprun-arch AppRun", "warning arch-mismatch ."}},
	{name: "AppRun ELF sets the architecture", modify: func(t *testing.T, d string) { write(t, d, "AppRun", fakeELF(emAArch64), 0o755) },
		check: func(t *testing.T, r *Report) {
			if r.Arch != "aarch64" {
				t.Errorf("Arch = %q, want aarch64", r.Arch)
			}
		}},
	{name: "two desktop files", modify: func(t *testing.T, d string) {
		write(t, d, "zz.desktop", []byte(exampleDesktop), 0o644)
		write(t, d, "aa.desktop", []byte(exampleDesktop), 0o644)
	}, want: []string{"error layout-desktop-multiple ."}},
	{name: "no desktop file", modify: func(t *testing.T, d string) { remove(t, d, "io.github.goappimage.Example.desktop") }, want: []string{"error layout-desktop-missing ."}},
	{name: "no usr", modify: func(t *testing.T, d string) { remove(t, d, "usr") }, opts: Options{NoAppStream: true}, want: []string{"hint layout-no-usr ."}},
	{name: "desktop-file-validate error", modify: func(t *testing.T, d string) { desktopBoth(t, d, exampleDesktop+"StartupNotify=false \n") },
		want: []string{"error desktop-boolean io.github.goappimage.Example.desktop"}},
	{name: "future error is a warning", modify: func(t *testing.T, d string) { desktopBoth(t, d, exampleDesktop+"MimeType=foo;\n") },
		want: []string{"warning desktop-mime-invalid io.github.goappimage.Example.desktop"}},
	{name: "no Categories", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Categories=Utility;\n", "", 1))
	},
		want: []string{"error desktop-categories-missing io.github.goappimage.Example.desktop"}},
	{name: "empty Categories", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Categories=Utility;\n", "Categories=\n", 1))
	}, want: []string{"warning desktop-categories-empty io.github.goappimage.Example.desktop"}},
	{name: "no Icon", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Icon=example\n", "", 1))
	},
		want: []string{"error desktop-icon-missing io.github.goappimage.Example.desktop"}},
	{name: "Icon with extension", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Icon=example\n", "Icon=example.png\n", 1))
	}, want: []string{"warning desktop-icon-extension io.github.goappimage.Example.desktop", "error desktop-icon-name io.github.goappimage.Example.desktop"}},
	{name: "Icon svgz", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Icon=example\n", "Icon=example.svgz\n", 1))
	}, want: []string{"error desktop-icon-name io.github.goappimage.Example.desktop"}},
	{name: "no Exec", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Exec=example %F\n", "", 1))
	},
		want: []string{"error desktop-exec-missing io.github.goappimage.Example.desktop"}},
	{name: "absolute Exec", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Exec=example %F\n", "Exec=/usr/bin/example %F\n", 1))
	}, want: []string{"warning desktop-exec-absolute io.github.goappimage.Example.desktop"}},
	{name: "Exec beyond desktop-file-validate", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Exec=example %F\n", "Exec=a=b --files=%F \"%c\" x%i\n", 1))
	}, want: []string{"warning desktop-exec-spec io.github.goappimage.Example.desktop", "warning desktop-exec-spec io.github.goappimage.Example.desktop",
		"warning desktop-exec-spec io.github.goappimage.Example.desktop", "warning desktop-exec-spec io.github.goappimage.Example.desktop"}},
	{name: "Exec quoting that the specification allows", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, strings.Replace(exampleDesktop, "Exec=example %F\n", "Exec=\"my app\" --title \"100%%\" %i %U\n", 1))
	}},
	{name: "Link type", modify: func(t *testing.T, d string) {
		desktopBoth(t, d, "[Desktop Entry]\nType=Link\nName=Example App\nURL=https://example.org\nIcon=example\n")
	}, want: []string{"error desktop-type io.github.goappimage.Example.desktop", "error desktop-exec-missing io.github.goappimage.Example.desktop", "error desktop-categories-missing io.github.goappimage.Example.desktop"}},
	{name: "NoDisplay", modify: func(t *testing.T, d string) { desktopBoth(t, d, exampleDesktop+"NoDisplay=true\n") },
		want: []string{"warning desktop-hidden io.github.goappimage.Example.desktop"}},
	{name: "GKeyFile stricter than desktop-file-validate", modify: func(t *testing.T, d string) { desktopBoth(t, d, exampleDesktop+"Name[de!]=Beispiel\n") },
		want: []string{"error desktop-parse io.github.goappimage.Example.desktop"}},
	{name: "other desktop entries", modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/applications/helper.desktop", []byte("[Desktop Entry]\nType=Application\nName=H\nExec=h\nTerminal=maybe\n"), 0o644)
		write(t, d, "usr/share/applications/ok.desktop", []byte("[Desktop Entry]\nType=Application\nName=H\nExec=h\n"), 0o644)
	}, want: []string{"warning desktop-other-invalid usr/share/applications/helper.desktop"}},
	{name: "root desktop is a link", modify: func(t *testing.T, d string) {
		symlink(t, d, "io.github.goappimage.Example.desktop", "usr/share/applications/io.github.goappimage.Example.desktop")
	}},
	{name: "root desktop differs", modify: func(t *testing.T, d string) {
		write(t, d, "io.github.goappimage.Example.desktop", []byte(exampleDesktop+"Keywords=x;\n"), 0o644)
	},
		want: []string{"warning layout-desktop-differs usr/share/applications/io.github.goappimage.Example.desktop"}},
	{name: "root icon missing", modify: func(t *testing.T, d string) { remove(t, d, "example.png") }, want: []string{"error icon-missing ."}},
	{name: "root icon only in hicolor", modify: func(t *testing.T, d string) {
		remove(t, d, "example.png")
		write(t, d, "usr/share/icons/hicolor/256x256/apps/example.png", pngOf(t, 256, 256), 0o644)
	}, want: []string{"error icon-missing ."}, check: func(t *testing.T, r *Report) {
		for _, p := range r.Problems {
			if p.Rule == "icon-missing" && !strings.Contains(p.Fix, "ln -s usr/share/icons/hicolor/256x256/apps/example.png example.png") {
				t.Errorf("fix %q does not suggest the hicolor icon", p.Fix)
			}
		}
	}},
	{name: "root icon not square", modify: func(t *testing.T, d string) { write(t, d, "example.png", pngOf(t, 256, 128), 0o644) },
		want: []string{"error icon-not-square example.png"}},
	{name: "root icon small", modify: func(t *testing.T, d string) { write(t, d, "example.png", pngOf(t, 64, 64), 0o644) },
		want: []string{"warning icon-size example.png"}},
	{name: "root icon broken PNG", modify: func(t *testing.T, d string) { write(t, d, "example.png", []byte("\x89PNG\r\n\x1a\nbroken"), 0o644) },
		want: []string{"error icon-invalid example.png"}},
	{name: "root icon SVG named png", modify: func(t *testing.T, d string) { write(t, d, "example.png", svgIcon, 0o644) },
		want: []string{"error icon-invalid example.png"}},
	{name: "root SVG icon", modify: func(t *testing.T, d string) {
		remove(t, d, "example.png")
		write(t, d, "example.svg", svgIcon, 0o644)
	}, check: func(t *testing.T, r *Report) {
		if r.IconFile != "example.svg" {
			t.Errorf("IconFile = %q, want example.svg", r.IconFile)
		}
	}},
	{name: "PNG preferred to SVG", modify: func(t *testing.T, d string) { write(t, d, "example.svg", svgIcon, 0o644) },
		check: func(t *testing.T, r *Report) {
			if r.IconFile != "example.png" {
				t.Errorf("IconFile = %q, want example.png", r.IconFile)
			}
		}},
	{name: "root SVG malformed", modify: func(t *testing.T, d string) {
		remove(t, d, "example.png")
		write(t, d, "example.svg", []byte("<svg><g></svg>"), 0o644)
	}, want: []string{"error icon-invalid example.svg"}},
	{name: "root XPM", modify: func(t *testing.T, d string) {
		remove(t, d, "example.png")
		write(t, d, "example.xpm", []byte("/* XPM */\nstatic char *x[] = {};\n"), 0o644)
	}, want: []string{"warning icon-xpm example.xpm"}},
	{name: "DirIcon link", modify: func(t *testing.T, d string) { symlink(t, d, ".DirIcon", "example.png") },
		check: func(t *testing.T, r *Report) {
			if !r.DirIcon {
				t.Errorf("DirIcon = false")
			}
		}},
	{name: "DirIcon dangling", modify: func(t *testing.T, d string) { symlink(t, d, ".DirIcon", "nothing.png") },
		want: []string{"error diricon-dangling .DirIcon", "warning symlink-dangling .DirIcon"}},
	{name: "DirIcon 128", modify: func(t *testing.T, d string) { write(t, d, ".DirIcon", pngOf(t, 128, 128), 0o644) },
		want: []string{"warning diricon-size .DirIcon"}},
	{name: "DirIcon not an image", modify: func(t *testing.T, d string) { write(t, d, ".DirIcon", []byte("hello"), 0o644) },
		want: []string{"error diricon-invalid .DirIcon"}},
	{name: "hicolor sizes", modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/icons/hicolor/48x48/apps/example.png", pngOf(t, 48, 48), 0o644)
		write(t, d, "usr/share/icons/hicolor/32x32/apps/example.png", pngOf(t, 64, 64), 0o644)
		write(t, d, "usr/share/icons/hicolor/24x24@2/apps/example.png", pngOf(t, 48, 48), 0o644)
		write(t, d, "usr/share/icons/hicolor/scalable/apps/example.png", pngOf(t, 48, 48), 0o644)
		write(t, d, "usr/share/icons/hicolor/scalable/apps/other.svg", svgIcon, 0o644)
		write(t, d, "usr/share/icons/hicolor/50x50/apps/example.png", pngOf(t, 50, 50), 0o644)
	}, want: []string{
		"error icon-size-mismatch usr/share/icons/hicolor/32x32/apps/example.png",
		"error icon-theme-format usr/share/icons/hicolor/scalable/apps/example.png",
		"warning icon-size-nonstandard usr/share/icons/hicolor/50x50/apps/example.png",
	}},
	{name: "no AppStream", modify: func(t *testing.T, d string) { remove(t, d, "usr/share/metainfo") },
		want: []string{"warning appstream-missing usr/share/metainfo"}},
	{name: "AppStream skipped", opts: Options{NoAppStream: true}, modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", []byte("<component>"), 0o644)
	}},
	{name: "AppStream other name", modify: func(t *testing.T, d string) {
		os.Rename(filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"), filepath.Join(d, "usr/share/metainfo/org.x.Other.appdata.xml"))
	}, want: []string{"warning appstream-name usr/share/metainfo"}},
	{name: "AppStream metainfo name", modify: func(t *testing.T, d string) {
		os.Rename(filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"), filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.metainfo.xml"))
	}, want: []string{"warning appstream-metainfo-name usr/share/metainfo/io.github.goappimage.Example.metainfo.xml"}},
	{name: "AppStream malformed", modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", []byte("<component><id>example</component>"), 0o644)
	}, want: []string{"error appstream-xml usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}},
	{name: "AppStream ancient root", modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", []byte("<application><id>io.github.goappimage.Example</id></application>"), 0o644)
	}, want: []string{"error appstream-root usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}},
	{name: "AppStream missing elements", modify: func(t *testing.T, d string) {
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", []byte(`<component type="desktop-application"><id>io.github.goappimage.Example</id><launchable type="desktop-id">io.github.goappimage.Example.desktop</launchable></component>`), 0o644)
	}, want: []string{"error appstream-required usr/share/metainfo/io.github.goappimage.Example.appdata.xml", "error appstream-required usr/share/metainfo/io.github.goappimage.Example.appdata.xml",
		"error appstream-required usr/share/metainfo/io.github.goappimage.Example.appdata.xml", "error appstream-required usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}},
	{name: "AppStream id mismatch", modify: func(t *testing.T, d string) {
		data, _ := os.ReadFile(filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"))
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", bytes.Replace(data, []byte("<id>io.github.goappimage.Example</id>"), []byte("<id>org.example.App</id>"), 1), 0o644)
	}, want: []string{"error appstream-id-mismatch usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}},
	{name: "AppStream id with .desktop", modify: func(t *testing.T, d string) {
		data, _ := os.ReadFile(filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"))
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", bytes.Replace(data, []byte("<id>io.github.goappimage.Example</id>"), []byte("<id>io.github.goappimage.Example.desktop</id>"), 1), 0o644)
	}},
	{name: "AppStream id not reverse-DNS", modify: func(t *testing.T, d string) {
		data, _ := os.ReadFile(filepath.Join(d, "io.github.goappimage.Example.desktop"))
		remove(t, d, "io.github.goappimage.Example.desktop")
		desktopBothAs(t, d, "example.desktop", string(data))
		remove(t, d, "usr/share/metainfo")
		meta := []byte(`<component type="desktop-application"><id>example</id><metadata_license>CC0-1.0</metadata_license><name>E</name><summary>S</summary>` +
			`<description><p>D</p></description><launchable type="desktop-id">example.desktop</launchable></component>`)
		write(t, d, "usr/share/metainfo/example.appdata.xml", meta, 0o644)
	}, want: []string{"warning appstream-cid-rdns usr/share/metainfo/example.appdata.xml", "hint desktop-filename-rdns example.desktop"}},
	{name: "AppStream license", modify: func(t *testing.T, d string) {
		data, _ := os.ReadFile(filepath.Join(d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml"))
		write(t, d, "usr/share/metainfo/io.github.goappimage.Example.appdata.xml", bytes.Replace(data, []byte("CC0-1.0"), []byte("GPL-3.0-or-later"), 1), 0o644)
	}, want: []string{"error appstream-metadata-license usr/share/metainfo/io.github.goappimage.Example.appdata.xml"}},
	{name: "AppStream desktop not in applications", modify: func(t *testing.T, d string) { remove(t, d, "usr/share/applications") },
		want: []string{"error appstream-desktop-missing usr/share/applications/io.github.goappimage.Example.desktop"}},
	{name: "architecture from ELF files", modify: func(t *testing.T, d string) {
		write(t, d, "usr/bin/example", fakeELF(emX86_64), 0o755)
		write(t, d, "usr/lib/libexample.so.1", fakeELF(emX86_64), 0o644)
	}, check: func(t *testing.T, r *Report) {
		if r.Arch != "x86_64" {
			t.Errorf("Arch = %q, want x86_64", r.Arch)
		}
	}},
	{name: "several architectures", modify: func(t *testing.T, d string) {
		write(t, d, "usr/bin/a", fakeELF(emX86_64), 0o755)
		write(t, d, "usr/bin/b", fakeELF(emAArch64), 0o755)
		write(t, d, "usr/lib/c.so", fakeELF(emI386), 0o644)
	}, want: []string{"error arch-multiple ."}, check: func(t *testing.T, r *Report) {
		for _, p := range r.Problems {
			if p.Rule == "arch-multiple" {
				for _, s := range []string{"aarch64 (usr/bin/b)", "i686 (usr/lib/c.so)", "x86_64 (usr/bin/a)"} {
					if !strings.Contains(p.Message, s) {
						t.Errorf("message %q does not name %q", p.Message, s)
					}
				}
			}
		}
		if r.Arch != "" {
			t.Errorf("Arch = %q, want empty", r.Arch)
		}
	}},
	{name: "ARCH option names", opts: Options{Arch: "arm64"}, check: func(t *testing.T, r *Report) {
		if r.Arch != "aarch64" {
			t.Errorf("Arch = %q, want aarch64", r.Arch)
		}
	}},
	{name: "ARCH option invalid", opts: Options{Arch: "sparc"}, want: []string{"error arch-invalid ."}},
	{name: "script bytes are not an architecture", modify: func(t *testing.T, d string) {
		// AppImageKit#1163: appimagetool reads e_machine without checking the magic.
		s := []byte("#!/bin/sh\n# xxxxxxx\n")
		s[0x12], s[0x13] = 62, 0
		write(t, d, "usr/bin/script", s, 0o755)
	}, want: []string{"hint arch-unknown ."}},
	{name: "external links", modify: func(t *testing.T, d string) {
		symlink(t, d, "usr/lib/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1")
		symlink(t, d, "usr/share/doc", "../../../doc")
		symlink(t, d, "usr/bin/inside", "../share/metainfo/io.github.goappimage.Example.appdata.xml")
	}, want: []string{"warning symlink-external usr/lib/libz.so.1", "warning symlink-external usr/share/doc"},
		check: func(t *testing.T, r *Report) {
			want := []Link{{"usr/lib/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"}, {"usr/share/doc", "../../../doc"}}
			if len(r.ExternalLinks) != 2 || r.ExternalLinks[0] != want[0] || r.ExternalLinks[1] != want[1] {
				t.Errorf("ExternalLinks = %v, want %v", r.ExternalLinks, want)
			}
		}},
	{name: "symlink loop", modify: func(t *testing.T, d string) {
		symlink(t, d, "usr/a", "b")
		symlink(t, d, "usr/b", "a")
	}, want: []string{"error symlink-loop usr/a", "error symlink-loop usr/b"}},
}

func TestValidateCases(t *testing.T) {
	for _, tc := range appdirCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyExample(t)
			if tc.modify != nil {
				tc.modify(t, dir)
			}
			r, err := Validate(dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			wantHints := map[string]bool{}
			for _, w := range tc.want {
				if strings.HasPrefix(w, "hint ") {
					wantHints[w] = true
				} else {
					want = append(want, w)
				}
			}
			gotHints := map[string]bool{}
			for _, p := range r.Problems {
				s := string(p.Severity) + " " + p.Rule + " " + p.Path
				if p.Severity == Hint {
					gotHints[s] = true
					continue
				}
				got = append(got, s)
				if p.Message == "" || p.Fix == "" {
					t.Errorf("%s: empty message or fix", s)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s\nall:\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"), r.Problems)
			}
			for h := range wantHints {
				if !gotHints[h] {
					t.Errorf("missing %s", h)
				}
			}
			if wantErr := containsError(want); r.HasErrors() != wantErr {
				t.Errorf("HasErrors = %v, want %v", r.HasErrors(), wantErr)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func containsError(list []string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, "error ") {
			return true
		}
	}
	return false
}

func TestStrict(t *testing.T) {
	dir := copyExample(t)
	os.Chmod(filepath.Join(dir, "AppRun"), 0o750)
	for _, strict := range []bool{false, true} {
		r, err := Validate(dir, Options{Strict: strict})
		if err != nil {
			t.Fatal(err)
		}
		if r.HasErrors() != strict {
			t.Errorf("strict=%v: HasErrors = %v", strict, r.HasErrors())
		}
		if (r.Err() != nil) != strict {
			t.Errorf("strict=%v: Err = %v", strict, r.Err())
		}
	}
}

func TestValidateNotADirectory(t *testing.T) {
	if _, err := Validate(filepath.Join(t.TempDir(), "missing"), Options{}); err == nil {
		t.Error("no error for a missing AppDir")
	}
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, nil, 0o644)
	if _, err := Validate(f, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err = %v, want not a directory", err)
	}
}

func TestNormalizeArch(t *testing.T) {
	tests := map[string]string{
		"x86_64": "x86_64", "amd64": "x86_64", "X86-64": "x86_64", " x86_64 ": "x86_64",
		"i386": "i686", "i686": "i686", "intel 80386": "i686", "Intel_80686": "i686",
		"arm": "armhf", "armhf": "armhf", "aarch64": "aarch64", "arm64": "aarch64", "arm_aarch64": "aarch64",
	}
	for in, want := range tests {
		if got, err := NormalizeArch(in); err != nil || got != want {
			t.Errorf("NormalizeArch(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "sparc", "x86", "arm64x"} {
		if _, err := NormalizeArch(bad); err == nil {
			t.Errorf("NormalizeArch(%q) accepted", bad)
		}
	}
}

// TestRealELF checks the architecture of a real program of the build
// machine against what file(1) says.
func TestRealELF(t *testing.T) {
	sh, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skipf("no /bin/true: %v", err)
	}
	out, err := exec.Command("uname", "-m").Output()
	if err != nil {
		t.Skipf("uname: %v", err)
	}
	want, err := NormalizeArch(strings.TrimSpace(string(out)))
	if err != nil {
		t.Skipf("host architecture %s has no AppImage runtime", out)
	}
	dir := copyExample(t)
	write(t, dir, "usr/bin/true", sh, 0o755)
	r, err := Validate(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Arch != want {
		t.Errorf("Arch = %q, want %q (uname -m)", r.Arch, want)
	}
}

// TestExampleWithDFV checks that real desktop-file-validate accepts the
// example's desktop entries without any message.
func TestExampleWithDFV(t *testing.T) {
	dfv := testutil.Tool(t, "desktop-file-validate")
	for _, f := range []string{"io.github.goappimage.Example.desktop", "usr/share/applications/io.github.goappimage.Example.desktop"} {
		out, err := exec.Command(dfv, filepath.Join(exampleDir, f)).CombinedOutput()
		if err != nil || len(out) != 0 {
			t.Errorf("desktop-file-validate %s: %v\n%s", f, err, out)
		}
	}
}

// TestExampleWithAppStreamCLI checks the example's metadata with
// appstreamcli validate-tree, which appimagetool runs and which fails on
// warnings.
func TestExampleWithAppStreamCLI(t *testing.T) {
	as := testutil.Tool(t, "appstreamcli")
	out, err := exec.Command(as, "validate-tree", "--no-net", exampleDir).CombinedOutput()
	if err != nil {
		t.Errorf("appstreamcli validate-tree: %v\n%s", err, out)
	}
}
