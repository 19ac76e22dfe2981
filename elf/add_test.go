package elf

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/elf/elftest"
	"github.com/goappimage/goappimage/internal/testutil"
)

// runtimeSections are the sections of a type-2 AppImage runtime.
var runtimeSections = []NewSection{{".digest_md5", 16}, {".upd_info", 1024}, {".sha256_sig", 1024}, {".sig_key", 8192}}

func TestAddSectionsRealPrograms(t *testing.T) {
	for _, a := range arches {
		t.Run(a.goarch, func(t *testing.T) {
			in := elftest.Program(t, a.goarch)
			inCopy := bytes.Clone(in)
			out, err := AddSections(in, runtimeSections)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(in, inCopy) {
				t.Error("AddSections changed its input")
			}
			if got := mustSize(t, out); got != int64(len(out)) {
				t.Errorf("ELF end: got %d, want the length %d", got, len(out))
			}
			if got := stdlibSize(t, out); got != int64(len(out)) {
				t.Errorf("ELF end by debug/elf: got %d, want the length %d", got, len(out))
			}
			// Every old section keeps its name and bytes; the new ones exist, zeroed.
			oldF, _ := elf.NewFile(bytes.NewReader(in))
			newF, err := elf.NewFile(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("debug/elf: %v", err)
			}
			for i, s := range oldF.Sections {
				n := newF.Sections[i]
				if n.Name != s.Name || n.Type != s.Type || n.Addr != s.Addr || n.Flags != s.Flags {
					t.Errorf("section %d: got %s, want %s", i, n.Name, s.Name)
				}
				if s.Type == elf.SHT_NOBITS {
					continue
				}
				od, _ := s.Data()
				nd, err := n.Data()
				if s.Name == ".shstrtab" { // grows: the old names stay first
					nd = nd[:min(len(nd), len(od))]
				}
				if err != nil || !bytes.Equal(od, nd) {
					t.Errorf("section %s bytes changed (%v)", s.Name, err)
				}
			}
			for _, ns := range runtimeSections {
				s := newF.Section(ns.Name)
				if s == nil {
					t.Errorf("debug/elf finds no %s", ns.Name)
					continue
				}
				d, _ := s.Data()
				if int64(len(d)) != ns.Size || len(bytes.Trim(d, "\x00")) != 0 {
					t.Errorf("%s: got %d bytes (zero: %v), want %d zero bytes", ns.Name, len(d), len(bytes.Trim(d, "\x00")) == 0, ns.Size)
				}
			}
			// The program headers, hence what the kernel loads, are untouched.
			if len(oldF.Progs) != len(newF.Progs) {
				t.Errorf("got %d program headers, want %d", len(newF.Progs), len(oldF.Progs))
			}
		})
	}
}

// TestAddSectionsWitnesses checks the result with binutils and runs it.
func TestAddSectionsWitnesses(t *testing.T) {
	readelf := testutil.Tool(t, "readelf")
	for _, goarch := range []string{"amd64", "arm"} {
		out, err := AddSections(elftest.Program(t, goarch), runtimeSections)
		if err != nil {
			t.Fatal(err)
		}
		if err := SetMagic(out); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "runtime-"+goarch)
		if err := os.WriteFile(path, out, 0o755); err != nil {
			t.Fatal(err)
		}
		msg, err := exec.Command(readelf, "-W", "-S", path).CombinedOutput()
		if err != nil || strings.Contains(string(msg), "Warning") {
			t.Fatalf("readelf: %v\n%s", err, msg)
		}
		for _, s := range runtimeSections {
			f := strings.Fields(lineWith(string(msg), " "+s.Name+" "))
			// [Nr] Name Type Address Off Size ...: after the name, Type, Address, Off, Size.
			if len(f) < 6 || f[2] != "PROGBITS" || hexSize(f[5]) != s.Size {
				t.Errorf("%s: readelf line %q, want PROGBITS of size %d", s.Name, f, s.Size)
			}
		}
	}
	// objcopy finds the bytes we write where we say the section is (the
	// host's binutils know x86 formats only).
	objcopy := testutil.Tool(t, "objcopy")
	out, _ := AddSections(elftest.Program(t, "386"), runtimeSections)
	dir := t.TempDir()
	path := filepath.Join(dir, "prepared")
	os.WriteFile(path, out, 0o644)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	upd, _ := FindSection(f, ".upd_info")
	if err := WriteSection(f, upd, []byte("zsync|https://example.com/a.zsync")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dump := filepath.Join(dir, "upd")
	if msg, err := exec.Command(objcopy, "--dump-section", ".upd_info="+dump, path, filepath.Join(dir, "copy")).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, msg)
	}
	if got, _ := os.ReadFile(dump); string(bytes.TrimRight(got, "\x00")) != "zsync|https://example.com/a.zsync" || len(got) != 1024 {
		t.Errorf("objcopy dumps .upd_info as %q (%d bytes)", bytes.TrimRight(got, "\x00"), len(got))
	}

	if runtime.GOARCH == "amd64" {
		out, _ := AddSections(elftest.Program(t, "amd64"), runtimeSections)
		if err := SetMagic(out); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "prepared")
		if err := os.WriteFile(path, out, 0o755); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(path).Output()
		if err != nil || string(got) != elftest.Greeting {
			t.Errorf("running the prepared program: got %q, %v; want %q", got, err, elftest.Greeting)
		}
	}
}

func lineWith(text, sub string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return strings.ReplaceAll(strings.ReplaceAll(l, "[ ", "["), "]", "] ")
		}
	}
	return ""
}

func hexSize(s string) int64 {
	var n int64
	for _, c := range s {
		d := strings.IndexRune("0123456789abcdef", c)
		if d < 0 {
			return -1
		}
		n = n*16 + int64(d)
	}
	return n
}

func TestAddSectionsErrors(t *testing.T) {
	b := minimal(Class64, binary64LE, 183)
	tests := []struct {
		name string
		secs []NewSection
		msg  string
	}{
		{"existing", []NewSection{{".shstrtab", 4}}, "section .shstrtab already exists"},
		{"twice", []NewSection{{".a", 4}, {".a", 4}}, "section .a given twice"},
		{"empty name", []NewSection{{"", 4}}, `invalid section name ""`},
		{"NUL in name", []NewSection{{".a\x00b", 4}}, "invalid section name"},
		{"negative", []NewSection{{".a", -1}}, "invalid size -1"},
	}
	for _, tt := range tests {
		if _, err := AddSections(b, tt.secs); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, err, tt.msg)
		}
	}
	if _, err := AddSections([]byte("not an elf file at all"), runtimeSections); err == nil {
		t.Error("AddSections on a text file: got no error")
	}
}
