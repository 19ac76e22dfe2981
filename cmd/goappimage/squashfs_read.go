package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/internal/progress"
	"github.com/goappimage/goappimage/squashfs"
)

func init() {
	squashfsSubcommands = append(squashfsSubcommands, newSquashfsLsCommand, newSquashfsExtractCommand, newSquashfsInfoCommand)
}

var squashfsOffsetFlag = &cli.Int64Flag{Name: "offset", Aliases: []string{"o"}, Usage: "the image starts this many bytes into IMAGE (as in an AppImage)"}

func newSquashfsLsCommand() *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list the contents of a squashfs image",
		ArgsUsage: "IMAGE",
		Description: "Lists every path of IMAGE below squashfs-root, depth first in directory order, as\n" +
			"unsquashfs -ls does; with -l also type, permissions, numeric owners, size (or device\n" +
			"numbers), local mtime and symlink targets, in the format of unsquashfs -lln.",
		Flags: []cli.Flag{
			squashfsOffsetFlag,
			&cli.BoolFlag{Name: "long", Aliases: []string{"l"}, Usage: "long listing, as unsquashfs -lln"},
		},
		Action: squashfsLs,
	}
}

func newSquashfsExtractCommand() *cli.Command {
	return &cli.Command{
		Name:      "extract",
		Usage:     "extract a squashfs image into a directory",
		ArgsUsage: "IMAGE [PATTERN...]",
		Description: "Extracts IMAGE (or the paths PATTERNs select) into DIR, in parallel, keeping modes,\n" +
			"mtimes, symlinks, hard links and sparse holes; as root also owners, devices and\n" +
			"extended attributes.\n" +
			"PATTERNs are matched as the AppImage runtime's --appimage-extract does: '*' does not\n" +
			"cross '/', and a pattern matching a directory selects everything below it.\n" +
			"Nothing is ever written outside DIR, whatever the image holds.",
		Flags: []cli.Flag{
			squashfsOffsetFlag,
			&cli.StringFlag{Name: "dest", Aliases: []string{"d"}, Value: "squashfs-root", Usage: "directory to extract into"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace existing files"},
			&cli.IntFlag{Name: "processors", Usage: "writing goroutines (0 = one per CPU)"},
			&cli.BoolFlag{Name: "no-xattrs", Usage: "do not restore extended attributes (restored by default when run as root)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing but errors"},
		},
		Action: squashfsExtract,
	}
}

func newSquashfsInfoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "describe a squashfs image: superblock, compressor and counts",
		ArgsUsage: "IMAGE",
		Flags:     []cli.Flag{squashfsOffsetFlag},
		Action:    squashfsInfo,
	}
}

// openSquashfs opens the image named by the only argument at --offset.
func openSquashfs(c *cli.Context, extraArgs bool) (*squashfs.Reader, *os.File, error) {
	if c.NArg() < 1 || (!extraArgs && c.NArg() > 1) {
		return nil, nil, cli.Exit(fmt.Sprintf("goappimage squashfs %s: want one IMAGE argument (see --help)", c.Command.Name), 2)
	}
	name := c.Args().First()
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	off := c.Int64("offset")
	if off < 0 || off > st.Size() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: offset %d outside the file of %d bytes", name, off, st.Size())
	}
	r, err := squashfs.NewReader(io.NewSectionReader(f, off, st.Size()-off), st.Size()-off)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, f, nil
}

func squashfsLs(c *cli.Context) error {
	r, f, err := openSquashfs(c, false)
	if err != nil {
		return err
	}
	defer f.Close()
	w := c.App.Writer
	long := c.Bool("long")
	return fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", c.Args().First(), err)
		}
		name := "squashfs-root"
		if p != "." {
			name += "/" + p
		}
		if !long {
			_, err := fmt.Fprintln(w, name)
			return err
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", c.Args().First(), p, err)
		}
		_, err = io.WriteString(w, lsLine(name, info.Sys().(*squashfs.Inode)))
		return err
	})
}

// lsLine formats one line of unsquashfs -lln output.
func lsLine(name string, ino *squashfs.Inode) string {
	const totalChars = 25
	user, group := fmt.Sprint(ino.UID), fmt.Sprint(ino.GID)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s ", modeString(ino.Mode), user, group)
	switch ino.Mode.Type() {
	case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
		pad := max(totalChars-len(user)-len(group)-7, 0)
		fmt.Fprintf(&b, "%*s%3d,%3d ", pad, " ", ino.Major(), ino.Minor())
	case fs.ModeNamedPipe, fs.ModeSocket:
		fmt.Fprintf(&b, "%*d ", max(totalChars-len(user)-len(group), 0), 0)
	default:
		fmt.Fprintf(&b, "%*d ", max(totalChars-len(user)-len(group), 0), ino.Size)
	}
	t := ino.ModTime.Local()
	fmt.Fprintf(&b, "%d-%02d-%02d %02d:%02d %s", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), name)
	if ino.Mode.Type() == fs.ModeSymlink {
		b.WriteString(" -> " + ino.Symlink)
	}
	b.WriteByte('\n')
	return b.String()
}

// modeString renders a mode as ls -l does ("drwxr-xr-x", "-rwsr-xr-x").
func modeString(m fs.FileMode) string {
	s := []byte("----------")
	switch m.Type() {
	case fs.ModeDir:
		s[0] = 'd'
	case fs.ModeSymlink:
		s[0] = 'l'
	case fs.ModeDevice:
		s[0] = 'b'
	case fs.ModeDevice | fs.ModeCharDevice:
		s[0] = 'c'
	case fs.ModeNamedPipe:
		s[0] = 'p'
	case fs.ModeSocket:
		s[0] = 's'
	}
	for i, c := range "rwxrwxrwx" {
		if m&(1<<(8-i)) != 0 {
			s[i+1] = byte(c)
		}
	}
	special := func(set bool, pos int, lower, upper byte) {
		if !set {
			return
		}
		if s[pos] == 'x' {
			s[pos] = lower
		} else {
			s[pos] = upper
		}
	}
	special(m&fs.ModeSetuid != 0, 3, 's', 'S')
	special(m&fs.ModeSetgid != 0, 6, 's', 'S')
	special(m&fs.ModeSticky != 0, 9, 't', 'T')
	return string(s)
}

func squashfsExtract(c *cli.Context) error {
	r, f, err := openSquashfs(c, true)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := squashfs.ExtractOptions{
		Patterns:   c.Args().Slice()[1:],
		Workers:    c.Int("processors"),
		Overwrite:  c.Bool("force"),
		KeepOwners: os.Geteuid() == 0,
		Xattrs:     os.Geteuid() == 0 && !c.Bool("no-xattrs"),
	}
	var bar *progress.Bar
	if !c.Bool("quiet") {
		var total int64
		err := fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			info, err := d.Info()
			if err == nil {
				total += info.Size()
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", c.Args().First(), err)
		}
		bar = progress.New(c.App.ErrWriter, "extracting", total)
		opts.Progress = bar.Add
	}
	dest := c.String("dest")
	if err := r.Extract(c.Context, dest, opts); err != nil {
		return fmt.Errorf("extracting %s into %s: %w", c.Args().First(), dest, err)
	}
	bar.Done()
	return nil
}

func squashfsInfo(c *cli.Context) error {
	r, f, err := openSquashfs(c, false)
	if err != nil {
		return err
	}
	defer f.Close()
	sb := r.Superblock()
	var files, dirs, links, other, bytes int64
	err = fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch d.Type() {
		case fs.ModeDir:
			dirs++
		case fs.ModeSymlink:
			links++
		case 0:
			files++
			info, err := d.Info()
			if err != nil {
				return err
			}
			bytes += info.Size()
		default:
			other++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Args().First(), err)
	}
	table := func(v uint64) string {
		if v == squashfs.NoTable {
			return "none"
		}
		return fmt.Sprintf("%#x", v)
	}
	w := c.App.Writer
	fmt.Fprintf(w, "Squashfs version  %d.%d\n", sb.VersionMajor, sb.VersionMinor)
	fmt.Fprintf(w, "Created           %s\n", time.Unix(int64(sb.ModTime), 0).UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Bytes used        %d\n", sb.BytesUsed)
	fmt.Fprintf(w, "Compression       %s\n", sb.Compression)
	fmt.Fprintf(w, "Block size        %d\n", sb.BlockSize)
	fmt.Fprintf(w, "Flags             %s\n", superblockFlags(sb.Flags))
	fmt.Fprintf(w, "Inodes            %d\n", sb.InodeCount)
	fmt.Fprintf(w, "Fragment blocks   %d\n", sb.FragmentCount)
	fmt.Fprintf(w, "Ids               %d\n", sb.IDCount)
	fmt.Fprintf(w, "Root inode        %#x\n", sb.RootInode)
	fmt.Fprintf(w, "Tables            inode %#x, directory %#x, fragment %s, export %s, id %#x, xattr %s\n",
		sb.InodeTableStart, sb.DirectoryTableStart, table(sb.FragmentTableStart), table(sb.ExportTableStart), sb.IDTableStart, table(sb.XattrTableStart))
	fmt.Fprintf(w, "Contents          %d files (%d bytes), %d directories, %d symlinks, %d other\n", files, bytes, dirs, links, other)
	return nil
}

// superblockFlags names the set superblock flags.
func superblockFlags(f uint16) string {
	names := []struct {
		bit  uint16
		name string
	}{
		{squashfs.FlagUncompressedInodes, "uncompressed-inodes"},
		{squashfs.FlagUncompressedData, "uncompressed-data"},
		{squashfs.FlagUncompressedFragments, "uncompressed-fragments"},
		{squashfs.FlagNoFragments, "no-fragments"},
		{squashfs.FlagAlwaysFragments, "always-fragments"},
		{squashfs.FlagDuplicates, "duplicates-removed"},
		{squashfs.FlagExportable, "exportable"},
		{squashfs.FlagUncompressedXattrs, "uncompressed-xattrs"},
		{squashfs.FlagNoXattrs, "no-xattrs"},
		{squashfs.FlagCompressorOptions, "compressor-options"},
		{squashfs.FlagUncompressedIDs, "uncompressed-ids"},
	}
	var out []string
	for _, n := range names {
		if f&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf("%#04x", f)
	}
	return fmt.Sprintf("%#04x (%s)", f, strings.Join(out, ", "))
}
