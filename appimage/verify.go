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
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/goappimage/goappimage/elf"
)

// ErrNotSigned is returned (wrapped) by Verify for an AppImage whose
// .sha256_sig section is empty.
var ErrNotSigned = errors.New("not signed (.sha256_sig is empty)")

// Signature describes a verified AppImage signature.
type Signature struct {
	Hash        string // the signed lowercase hex SHA-256
	KeyID       string // 16 hex digits of the key that made the signature
	Fingerprint string // hex fingerprint of the primary key
	UserID      string // primary user id of the signer, if any
	Created     string // signature creation time, RFC 3339
}

// Verify checks the signature of the AppImage in r (size bytes) against
// the public key in its .sig_key section, or against trusted when it is not
// nil (then the embedded key is ignored). A file whose bytes changed after
// signing (other than in .sha256_sig and .sig_key) fails.
func Verify(r io.ReaderAt, size int64, trusted openpgp.KeyRing) (*Signature, error) {
	l, err := ReadLayout(r, size)
	if err != nil {
		return nil, err
	}
	sig, err := zeroTail(r, l.Signature)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(sig)) == 0 {
		return nil, ErrNotSigned
	}
	keyring := trusted
	if keyring == nil {
		key, err := zeroTail(r, l.Key)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(key)) == 0 {
			return nil, errors.New("signed, but .sig_key holds no public key: verify with a trusted key")
		}
		el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(key))
		if err != nil {
			return nil, fmt.Errorf("reading the public key in %s: %w", SectionKey, err)
		}
		keyring = el
	}
	digest, err := SignedHash(r, size, l)
	if err != nil {
		return nil, err
	}
	rawSig := sig
	if bytes.HasPrefix(bytes.TrimSpace(sig), []byte("-----BEGIN")) {
		block, err := armor.Decode(bytes.NewReader(sig))
		if err != nil {
			return nil, fmt.Errorf("reading the signature in %s: %w", SectionSignature, err)
		}
		if rawSig, err = io.ReadAll(io.LimitReader(block.Body, 1<<20)); err != nil {
			return nil, fmt.Errorf("reading the signature in %s: %w", SectionSignature, err)
		}
	}
	var made *packet.Signature
	check := func(cfg *packet.Config) (*openpgp.Entity, error) {
		s, signer, err := openpgp.VerifyDetachedSignature(keyring, strings.NewReader(digest), bytes.NewReader(rawSig), cfg)
		made = s
		return signer, err
	}
	signer, err := check(nil)
	if err != nil && made != nil && (errors.Is(err, pgperrors.ErrKeyExpired) || errors.Is(err, pgperrors.ErrSignatureExpired)) {
		// Valid when it was made: accept, as gpg does ("Good signature ... expired key").
		t := made.CreationTime
		signer, err = check(&packet.Config{Time: func() time.Time { return t }})
	}
	if err != nil {
		return nil, fmt.Errorf("bad signature (the file changed after signing, or the key does not match): %w", err)
	}
	s := &Signature{Hash: digest, Created: made.CreationTime.UTC().Format(time.RFC3339)}
	if made.IssuerKeyId != nil {
		s.KeyID = fmt.Sprintf("%016X", *made.IssuerKeyId)
	}
	if signer != nil {
		s.Fingerprint = fmt.Sprintf("%X", signer.PrimaryKey.Fingerprint)
		if _, id := signer.PrimarySelfSignature(); id != nil {
			s.UserID = id.Name
		}
	}
	return s, nil
}

// VerifyFile is Verify for the file at path.
func VerifyFile(path string, trusted openpgp.KeyRing) (*Signature, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s, err := Verify(f, fi.Size(), trusted)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// zeroTail returns the bytes of section s up to its first NUL and fails
// unless every byte after them is zero: the signature hash reads the whole
// section as zeros, so that is where a change would otherwise go unseen.
func zeroTail(r io.ReaderAt, s elf.Section) ([]byte, error) {
	b, err := elf.ReadSection(r, s)
	if err != nil {
		return nil, err
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return b, nil
	}
	if j := bytes.IndexFunc(b[i:], func(r rune) bool { return r != 0 }); j >= 0 {
		return nil, fmt.Errorf("bad signature: byte %#x of %s, after its text, is not zero", s.Offset+int64(i+j), s.Name)
	}
	return b[:i], nil
}

// cString returns the bytes of section s up to its first NUL.
func cString(r io.ReaderAt, s elf.Section) ([]byte, error) {
	b, err := elf.ReadSection(r, s)
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b, nil
}
