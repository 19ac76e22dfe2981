package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/appimage"
	"github.com/goappimage/goappimage/internal/testutil"
)

// gpgKey makes a passphrase-protected ed25519 key with gpg and exports it
// armored, as a user would for --sign-key.
func gpgKey(t *testing.T, passphrase string) (keyFile, gnupgHome string) {
	t.Helper()
	gpg := testutil.Tool(t, "gpg")
	home := t.TempDir()
	run := func(args ...string) []byte {
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %q: %v", args, err)
		}
		return out
	}
	run("--quick-gen-key", "Signing Test <sign@example.com>", "ed25519", "sign", "never")
	key := filepath.Join(t.TempDir(), "key.asc")
	if err := os.WriteFile(key, run("--armor", "--export-secret-keys"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run() })
	return key, home
}

func TestSignedBuildVerifiesAndIsReproducible(t *testing.T) {
	key, home := gpgKey(t, "secret words")
	t.Setenv("GNUPGHOME", home)
	work := t.TempDir()
	makeAppDir(t, filepath.Join(work, "Hello.AppDir"))
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	t.Setenv("APPIMAGETOOL_SIGN_PASSPHRASE", "secret words")
	var sums []string
	for _, args := range [][]string{
		{"goappimage", "build", "-q", "--sign-key", key, "Hello.AppDir", "a.AppImage"},
		{"appimagetool", "-s", "--sign-key", key, "Hello.AppDir", "b.AppImage"},
		// appimagetool's way: the first secret key of the gpg keyring.
		{"appimagetool", "-s", "Hello.AppDir", "c.AppImage"},
		{"appimagetool", "--sign-key", "sign@example.com", "Hello.AppDir", "d.AppImage"},
	} {
		code, _, stderr := runIn(t, work, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, stderr)
		}
		out := filepath.Join(work, args[len(args)-1])
		sig, err := appimage.VerifyFile(out, nil)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if !strings.Contains(sig.UserID, "sign@example.com") {
			t.Errorf("%s signed by %q", out, sig.UserID)
		}
		sums = append(sums, fileSHA(t, out))
	}
	for i, sum := range sums[1:] {
		if sum != sums[0] {
			t.Errorf("signed build %d differs from the first: %s, %s", i+1, sum, sums[0])
		}
	}

	t.Setenv("APPIMAGETOOL_SIGN_PASSPHRASE", "wrong")
	code, _, stderr := runIn(t, work, "goappimage", "build", "-q", "--sign-key", key, "Hello.AppDir", "e.AppImage")
	if code == 0 || !strings.Contains(stderr, "key.asc") {
		t.Errorf("wrong passphrase: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "e.AppImage")); err == nil {
		t.Error("an output was written with a wrong passphrase")
	}
}
