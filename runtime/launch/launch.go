// Package launch is the logic of goappimage's AppImage runtime: the program
// at the start of every AppImage that goappimage builds. It finds the
// squashfs payload at its own ELF end, mounts it read-only with FUSE (or
// extracts it) and runs the AppRun inside, with the flags and environment of
// the type-2 runtime (github.com/AppImage/type2-runtime).
package launch

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Version identifies this runtime in --appimage-version. It is part of the
// source so that the runtime binaries stay reproducible.
const Version = "goappimage runtime 1"

// Exit statuses besides the application's own.
const (
	exitOK        = 0
	exitError     = 1
	exitExecError = 127 // AppRun could not be executed (as type2-runtime)
)

// Main runs the runtime with the program arguments args (args[0] is the
// program name) and returns the exit status. When it runs AppRun through
// FUSE it does not return: the process becomes AppRun.
func Main(args []string) int {
	if role := os.Getenv(roleEnv); role != "" {
		return serveRole(role, args)
	}
	if len(args) == 0 {
		args = []string{"appimage"}
	}
	r := &runner{args: args, stdout: os.Stdout, stderr: os.Stderr}
	return r.run()
}

// runner holds what one run of the runtime needs.
type runner struct {
	args   []string
	stdout io.Writer
	stderr io.Writer
	img    *image
}

func (r *runner) fail(status int, format string, a ...any) int {
	fmt.Fprintf(r.stderr, "Error: "+format+"\n", a...)
	return status
}

func (r *runner) run() int {
	name, rest, isCommand := findCommand(r.args[1:])
	if isCommand && name == "appimage-help" {
		r.help()
		return exitOK
	}
	if isCommand && name == "appimage-version" {
		fmt.Fprintf(r.stderr, "AppImage runtime version: %s\n", Version)
		return exitOK
	}
	img, err := locateImage(r.args[0])
	if err != nil {
		return r.fail(exitError, "%v", err)
	}
	r.img = img
	defer img.file.Close()

	if !isCommand {
		if os.Getenv("APPIMAGE_EXTRACT_AND_RUN") != "" {
			return r.extractAndRun()
		}
		return r.mountAndRun()
	}
	switch name {
	case "appimage-offset":
		fmt.Fprintln(r.stdout, strconv.FormatInt(img.offset, 10))
		return exitOK
	case "appimage-extract":
		if len(rest) > 1 {
			return r.fail(exitError, "unexpected arguments after --appimage-extract\nUsage: %s --appimage-extract [<pattern>]", r.args[0])
		}
		return r.extract(rest)
	case "appimage-extract-and-run":
		return r.extractAndRun()
	case "appimage-mount":
		return r.mountOnly()
	case "appimage-updateinformation", "appimage-updateinfo":
		return r.printSection(".upd_info")
	case "appimage-signature":
		return r.printSection(".sha256_sig")
	case "appimage-portable-home":
		return r.portable(".home")
	case "appimage-portable-config":
		return r.portable(".config")
	}
	return r.fail(exitError, "--%s is not a runtime option of %s; see --appimage-help", name, Version)
}

func (r *runner) help() {
	self := "/path/to/app.AppImage"
	if img, err := locateImage(r.args[0]); err == nil {
		self = img.path
		img.file.Close()
	}
	fmt.Fprintf(r.stderr, `Usage: %[1]s [--appimage-OPTION | application arguments...]

Runtime options (only the first argument starting with "--" is checked):
  --appimage-extract [PATTERN]    unpack the payload to ./squashfs-root, or only
                                  the paths matching PATTERN (shell wildcards;
                                  a matching directory brings its contents)
  --appimage-extract-and-run      unpack to $TMPDIR, run, then remove the copy
  --appimage-mount                mount the payload, print the mount point and
                                  keep it until interrupted (Ctrl-C)
  --appimage-offset               print where the payload starts, in bytes
  --appimage-updateinformation    print the embedded update information
  --appimage-signature            print the embedded signature
  --appimage-portable-home        create %[1]s.home, used as $HOME
  --appimage-portable-config      create %[1]s.config, used as $XDG_CONFIG_HOME
  --appimage-version              print the runtime version
  --appimage-help                 print this help

Portable mode: when the directory %[1]s.home exists (and is writable),
the application runs with $HOME set to it; likewise %[1]s.config
for $XDG_CONFIG_HOME. Moving or renaming the AppImage breaks the link.

Environment: TARGET_APPIMAGE (run that AppImage instead of this file), TMPDIR,
APPIMAGE_EXTRACT_AND_RUN (extract and run without FUSE), NO_CLEANUP (keep the
extracted copy), FUSERMOUNT_PROG (the fusermount to use).
`, self)
}

// printSection prints an ELF section of the AppImage as a C string.
func (r *runner) printSection(name string) int {
	data, err := r.img.section(name)
	if err != nil {
		return r.fail(exitError, "%s: %v", r.img.path, err)
	}
	for i, b := range data {
		if b == 0 {
			data = data[:i]
			break
		}
	}
	fmt.Fprintln(r.stdout, string(data))
	return exitOK
}

// portable creates <AppImage>.home or <AppImage>.config.
func (r *runner) portable(suffix string) int {
	dir := r.img.path + suffix
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return r.fail(exitError, "creating the portable directory: %v", err)
	}
	what := "home"
	if suffix == ".config" {
		what = "config"
	}
	fmt.Fprintf(r.stderr, "Portable %s directory created at %s\n", what, dir)
	return exitOK
}

// extract writes the payload, or the parts the pattern selects, to
// ./squashfs-root, replacing what is there.
func (r *runner) extract(patterns []string) int {
	t, err := r.img.tree()
	if err != nil {
		return r.fail(exitError, "%v", err)
	}
	if err := extractTree(context.Background(), t, "squashfs-root", patterns); err != nil {
		return r.fail(exitError, "extracting %s: %v", r.img.path, err)
	}
	return exitOK
}
