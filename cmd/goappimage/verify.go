package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/urfave/cli/v2"

	"github.com/goappimage/goappimage/appimage"
)

func init() { register(newVerifyCommand) }

func newVerifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check the signature of an AppImage",
		ArgsUsage: "APPIMAGE",
		Description: `Checks the OpenPGP signature in .sha256_sig over the hex SHA-256 of the file
(with .sha256_sig and .sig_key zeroed), as AppImageUpdate does. Any byte
changed after signing makes it fail.

Without --key the signature is checked against the public key embedded in
the AppImage (.sig_key): that proves the file is intact, not who made it.
With --key FILE (an armored public key or key ring) the signer must be one
of those keys.

Exit status: 0 for a good signature, 1 for a bad one or an unsigned file.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "trusted armored OpenPGP public key `FILE`"},
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("goappimage verify: want one APPIMAGE argument (see 'goappimage verify --help')", 2)
	}
	path := c.Args().First()
	var trusted openpgp.KeyRing
	if kf := c.String("key"); kf != "" {
		data, err := os.ReadFile(kf)
		if err != nil {
			return fmt.Errorf("reading the trusted key: %w", err)
		}
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", kf, err)
		}
		trusted = el
	}
	s, err := appimage.VerifyFile(path, trusted)
	if errors.Is(err, appimage.ErrNotSigned) {
		return cli.Exit(fmt.Sprintf("goappimage verify: %s: not signed", path), 1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "%s: good signature by %s\n  key %s, made %s\n", path, s.UserID, s.Fingerprint, s.Created)
	if trusted == nil {
		fmt.Fprintf(c.App.Writer, "  (checked with the key embedded in the AppImage; use --key to require a key you trust)\n")
	}
	return nil
}
