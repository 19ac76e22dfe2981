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
	if p, err := os.Executable(); err == nil {
		self = p
	}
	fmt.Fprintf(r.stderr, `AppImage options:

  --appimage-extract [<pattern>]  Extract content from embedded filesystem image
                                  If pattern is passed, only extract matching files
  --appimage-extract-and-run      Temporarily extract, run and clean up
  --appimage-help                 Print this help
  --appimage-mount                Mount embedded filesystem image and print
                                  mount point and wait for kill with Ctrl-C
  --appimage-offset               Print byte offset to start of embedded
                                  filesystem image
  --appimage-portable-home        Setup a portable home directory
  --appimage-portable-config      Setup a portable config directory
  --appimage-signature            Print digital signature embedded in AppImage
  --appimage-updateinfo[rmation]  Print update info embedded in AppImage
  --appimage-version              Print version of AppImage runtime

Portable home:

  If you would like the application contained inside this AppImage to store its
  data alongside this AppImage rather than in your home directory, then you can
  place a directory named

  %s.home

  Or you can invoke this AppImage with the --appimage-portable-home option,
  which will create this directory for you. As long as the directory exists
  and is neither moved nor renamed, the application contained inside this
  AppImage to store its data in this directory rather than in your home
  directory

Environment: TARGET_APPIMAGE, TMPDIR, APPIMAGE_EXTRACT_AND_RUN, NO_CLEANUP,
FUSERMOUNT_PROG, VERBOSE.
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
