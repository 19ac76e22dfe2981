package appdir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const fixAppRunMissing = "Create an executable AppRun at the AppDir root: a symbolic link to the main program " +
	"(ln -s usr/bin/myapp AppRun) or a script starting with #!/bin/sh that runs " +
	"exec \"$APPDIR/usr/bin/myapp\" \"$@\"."

// Interpreters present on every Linux distribution.
var commonInterpreters = []string{"/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/env", "/usr/bin/sh", "/usr/bin/bash"}

// checkAppRun checks that AppRun exists, stays inside the AppDir, is an
// executable ELF of the target architecture or a #! script.
func (c *checker) checkAppRun() {
	const name = "AppRun"
	fi, err := os.Lstat(filepath.Join(c.root, name))
	if err != nil {
		c.add(name, "apprun-missing", Error, fixAppRunMissing, "AppRun is missing: the AppImage runtime executes it to start the application")
		return
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		link, _ := os.Readlink(filepath.Join(c.root, name))
		_, err := c.resolve(name)
		switch {
		case errors.Is(err, errEscapes):
			c.add(name, "apprun-link-escapes", Warning,
				"Copy the program into the AppDir and link to it relatively (ln -sf usr/bin/myapp AppRun).",
				"AppRun is a symbolic link to %q, outside the AppDir: goappimage packs the target in its place, other tools keep a link into the host system", link)
		case err != nil:
			c.add(name, "apprun-missing", Error, fixAppRunMissing, "AppRun is a symbolic link to %q, which does not resolve: %v", link, err)
			return
		}
		// The host follows the link as the build does.
		if fi, err = os.Stat(filepath.Join(c.root, name)); err != nil {
			c.add(name, "apprun-missing", Error, fixAppRunMissing, "AppRun is a symbolic link to %q, which cannot be read: %v", link, err)
			return
		}
	}
	if !fi.Mode().IsRegular() {
		c.add(name, "apprun-not-regular", Error, fixAppRunMissing, "AppRun is not a regular file (%s)", fi.Mode().Type())
		return
	}
	mode := fi.Mode().Perm()
	if mode&0o111 == 0 {
		c.add(name, "apprun-not-executable", Error, "Make it executable: chmod 755 AppRun.", "AppRun is not executable (mode %04o)", mode)
	}
	head, err := readHead(filepath.Join(c.root, name), 256)
	if err != nil {
		c.add(name, "apprun-unreadable", Error, "Make AppRun readable: chmod 755 AppRun.", "AppRun cannot be read: %v", err)
		return
	}
	isScript := bytes.HasPrefix(head, []byte("#!"))
	if mode&0o111 != 0 && (mode&0o001 == 0 || isScript && mode&0o004 == 0) {
		c.add(name, "apprun-permissions", Warning, "chmod 755 AppRun.",
			"AppRun has mode %04o: files in the image belong to root, so users run it as \"others\" and need the r and x bits", mode)
	}
	arch, isELF := elfArch(head)
	switch {
	case isELF:
		want := c.report.Arch
		if want != "" && arch != want {
			c.add(name, "apprun-arch", Error, fmt.Sprintf("Use an AppRun built for %s.", want),
				"AppRun is an ELF for %s, but the target architecture is %s", arch, want)
		}
	case isScript:
		c.checkShebang(name, head)
	default:
		c.add(name, "apprun-format", Error,
			"Start the script with an interpreter line such as #!/bin/sh, or use an ELF program.",
			"AppRun is neither an ELF program nor a script starting with #!: the kernel cannot execute it")
	}
}

// checkShebang checks the interpreter line of a script AppRun.
func (c *checker) checkShebang(name string, head []byte) {
	line := head[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.HasSuffix(line, []byte("\r")) {
		c.add(name, "apprun-shebang-crlf", Error, "Convert AppRun to Unix line endings (sed -i 's/\\r$//' AppRun).",
			"AppRun's #! line ends with a carriage return: the kernel looks for an interpreter whose name ends in \\r")
		return
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		c.add(name, "apprun-format", Error, "Name the interpreter: #!/bin/sh.", "AppRun's #! line names no interpreter")
		return
	}
	interp := fields[0]
	for _, common := range commonInterpreters {
		if interp == common {
			return
		}
	}
	c.add(name, "apprun-interpreter", Warning,
		"Use #!/bin/sh (or #!/usr/bin/env NAME), or ship the interpreter in the AppDir and start it from a #!/bin/sh AppRun.",
		"AppRun's interpreter %s may be missing on the systems the AppImage runs on", interp)
}
