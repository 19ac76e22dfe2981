package build

import (
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/goappimage/goappimage/appdir/desktop"
	"github.com/goappimage/goappimage/elf"
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
		b.WriteString("\n  - " + p)
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
}

// inspect checks the image tree the way appimagetool checks an AppDir
// (one desktop entry in the root that desktop-file-validate accepts, with
// Categories; its icon in the root as .png, .svg or .xpm; an executable
// AppRun; one architecture among the ELF files) and collects every problem.
// arch, when set, replaces the detection.
func inspect(t *Tree, arch string, strict bool) (*appInfo, []string) {
	info := &appInfo{}
	var problems []string
	var entries []string
	for _, n := range t.Nodes {
		if path.Dir(n.Path) == "." && strings.HasSuffix(n.Path, ".desktop") {
			entries = append(entries, n.Path)
		}
	}
	switch len(entries) {
	case 0:
		problems = append(problems, "no desktop entry (*.desktop) in the AppDir root; add one, e.g. myapp.desktop with Type, Name, Exec, Icon and Categories")
	case 1:
		info.desktopPath = entries[0]
		problems = append(problems, info.checkDesktop(t, strict)...)
	default:
		problems = append(problems, fmt.Sprintf("%d desktop entries in the AppDir root (%s); keep exactly one", len(entries), strings.Join(entries, ", ")))
	}
	if n := t.Resolve("AppRun"); n == nil || !n.Mode.IsRegular() {
		problems = append(problems, "AppRun: missing; add an executable AppRun (a program or script) at the AppDir root")
	} else if n.Mode.Perm()&0o111 == 0 {
		problems = append(problems, "AppRun: not executable; chmod +x AppRun")
	}
	if arch != "" {
		a, err := NormalizeArch(arch)
		if err != nil {
			problems = append(problems, err.Error())
		}
		info.arch = a
	} else {
		a, err := detectArch(t)
		if err != nil {
			problems = append(problems, err.Error())
		}
		info.arch = a
	}
	return info, problems
}

func (info *appInfo) checkDesktop(t *Tree, strict bool) []string {
	n := t.Resolve(info.desktopPath)
	if n == nil || !n.Mode.IsRegular() {
		return []string{info.desktopPath + ": not a regular file"}
	}
	data, err := nodeData(n)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", info.desktopPath, err)}
	}
	var problems []string
	for _, m := range desktop.Validate(info.desktopPath, data, 0) {
		switch {
		case m.Severity == desktop.Error || m.Severity == desktop.FutureError || strict && m.Severity == desktop.Warning:
			problems = append(problems, m.Format(info.desktopPath))
		case m.Severity == desktop.Warning:
			info.warnings = append(info.warnings, m.Format(info.desktopPath))
		}
	}
	e, err := desktop.Parse(data)
	if err != nil {
		return append(problems, fmt.Sprintf("%s: %v", info.desktopPath, err))
	}
	info.name = e.Name()
	info.version = e.AppVersion()
	if len(e.Categories()) == 0 {
		problems = append(problems, info.desktopPath+": no Categories key; add one such as Categories=Utility;")
	}
	icon := e.Icon()
	switch {
	case icon == "":
		problems = append(problems, info.desktopPath+": no Icon key; add Icon=<name> and put <name>.png in the AppDir root")
	case strings.Contains(icon, "/"):
		problems = append(problems, fmt.Sprintf("%s: Icon=%s must be a name without a path; put the icon in the AppDir root", info.desktopPath, icon))
	default:
		for _, ext := range []string{".png", ".svg", ".xpm"} {
			if n := t.Resolve(icon + ext); n != nil && n.Mode.IsRegular() {
				info.icon = icon + ext
				break
			}
		}
		if info.icon == "" {
			problems = append(problems, fmt.Sprintf("%s: icon %s.png, .svg or .xpm not found in the AppDir root; put a 256x256 %s.png there", info.desktopPath, icon, icon))
		}
	}
	return problems
}

func nodeData(n *Node) ([]byte, error) {
	if n.Data != nil {
		return n.Data, nil
	}
	return os.ReadFile(n.Source)
}

// NormalizeArch returns the AppImage name of an architecture given as
// appimagetool accepts it or with a Go or Debian alias.
func NormalizeArch(a string) (string, error) {
	s := strings.ToLower(strings.NewReplacer("-", "_", " ", "_").Replace(strings.TrimSpace(a)))
	switch s {
	case "x86_64", "amd64":
		return "x86_64", nil
	case "aarch64", "arm64", "arm_aarch64":
		return "aarch64", nil
	case "i386", "i486", "i586", "i686", "386", "intel_80386", "intel_80486", "intel_80586", "intel_80686":
		return "i686", nil
	case "armhf", "arm", "armv7l", "armv7":
		return "armhf", nil
	}
	return "", fmt.Errorf("architecture %q: want x86_64, aarch64, i686 or armhf", a)
}

// detectArch finds the architecture of the ELF files in the image.
func detectArch(t *Tree) (string, error) {
	found := map[string][]string{}
	for _, n := range t.Nodes {
		if !n.Mode.IsRegular() || n.Size < 64 || n.Data != nil {
			continue
		}
		if n.Mode.Perm()&0o111 == 0 && !strings.Contains(path.Base(n.Path), ".so") {
			continue
		}
		f, err := os.Open(n.Source)
		if err != nil {
			continue
		}
		var magic [4]byte
		if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "\x7fELF" {
			f.Close()
			continue
		}
		a, err := elf.Arch(f)
		f.Close()
		if err == nil {
			found[a] = append(found[a], n.Path)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no ELF executable or library found to tell the architecture; set it with --arch (or ARCH=x86_64)")
	case 1:
		for a := range found {
			return a, nil
		}
	}
	var list []string
	for a, files := range found {
		list = append(list, fmt.Sprintf("%s (%s)", a, files[0]))
	}
	sort.Strings(list)
	return "", fmt.Errorf("ELF files of several architectures: %s; set the one to use with --arch", strings.Join(list, ", "))
}
