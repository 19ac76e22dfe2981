package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/appimage"
)

func init() { register(newInspectCommand) }

func newInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "show what an AppImage is made of",
		ArgsUsage: "APPIMAGE",
		Description: `Prints the type, architecture, runtime (goappimage's or another, with its
version when known), the offset of the squashfs image, its compression,
block size and size, the update information, the signature status, the MD5
digest and the desktop entry's name and version. It runs nothing and mounts
nothing. --json prints the same as one JSON object.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: runInspect,
	}
}

func runInspect(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("goappimage inspect: want one APPIMAGE argument (see 'goappimage inspect --help')", 2)
	}
	info, err := appimage.Open(c.Args().First())
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	printInfo(c.App.Writer, info)
	return nil
}

func printInfo(w io.Writer, info *appimage.Info) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s:\t%s\n", k, fmt.Sprintf(format, args...)) }
	line("File", "%s", info.Path)
	line("Type", "%d", info.Type)
	line("Architecture", "%s", info.Arch)
	rt := info.Runtime
	if info.RuntimeVersion != "" {
		rt += " (" + info.RuntimeVersion + ")"
	}
	line("Runtime", "%s", rt)
	line("Size", "%d bytes", info.Size)
	line("Offset", "%d (squashfs image starts here)", info.Offset)
	line("Compression", "%s, %d KiB blocks", info.Compression, info.BlockSize>>10)
	line("Image", "%d bytes, %d inodes, time %s", info.ImageSize, info.Inodes, info.ImageTime.Format("2006-01-02 15:04:05 UTC"))
	ui := info.UpdateInfo
	if ui == "" {
		ui = "none"
	}
	line("Update info", "%s", ui)
	switch info.Signature {
	case "valid":
		line("Signature", "valid, by %s (key %s, embedded)", info.Signer.UserID, info.Signer.Fingerprint)
	case "invalid":
		line("Signature", "INVALID: %s", info.SignatureError)
	default:
		line("Signature", "none")
	}
	switch {
	case info.Digest == "":
		line("Digest", "none")
	case info.DigestOK:
		line("Digest", "%s (MD5, matches the file)", info.Digest)
	default:
		line("Digest", "%s (MD5, does not match: the file changed, or appimagetool computed it differently)", info.Digest)
	}
	if info.DesktopFile != "" {
		d := fmt.Sprintf("%s: %q", info.DesktopFile, info.Name)
		if info.Version != "" {
			d += ", version " + info.Version
		}
		line("Desktop entry", "%s", d)
	}
	for _, p := range info.Problems {
		line("Problem", "%s", p)
	}
	tw.Flush()
}
