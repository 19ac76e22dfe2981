package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "dev"

// commands lists the constructors of every top-level command. Each command
// lives in its own file and registers itself here from an init function.
var commands []func() *cli.Command

// register adds a top-level command constructor.
func register(c func() *cli.Command) { commands = append(commands, c) }

// exitCoder is an error that carries the process exit status.
type exitCoder interface{ ExitCode() int }

// newApp builds the command-line application writing to stdout and stderr.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "goappimage",
		Usage:                "build, inspect and verify AppImages without any other tool",
		Version:              version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: false,
		HideHelpCommand:      true,
		// Errors are printed once by run; urfave/cli must never exit itself.
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("goappimage: unknown command %q (see 'goappimage --help')", c.Args().First()), 2)
			}
			return cli.ShowAppHelp(c)
		},
		OnUsageError: usageError,
	}
	for _, c := range commands {
		app.Commands = append(app.Commands, c())
	}
	sort.Slice(app.Commands, func(i, j int) bool { return app.Commands[i].Name < app.Commands[j].Name })
	setUsageErrors(app.Commands)
	return app
}

// usageError turns a flag parsing problem into an error with exit status 2.
func usageError(c *cli.Context, err error, _ bool) error {
	name := c.App.Name
	if c.Command != nil && c.Command.FullName() != "" {
		name += " " + c.Command.FullName()
	}
	return cli.Exit(fmt.Sprintf("%s: %v (see '%s --help')", name, err, name), 2)
}

func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		if c.OnUsageError == nil {
			c.OnUsageError = usageError
		}
		setUsageErrors(c.Subcommands)
	}
}

// run executes the command line args and returns the process exit status.
// When the program is invoked under the name appimagetool it behaves as the
// appimagetool command.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	if len(args) > 0 && invokedAsAppimagetool(args[0]) && hasCommand(app, "appimagetool") {
		args = append([]string{args[0], "appimagetool"}, args[1:]...)
	}
	err := app.Run(permute(app, args))
	if err == nil {
		return 0
	}
	code := 1
	var ec exitCoder
	if errors.As(err, &ec) {
		code = ec.ExitCode()
	}
	if msg := err.Error(); msg != "" {
		if !strings.HasPrefix(msg, "goappimage") {
			msg = "goappimage: " + msg
		}
		fmt.Fprintln(stderr, msg)
	}
	return code
}

// invokedAsAppimagetool reports whether argv0 names appimagetool, as the
// names it is distributed under do: appimagetool, appimagetool.AppImage,
// appimagetool-x86_64.AppImage.
func invokedAsAppimagetool(argv0 string) bool {
	base := filepath.Base(argv0)
	return base == "appimagetool" || strings.HasPrefix(base, "appimagetool-") || strings.HasPrefix(base, "appimagetool.")
}

func hasCommand(app *cli.App, name string) bool {
	for _, c := range app.Commands {
		if c.HasName(name) {
			return true
		}
	}
	return false
}

// permute reorders args so that, at every command level, flags come before
// positional arguments. urfave/cli stops parsing flags at the first
// positional argument and would otherwise take later flags as arguments;
// Unix users expect "goappimage squashfs create SRC OUT --comp xz" to work.
// Everything after "--" stays as it is, in place.
func permute(app *cli.App, args []string) []string {
	if len(args) == 0 {
		return args
	}
	out := []string{args[0]}
	return append(out, permuteLevel(app.Flags, app.Commands, args[1:])...)
}

func permuteLevel(flags []cli.Flag, cmds []*cli.Command, args []string) []string {
	var fl, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(append(append(fl, "--"), pos...), args[i+1:]...)
		case len(a) > 1 && a[0] == '-':
			fl = append(fl, a)
			if !strings.Contains(a, "=") && takesValue(flags, strings.TrimLeft(a, "-")) && i+1 < len(args) {
				i++
				fl = append(fl, args[i])
			}
		default:
			if len(pos) == 0 {
				if c := findCommand(cmds, a); c != nil {
					rest := permuteLevel(c.Flags, c.Subcommands, args[i+1:])
					return append(append(fl, a), rest...)
				}
			}
			pos = append(pos, a)
		}
	}
	return append(fl, pos...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag called name (without dashes) expects
// a value in the next argument.
func takesValue(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				if v, ok := f.(cli.DocGenerationFlag); ok {
					return v.TakesValue()
				}
				return false
			}
		}
	}
	return false
}
