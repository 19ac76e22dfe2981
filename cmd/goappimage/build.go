package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/build"
	"github.com/goappimage/goappimage/internal/progress"
	"github.com/goappimage/goappimage/squashfs"
)

func init() { register(newBuildCommand) }

// listFlag is a repeatable string flag whose values are kept verbatim
// (urfave/cli's StringSliceFlag would split them at commas).
type listFlag struct{ values []string }

func (l *listFlag) Set(v string) error { l.values = append(l.values, v); return nil }
func (l *listFlag) String() string     { return strings.Join(l.values, " ") }

func listValues(c *cli.Context, name string) []string {
	if l, ok := c.Generic(name).(*listFlag); ok && l != nil {
		return l.values
	}
	return nil
}

func newBuildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "turn an AppDir into an AppImage",
		ArgsUsage: "APPDIR [OUTPUT]",
		Description: `Validates APPDIR, packs it into a squashfs image, puts the runtime in front,
fills the ELF sections (update information, MD5 digest, signature) and
writes a .zsync file when update information is given. The AppDir is never
modified: .DirIcon and X-AppImage-Version are added to the image only.

OUTPUT defaults to <Name>[-<version>]-<arch>.AppImage in the current
directory; when OUTPUT is a directory, that name is used in it. The output is written to a temporary file and renamed, so an
error or an interrupt never leaves a partial file.

Symlinks that leave the AppDir (a Nix symlink forest) are followed and
their targets packed; symlinks inside it stay symlinks. Every timestamp in
the image is SOURCE_DATE_EPOCH, or 0 when unset: the same AppDir gives the
same bytes on every machine.

Exclusions use mksquashfs -wildcards -ef syntax; .appimageignore files in
APPDIR and in the current directory are read too.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "comp", Value: "zstd", Usage: "compression: zstd, gzip, xz, lz4 or none (goappimage's runtime reads all; type2-runtime only zstd and gzip)"},
			&cli.IntFlag{Name: "level", Usage: "compression level (zstd 1-22, default 15; gzip 1-9, default 9)"},
			&cli.StringFlag{Name: "block-size", Value: "128K", Usage: "squashfs block size, a power of two from 4K to 1M"},
			&cli.StringFlag{Name: "arch", Usage: "architecture: x86_64, aarch64, i686 or armhf (default: detected from the AppDir's ELF files)", EnvVars: []string{"ARCH"}},
			&cli.StringFlag{Name: "app-version", Usage: "version for the output name and X-AppImage-Version", EnvVars: []string{"VERSION"}},
			&cli.StringFlag{Name: "update-info", Aliases: []string{"u"}, Usage: "update information to embed (zsync|..., gh-releases-zsync|..., pling-v1-zsync|...); also writes OUTPUT.zsync"},
			&cli.BoolFlag{Name: "guess", Aliases: []string{"g"}, Usage: "guess the update information from the CI environment (GitHub Actions, GitLab CI)"},
			&cli.StringFlag{Name: "file-url", Usage: "URL of the AppImage written into the .zsync file (default: its file name)"},
			&cli.BoolFlag{Name: "sign", Usage: "sign the AppImage (needs --sign-key)"},
			&cli.StringFlag{Name: "sign-key", Usage: "armored OpenPGP secret key `FILE` to sign with (implies --sign); passphrase from $GOAPPIMAGE_SIGN_PASSPHRASE or $APPIMAGETOOL_SIGN_PASSPHRASE"},
			&cli.StringFlag{Name: "runtime-file", Usage: "use this runtime instead of the embedded one"},
			&cli.GenericFlag{Name: "exclude", Value: &listFlag{}, Usage: "leave out paths matching `PATTERN` (repeatable)"},
			&cli.GenericFlag{Name: "exclude-file", Value: &listFlag{}, Usage: "read exclusion patterns from `FILE` (repeatable)"},
			&cli.BoolFlag{Name: "no-appstream", Usage: "skip the AppStream metadata checks"},
			&cli.BoolFlag{Name: "strict", Usage: "treat validation warnings as errors"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON summary of the result on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print details: followed symlinks, sections, settings"},
		},
		Action: runBuild,
	}
}

func runBuild(c *cli.Context) error {
	if c.NArg() < 1 || c.NArg() > 2 {
		return cli.Exit("goappimage build: want APPDIR [OUTPUT] (see 'goappimage build --help')", 2)
	}
	appDir := c.Args().Get(0)
	opts := build.Options{
		Output:      c.Args().Get(1),
		Arch:        c.String("arch"),
		Version:     c.String("app-version"),
		UpdateInfo:  c.String("update-info"),
		Guess:       c.Bool("guess"),
		FileURL:     c.String("file-url"),
		SignKey:     c.String("sign-key"),
		RuntimeFile: c.String("runtime-file"),
		NoAppStream: c.Bool("no-appstream"),
		Strict:      c.Bool("strict"),
		Verbose:     c.Bool("verbose"),
	}
	if fi, err := os.Stat(opts.Output); err == nil && fi.IsDir() {
		opts.OutputDir, opts.Output = opts.Output, ""
	}
	opts.Compression = c.String("comp")
	opts.Level = c.Int("level")
	bs, err := build.ParseSize(c.String("block-size"))
	if err != nil {
		return cli.Exit("goappimage build: --block-size: "+err.Error(), 2)
	}
	opts.BlockSize = bs
	if c.Bool("sign") && opts.SignKey == "" {
		return cli.Exit("goappimage build: --sign needs --sign-key FILE (an armored OpenPGP secret key, e.g. from gpg --export-secret-keys --armor KEYID)", 2)
	}
	opts.SignPassphrase = firstEnv("GOAPPIMAGE_SIGN_PASSPHRASE", "APPIMAGETOOL_SIGN_PASSPHRASE")
	ex, err := excluder(appDir, ".", listValues(c, "exclude"), listValues(c, "exclude-file"))
	if err != nil {
		return err
	}
	opts.Exclude = ex
	return doBuild(c, appDir, opts, buildOutput{json: c.Bool("json"), quiet: c.Bool("quiet")})
}

// buildOutput says what a build prints.
type buildOutput struct {
	json  bool
	quiet bool
	// success is printed on stdout after a build without --json.
	success func(w io.Writer, r *build.Result)
}

// doBuild runs the build pipeline, with SIGINT and SIGTERM cancelling it,
// progress on stderr and the result on stdout.
func doBuild(c *cli.Context, appDir string, opts build.Options, out buildOutput) error {
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	t, ok, err := squashfs.SourceDateEpoch()
	if err != nil {
		return err
	}
	if ok {
		opts.ModTime = t
	}
	stderr := c.App.ErrWriter
	var bar *progress.Bar
	if !out.quiet {
		opts.Log = stderr
		var last int64
		opts.Progress = func(done, total int64) {
			if bar == nil {
				bar = progress.New(stderr, "packing", total)
			}
			bar.SetTotal(total)
			bar.Add(done - last)
			last = done
		}
	}
	res, err := build.Build(ctx, appDir, opts)
	if err == nil {
		bar.Done()
	}
	if err != nil {
		if ctx.Err() != nil && c.Context.Err() == nil {
			return cli.Exit("goappimage build: interrupted; no output written", 130)
		}
		return err
	}
	if out.json {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if out.success != nil {
		out.success(c.App.Writer, res)
	} else if !out.quiet {
		fmt.Fprintf(c.App.Writer, "%s: %s, %s, sha256 %s\n", res.Output, res.Arch, progress.Size(res.Size), res.SHA256)
	}
	return nil
}

// excluder gathers the exclusion patterns: .appimageignore in the AppDir
// and in dir (appimagetool reads the one in its working directory), the
// exclude files, then the patterns.
func excluder(appDir, dir string, patterns, files []string) (*build.Excluder, error) {
	ex := &build.Excluder{}
	// The AppDir's own ignore file is a build instruction, not content.
	if err := ex.AddPattern(".appimageignore"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range []string{filepath.Join(appDir, ".appimageignore"), filepath.Join(dir, ".appimageignore")} {
		abs, err := filepath.Abs(f)
		if err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		if _, err := os.Stat(f); err != nil {
			continue
		}
		if err := ex.AddFile(f); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		if err := ex.AddFile(f); err != nil {
			return nil, err
		}
	}
	for _, p := range patterns {
		if err := ex.AddPattern(p); err != nil {
			return nil, fmt.Errorf("--exclude: %w", err)
		}
	}
	return ex, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
