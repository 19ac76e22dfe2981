package desktop

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// dfvResult is what desktop-file-validate says about one file.
type dfvResult struct {
	valid  bool
	errors int // lines reporting an error, "will be fatal in the future" ones included
	lines  []string
}

// runDFV runs the real desktop-file-validate on path.
func runDFV(t *testing.T, dfv, path string) dfvResult {
	t.Helper()
	out, err := exec.Command(dfv, path).Output()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running desktop-file-validate: %v", err)
	}
	r := dfvResult{valid: err == nil}
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l == "" {
			continue
		}
		r.lines = append(r.lines, l)
		if strings.HasPrefix(l, path+": error: ") {
			r.errors++
		}
	}
	return r
}

// ours returns our verdict in the same terms, with the 0.26 profile.
func ours(path string, data []byte) dfvResult {
	msgs := Validate(path, data, Profile026)
	r := dfvResult{valid: Valid(msgs)}
	for _, m := range msgs {
		r.lines = append(r.lines, m.Format(path))
		if m.Severity == Error || m.Severity == FutureError {
			r.errors++
		}
	}
	return r
}

// TestCraftedAgainstDFV runs every crafted case through the real
// desktop-file-validate (Debian's 0.26) and our 0.26 profile: the verdict
// and the error count must agree.
func TestCraftedAgainstDFV(t *testing.T) {
	dfv := testutil.Tool(t, "desktop-file-validate")
	dir := t.TempDir()
	for i, tc := range validateCases {
		name := tc.file
		if name == "" {
			name = "x.desktop"
		}
		sub := filepath.Join(dir, strconv.Itoa(i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(sub, name)
		if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
			t.Fatal(err)
		}
		want := runDFV(t, dfv, path)
		got := ours(path, []byte(tc.data))
		if got.valid != want.valid || got.errors != want.errors {
			t.Errorf("case %q: ours valid=%v errors=%d, desktop-file-validate valid=%v errors=%d\nours:\n%s\ntheirs:\n%s",
				tc.name, got.valid, got.errors, want.valid, want.errors, strings.Join(got.lines, "\n"), strings.Join(want.lines, "\n"))
		}
	}
}
