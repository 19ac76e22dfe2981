package desktop

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// debianPackages are Debian 12 (bookworm) packages whose desktop entries
// the differential test compares. Their files are downloaded at test time
// into a cache, never committed.
var debianPackages = []string{
	"abiword", "ark", "audacity", "baobab", "cheese", "dolphin", "eog", "evince", "file-roller",
	"filezilla", "geany", "gedit", "gimp", "gnome-calculator", "gnome-control-center",
	"gnome-disk-utility", "gnome-maps", "gnome-system-monitor", "gnome-terminal", "gnumeric",
	"gparted", "gwenview", "hexchat", "htop", "kate", "kcalc", "konsole", "lxqt-config",
	"lxterminal", "mate-control-center", "meld", "mousepad", "mpv", "nautilus", "okular",
	"pavucontrol", "pcmanfm", "pidgin", "plasma-workspace", "remmina", "rhythmbox", "ristretto",
	"shotwell", "simple-scan", "synaptic", "system-config-printer", "thunar", "totem",
	"transmission-gtk", "vlc-bin", "xfce4-settings", "xfce4-terminal", "xterm", "zathura",
}

// debianCache returns the directory holding the downloaded packages.
func debianCache(t *testing.T) string {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "goappimage-test", "dfv-debs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fetchDebianPackages downloads the packages missing from the cache with
// apt-get download and returns the .deb files.
func fetchDebianPackages(t *testing.T) []string {
	t.Helper()
	aptGet := testutil.Tool(t, "apt-get")
	cache := debianCache(t)
	var missing []string
	var debs []string
	for _, p := range debianPackages {
		m, _ := filepath.Glob(filepath.Join(cache, p+"_*.deb"))
		if len(m) == 0 {
			missing = append(missing, p)
			continue
		}
		sort.Strings(m)
		debs = append(debs, m[len(m)-1])
	}
	if len(missing) > 0 {
		cmd := exec.Command(aptGet, append([]string{"download", "-q"}, missing...)...)
		cmd.Dir = cache
		if out, err := cmd.CombinedOutput(); err != nil {
			testutil.Unavailable(t, "apt-get download %s: %v\n%s(run apt-get update first)", strings.Join(missing, " "), err, out)
		}
		for _, p := range missing {
			m, _ := filepath.Glob(filepath.Join(cache, p+"_*.deb"))
			if len(m) == 0 {
				t.Fatalf("apt-get download left no %s_*.deb in %s", p, cache)
			}
			debs = append(debs, m[len(m)-1])
		}
	}
	sort.Strings(debs)
	return debs
}

// TestAgainstDebianDFV is the differential test: every desktop entry of the
// pinned Debian packages goes through the real desktop-file-validate (0.26
// in Debian 12) and through our 0.26 profile; the verdicts and the numbers
// of errors must agree for every file. It also counts the files on which
// our 0.28 profile (appimagetool's release) gives another verdict.
func TestAgainstDebianDFV(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads packages")
	}
	dfv := testutil.Tool(t, "desktop-file-validate")
	dpkgDeb := testutil.Tool(t, "dpkg-deb")
	debs := fetchDebianPackages(t)
	root := t.TempDir()
	for i, deb := range debs {
		dst := filepath.Join(root, fmt.Sprint(i))
		if out, err := exec.Command(dpkgDeb, "-x", deb, dst).CombinedOutput(); err != nil {
			t.Fatalf("dpkg-deb -x %s: %v\n%s", deb, err, out)
		}
	}
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".desktop") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 100 {
		t.Fatalf("only %d desktop files in %d packages", len(files), len(debs))
	}
	var agree, sameText, invalid, profilesDiffer int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		theirs := runDFV(t, dfv, f)
		got := ours(f, data)
		rel, _ := filepath.Rel(root, f)
		if got.valid != theirs.valid || got.errors != theirs.errors {
			t.Errorf("%s: ours valid=%v errors=%d, desktop-file-validate valid=%v errors=%d\nours:\n%s\ntheirs:\n%s",
				rel, got.valid, got.errors, theirs.valid, theirs.errors, strings.Join(got.lines, "\n"), strings.Join(theirs.lines, "\n"))
			continue
		}
		agree++
		if sortedJoin(got.lines) == sortedJoin(theirs.lines) {
			sameText++
		}
		if !theirs.valid {
			invalid++
		}
		if Valid(Validate(f, data, Profile028)) != got.valid {
			profilesDiffer++
		}
	}
	t.Logf("%d desktop files from %d Debian packages: verdict and error count agree on %d (%d invalid), identical messages on %d; the 0.28 profile changes the verdict of %d",
		len(files), len(debs), agree, invalid, sameText, profilesDiffer)
}

func sortedJoin(lines []string) string {
	l := append([]string(nil), lines...)
	sort.Strings(l)
	return strings.Join(l, "\n")
}
