package appimage

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/squashfs"
)

// keyTime is when test keys are made, so that signatures are reproducible.
var keyTime = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func newKey(t testing.TB, algo packet.PublicKeyAlgorithm, bits int) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{Algorithm: algo, RSABits: bits, Time: func() time.Time { return keyTime }}
	e, err := openpgp.NewEntity("Test Signer", "", "signer@example.com", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var cachedKey *openpgp.Entity

// testKey returns an ed25519 signing key, the same within one test run.
func testKey(t testing.TB) *openpgp.Entity {
	if cachedKey == nil {
		cachedKey = newKey(t, packet.PubKeyAlgoEdDSA, 0)
	}
	return cachedKey
}

func buildSigned(t *testing.T, key *openpgp.Entity) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "Signed-x86_64.AppImage")
	_, err := Create(out, Options{Runtime: testRuntime(t, "amd64"), SignKey: key},
		writeDir(makeAppDir(t, "signed", randomBytes(t, 64<<10)), squashfs.WriterOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignVerify(t *testing.T) {
	for _, tt := range []struct {
		name string
		key  *openpgp.Entity
	}{
		{"ed25519", testKey(t)},
		{"rsa4096", newKey(t, packet.PubKeyAlgoRSA, 4096)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := buildSigned(t, tt.key)
			s, err := VerifyFile(out, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Fingerprint != strings.ToUpper(hexOf(tt.key.PrimaryKey.Fingerprint)) || s.UserID != "Test Signer <signer@example.com>" {
				t.Errorf("signer: got %+v", s)
			}
			gpgVerify(t, out, true)

			// A trusted key ring: the right key passes, another key fails.
			if _, err := VerifyFile(out, openpgp.EntityList{tt.key}); err != nil {
				t.Errorf("verify with the signing key as trusted: %v", err)
			}
			if _, err := VerifyFile(out, openpgp.EntityList{newKey(t, packet.PubKeyAlgoEdDSA, 0)}); err == nil {
				t.Error("verify with another trusted key: got no error")
			}
		})
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// TestVerifyTampered changes single bytes everywhere that matters: each must
// make verification fail, with our verifier and with gpg.
func TestVerifyTampered(t *testing.T) {
	out := buildSigned(t, testKey(t))
	orig, _ := os.ReadFile(out)
	l, err := ReadLayout(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	positions := map[string]int64{
		"ELF header":      20,
		"runtime code":    l.Offset / 2,
		".upd_info":       l.UpdateInfo.Offset + 5,
		".digest_md5":     l.Digest.Offset,
		"superblock":      l.Offset + 8,
		"image middle":    l.Offset + (int64(len(orig))-l.Offset)/2,
		"last byte":       int64(len(orig)) - 1,
		"signature":       l.Signature.Offset + 100,
		".sha256_sig end": l.Signature.Offset + l.Signature.Size - 1,
		".sig_key end":    l.Key.Offset + l.Key.Size - 1,
		"public key":      l.Key.Offset + 200,
	}
	for name, pos := range positions {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(orig)
			b[pos] ^= 0x01
			p := filepath.Join(t.TempDir(), "tampered.AppImage")
			if err := os.WriteFile(p, b, 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := VerifyFile(p, nil); err == nil {
				t.Errorf("byte %#x changed: Verify got no error", pos)
			}
			if name == "image middle" {
				gpgVerify(t, p, false)
			}
		})
	}
	// Appending bytes also breaks the signature.
	p := filepath.Join(t.TempDir(), "longer.AppImage")
	os.WriteFile(p, append(bytes.Clone(orig), 0), 0o755)
	if _, err := VerifyFile(p, nil); err == nil {
		t.Error("a byte appended: Verify got no error")
	}
}

func TestVerifyUnsigned(t *testing.T) {
	out := filepath.Join(t.TempDir(), "u.AppImage")
	if _, err := Create(out, Options{Runtime: testRuntime(t, "amd64")}, writeDir(makeAppDir(t, "u", nil), squashfs.WriterOptions{})); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyFile(out, nil); !errors.Is(err, ErrNotSigned) {
		t.Errorf("got %v, want ErrNotSigned", err)
	}
	// Sign it afterwards; the image and the digest stay as they were.
	before, _ := os.ReadFile(out)
	if err := Sign(out, testKey(t), time.Time{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(out)
	if !bytes.Equal(zeroedSections(t, before, SectionSignature, SectionKey), zeroedSections(t, after, SectionSignature, SectionKey)) {
		t.Error("Sign changed bytes outside .sha256_sig and .sig_key")
	}
	if _, err := VerifyFile(out, nil); err != nil {
		t.Errorf("after Sign: %v", err)
	}
	gpgVerify(t, out, true)
}

// gpgVerify checks the AppImage's signature with gpg, as AppImageUpdate
// does: import .sig_key into a fresh keyring, then verify .sha256_sig over
// the hex SHA-256 of the file with both sections zeroed.
func gpgVerify(t *testing.T, path string, wantGood bool) {
	t.Helper()
	gpg := testutil.Tool(t, "gpg")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	home := gpgHome(t)
	dir := t.TempDir()
	sig := bytes.TrimRight(sectionBytes(t, b, SectionSignature), "\x00")
	key := bytes.TrimRight(sectionBytes(t, b, SectionKey), "\x00")
	zeroed := zeroedSections(t, b, SectionSignature, SectionKey)
	digest := sha256Hex(zeroed)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--no-tty"}, args...)...)
		return cmd.CombinedOutput()
	}
	if msg, err := run("--import", write("key.asc", key)); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, msg)
	}
	msg, err := run("--verify", write("sig.asc", sig), write("digest", []byte(digest)))
	good := err == nil && strings.Contains(string(msg), "Good signature")
	if good != wantGood {
		t.Errorf("gpg --verify: got good=%v, want %v\n%s", good, wantGood, msg)
	}
}

func TestReadSigningKey(t *testing.T) {
	key := newKey(t, packet.PubKeyAlgoEdDSA, 0)
	armored := func(e *openpgp.Entity, pass []byte) []byte {
		if pass != nil {
			if err := e.EncryptPrivateKeys(pass, nil); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		w, _ := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
		if err := e.SerializePrivateWithoutSigning(w, nil); err != nil {
			t.Fatal(err)
		}
		w.Close()
		return buf.Bytes()
	}
	plain := armored(key, nil)
	if _, err := ReadSigningKey(bytes.NewReader(plain), nil); err != nil {
		t.Errorf("plain key: %v", err)
	}
	protected := armored(newKey(t, packet.PubKeyAlgoEdDSA, 0), []byte("s3cret"))
	if _, err := ReadSigningKey(bytes.NewReader(protected), nil); err == nil || !strings.Contains(err.Error(), "APPIMAGETOOL_SIGN_PASSPHRASE") {
		t.Errorf("protected key without passphrase: got %v", err)
	}
	if _, err := ReadSigningKey(bytes.NewReader(protected), []byte("wrong")); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("protected key, wrong passphrase: got %v", err)
	}
	e, err := ReadSigningKey(bytes.NewReader(protected), []byte("s3cret"))
	if err != nil {
		t.Fatalf("protected key, right passphrase: %v", err)
	}
	out := buildSigned(t, e)
	if _, err := VerifyFile(out, nil); err != nil {
		t.Errorf("signed with a decrypted key: %v", err)
	}
	var pub bytes.Buffer
	w, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	key.Serialize(w)
	w.Close()
	if _, err := ReadSigningKey(&pub, nil); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Errorf("public key only: got %v", err)
	}
}

// TestReadGPGKey signs with a key that gpg generated and exported.
func TestReadGPGKey(t *testing.T) {
	gpg := testutil.Tool(t, "gpg")
	home := gpgHome(t)
	run := func(args ...string) []byte {
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "pw"}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	run("--quick-gen-key", "GPG Made <gpg@example.com>", "ed25519", "sign", "never")
	exported := run("--armor", "--export-secret-keys")
	key, err := ReadSigningKey(bytes.NewReader(exported), []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	out := buildSigned(t, key)
	if _, err := VerifyFile(out, nil); err != nil {
		t.Error(err)
	}
	gpgVerify(t, out, true)
}

func TestSignSizeLimits(t *testing.T) {
	out := buildSigned(t, nil)
	f, err := os.OpenFile(out, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	l, err := ReadLayout(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	small := *l
	small.Key.Size = 300
	if err := signLayout(f, fi.Size(), &small, testKey(t), time.Time{}); err == nil || !strings.Contains(err.Error(), "more than the 300 bytes of .sig_key") {
		t.Errorf("small .sig_key: got %v", err)
	}
	small = *l
	small.Signature.Size = 100
	if err := signLayout(f, fi.Size(), &small, testKey(t), time.Time{}); err == nil || !strings.Contains(err.Error(), "more than the 100 bytes of .sha256_sig") {
		t.Errorf("small .sha256_sig: got %v", err)
	}
}

// TestVerifyGPGSignature checks an AppImage signed the way appimagetool
// signs (gpg through gpgme: armored, text mode, detached, over the hex
// SHA-256), with the signature and key put in place by hand.
func TestVerifyGPGSignature(t *testing.T) {
	gpg := testutil.Tool(t, "gpg")
	home := gpgHome(t)
	run := func(stdin []byte, args ...string) []byte {
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v", args, err)
		}
		return out
	}
	run(nil, "--quick-gen-key", "Made By GPG <gpg@example.com>", "rsa3072", "sign", "never")
	out := filepath.Join(t.TempDir(), "u.AppImage")
	if _, err := Create(out, Options{Runtime: testRuntime(t, "amd64")}, writeDir(makeAppDir(t, "gpg", nil), squashfs.WriterOptions{})); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	digest := sha256Hex(b) // .sha256_sig and .sig_key are still zero
	sig := run([]byte(digest), "--detach-sign", "--armor", "--textmode")
	key := run(nil, "--export", "--armor")
	copy(sectionBytes(t, b, SectionSignature), sig)
	copy(sectionBytes(t, b, SectionKey), key)
	os.WriteFile(out, b, 0o755)
	s, err := VerifyFile(out, nil)
	if err != nil {
		t.Fatalf("a gpg signature: %v", err)
	}
	if s.UserID != "Made By GPG <gpg@example.com>" {
		t.Errorf("signer: got %q", s.UserID)
	}
	b[len(b)-1] ^= 1
	os.WriteFile(out, b, 0o755)
	if _, err := VerifyFile(out, nil); err == nil {
		t.Error("a gpg signature over a changed file: got no error")
	}
}

// gpgHome returns a fresh GNUPGHOME whose gpg-agent is stopped at the end.
func gpgHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })
	return home
}
