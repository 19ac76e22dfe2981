package launch

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// appEnv returns the environment AppRun starts with: the runtime's own,
// plus APPIMAGE, APPDIR, OWD and ARGV0, plus HOME and XDG_CONFIG_HOME when a
// portable home or configuration directory exists next to the AppImage.
// Messages about portable directories go to stderr.
func appEnv(base []string, img *image, appDir, owd string, stderr io.Writer) []string {
	env := make([]string, 0, len(base)+6)
	set := map[string]string{
		"APPIMAGE": img.path,
		"APPDIR":   appDir,
		"ARGV0":    img.argv0,
	}
	if owd != "" {
		set["OWD"] = owd
	}
	if dir := img.path + ".home"; writableDir(dir) {
		fmt.Fprintf(stderr, "Setting $HOME to %s\n", dir)
		set["HOME"] = dir
	}
	if dir := img.path + ".config"; writableDir(dir) {
		fmt.Fprintf(stderr, "Setting $XDG_CONFIG_HOME to %s\n", dir)
		set["XDG_CONFIG_HOME"] = dir
	}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := set[k]; ours || k == roleEnv {
			continue
		}
		env = append(env, kv)
	}
	for _, k := range []string{"APPIMAGE", "APPDIR", "OWD", "ARGV0", "HOME", "XDG_CONFIG_HOME"} {
		if v, ok := set[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// writableDir reports whether p is a directory this process may write to.
func writableDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir() && unix.Access(p, unix.W_OK) == nil
}

// tempDir is $TMPDIR, or /tmp when it is unset or empty.
func tempDir() string {
	if d := os.Getenv("TMPDIR"); d != "" {
		return d
	}
	return "/tmp"
}
