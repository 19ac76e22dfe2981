package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// writeKeys makes an ed25519 key protected by passphrase and writes its
// armored secret and public halves.
func writeKeys(t *testing.T, name, passphrase string) (secret, public string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", strings.ToLower(name)+"@example.com", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(file, blockType string, ser func(w *bytes.Buffer) error) string {
		var buf bytes.Buffer
		w, _ := armor.Encode(&buf, blockType, nil)
		var raw bytes.Buffer
		if err := ser(&raw); err != nil {
			t.Fatal(err)
		}
		w.Write(raw.Bytes())
		w.Close()
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	public = write("pub.asc", openpgp.PublicKeyType, func(w *bytes.Buffer) error { return e.Serialize(w) })
	if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
		t.Fatal(err)
	}
	secret = write("key.asc", openpgp.PrivateKeyType, func(w *bytes.Buffer) error { return e.SerializePrivateWithoutSigning(w, nil) })
	return secret, public
}

func TestSignAndVerify(t *testing.T) {
	path := smallAppImage(t)
	secret, public := writeKeys(t, "Alice", "open sesame")
	_, otherPublic := writeKeys(t, "Mallory", "x")
	pf := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pf, []byte("open sesame\n"), 0o600)

	if code, _, errOut := runCmd(t, "verify", path); code != 1 || !strings.Contains(errOut, "not signed") {
		t.Errorf("verify unsigned: exit %d, %q", code, errOut)
	}

	before, _ := os.ReadFile(path)
	t.Setenv("APPIMAGETOOL_SIGN_PASSPHRASE", "wrong")
	t.Setenv("GOAPPIMAGE_SIGN_PASSPHRASE", "")
	if code, _, errOut := runCmd(t, "sign", path, "--sign-key", secret); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("sign with a wrong passphrase: exit %d, %q", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("a failed sign changed the file")
	}

	code, out, errOut := runCmd(t, "sign", path, "--sign-key", secret, "--passphrase-file", pf)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "signed by Alice <alice@example.com>") || !strings.Contains(out, ".zsync: rewritten") {
		t.Errorf("sign output: %q", out)
	}
	// The .zsync file describes the signed file.
	signed, _ := os.ReadFile(path)
	sum := sha1.Sum(signed)
	if z, _ := os.ReadFile(path + ".zsync"); !bytes.Contains(z, []byte("SHA-1: "+hex.EncodeToString(sum[:])+"\n")) {
		t.Error("the .zsync file does not match the signed AppImage")
	}

	if code, out, errOut := runCmd(t, "verify", path); code != 0 || !strings.Contains(out, "good signature by Alice <alice@example.com>") {
		t.Errorf("verify: exit %d, %q %q", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "verify", "--key", public, path); code != 0 || strings.Contains(out, "embedded") {
		t.Errorf("verify --key (signer): exit %d, %q", code, out)
	}
	if code, _, _ := runCmd(t, "verify", "--key", otherPublic, path); code != 1 {
		t.Errorf("verify --key (another key): exit %d, want 1", code)
	}
	if code, out, _ := runCmd(t, "inspect", path); code != 0 || !strings.Contains(squeezeSpaces(out), "Signature: valid, by Alice") {
		t.Errorf("inspect signed: %q", out)
	}

	// Signing is reproducible: the same key, file and time give the same bytes.
	t.Setenv("APPIMAGETOOL_SIGN_PASSPHRASE", "open sesame")
	t.Setenv("SOURCE_DATE_EPOCH", strconv.FormatInt(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10))
	runCmd(t, "sign", path, "--sign-key", secret)
	first, _ := os.ReadFile(path)
	runCmd(t, "sign", path, "--sign-key", secret)
	if second, _ := os.ReadFile(path); !bytes.Equal(first, second) {
		t.Error("signing twice gave different bytes")
	}

	// One changed byte breaks it.
	b := bytes.Clone(first)
	b[len(b)/2] ^= 1
	tampered := filepath.Join(t.TempDir(), "t.AppImage")
	os.WriteFile(tampered, b, 0o755)
	if code, _, errOut := runCmd(t, "verify", tampered); code != 1 || !strings.Contains(errOut, "bad signature") {
		t.Errorf("verify tampered: exit %d, %q", code, errOut)
	}
}
