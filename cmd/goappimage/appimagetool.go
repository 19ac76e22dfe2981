package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/build"
	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/squashfs"
)

func init() { register(newAppimagetoolCommand) }

// newAppimagetoolCommand is appimagetool's command line on top of the
// build pipeline. It also runs when the binary is invoked as appimagetool.
func newAppimagetoolCommand() *cli.Command {
	return &cli.Command{
		Name:      "appimagetool",
		Usage:     "drop-in replacement for appimagetool: its flags and environment, goappimage's pipeline",
		ArgsUsage: "SOURCE [DESTINATION]",
		Description: `Builds like appimagetool: SOURCE is an AppDir, DESTINATION defaults to
<Name>[-$VERSION]-<arch>.AppImage. The same happens when this binary is run
under the name appimagetool (for example through a symlink), so scripts and
tools written for appimagetool work unchanged, offline.

Environment: ARCH (architecture), VERSION (output name, X-AppImage-Version
in the image), APPIMAGETOOL_APP_NAME (replaces Name in the output name),
APPIMAGETOOL_SIGN_PASSPHRASE (unlocks the signing key), SOURCE_DATE_EPOCH
(every timestamp), OWD (relative paths are taken from there, as when
appimagetool runs as an AppImage).

--mksquashfs-opt values goappimage understands are mapped (-b, -comp,
-Xcompression-level, -no-fragments, -processors, -ef); the others are
reported and ignored. Unlike appimagetool, the AppDir is never modified,
and -l lists the files of an AppImage.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list the files in SOURCE, an AppImage"},
			&cli.StringFlag{Name: "updateinformation", Aliases: []string{"u"}, Usage: "embed update information `STRING`; also writes a .zsync file"},
			&cli.BoolFlag{Name: "guess", Aliases: []string{"g"}, Usage: "guess update information from the CI environment"},
			&cli.BoolFlag{Name: "version", Usage: "print the version and exit"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "produce verbose output"},
			&cli.BoolFlag{Name: "sign", Aliases: []string{"s"}, Usage: "sign with an OpenPGP key (--sign-key FILE, or a key id exported with gpg)"},
			&cli.StringFlag{Name: "comp", Value: "zstd", Usage: "squashfs compression: zstd, gzip, xz, lz4 or none"},
			&cli.GenericFlag{Name: "mksquashfs-opt", Value: &listFlag{}, Usage: "a mksquashfs argument; repeat for several (e.g. --mksquashfs-opt -b --mksquashfs-opt 1M)"},
			&cli.BoolFlag{Name: "no-appstream", Aliases: []string{"n"}, Usage: "do not check AppStream metadata"},
			&cli.StringFlag{Name: "exclude-file", Usage: "exclusion patterns (mksquashfs -wildcards -ef syntax), in addition to .appimageignore"},
			&cli.StringFlag{Name: "runtime-file", Usage: "runtime file to use instead of the embedded one"},
			&cli.StringFlag{Name: "sign-key", Usage: "key to sign with: an armored secret key file, or a gpg key id"},
			&cli.StringFlag{Name: "file-url", Usage: "URL written into the .zsync file (default: the destination's file name)"},
		},
		Action: runAppimagetool,
	}
}

func runAppimagetool(c *cli.Context) error {
	stdout, stderr := c.App.Writer, c.App.ErrWriter
	if c.Bool("version") {
		fmt.Fprintf(stdout, "appimagetool-compatible goappimage %s (drop-in replacement for appimagetool)\n", version)
		return nil
	}
	if c.NArg() < 1 || c.NArg() > 2 {
		return cli.Exit("appimagetool: want SOURCE [DESTINATION] (see 'appimagetool --help')", 2)
	}
	owd := os.Getenv("OWD")
	source := fromDir(owd, c.Args().Get(0))
	if c.Bool("list") {
		return listAppImage(stdout, source)
	}
	fi, err := os.Stat(source)
	if err != nil {
		return fmt.Errorf("%s: no such file or directory", source)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is a file, not an AppDir; to list an AppImage use -l, to unpack it use 'goappimage extract'", source)
	}
	opts, err := appimagetoolOptions(c, owd, source, stderr)
	if err != nil {
		return err
	}
	return doBuild(c, source, opts, buildOutput{
		quiet: false,
		success: func(w io.Writer, r *build.Result) {
			fmt.Fprintf(stderr, "Using architecture %s\n", r.Arch)
			fmt.Fprintf(stderr, "%s written (%d bytes, sha256 %s)\n", r.Output, r.Size, r.SHA256)
			if r.Zsync != "" {
				fmt.Fprintf(stderr, "%s written\n", r.Zsync)
			}
			fmt.Fprintln(stderr, "Success")
		},
	})
}

// appimagetoolOptions turns appimagetool's flags and environment into
// build options.
func appimagetoolOptions(c *cli.Context, owd, source string, log io.Writer) (build.Options, error) {
	opts := build.Options{
		Arch:           os.Getenv("ARCH"),
		Version:        os.Getenv("VERSION"),
		Name:           os.Getenv("APPIMAGETOOL_APP_NAME"),
		UpdateInfo:     c.String("updateinformation"),
		Guess:          c.Bool("guess"),
		FileURL:        c.String("file-url"),
		NoAppStream:    c.Bool("no-appstream"),
		Verbose:        c.Bool("verbose"),
		SignPassphrase: os.Getenv("APPIMAGETOOL_SIGN_PASSPHRASE"),
	}
	if opts.Guess && opts.Version == "" {
		opts.Version = gitVersion(owd, log)
	}
	if c.IsSet("file-url") && opts.FileURL == "" {
		return opts, fmt.Errorf("--file-url argument is empty")
	}
	if d := c.Args().Get(1); d != "" {
		opts.Output = fromDir(owd, d)
	} else if owd != "" {
		opts.OutputDir = owd
	}
	if f := c.String("runtime-file"); f != "" {
		opts.RuntimeFile = fromDir(owd, f)
	}
	opts.Compression = c.String("comp")
	excludeFiles, warnings, err := build.MapMksquashfsOptions(&opts.Squash, listValues(c, "mksquashfs-opt"))
	if err != nil {
		return opts, err
	}
	for _, w := range warnings {
		fmt.Fprintln(log, "WARNING:", w)
	}
	if f := c.String("exclude-file"); f != "" {
		excludeFiles = append(excludeFiles, f)
	}
	for i, f := range excludeFiles {
		excludeFiles[i] = fromDir(owd, f)
	}
	dir := owd
	if dir == "" {
		dir = "."
	}
	if opts.Exclude, err = excluder(source, dir, nil, excludeFiles); err != nil {
		return opts, err
	}
	if c.Bool("sign") || c.IsSet("sign-key") {
		if err := setSigningKey(&opts, c.String("sign-key"), owd); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// gitVersion returns the short commit hash of the git checkout in dir, as
// appimagetool -g uses for VERSION when it is unset; "" without git or a
// checkout.
func gitVersion(dir string, log io.Writer) string {
	git, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	cmd := exec.Command(git, "rev-parse", "--short", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	v := strings.TrimSpace(string(out))
	fmt.Fprintf(log, "NOTE: Using the output of 'git rev-parse --short HEAD' as the version: %s\nPlease set the $VERSION environment variable if this is not intended\n", v)
	return v
}

// setSigningKey sets the key for -s and --sign-key: a key file when the
// value names one, else the secret key exported from the gpg keyring (the
// one named, or the first one, as appimagetool does), unlocked with
// APPIMAGETOOL_SIGN_PASSPHRASE.
func setSigningKey(opts *build.Options, key, owd string) error {
	if key != "" {
		if p := fromDir(owd, key); fileExists(p) {
			opts.SignKey = p
			return nil
		}
	}
	hint := "export the key with gpg --export-secret-keys --armor " + key + " > key.asc and pass --sign-key key.asc"
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		return fmt.Errorf("signing: no key file %q and no gpg to export one from a keyring; %s", key, hint)
	}
	args := []string{"--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "--armor", "--export-secret-keys"}
	if key != "" {
		args = append(args, key)
	}
	cmd := exec.Command(gpg, args...)
	cmd.Stdin = strings.NewReader(opts.SignPassphrase + "\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || len(out) == 0 {
		return fmt.Errorf("signing: exporting the secret key %q from gpg: %v %s; %s", key, err, strings.TrimSpace(stderr.String()), hint)
	}
	opts.SignKeyData = out
	return nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// fromDir resolves a relative path against dir ("" is the working
// directory).
func fromDir(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// listAppImage prints the path of every file in the AppImage at path,
// one per line, as appimagetool -l did.
func listAppImage(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	offset, err := elf.Size(f)
	if err != nil {
		return fmt.Errorf("%s is not an AppImage: %w", path, err)
	}
	if offset >= fi.Size() {
		return fmt.Errorf("%s is not an AppImage: nothing after the runtime's ELF end (%d)", path, offset)
	}
	size := fi.Size() - offset
	r, err := squashfs.NewReader(io.NewSectionReader(f, offset, size), size)
	if err != nil {
		return fmt.Errorf("%s: reading the squashfs image at offset %d: %w", path, offset, err)
	}
	return fs.WalkDir(r, ".", func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." {
			fmt.Fprintln(w, p)
		}
		return nil
	})
}
