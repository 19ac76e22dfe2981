package build

import (
	"fmt"
	goruntime "runtime"
	"strings"

	"github.com/goappimage/goappimage/appdir"
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
// The validator warns about AppRun, desktop entry or icon links that leave
// the AppDir (appimagetool would ship them dangling) and validates their
// targets; Build packs those targets in place of the links, so these
// "-link-escapes" warnings become notes.
func inspect(dir string, opts Options) (*appInfo, []string, error) {
	rep, err := appdir.Validate(dir, appdir.Options{Arch: opts.Arch, NoAppStream: opts.NoAppStream, Strict: opts.Strict})
	if err != nil {
		return nil, nil, err
	}
	info := &appInfo{desktopPath: rep.DesktopFile, icon: rep.IconFile, arch: rep.Arch}
	var problems []string
	for _, p := range rep.Problems {
		switch {
		case strings.HasSuffix(p.Rule, "-link-escapes"):
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
