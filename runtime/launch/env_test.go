package launch

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAppEnv(t *testing.T) {
	dir := t.TempDir()
	img := &image{path: filepath.Join(dir, "app.AppImage"), argv0: "./app"}
	base := []string{"PATH=/bin", "APPDIR=/stale", "HOME=/root", roleEnv + "=serve", "X=1"}

	var msgs bytes.Buffer
	got := appEnv(base, img, "/mnt/x", "/work", &msgs)
	want := []string{"PATH=/bin", "HOME=/root", "X=1", "APPIMAGE=" + img.path, "APPDIR=/mnt/x", "OWD=/work", "ARGV0=./app"}
	if !slices.Equal(got, want) {
		t.Errorf("without portable dirs:\ngot  %q\nwant %q", got, want)
	}
	if msgs.Len() != 0 {
		t.Errorf("unexpected messages: %q", msgs.String())
	}

	for _, s := range []string{".home", ".config"} {
		if err := os.Mkdir(img.path+s, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	msgs.Reset()
	got = appEnv(base, img, "/mnt/x", "", &msgs)
	want = []string{"PATH=/bin", "X=1", "APPIMAGE=" + img.path, "APPDIR=/mnt/x", "ARGV0=./app", "HOME=" + img.path + ".home", "XDG_CONFIG_HOME=" + img.path + ".config"}
	if !slices.Equal(got, want) {
		t.Errorf("with portable dirs:\ngot  %q\nwant %q", got, want)
	}
	if !strings.Contains(msgs.String(), "Setting $HOME to "+img.path+".home") {
		t.Errorf("messages %q do not announce the portable home", msgs.String())
	}
}

func TestFindFusermount(t *testing.T) {
	t.Setenv("FUSERMOUNT_PROG", "/opt/fm")
	if got, err := findFusermount(); got != "/opt/fm" || err != nil {
		t.Errorf("with FUSERMOUNT_PROG: got %q, %v; want /opt/fm", got, err)
	}
	t.Setenv("FUSERMOUNT_PROG", "")
	t.Setenv("PATH", t.TempDir())
	if got, err := findFusermount(); err == nil {
		t.Errorf("with an empty PATH: got %q, want an error", got)
	}

	// The first setuid fusermount3 or fusermount on $PATH wins over plain
	// ones earlier on it (files we create are root's only when we are root).
	if os.Geteuid() != 0 {
		return
	}
	plain, setuid := t.TempDir(), t.TempDir()
	for _, f := range []struct {
		dir, name string
		mode      os.FileMode
	}{
		{plain, "fusermount3", 0o755},
		{setuid, "fusermount", 0o755 | os.ModeSetuid},
	} {
		p := filepath.Join(f.dir, f.name)
		if err := os.WriteFile(p, nil, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", plain+":"+setuid)
	if got, err := findFusermount(); got != filepath.Join(setuid, "fusermount") || err != nil {
		t.Errorf("got %q, %v; want the setuid %s/fusermount", got, err, setuid)
	}
	t.Setenv("PATH", plain)
	if got, err := findFusermount(); got != filepath.Join(plain, "fusermount3") || err != nil {
		t.Errorf("as root with only a plain fusermount3: got %q, %v; want it", got, err)
	}
}
