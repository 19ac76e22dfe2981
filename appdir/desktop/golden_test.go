package desktop

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/desktop")

// craftedDir holds crafted desktop entries; each FILE has FILE.golden, our
// output with the 0.28 profile.
const craftedDir = "../testdata/desktop"

func craftedFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	entries, err := os.ReadDir(craftedDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".golden") {
			files = append(files, filepath.Join(craftedDir, e.Name()))
		}
	}
	return files
}

func TestCraftedGolden(t *testing.T) {
	for _, f := range craftedFiles(t) {
		msgs, err := ValidateFile(f, Profile028)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, m := range msgs {
			b.WriteString(m.Format(filepath.Base(f)) + "\n")
		}
		golden := f + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test ./appdir/desktop -run TestCraftedGolden -update writes it)", err)
		}
		if b.String() != string(want) {
			t.Errorf("%s: output differs from %s:\n%s", f, golden, b.String())
		}
	}
}

// TestCraftedFilesAgainstDFV compares the crafted files with the real
// desktop-file-validate (0.26): same verdict, same number of errors.
func TestCraftedFilesAgainstDFV(t *testing.T) {
	dfv := testutil.Tool(t, "desktop-file-validate")
	for _, f := range craftedFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		theirs := runDFV(t, dfv, f)
		got := ours(f, data)
		if got.valid != theirs.valid || got.errors != theirs.errors {
			t.Errorf("%s: ours valid=%v errors=%d, desktop-file-validate valid=%v errors=%d\nours:\n%s\ntheirs:\n%s",
				f, got.valid, got.errors, theirs.valid, theirs.errors, strings.Join(got.lines, "\n"), strings.Join(theirs.lines, "\n"))
		}
	}
}
