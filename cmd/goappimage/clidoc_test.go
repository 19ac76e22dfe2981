package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

const cliDocPath = "../../docs/cli.md"

func init() {
	// Other tests of the package may define -update too; share it.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite generated files (docs/cli.md)")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestCLIReference regenerates docs/cli.md from the command definitions
// and fails when the file in the repository differs (go test
// ./cmd/goappimage -run TestCLIReference -update rewrites it).
func TestCLIReference(t *testing.T) {
	got := renderCLIReference(newApp(io.Discard, io.Discard))
	if updating() {
		if err := os.WriteFile(cliDocPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(cliDocPath)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./cmd/goappimage -run TestCLIReference -update)", err)
	}
	if string(want) != got {
		t.Errorf("docs/cli.md is out of date with the command definitions; regenerate it with: go test ./cmd/goappimage -run TestCLIReference -update")
	}
}

// renderCLIReference writes the reference of every command as Markdown.
func renderCLIReference(app *cli.App) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from the command definitions by `go test ./cmd/goappimage -run TestCLIReference -update`. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "# %s command-line reference\n\n%s.\n\n", app.Name, capitalize(app.Usage))
	fmt.Fprintf(&b, "```\n%s [--help] [--version] COMMAND [OPTIONS] [ARGUMENTS]\n```\n\n", app.Name)
	b.WriteString("Options may come before or after the arguments; `--` ends the options. Errors exit with status 1, usage errors with status 2.\n\n")
	cmds := visibleCommands(app.Commands)
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", c.Name, anchor(app.Name+" "+c.Name), c.Usage)
	}
	b.WriteString("\n")
	for _, c := range cmds {
		renderCommand(&b, app.Name, c)
	}
	return b.String()
}

func visibleCommands(cmds []*cli.Command) []*cli.Command {
	var out []*cli.Command
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func renderCommand(b *strings.Builder, parent string, c *cli.Command) {
	full := parent + " " + c.Name
	fmt.Fprintf(b, "## %s\n\n%s.\n\n", full, capitalize(c.Usage))
	usage := full
	if len(c.Flags) > 0 {
		usage += " [OPTIONS]"
	}
	subs := visibleCommands(c.Subcommands)
	if len(subs) > 0 {
		usage += " COMMAND"
	}
	if c.ArgsUsage != "" {
		usage += " " + c.ArgsUsage
	}
	fmt.Fprintf(b, "```\n%s\n```\n\n", usage)
	if c.Description != "" {
		b.WriteString(strings.TrimSpace(c.Description) + "\n\n")
	}
	if len(c.Flags) > 0 {
		b.WriteString("| option | value | default | environment | description |\n|---|---|---|---|---|\n")
		flags := append([]cli.Flag(nil), c.Flags...)
		sort.SliceStable(flags, func(i, j int) bool { return flags[i].Names()[0] < flags[j].Names()[0] })
		for _, f := range flags {
			renderFlag(b, f)
		}
		b.WriteString("\n")
	}
	for _, s := range subs {
		renderCommand(b, full, s)
	}
}

func renderFlag(b *strings.Builder, f cli.Flag) {
	var names []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			names = append(names, "`-"+n+"`")
		} else {
			names = append(names, "`--"+n+"`")
		}
	}
	value, def, env, usage := "", "", "", ""
	if d, ok := f.(cli.DocGenerationFlag); ok {
		usage = d.GetUsage()
		if d.TakesValue() {
			value = "VALUE"
			if i := strings.Index(usage, "`"); i >= 0 {
				if j := strings.Index(usage[i+1:], "`"); j >= 0 {
					value = usage[i+1 : i+1+j]
					usage = usage[:i] + value + usage[i+2+j:]
				}
			}
			def = d.GetDefaultText()
			if def == "" {
				def = d.GetValue()
			}
			if def == `""` || def == "0" {
				def = ""
			}
		}
		if vars := d.GetEnvVars(); len(vars) > 0 {
			env = "`" + strings.Join(vars, "`, `") + "`"
		}
	}
	if def != "" {
		def = "`" + strings.Trim(def, `"`) + "`"
	}
	usage = strings.ReplaceAll(usage, "|", `\|`)
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", strings.Join(names, ", "), value, def, env, usage)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// anchor is the GitHub anchor of a heading.
func anchor(heading string) string {
	return strings.ReplaceAll(strings.ToLower(heading), " ", "-")
}
