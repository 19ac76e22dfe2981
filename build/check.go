package build

import (
	"fmt"
	"os"
	"path"
	goruntime "runtime"
	"strings"

	"github.com/goappimage/goappimage/appdir"
	"github.com/goappimage/goappimage/appdir/desktop"
)

// ValidationError lists every problem that stops an AppDir from becoming
// an AppImage.
type ValidationError struct {
	AppDir   string
	Problems []string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "AppDir %s is not valid (%d problem", e.AppDir, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p)
	}
	return b.String()
}

// appInfo is what the build needs to know about an AppDir.
type appInfo struct {
	desktopPath string // image path of the desktop entry
	name        string
	version     string // X-AppImage-Version already in the entry
	icon        string // image path of the icon
	arch        string
	warnings    []string
	notes       []string
}

// inspect validates the AppDir with appdir.Validate and returns what the
// build needs, with every error (and warning, when strict) as a problem.
// An AppDir without ELF files (only scripts) gets the architecture of the
// machine running the build.
//
// The validator reads the AppDir as mksquashfs would pack it, where a
// symlink leaving the AppDir stays a link; Build packs what such links
// point to instead (tree is the AppDir as it will be packed). So the
// "-link-escapes" problems are dropped, and the desktop entry, its icon and
// AppRun are checked in tree when the validator could not reach them.
func inspect(dir string, tree *Tree, opts Options) (*appInfo, []string, error) {
	rep, err := appdir.Validate(dir, appdir.Options{Arch: opts.Arch, NoAppStream: opts.NoAppStream, Strict: opts.Strict})
	if err != nil {
		return nil, nil, err
	}
	info := &appInfo{desktopPath: rep.DesktopFile, icon: rep.IconFile, arch: rep.Arch}
	var problems []string
	escaped := map[string]bool{}
	for _, p := range rep.Problems {
		switch {
		case strings.HasSuffix(p.Rule, "-link-escapes"):
			escaped[p.Path] = true
			info.notes = append(info.notes, p.Path+": symlink leaves the AppDir; its target is packed in its place")
		case p.Severity == appdir.Error || opts.Strict && p.Severity == appdir.Warning:
			problems = append(problems, fmt.Sprintf("%s\n    fix: %s", p, p.Fix))
		case p.Severity == appdir.Warning:
			info.warnings = append(info.warnings, p.String())
		default:
			info.notes = append(info.notes, p.String())
		}
	}
	if rep.Desktop != nil {
		info.name = rep.Desktop.Name()
		info.version = rep.Desktop.AppVersion()
	} else if len(escaped) > 0 {
		problems = append(problems, info.desktopFromTree(tree, opts.Strict)...)
	}
	if escaped["AppRun"] {
		if n := tree.Resolve("AppRun"); n == nil || !n.Mode.IsRegular() || n.Mode.Perm()&0o111 == 0 {
			problems = append(problems, "AppRun: error: the file AppRun links to is not an executable file [apprun-not-executable]")
		}
	}
	if info.arch == "" && len(problems) == 0 {
		a, err := appdir.NormalizeArch(goruntime.GOARCH)
		if err != nil {
			problems = append(problems, fmt.Sprintf("no ELF file tells the architecture and this machine's (%s) has no runtime; set --arch (or ARCH)", goruntime.GOARCH))
		}
		info.arch = a
	}
	if len(problems) == 0 && (info.desktopPath == "" || info.icon == "") {
		problems = append(problems, "the AppDir has no usable desktop entry and icon in its root")
	}
	return info, problems, nil
}

// NormalizeArch returns the AppImage name of an architecture (see
// appdir.NormalizeArch).
func NormalizeArch(a string) (string, error) { return appdir.NormalizeArch(a) }

// desktopFromTree finds the root desktop entry and its icon in the tree
// (where links that leave the AppDir have been followed) and validates the
// entry as desktop-file-validate does.
func (info *appInfo) desktopFromTree(t *Tree, strict bool) []string {
	var entries []string
	for _, n := range t.Nodes {
		if path.Dir(n.Path) == "." && strings.HasSuffix(n.Path, ".desktop") {
			entries = append(entries, n.Path)
		}
	}
	if len(entries) != 1 {
		return []string{fmt.Sprintf(".: error: want one desktop entry in the AppDir root, found %d [layout-desktop-count]", len(entries))}
	}
	name := entries[0]
	n := t.Resolve(name)
	if n == nil || !n.Mode.IsRegular() {
		return []string{name + ": error: the desktop entry is not a file [layout-desktop-missing]"}
	}
	data, err := nodeData(n)
	if err != nil {
		return []string{fmt.Sprintf("%s: error: %v [unreadable]", name, err)}
	}
	var problems []string
	for _, m := range desktop.Validate(name, data, 0) {
		p := appdir.DesktopProblem(name, m)
		switch {
		case p.Severity == appdir.Error || strict && p.Severity == appdir.Warning:
			problems = append(problems, fmt.Sprintf("%s\n    fix: %s", p, p.Fix))
		case p.Severity == appdir.Warning:
			info.warnings = append(info.warnings, p.String())
		}
	}
	e, err := desktop.Parse(data)
	if err != nil {
		return append(problems, fmt.Sprintf("%s: error: %v [desktop-parse]", name, err))
	}
	info.desktopPath, info.name, info.version = name, e.Name(), e.AppVersion()
	if len(e.Categories()) == 0 {
		problems = append(problems, name+": error: the desktop entry has no Categories key, which appimagetool requires [desktop-categories-missing]")
	}
	if icon := e.Icon(); icon != "" && !strings.Contains(icon, "/") {
		for _, ext := range []string{".png", ".svg", ".xpm"} {
			if n := t.Resolve(icon + ext); n != nil && n.Mode.IsRegular() {
				info.icon = icon + ext
				break
			}
		}
	}
	if info.icon == "" {
		problems = append(problems, fmt.Sprintf(".: error: no icon named by Icon=%s (.png, .svg or .xpm) at the AppDir root [icon-missing]", e.Icon()))
	}
	return problems
}

func nodeData(n *Node) ([]byte, error) {
	if n.Data != nil {
		return n.Data, nil
	}
	return os.ReadFile(n.Source)
}
