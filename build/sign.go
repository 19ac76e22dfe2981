package build

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/goappimage/goappimage/appimage"
)

// signer signs a finished AppImage file in place.
type signer interface {
	sign(path string, t time.Time) error
}

type openpgpSigner struct{ key *openpgp.Entity }

func (s openpgpSigner) sign(path string, t time.Time) error { return appimage.Sign(path, s.key, t) }

// readKey reads an armored OpenPGP secret key file.
func readKey(file, passphrase string) (signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	key, err := appimage.ReadSigningKey(bytes.NewReader(data), []byte(passphrase))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", file, err)
	}
	return openpgpSigner{key}, nil
}
