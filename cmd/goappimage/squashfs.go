package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/internal/progress"
	"github.com/goappimage/goappimage/squashfs"
)

// squashfsSubcommands lists the constructors of the "squashfs" subcommands;
// each file adds its own from an init function.
var squashfsSubcommands []func() *cli.Command

func init() {
	register(newSquashfsCommand)
	squashfsSubcommands = append(squashfsSubcommands, newSquashfsCreateCommand)
}

func newSquashfsCommand() *cli.Command {
	cmd := &cli.Command{
		Name:  "squashfs",
		Usage: "create and read squashfs images",
	}
	for _, sub := range squashfsSubcommands {
		cmd.Subcommands = append(cmd.Subcommands, sub())
	}
	sort.Slice(cmd.Subcommands, func(i, j int) bool { return cmd.Subcommands[i].Name < cmd.Subcommands[j].Name })
	return cmd
}

func newSquashfsCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "pack a directory into a squashfs image",
		ArgsUsage: "SRC OUT",
		Description: "Packs the directory SRC into the squashfs image OUT, in parallel and reproducibly:\n" +
			"the same tree and options give the same bytes on any machine. Owners become 0:0\n" +
			"unless --keep-owner; the image time is SOURCE_DATE_EPOCH when set (newer mtimes are\n" +
			"clamped to it), else the newest mtime in SRC. OUT is written to a temporary file and\n" +
			"renamed at the end. With --offset N the image starts N bytes into OUT; the first N\n" +
			"bytes of an existing OUT are kept (zeros otherwise), as mksquashfs -offset does.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "comp", Value: "zstd", Usage: "compressor: zstd, gzip, xz, lz4 or none (the AppImage runtime reads zstd and gzip only)"},
			&cli.IntFlag{Name: "level", Usage: "compression level (0 = default: zstd 15, gzip 9; lz4 1..9 = high compression)"},
			&cli.StringFlag{Name: "block-size", Aliases: []string{"b"}, Value: "128K", Usage: "data block size, a power of two from 4K to 1M"},
			&cli.IntFlag{Name: "processors", Usage: "compressing goroutines (0 = one per CPU)"},
			&cli.Int64Flag{Name: "offset", Usage: "write the image this many bytes into OUT"},
			&cli.BoolFlag{Name: "no-fragments", Usage: "do not pack small files and tails into fragment blocks"},
			&cli.BoolFlag{Name: "keep-owner", Usage: "keep the uid and gid of files instead of 0:0"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors"},
		},
		Action: squashfsCreate,
	}
}

// parseBlockSize reads a size such as 131072, 128K, 128KiB or 1M.
func parseBlockSize(s string) (int, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	v = strings.TrimSuffix(strings.TrimSuffix(v, "IB"), "B")
	mult := 1
	switch {
	case strings.HasSuffix(v, "K"):
		mult, v = 1<<10, strings.TrimSuffix(v, "K")
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, strings.TrimSuffix(v, "M")
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("block size %q is not a size such as 128K or 1M", s)
	}
	n *= mult
	if n < squashfs.MinBlockSize || n > squashfs.MaxBlockSize || n&(n-1) != 0 {
		return 0, fmt.Errorf("block size %q is not a power of two from 4K to 1M", s)
	}
	return n, nil
}

func squashfsCreate(c *cli.Context) error {
	if c.NArg() != 2 {
		return cli.Exit("goappimage squashfs create: want SRC and OUT (see 'goappimage squashfs create --help')", 2)
	}
	src, out := c.Args().Get(0), c.Args().Get(1)
	opts := squashfs.WriterOptions{
		Level:       c.Int("level"),
		Workers:     c.Int("processors"),
		NoFragments: c.Bool("no-fragments"),
		KeepOwners:  c.Bool("keep-owner"),
	}
	var err error
	if c.String("comp") == "none" {
		opts.Compression = squashfs.Uncompressed
	} else if opts.Compression, err = squashfs.ParseCompression(c.String("comp")); err != nil {
		return cli.Exit(fmt.Sprintf("goappimage squashfs create: unknown compressor %q (want zstd, gzip, xz, lz4 or none)", c.String("comp")), 2)
	}
	if opts.BlockSize, err = parseBlockSize(c.String("block-size")); err != nil {
		return cli.Exit("goappimage squashfs create: "+err.Error(), 2)
	}
	offset := c.Int64("offset")
	if offset < 0 {
		return cli.Exit("goappimage squashfs create: --offset must not be negative", 2)
	}
	sde, ok, err := squashfs.SourceDateEpoch()
	if err != nil {
		return err
	}
	if ok {
		opts.ModTime, opts.Clamp = sde, true
	}
	var bar *progress.Bar
	var reported int64
	if !c.Bool("quiet") {
		opts.Progress = func(done, total int64) {
			if bar == nil {
				bar = progress.New(c.App.ErrWriter, "squashfs "+filepath.Base(out), total)
			}
			bar.Add(done - reported)
			reported = done
		}
	}
	size, err := writeSquashfsFile(src, out, offset, opts)
	if err != nil {
		return fmt.Errorf("squashfs create: %w", err)
	}
	bar.Done()
	if !c.Bool("quiet") {
		fmt.Fprintf(c.App.Writer, "%s: %s squashfs image (%d bytes, %s, %d KiB blocks) at offset %d\n",
			out, progress.Size(size), size, compName(opts.Compression), opts.BlockSize>>10, offset)
	}
	return nil
}

func compName(c squashfs.Compression) string {
	if c == squashfs.Uncompressed {
		return "uncompressed"
	}
	return c.String()
}

// writeSquashfsFile packs src into a temporary file next to out and
// renames it to out once complete; nothing is left behind on error.
func writeSquashfsFile(src, out string, offset int64, opts squashfs.WriterOptions) (size int64, err error) {
	if fi, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("source: %w", err)
	} else if !fi.IsDir() {
		return 0, fmt.Errorf("source %s is not a directory", src)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(out); err == nil {
		if !fi.Mode().IsRegular() {
			return 0, fmt.Errorf("output %s exists and is not a regular file", out)
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("creating the output: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if offset > 0 {
		if err := copyPrefix(tmp, out, offset); err != nil {
			return 0, err
		}
	}
	w, err := squashfs.NewWriter(io.NewOffsetWriter(tmp, offset), opts)
	if err != nil {
		return 0, err
	}
	if err := w.AddDir(src); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	if err := tmp.Truncate(offset + w.Size()); err != nil {
		return 0, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return 0, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, fmt.Errorf("writing %s: %w", out, err)
	}
	return w.Size(), nil
}

// copyPrefix writes the first n bytes of an existing file old into dst,
// and zeros past its end.
func copyPrefix(dst *os.File, old string, n int64) error {
	f, err := os.Open(old)
	if errors.Is(err, os.ErrNotExist) {
		return dst.Truncate(n)
	}
	if err != nil {
		return fmt.Errorf("reading the bytes before --offset: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(dst, io.LimitReader(f, n)); err != nil {
		return fmt.Errorf("copying the bytes before --offset from %s: %w", old, err)
	}
	return dst.Truncate(n)
}
