package appimage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/goappimage/goappimage/elf"
)

// ReadSigningKey reads an ASCII-armored (or binary) OpenPGP private key, as
// "gpg --export-secret-keys --armor" writes it, and returns the first key
// that can sign, decrypted with passphrase when it is protected.
func ReadSigningKey(r io.Reader, passphrase []byte) (*openpgp.Entity, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	var keys openpgp.EntityList
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		keys, err = openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	} else {
		keys, err = openpgp.ReadKeyRing(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	for _, e := range keys {
		if e.PrivateKey == nil {
			continue
		}
		if _, ok := e.SigningKey(time.Now()); !ok {
			continue
		}
		if e.PrivateKey.Encrypted || anySubkeyEncrypted(e) {
			if len(passphrase) == 0 {
				return nil, errors.New("the signing key is protected by a passphrase: set APPIMAGETOOL_SIGN_PASSPHRASE or give a passphrase file")
			}
			if err := e.DecryptPrivateKeys(passphrase); err != nil {
				return nil, fmt.Errorf("decrypting the signing key: wrong passphrase? (%w)", err)
			}
		}
		return e, nil
	}
	return nil, errors.New("no private key that can sign in the key file (export one with: gpg --export-secret-keys --armor KEYID)")
}

func anySubkeyEncrypted(e *openpgp.Entity) bool {
	for _, s := range e.Subkeys {
		if s.PrivateKey != nil && s.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

// signConfig makes signatures deterministic: the signature time is t (but
// not before the key's creation, which verifiers reject), and no random
// notation is added.
func signConfig(key *openpgp.Entity, t time.Time) *packet.Config {
	if created := key.PrimaryKey.CreationTime; t.Before(created) {
		t = created
	}
	for _, s := range key.Subkeys {
		if s.PrivateKey != nil && t.Before(s.PublicKey.CreationTime) {
			t = s.PublicKey.CreationTime
		}
	}
	return &packet.Config{
		Time:                                  func() time.Time { return t },
		NonDeterministicSignaturesViaNotation: new(false),
	}
}

// signLayout signs the AppImage f of size bytes: it writes the signature of
// SignedHash to .sha256_sig and the armored public key to .sig_key. The time
// t becomes the signature's creation time.
func signLayout(f interface {
	io.ReaderAt
	io.WriterAt
}, size int64, l *Layout, key *openpgp.Entity, t time.Time) error {
	var pub bytes.Buffer
	aw, err := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err != nil {
		return err
	}
	if err := key.Serialize(aw); err != nil {
		return fmt.Errorf("exporting the public key: %w", err)
	}
	if err := aw.Close(); err != nil {
		return err
	}
	pub.WriteByte('\n')
	if int64(pub.Len()) > l.Key.Size {
		return fmt.Errorf("the public key is %d bytes armored, more than the %d bytes of %s: use a smaller key (an ed25519 key is under 1 KiB) or one without extra signatures and subkeys", pub.Len(), l.Key.Size, SectionKey)
	}
	// The hash covers the file with both sections zeroed; clear them on disk too.
	if err := elf.WriteSection(f, l.Signature, nil); err != nil {
		return err
	}
	if err := elf.WriteSection(f, l.Key, nil); err != nil {
		return err
	}
	digest, err := SignedHash(f, size, l)
	if err != nil {
		return err
	}
	var sig bytes.Buffer
	if err := openpgp.ArmoredDetachSignText(&sig, key, strings.NewReader(digest), signConfig(key, t)); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	sig.WriteByte('\n')
	if int64(sig.Len()) > l.Signature.Size {
		return fmt.Errorf("the signature is %d bytes armored, more than the %d bytes of %s: use a smaller key (ed25519 or RSA up to 4096 bits)", sig.Len(), l.Signature.Size, SectionSignature)
	}
	if err := elf.WriteSection(f, l.Signature, sig.Bytes()); err != nil {
		return err
	}
	return elf.WriteSection(f, l.Key, pub.Bytes())
}

// Sign signs the existing AppImage at path in place (any type-2 AppImage)
// with key, replacing any earlier signature. The signature time is t (zero:
// the squashfs image's time), or the key's creation time if later. The
// .digest_md5 section is left as it is; a .zsync file made before signing
// no longer matches the file (see RefreshZsync).
func Sign(path string, key *openpgp.Entity, t time.Time) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	l, err := ReadLayout(f, fi.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if t.IsZero() {
		sb, err := readSuperblock(f, l.Offset, fi.Size())
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		t = time.Unix(int64(sb.ModTime), 0)
	}
	if err := signLayout(f, fi.Size(), l, key, t); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
