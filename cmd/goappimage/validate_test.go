package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

const exampleAppDir = "../../testdata/example.AppDir"

func runValidateCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"goappimage", "validate"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateExampleAppDir(t *testing.T) {
	t.Setenv("ARCH", "") // restored after the test
	os.Unsetenv("ARCH")
	code, out, errOut := runValidateCmd(t, exampleAppDir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := exampleAppDir + ": valid: 0 errors, 0 warnings, 2 hints (architecture unknown)"
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("summary %q, want %q", last, want)
	}
	if !strings.Contains(out, "[arch-unknown]") || !strings.Contains(out, "    fix: ") {
		t.Errorf("output lacks the arch-unknown hint or fixes:\n%s", out)
	}
}

func TestValidateJSONAndStrict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a.AppDir")
	if err := exec.Command("cp", "-a", exampleAppDir, dir).Run(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "AppRun"), 0o750); err != nil { // a warning
		t.Fatal(err)
	}
	code, out, _ := runValidateCmd(t, dir, "--json")
	if code != 0 {
		t.Errorf("exit %d with a warning only, want 0", code)
	}
	var got struct {
		Valid    bool   `json:"valid"`
		Errors   int    `json:"errors"`
		Warnings int    `json:"warnings"`
		Desktop  string `json:"desktop_file"`
		Icon     string `json:"icon_file"`
		Problems []struct {
			Path, Rule, Severity, Message, Fix string
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if !got.Valid || got.Errors != 0 || got.Warnings != 1 || got.Desktop != "io.github.goappimage.Example.desktop" || got.Icon != "example.png" {
		t.Errorf("got %+v", got)
	}
	found := false
	for _, p := range got.Problems {
		found = found || p.Rule == "apprun-permissions" && p.Path == "AppRun" && p.Severity == "warning" && p.Fix != ""
	}
	if !found {
		t.Errorf("no apprun-permissions warning in %+v", got.Problems)
	}
	if code, _, _ := runValidateCmd(t, dir, "--strict"); code != 1 {
		t.Errorf("--strict with a warning: exit %d, want 1", code)
	}
	if err := os.Remove(filepath.Join(dir, "AppRun")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runValidateCmd(t, dir)
	if code != 1 || !strings.Contains(out, "AppRun: error: ") || !strings.Contains(out, ": NOT valid: 1 error, 0 warnings") {
		t.Errorf("missing AppRun: exit %d, output:\n%s", code, out)
	}
}

// TestValidateDesktopFileLikeDFV runs single-file mode with the 0.26
// profile and compares its lines with the real desktop-file-validate's.
func TestValidateDesktopFileLikeDFV(t *testing.T) {
	dfv := testutil.Tool(t, "desktop-file-validate")
	files := map[string]string{
		"good.desktop": "[Desktop Entry]\nType=Application\nName=Good\nExec=good\nIcon=good\nCategories=Utility;\n",
		"bad.desktop": "[Desktop Entry]\nType=Application\nName=Bad\nComment=bad\nExec=bad > log\nIcon=bad.png\n" +
			"Categories=Audio;Foo;\nTerminal=0\nActions=x;\n[Foo]\n",
		"hints.desktop": "[Desktop Entry]\nType=Application\nName=Hints\nExec=hints\nCategories=Debugger;\n",
	}
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		theirs, err := exec.Command(dfv, p).Output()
		wantCode := 0
		if err != nil {
			wantCode = 1
		}
		code, out, _ := runValidateCmd(t, p, "--dfv-version", "0.26")
		if code != wantCode {
			t.Errorf("%s: exit %d, desktop-file-validate exits %d", name, code, wantCode)
		}
		if a, b := sortedLines(out), sortedLines(string(theirs)); a != b {
			t.Errorf("%s: output differs from desktop-file-validate\nours:\n%s\ntheirs:\n%s", name, a, b)
		}
	}
	if code, out, _ := runValidateCmd(t, filepath.Join(dir, "hints.desktop"), "--strict"); code != 0 {
		t.Errorf("--strict with hints only: exit %d\n%s", code, out)
	}
	if code, _, _ := runValidateCmd(t, filepath.Join(dir, "bad.desktop"), "--json"); code != 1 {
		t.Errorf("--json on a bad file: exit %d, want 1", code)
	}
}

func sortedLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func TestValidateUsage(t *testing.T) {
	if code, _, errOut := runValidateCmd(t); code != 2 || !strings.Contains(errOut, "expected one PATH") {
		t.Errorf("no argument: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runValidateCmd(t, filepath.Join(t.TempDir(), "nothing")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runValidateCmd(t, exampleAppDir, "--dfv-version", "9"); code != 2 {
		t.Errorf("bad --dfv-version: exit %d, want 2", code)
	}
}
