// Package appdir validates an AppDir, the directory tree that becomes an
// AppImage: AppRun, the desktop entry (with desktop-file-validate's rules
// and appimagetool's extra requirements), icons and .DirIcon, AppStream
// metadata, the architecture of its ELF files and symbolic links that leave
// it. It reports every problem at once, each with the file, a stable rule
// identifier, a severity, an explanation and how to fix it, and it exposes
// what a build needs: the desktop entry, the icon, the architecture and the
// external links. See docs/validation.md for the list of rules.
package appdir

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goappimage/goappimage/appdir/desktop"
)

// Severity is how serious a problem is.
type Severity string

const (
	// Error makes the AppDir unusable: the build refuses it.
	Error Severity = "error"
	// Warning is a problem the build tolerates unless Options.Strict is set.
	Warning Severity = "warning"
	// Hint is a suggestion or a fact worth knowing.
	Hint Severity = "hint"
)

// Problem is one finding.
type Problem struct {
	// Path is the file concerned, relative to the AppDir ("." for the AppDir).
	Path string `json:"path"`
	// Rule is a stable identifier of the check, such as "apprun-missing"
	// or "desktop-exec-reserved".
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Fix says how to correct the problem.
	Fix string `json:"fix"`
}

// String formats the problem as "path: severity: message [rule]".
func (p Problem) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", p.Path, p.Severity, p.Message, p.Rule)
}

// Link is a symbolic link of the AppDir whose target is outside it.
type Link struct {
	Path   string `json:"path"`   // the link, relative to the AppDir
	Target string `json:"target"` // its target as written in the link
}

// Options tune the validation.
type Options struct {
	// Arch is the target architecture in any name NormalizeArch accepts;
	// empty means "detect it from the ELF files".
	Arch string
	// NoAppStream skips the AppStream metadata checks.
	NoAppStream bool
	// Strict makes warnings count as errors in Report.HasErrors.
	Strict bool
	// Profile is the desktop-file-validate release to agree with; the zero
	// value is 0.28, the one appimagetool ships.
	Profile desktop.Profile
}

// Report is the result of Validate.
type Report struct {
	// Dir is the validated AppDir as given.
	Dir string `json:"dir"`
	// Problems lists every finding, sorted by path (in the order of the
	// checks within one file).
	Problems []Problem `json:"problems"`
	// DesktopFile is the root desktop entry, relative to the AppDir; empty
	// when there is none or several.
	DesktopFile string `json:"desktop_file,omitempty"`
	// Desktop is the parsed root desktop entry; nil when it is missing or
	// cannot be parsed.
	Desktop *desktop.Entry `json:"-"`
	// IconFile is the root icon named by the desktop entry (what .DirIcon
	// should point to), relative to the AppDir; empty when not found.
	IconFile string `json:"icon_file,omitempty"`
	// DirIcon reports whether a usable .DirIcon exists already.
	DirIcon bool `json:"dir_icon"`
	// Arch is the target architecture (x86_64, aarch64, i686, armhf): from
	// Options.Arch, else detected from the ELF files; empty when unknown
	// (no ELF file and no Options.Arch: the build then decides).
	Arch string `json:"arch,omitempty"`
	// ExternalLinks lists the symbolic links that leave the AppDir.
	ExternalLinks []Link `json:"external_links,omitempty"`

	strict bool
}

// HasErrors reports whether any problem is an error, or a warning when
// the validation was strict.
func (r *Report) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == Error || r.strict && p.Severity == Warning {
			return true
		}
	}
	return false
}

// Count returns the number of problems of severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, p := range r.Problems {
		if p.Severity == s {
			n++
		}
	}
	return n
}

// Err returns nil when the report has no errors (see HasErrors), else an
// error that lists the errors (and the warnings when strict).
func (r *Report) Err() error {
	if !r.HasErrors() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AppDir %s is not valid:", r.Dir)
	for _, p := range r.Problems {
		if p.Severity == Error || r.strict && p.Severity == Warning {
			fmt.Fprintf(&b, "\n  %s\n    fix: %s", p, p.Fix)
		}
	}
	return errors.New(b.String())
}

// checker carries the state of one validation.
type checker struct {
	root   string
	opts   Options
	report *Report
	elves  map[string][]string // architecture -> ELF files (relative paths, sorted)
	// otherDesktops are the desktop entries below the root, which
	// appimagelint also runs desktop-file-validate on.
	otherDesktops []string
	rootDesktop   []byte // content of the root desktop entry
}

func (c *checker) add(path, rule string, sev Severity, fix, format string, args ...any) {
	c.report.Problems = append(c.report.Problems, Problem{
		Path: path, Rule: rule, Severity: sev, Message: fmt.Sprintf(format, args...), Fix: fix,
	})
}

// Validate checks the AppDir dir and reports every problem found. The
// error is non-nil only when dir cannot be examined at all (it does not
// exist or is not a directory).
func Validate(dir string, opts Options) (*Report, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("validating AppDir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("validating AppDir: %s is not a directory", dir)
	}
	c := &checker{root: dir, opts: opts, report: &Report{Dir: dir, Problems: []Problem{}, strict: opts.Strict}, elves: map[string][]string{}}
	c.walk()
	c.checkArch()
	c.checkAppRun()
	c.checkDesktop()
	c.checkOtherDesktops()
	c.checkIcons()
	if !opts.NoAppStream {
		c.checkAppStream()
	}
	sort.SliceStable(c.report.Problems, func(i, j int) bool {
		return c.report.Problems[i].Path < c.report.Problems[j].Path
	})
	return c.report, nil
}

// DesktopProblem turns a desktop-file-validate message about the file at
// path into a problem. Errors "that will be fatal in the future" become
// warnings: they do not make desktop-file-validate, hence appimagetool,
// fail.
func DesktopProblem(path string, m desktop.Message) Problem {
	sev := map[desktop.Severity]Severity{desktop.Error: Error, desktop.FutureError: Warning, desktop.Warning: Warning, desktop.Hint: Hint}[m.Severity]
	msg := m.Text
	if m.Severity == desktop.FutureError {
		msg += " (an error in future desktop-file-validate releases)"
	}
	return Problem{Path: path, Rule: "desktop-" + m.Rule, Severity: sev, Message: msg, Fix: m.Fix()}
}
