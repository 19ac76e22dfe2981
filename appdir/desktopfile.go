package appdir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goappimage/goappimage/appdir/desktop"
)

// checkDesktop finds the single root desktop entry, validates it as
// desktop-file-validate does, then checks appimagetool's requirements.
func (c *checker) checkDesktop() {
	entries, err := os.ReadDir(c.root)
	if err != nil {
		c.add(".", "unreadable", Error, "Make the AppDir readable.", "cannot list the AppDir: %v", err)
		return
	}
	var found []string
	hasUsr := false
	for _, e := range entries {
		if e.Name() == "usr" && e.IsDir() {
			hasUsr = true
		}
		if strings.HasSuffix(e.Name(), ".desktop") && !e.IsDir() {
			found = append(found, e.Name())
		}
	}
	sort.Strings(found)
	if !hasUsr {
		c.add(".", "layout-no-usr", Hint, "Put the payload under usr/ (usr/bin, usr/lib, usr/share/applications, usr/share/icons), as the AppDir conventions suggest.",
			"the AppDir has no usr/ directory")
	}
	switch len(found) {
	case 0:
		c.add(".", "layout-desktop-missing", Error,
			"Put exactly one desktop entry at the AppDir root, for example a copy of (or a relative link to) usr/share/applications/myapp.desktop.",
			"no *.desktop file at the AppDir root: the AppImage needs one to describe the application")
		return
	case 1:
	default:
		c.add(".", "layout-desktop-multiple", Error,
			"Keep exactly one *.desktop file at the AppDir root; move the others to usr/share/applications.",
			"%d *.desktop files at the AppDir root (%s): the tools would pick one by directory order", len(found), strings.Join(found, ", "))
		return
	}
	name := found[0]
	if _, err := c.resolve(name); errors.Is(err, errEscapes) {
		c.add(name, "layout-desktop-link-escapes", Warning,
			"Make it a regular file, or a relative link to usr/share/applications/"+name+".",
			"the desktop entry is a symbolic link that leaves the AppDir: goappimage packs its target, other tools keep a link into the host system")
	} else if err != nil {
		c.add(name, "layout-desktop-missing", Error, "Point the link at an existing file.", "the desktop entry cannot be read: %v", err)
		return
	}
	data, err := os.ReadFile(filepath.Join(c.root, name))
	if err != nil {
		c.add(name, "unreadable", Error, "Make the file readable, or point the link at an existing file.", "cannot read the desktop entry: %v", err)
		return
	}
	c.report.DesktopFile = name
	c.rootDesktop = data
	for _, m := range desktop.Validate(name, data, c.opts.Profile) {
		c.report.Problems = append(c.report.Problems, DesktopProblem(name, m))
	}
	e, err := desktop.Parse(data)
	if err != nil {
		c.add(name, "desktop-parse", Error, "Fix the desktop-file-validate errors above; appimagetool reads the file with GLib's key file parser, which is stricter about key names and locales.",
			"the desktop entry cannot be parsed: %v", err)
		return
	}
	c.report.Desktop = e
	c.checkAppImageKeys(name, e)
}

// checkAppImageKeys checks what AppImage tools need beyond
// desktop-file-validate.
func (c *checker) checkAppImageKeys(name string, e *desktop.Entry) {
	if t := e.Type(); t != "" && t != "Application" {
		c.add(name, "desktop-type", Error, "Set Type=Application.", "Type is %q: an AppImage launches an application", t)
	}
	if _, ok := e.Get("Exec"); !ok {
		c.add(name, "desktop-exec-missing", Error, "Add Exec=myapp (the name of the program, with %F or %U if it opens files).",
			"the desktop entry has no Exec key: desktop integration cannot start the application")
	}
	cats, ok := e.Get("Categories")
	switch {
	case !ok:
		c.add(name, "desktop-categories-missing", Error, "Add a Categories key with a main category, such as Categories=Utility;.",
			"the desktop entry has no Categories key, which appimagetool requires")
	case strings.Trim(cats, ";") == "":
		c.add(name, "desktop-categories-empty", Warning, "List at least one main category, such as Categories=Utility;.",
			"Categories is empty: the application would appear in no menu section")
	}
	icon, ok := e.Get("Icon")
	switch {
	case !ok || icon == "":
		c.add(name, "desktop-icon-missing", Error, "Add Icon=myapp and put myapp.png (256x256) or myapp.svg at the AppDir root.",
			"the desktop entry has no Icon: an AppImage needs one")
	case strings.Contains(icon, "/"):
		c.add(name, "desktop-icon-name", Error, fmt.Sprintf("Use the icon's name: Icon=%s, with the file at the AppDir root.", iconBase(icon)),
			"Icon %q is a path: AppImage tools look for <Icon>.png, .svg or .xpm at the AppDir root", icon)
	case hasIconExt(icon):
		c.add(name, "desktop-icon-name", Error, fmt.Sprintf("Remove the extension: Icon=%s.", iconBase(icon)),
			"Icon %q has an extension: AppImage tools would look for %s.png", icon, icon)
	}
	for _, k := range []string{"NoDisplay", "Hidden"} {
		if v, _ := e.Get(k); v == "true" {
			c.add(name, "desktop-hidden", Warning, fmt.Sprintf("Remove %s=true from the main entry.", k),
				"%s=true hides the application once integrated into the desktop", k)
		}
	}
	if v, ok := e.Get("Exec"); ok {
		for _, msg := range execSpecProblems(v) {
			c.add(name, "desktop-exec-spec", Warning,
				"Write Exec as the specification says: the program, then arguments; %F, %U and %i alone as arguments; no field code inside quotes.",
				"Exec %q: %s (the Desktop Entry Specification forbids it; desktop-file-validate does not check)", v, msg)
		}
	}
	for _, k := range []string{"Exec", "TryExec"} {
		v, _ := e.Get(k)
		if prog := strings.Trim(firstField(v), `"`); strings.HasPrefix(prog, "/") {
			c.add(name, "desktop-exec-absolute", Warning, fmt.Sprintf("Use the program's name, %s=%s…; AppImage integration rewrites it to the AppImage.", k, path.Base(prog)),
				"%s names the absolute path %s, which does not exist outside the AppImage", k, prog)
		}
	}
	base := strings.TrimSuffix(name, ".desktop")
	if strings.Count(base, ".") < 2 {
		c.add(name, "desktop-filename-rdns", Hint, "Consider a reverse-DNS name such as org.example.MyApp.desktop, also used as the AppStream id.",
			"the desktop file name %s is not in reverse-DNS notation, as the Desktop Entry Specification recommends", name)
	}
}

func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func hasIconExt(icon string) bool {
	for _, ext := range []string{".png", ".svg", ".svgz", ".xpm"} {
		if strings.HasSuffix(icon, ext) {
			return true
		}
	}
	return false
}

// iconBase returns an icon value without directory and extension.
func iconBase(icon string) string {
	b := path.Base(icon)
	for _, ext := range []string{".png", ".svgz", ".svg", ".xpm"} {
		b = strings.TrimSuffix(b, ext)
	}
	return b
}

// statInside resolves rel inside the AppDir and stats the result.
func (c *checker) statInside(rel string) (string, fs.FileInfo, error) {
	r, err := c.resolve(rel)
	if err != nil {
		return "", nil, err
	}
	fi, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(r)))
	return r, fi, err
}

// checkOtherDesktops validates the desktop entries below the root: a
// failing one is a warning, since only the root entry is integrated, but
// appimagelint rejects the AppImage.
func (c *checker) checkOtherDesktops() {
	for _, rel := range c.otherDesktops {
		data, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rel)))
		if err != nil || c.rootDesktop != nil && bytes.Equal(data, c.rootDesktop) {
			continue // the root entry's problems are reported already
		}
		msgs := desktop.Validate(path.Base(rel), data, c.opts.Profile)
		if desktop.Valid(msgs) {
			continue
		}
		n, first := 0, ""
		for _, m := range msgs {
			if m.Severity == desktop.Error {
				if n == 0 {
					first = m.Text
				}
				n++
			}
		}
		c.add(rel, "desktop-other-invalid", Warning,
			"Fix it (goappimage validate "+rel+" lists every problem) or remove it if it is not needed.",
			"desktop-file-validate finds %d error(s) in this desktop entry, the first: %s", n, first)
	}
}
