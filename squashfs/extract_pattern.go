package squashfs

import (
	"fmt"
	"path"
	"strings"
)

// extractMatcher selects paths to extract the way the AppImage runtime's
// --appimage-extract does: fnmatch(3) with FNM_FILE_NAME|FNM_LEADING_DIR,
// so "*" does not cross "/" and a pattern matching a directory selects
// everything below it.
type extractMatcher struct{ patterns []string }

// newExtractMatcher checks the patterns and translates fnmatch's "[!...]"
// into path.Match's "[^...]".
func newExtractMatcher(patterns []string) (*extractMatcher, error) {
	m := &extractMatcher{}
	for _, p := range patterns {
		q := strings.ReplaceAll(p, "[!", "[^")
		if _, err := path.Match(q, ""); err != nil {
			return nil, fmt.Errorf("squashfs: invalid pattern %q: %w", p, err)
		}
		m.patterns = append(m.patterns, q)
	}
	return m, nil
}

// all reports whether every path is selected.
func (m *extractMatcher) all() bool { return len(m.patterns) == 0 }

// match reports whether the slash-separated path name (relative to the
// image root) is selected.
func (m *extractMatcher) match(name string) bool {
	if m.all() {
		return true
	}
	for _, p := range m.patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
		for i := 0; i < len(name); i++ {
			if name[i] == '/' {
				if ok, _ := path.Match(p, name[:i]); ok {
					return true
				}
			}
		}
	}
	return false
}
