package squashfs

import "testing"

// TestExtractMatcher checks the pattern semantics against cases whose
// fnmatch(FNM_FILE_NAME|FNM_LEADING_DIR) results glibc's and gnulib's own
// tests assert, and the runtime's use.
func TestExtractMatcher(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "x", true},          // gnulib test-fnmatch
		{"x*", "x/y/z", true},     // gnulib test-fnmatch
		{"*c*", "c/x", true},      // gnulib test-fnmatch
		{"d*/*1", "d/s/1", false}, // '*' does not cross '/'
		{"usr/share/icons", "usr/share/icons/hicolor/a.png", true},
		{"usr/share/icons", "usr/share/iconsx", false},
		{"*.desktop", "app.desktop", true},
		{"*.desktop", "usr/share/applications/app.desktop", false},
		{"[!a]*", "bin", true},
		{"[!a]*", "app", false},
		{"a?c", "a/c", false},
		{"\\*", "*", true},
	} {
		m, err := newExtractMatcher([]string{tc.pattern})
		if err != nil {
			t.Fatalf("newExtractMatcher(%q) = %v", tc.pattern, err)
		}
		if got := m.match(tc.name); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
	if m, _ := newExtractMatcher(nil); !m.match("anything/at/all") {
		t.Error("no patterns must select everything")
	}
}
