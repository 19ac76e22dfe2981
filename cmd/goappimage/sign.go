package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/appimage"
	"github.com/goappimage/goappimage/squashfs"
)

func init() { register(newSignCommand) }

func newSignCommand() *cli.Command {
	return &cli.Command{
		Name:      "sign",
		Usage:     "sign an existing AppImage",
		ArgsUsage: "APPIMAGE",
		Description: `Signs APPIMAGE in place, ours or any type-2 AppImage, as appimagetool
--sign does: an armored detached OpenPGP signature of the hex SHA-256 of the
file (with .sha256_sig and .sig_key zeroed) goes into .sha256_sig, the
public key into .sig_key. Any earlier signature is replaced.

The key is an armored OpenPGP secret key file (gpg --export-secret-keys
--armor KEYID). Its passphrase comes from --passphrase-file, or from
$GOAPPIMAGE_SIGN_PASSPHRASE or $APPIMAGETOOL_SIGN_PASSPHRASE.

The signature time is SOURCE_DATE_EPOCH, or the squashfs image's time (the
key's creation time if that is later), so signing is reproducible. An
APPIMAGE.zsync next to the file is rewritten to match the signed file.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "sign-key", Aliases: []string{"key"}, Required: true, Usage: "armored OpenPGP secret key `FILE`"},
			&cli.StringFlag{Name: "passphrase-file", Usage: "read the key's passphrase from `FILE` (first line)"},
		},
		Action: runSign,
	}
}

func runSign(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("goappimage sign: want one APPIMAGE argument (see 'goappimage sign --help')", 2)
	}
	path := c.Args().First()
	passphrase := firstEnv("GOAPPIMAGE_SIGN_PASSPHRASE", "APPIMAGETOOL_SIGN_PASSPHRASE")
	if pf := c.String("passphrase-file"); pf != "" {
		b, err := os.ReadFile(pf)
		if err != nil {
			return fmt.Errorf("reading the passphrase: %w", err)
		}
		passphrase, _, _ = strings.Cut(string(b), "\n")
		passphrase = strings.TrimSuffix(passphrase, "\r")
	}
	keyFile := c.String("sign-key")
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return fmt.Errorf("reading the signing key: %w", err)
	}
	key, err := appimage.ReadSigningKey(bytes.NewReader(data), []byte(passphrase))
	if err != nil {
		return fmt.Errorf("%s: %w", keyFile, err)
	}
	t, _, err := squashfs.SourceDateEpoch()
	if err != nil {
		return err
	}
	if err := appimage.Sign(path, key, t); err != nil {
		return err
	}
	s, err := appimage.VerifyFile(path, nil)
	if err != nil {
		return fmt.Errorf("checking the new signature: %w", err)
	}
	fmt.Fprintf(c.App.Writer, "%s: signed by %s (key %s)\n", path, s.UserID, s.Fingerprint)
	zsync := path + ".zsync"
	switch err := appimage.RefreshZsync(zsync, path); {
	case err == nil:
		fmt.Fprintf(c.App.Writer, "%s: rewritten for the signed file\n", zsync)
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("the AppImage is signed, but its .zsync file is stale: %w", err)
	}
	return nil
}
