// Package nix holds the Nix expressions that build goappimage; its test keeps
// their vendorHash in step with go.mod and go.sum.
package nix

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite vendorHash in goappimage.nix")

var vendorHashRE = regexp.MustCompile(`vendorHash = "([^"]*)";`)

// TestVendorHash computes what buildGoModule computes for vendorHash (the
// SHA-256 of the NAR serialisation of `go mod vendor`) and compares it with
// goappimage.nix.
func TestVendorHash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod vendor")
	}
	dir := filepath.Join(t.TempDir(), "vendor")
	cmd := exec.Command("go", "mod", "vendor", "-o", dir)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("go mod vendor (needs the module cache or the proxy): %v\n%s", err, out)
	}
	h := sha256.New()
	if err := writeNAR(h, dir); err != nil {
		t.Fatal(err)
	}
	got := "sha256-" + base64.StdEncoding.EncodeToString(h.Sum(nil))

	expr, err := os.ReadFile("goappimage.nix")
	if err != nil {
		t.Fatal(err)
	}
	m := vendorHashRE.FindSubmatch(expr)
	if m == nil {
		t.Fatal("goappimage.nix has no vendorHash line")
	}
	if string(m[1]) == got {
		return
	}
	if *update {
		expr = vendorHashRE.ReplaceAll(expr, []byte(`vendorHash = "`+got+`";`))
		if err := os.WriteFile("goappimage.nix", expr, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("goappimage.nix: vendorHash is %s, want %s (go test ./nix -update)", m[1], got)
}

// writeNAR writes the Nix archive serialisation of the tree at p.
func writeNAR(w io.Writer, p string) error {
	str(w, "nix-archive-1")
	return narNode(w, p)
}

func str(w io.Writer, s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	w.Write(n[:])
	io.WriteString(w, s)
	if pad := (8 - len(s)%8) % 8; pad > 0 {
		w.Write(make([]byte, pad))
	}
}

func narNode(w io.Writer, p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	str(w, "(")
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		str(w, "type")
		str(w, "symlink")
		str(w, "target")
		str(w, target)
	case fi.IsDir():
		str(w, "type")
		str(w, "directory")
		entries, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		sort.Strings(names)
		for _, name := range names {
			str(w, "entry")
			str(w, "(")
			str(w, "name")
			str(w, name)
			str(w, "node")
			if err := narNode(w, filepath.Join(p, name)); err != nil {
				return err
			}
			str(w, ")")
		}
	default:
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		str(w, "type")
		str(w, "regular")
		if fi.Mode()&0o111 != 0 {
			str(w, "executable")
			str(w, "")
		}
		str(w, "contents")
		str(w, string(data))
	}
	str(w, ")")
	return nil
}

// TestNARFormat checks writeNAR against a hash nix-store --dump gives for a
// tiny tree (a file "hello\n" named a, executable b, link c -> a).
func TestNARFormat(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a", filepath.Join(dir, "c")); err != nil {
		t.Fatal(err)
	}
	nixStore, err := exec.LookPath("nix-store")
	if err != nil {
		t.Skip("nix-store is not installed: the NAR format is checked only where Nix is")
	}
	want, err := exec.Command(nixStore, "--dump", dir).Output()
	if err != nil {
		t.Fatal(err)
	}
	h1, h2 := sha256.New(), sha256.New()
	h1.Write(want)
	if err := writeNAR(h2, dir); err != nil {
		t.Fatal(err)
	}
	if string(h1.Sum(nil)) != string(h2.Sum(nil)) {
		t.Error("writeNAR differs from nix-store --dump")
	}
}
