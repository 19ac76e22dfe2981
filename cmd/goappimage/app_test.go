package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// testApp is a command tree shaped like the real one, so that permute is
// tested independently of what the commands do.
func testApp(got *[]string, gotComp *string, gotQuiet *bool) *cli.App {
	var out bytes.Buffer
	app := newApp(&out, &out)
	app.Commands = []*cli.Command{{
		Name: "squashfs",
		Subcommands: []*cli.Command{{
			Name: "create",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "comp", Value: "zstd"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}},
			},
			Action: func(c *cli.Context) error {
				*got = c.Args().Slice()
				*gotComp = c.String("comp")
				*gotQuiet = c.Bool("quiet")
				return nil
			},
		}},
	}}
	setUsageErrors(app.Commands)
	return app
}

func TestPermute(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  []string
		comp  string
		quiet bool
	}{
		{"flags first", []string{"squashfs", "create", "--comp", "xz", "a", "b"}, []string{"a", "b"}, "xz", false},
		{"flags last", []string{"squashfs", "create", "a", "b", "--comp", "xz"}, []string{"a", "b"}, "xz", false},
		{"flags between", []string{"squashfs", "create", "a", "-q", "b", "--comp=gzip"}, []string{"a", "b"}, "gzip", true},
		{"bool then positional", []string{"squashfs", "create", "a", "--quiet", "b"}, []string{"a", "b"}, "zstd", true},
		{"double dash keeps the rest", []string{"squashfs", "create", "a", "--", "--comp", "-q"}, []string{"a", "--comp", "-q"}, "zstd", false},
		{"dash is positional", []string{"squashfs", "create", "-", "--comp", "lz4"}, []string{"-"}, "lz4", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var comp string
			var quiet bool
			app := testApp(&got, &comp, &quiet)
			if err := app.Run(permute(app, append([]string{"goappimage"}, tt.args...))); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) || comp != tt.comp || quiet != tt.quiet {
				t.Errorf("args %q comp %q quiet %v, want %q %q %v", got, comp, quiet, tt.want, tt.comp, tt.quiet)
			}
		})
	}
}

func TestUnknownFlagIsAnError(t *testing.T) {
	for _, args := range [][]string{
		{"squashfs", "create", "a", "b", "--bogus"},
		{"squashfs", "create", "--bogus", "a", "b"},
	} {
		var got []string
		var comp string
		var quiet bool
		app := testApp(&got, &comp, &quiet)
		err := app.Run(permute(app, append([]string{"goappimage"}, args...)))
		if err == nil || !strings.Contains(err.Error(), "bogus") {
			t.Errorf("%q: got error %v, want one naming the unknown flag", args, err)
		}
		if ec, ok := err.(exitCoder); !ok || ec.ExitCode() != 2 {
			t.Errorf("%q: want exit status 2, got %v", args, err)
		}
	}
}

func TestRunExitStatus(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"goappimage", "--version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--version: exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "goappimage version") {
		t.Errorf("--version printed %q", stdout.String())
	}
	stderr.Reset()
	if code := run([]string{"goappimage", "no-such-command"}, &stdout, &stderr); code == 0 {
		t.Error("unknown command: exit 0, want non-zero")
	}
	if !strings.Contains(stderr.String(), "no-such-command") {
		t.Errorf("unknown command: stderr %q does not name it", stderr.String())
	}
}

func TestInvokedAsAppimagetool(t *testing.T) {
	for name, want := range map[string]bool{
		"appimagetool":                   true,
		"/usr/bin/appimagetool":          true,
		"appimagetool.AppImage":          true,
		"./appimagetool-x86_64.AppImage": true,
		"appimagetool-aarch64.AppImage":  true,
		"goappimage":                     false,
		"/opt/appimagetoolkit":           false,
		"my-appimagetool":                false,
	} {
		if got := invokedAsAppimagetool(name); got != want {
			t.Errorf("invokedAsAppimagetool(%q) = %v, want %v", name, got, want)
		}
	}
}
