package binaries

import (
	"bytes"
	"testing"

	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/runtime/internal/prep"
)

func TestRuntimesArePrepared(t *testing.T) {
	for _, arch := range Arches() {
		b, err := Get(arch)
		if err != nil {
			t.Fatal(err)
		}
		r := bytes.NewReader(b)
		if !elf.HasMagic(r) {
			t.Errorf("%s: no AppImage magic AI\\x02 at byte 8", arch)
		}
		if end, err := elf.Size(r); err != nil || end != int64(len(b)) {
			t.Errorf("%s: ELF end %d (%v), want the file length %d", arch, end, err, len(b))
		}
		if got, err := elf.Arch(r); got != arch || err != nil {
			t.Errorf("%s: ELF architecture %q (%v)", arch, got, err)
		}
		for _, want := range prep.Sections {
			s, err := elf.FindSection(r, want.Name)
			if err != nil {
				t.Errorf("%s: %v", arch, err)
				continue
			}
			data, err := elf.ReadSection(r, s)
			if err != nil || int64(len(data)) != want.Size || !bytes.Equal(data, make([]byte, want.Size)) {
				t.Errorf("%s: section %s is not %d zero bytes (%d bytes, %v)", arch, want.Name, want.Size, len(data), err)
			}
		}
		t.Logf("runtime-%s: %d bytes", arch, len(b))
	}
	if _, err := Get("sparc"); err == nil {
		t.Error("Get(sparc) succeeded, want an error")
	}
}

// TestRebuildIsIdentical rebuilds every runtime from the current source and
// compares it with the committed binary: they must be the same bytes, so the
// embedded runtimes are what the source says.
func TestRebuildIsIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: cross-builds four runtimes (-short)")
	}
	v, err := prep.GoVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v != GoVersion() {
		t.Skipf("skipping: the runtimes were built with %s, this is %s; a different toolchain gives different bytes", GoVersion(), v)
	}
	for _, arch := range Arches() {
		want, _ := Get(arch)
		got, err := prep.Build(arch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: rebuilt runtime (%d bytes) differs from the committed one (%d bytes); run `make runtime` and commit runtime/binaries", arch, len(got), len(want))
		}
	}
}
