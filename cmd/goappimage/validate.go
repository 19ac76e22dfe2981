package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/appdir"
	"github.com/goappimage/goappimage/appdir/desktop"
)

func init() { register(newValidateCommand) }

func newValidateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check an AppDir, or a single .desktop file, and explain every problem",
		ArgsUsage: "PATH",
		Description: "PATH is an AppDir or a desktop entry file. For an AppDir every problem is listed with\n" +
			"its file, rule, severity and fix, then a summary line. For a .desktop file the output\n" +
			"is desktop-file-validate's (FILE: error: ...). The exit status is 1 when there are\n" +
			"errors (or warnings, with --strict).",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
			&cli.BoolFlag{Name: "strict", Usage: "treat warnings as errors"},
			&cli.StringFlag{Name: "arch", Usage: "target architecture (x86_64, aarch64, i686, armhf; amd64, arm64)", EnvVars: []string{"ARCH"}},
			&cli.BoolFlag{Name: "no-appstream", Aliases: []string{"n"}, Usage: "skip the AppStream metadata checks"},
			&cli.StringFlag{Name: "dfv-version", Value: "0.28", Usage: "desktop-file-validate release to agree with: 0.28 or 0.26"},
		},
		Action: runValidate,
	}
}

func runValidate(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("goappimage validate: expected one PATH (an AppDir or a .desktop file) (see 'goappimage validate --help')", 2)
	}
	target := c.Args().First()
	profile, ok := desktop.ParseProfile(c.String("dfv-version"))
	if !ok {
		return cli.Exit(fmt.Sprintf("goappimage validate: unknown --dfv-version %q (use 0.28 or 0.26)", c.String("dfv-version")), 2)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	if !fi.IsDir() {
		return validateDesktopFile(c, target, profile)
	}
	report, err := appdir.Validate(target, appdir.Options{
		Arch: c.String("arch"), NoAppStream: c.Bool("no-appstream"), Strict: c.Bool("strict"), Profile: profile,
	})
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	w := c.App.Writer
	if c.Bool("json") {
		if err := writeJSON(w, jsonReport{Report: report, Valid: !report.HasErrors(),
			Errors: report.Count(appdir.Error), Warnings: report.Count(appdir.Warning), Hints: report.Count(appdir.Hint)}); err != nil {
			return err
		}
	} else {
		for _, p := range report.Problems {
			fmt.Fprintf(w, "%s\n    fix: %s\n", p, p.Fix)
		}
		fmt.Fprintln(w, summary(target, report))
	}
	if report.HasErrors() {
		return cli.Exit("", 1)
	}
	return nil
}

// jsonReport is the --json output for an AppDir.
type jsonReport struct {
	*appdir.Report
	Valid    bool `json:"valid"`
	Errors   int  `json:"errors"`
	Warnings int  `json:"warnings"`
	Hints    int  `json:"hints"`
}

func summary(target string, r *appdir.Report) string {
	verdict := "valid"
	if r.HasErrors() {
		verdict = "NOT valid"
	}
	arch := r.Arch
	if arch == "" {
		arch = "unknown"
	}
	return fmt.Sprintf("%s: %s: %s, %s, %s (architecture %s)", target, verdict,
		plural(r.Count(appdir.Error), "error"), plural(r.Count(appdir.Warning), "warning"), plural(r.Count(appdir.Hint), "hint"), arch)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// validateDesktopFile behaves like desktop-file-validate on one file.
func validateDesktopFile(c *cli.Context, path string, profile desktop.Profile) error {
	msgs, err := desktop.ValidateFile(path, profile)
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	failed := !desktop.Valid(msgs)
	w := c.App.Writer
	if c.Bool("json") {
		problems := []appdir.Problem{}
		for _, m := range msgs {
			problems = append(problems, appdir.DesktopProblem(path, m))
		}
		if err := writeJSON(w, problems); err != nil {
			return err
		}
	} else {
		for _, m := range msgs {
			fmt.Fprintln(w, m.Format(path))
		}
	}
	if c.Bool("strict") {
		for _, m := range msgs {
			failed = failed || m.Severity == desktop.Warning || m.Severity == desktop.FutureError
		}
	}
	if failed {
		return cli.Exit("", 1)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("validate: writing JSON: %w", err)
	}
	return nil
}
