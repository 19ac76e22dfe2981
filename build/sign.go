package build

import (
	"bytes"
	"fmt"
	"os"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/goappimage/goappimage/appimage"
)

// readKey reads an armored OpenPGP secret key file.
func readKey(file, passphrase string) (*openpgp.Entity, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	key, err := appimage.ReadSigningKey(bytes.NewReader(data), []byte(passphrase))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", file, err)
	}
	return key, nil
}
