package build

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Excluder decides which paths of an AppDir stay out of the image. It
// follows mksquashfs "-wildcards -ef FILE" semantics, the rules
// appimagetool applies to .appimageignore and --exclude-file:
//
//   - a pattern is split at "/" into components and matched against the
//     path from the AppDir root, one component at a time, as fnmatch does
//     with FNM_PATHNAME|FNM_PERIOD: "*" and "?" never match "/", and never
//     match a leading "." of a name ("*" does not match ".git");
//   - a pattern matches a path when all its components match the first
//     components of that path; the match excludes that entry and so
//     everything below it ("usr/share/doc" drops the whole directory);
//   - a pattern that starts with "... " is not anchored: it may match at any
//     depth ("... *.la" drops every .la file);
//   - patterns starting with "/", "./" or "../" are rejected, as mksquashfs
//     does with -wildcards.
//
// In an exclude file, each line is one pattern; leading white space is
// skipped, lines starting with "#" are comments, empty lines are ignored and
// a leading backslash escapes a leading space or "#". The extended patterns
// of FNM_EXTMATCH ("+(a|b)") are not supported.
type Excluder struct {
	anchored [][]string
	sticky   [][]string
}

// AddPattern adds one pattern, in the syntax described on Excluder.
func (e *Excluder) AddPattern(p string) error {
	if p == "" {
		return fmt.Errorf("empty exclude pattern")
	}
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return fmt.Errorf("exclude pattern %q: patterns are relative to the AppDir root and may not start with /, ./ or ../", p)
	}
	sticky := false
	if rest, ok := strings.CutPrefix(p, "... "); ok {
		sticky, p = true, rest
	}
	var comps []string
	for _, c := range strings.Split(p, "/") {
		if c == "" {
			continue
		}
		if _, err := path.Match(fnmatchToGo(c), ""); err != nil {
			return fmt.Errorf("exclude pattern %q: bad component %q: %w", p, c, err)
		}
		comps = append(comps, c)
	}
	if len(comps) == 0 {
		return fmt.Errorf("exclude pattern %q names no path", p)
	}
	if sticky {
		e.sticky = append(e.sticky, comps)
	} else {
		e.anchored = append(e.anchored, comps)
	}
	return nil
}

// AddFile reads patterns from an exclude file (the format of .appimageignore).
func (e *Excluder) AddFile(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("reading exclude file: %w", err)
	}
	if err := e.AddReader(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("exclude file %s: %w", name, err)
	}
	return nil
}

// AddReader reads patterns, one per line, as AddFile does.
func (e *Excluder) AddReader(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 16384)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t\v\f\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, `\`)
		if line == "" {
			continue
		}
		if err := e.AddPattern(line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading patterns: %w", err)
	}
	return nil
}

// Empty reports whether no pattern was added.
func (e *Excluder) Empty() bool { return e == nil || len(e.anchored)+len(e.sticky) == 0 }

// Excluded reports whether the slash-separated path rel, relative to the
// AppDir root, is excluded: a pattern matches it or one of its parent
// directories. A nil Excluder excludes nothing.
func (e *Excluder) Excluded(rel string) bool {
	if e.Empty() || rel == "." || rel == "" {
		return false
	}
	names := strings.Split(rel, "/")
	for _, p := range e.anchored {
		if len(p) <= len(names) && matchComponents(p, names[:len(p)]) {
			return true
		}
	}
	for _, p := range e.sticky {
		for start := 0; start+len(p) <= len(names); start++ {
			if matchComponents(p, names[start:start+len(p)]) {
				return true
			}
		}
	}
	return false
}

func matchComponents(pattern, names []string) bool {
	for i, p := range pattern {
		if !matchName(p, names[i]) {
			return false
		}
	}
	return true
}

// matchName is fnmatch with FNM_PERIOD for one path component: a leading
// dot in name must be matched by a literal dot in the pattern.
func matchName(pattern, name string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") && !strings.HasPrefix(pattern, `\.`) {
		return false
	}
	ok, err := path.Match(fnmatchToGo(pattern), name)
	return err == nil && ok
}

// fnmatchToGo rewrites the fnmatch negated class "[!...]" as Go's "[^...]".
func fnmatchToGo(pattern string) string {
	if !strings.Contains(pattern, "[!") {
		return pattern
	}
	b := []byte(pattern)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '[':
			if i+1 < len(b) && b[i+1] == '!' {
				b[i+1] = '^'
			}
			// skip to the end of the class so that "[!]" inside is literal
			for i++; i < len(b) && b[i] != ']'; i++ {
			}
		}
	}
	return string(b)
}
