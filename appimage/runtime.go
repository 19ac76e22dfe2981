package appimage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/squashfs"
)

// Names of the ELF sections of a type-2 runtime that hold AppImage metadata.
const (
	SectionDigest     = ".digest_md5"
	SectionUpdateInfo = ".upd_info"
	SectionSignature  = ".sha256_sig"
	SectionKey        = ".sig_key"
)

// RuntimeSections lists the metadata sections with the sizes the type-2
// runtime reserves for them (type2-runtime's data_sections.ld). A runtime
// needs at least these sizes; elf.AddSections(runtime, RuntimeSections)
// prepares one.
var RuntimeSections = []elf.NewSection{
	{Name: SectionDigest, Size: 16},
	{Name: SectionUpdateInfo, Size: 1024},
	{Name: SectionSignature, Size: 1024},
	{Name: SectionKey, Size: 8192},
}

// Layout is where the parts of an AppImage (or of a bare runtime) are.
type Layout struct {
	Arch       string // x86_64, aarch64, i686 or armhf
	Offset     int64  // ELF end: where the squashfs image starts
	Digest     elf.Section
	UpdateInfo elf.Section
	Signature  elf.Section
	Key        elf.Section
}

// sections returns the metadata sections in RuntimeSections order.
func (l *Layout) sections() []*elf.Section {
	return []*elf.Section{&l.Digest, &l.UpdateInfo, &l.Signature, &l.Key}
}

// ReadLayout finds the runtime's ELF end and metadata sections in r, a bare
// runtime or a whole AppImage of size bytes. It checks what any type-2
// AppImage needs: an ELF file for a known architecture with the magic AI\x02
// at byte 8 and the four metadata sections, large enough, inside the runtime.
func ReadLayout(r io.ReaderAt, size int64) (*Layout, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	l := &Layout{Offset: f.Size()}
	if l.Arch, err = f.Arch(); err != nil {
		return nil, err
	}
	if !elf.HasMagic(r) {
		var m [3]byte
		if _, err := r.ReadAt(m[:], elf.MagicOffset); err == nil && m == [3]byte{'A', 'I', 1} {
			return nil, errors.New("a type-1 AppImage (ISO 9660 image): only type 2 is supported")
		}
		return nil, errors.New(`no AppImage type-2 magic "AI\x02" at byte 8 (not a type-2 runtime)`)
	}
	if l.Offset > size {
		return nil, fmt.Errorf("ELF end %d is past the end of the file (%d bytes): file truncated", l.Offset, size)
	}
	for i, p := range l.sections() {
		want := RuntimeSections[i]
		s, ok := f.Section(want.Name)
		switch {
		case !ok:
			return nil, fmt.Errorf("no ELF section %s (a type-2 runtime reserves %s, %s, %s and %s)",
				want.Name, SectionDigest, SectionUpdateInfo, SectionSignature, SectionKey)
		case s.Type == elf.SHTNobits:
			return nil, fmt.Errorf("ELF section %s has no bytes in the file", want.Name)
		case s.Size < want.Size:
			return nil, fmt.Errorf("ELF section %s is %d bytes, want at least %d", want.Name, s.Size, want.Size)
		case s.Offset < 0 || s.Offset+s.Size > l.Offset:
			return nil, fmt.Errorf("ELF section %s (bytes %#x-%#x) is not inside the runtime (ends at %#x)", want.Name, s.Offset, s.Offset+s.Size, l.Offset)
		}
		*p = s
	}
	return l, nil
}

// Runtime describes a checked runtime.
type Runtime struct {
	Layout
	Kind    string // RuntimeOurs, RuntimeType2 or RuntimeOther
	Version string // version string found in the binary, if any
}

// Runtime kinds.
const (
	RuntimeOurs  = "goappimage"    // goappimage's runtime: reads every squashfs compression
	RuntimeType2 = "type2-runtime" // AppImage/type2-runtime: reads gzip and zstd only
	RuntimeOther = "other"
)

// CheckRuntime checks that b can serve as the runtime of an AppImage: all
// that ReadLayout checks, and its ELF end equals its length (the runtime
// finds the squashfs image at its ELF end, so any byte after it would hide
// the image).
func CheckRuntime(b []byte) (*Runtime, error) {
	l, err := ReadLayout(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("runtime: %w", err)
	}
	if l.Offset != int64(len(b)) {
		return nil, fmt.Errorf("runtime: it is %d bytes but its ELF end is %d; the squashfs image would not be found (strip trailing data, or prepare it with elf.AddSections)", len(b), l.Offset)
	}
	kind, version := identifyRuntime(b)
	return &Runtime{Layout: *l, Kind: kind, Version: version}, nil
}

var (
	// Go strings carry no terminator: in the binary the version runs into
	// the next string, so it is a dotted number and nothing more.
	ourVersion   = regexp.MustCompile(`goappimage runtime [0-9]+(\.[0-9]+)*`)
	type2Version = regexp.MustCompile(`https://github\.com/AppImage/type2-runtime/commit/[0-9a-f]{7,40}`)
	type2Marker  = []byte("AppImage runtime version")
)

// identifyRuntime tells our runtime from type2-runtime by strings in the
// binary: our runtime carries "goappimage runtime N"; type2-runtime prints
// "AppImage runtime version" and its CI builds embed the commit URL.
func identifyRuntime(b []byte) (kind, version string) {
	if v := ourVersion.Find(b); v != nil {
		return RuntimeOurs, string(v)
	}
	if v := type2Version.Find(b); v != nil {
		return RuntimeType2, string(v)
	}
	if bytes.Contains(b, type2Marker) {
		return RuntimeType2, ""
	}
	return RuntimeOther, ""
}

// Reads reports whether a runtime of this kind can read squashfs images
// compressed with c. type2-runtime and unknown runtimes are assumed to read
// only gzip and zstd, as type2-runtime.
func (r *Runtime) Reads(c squashfs.Compression) bool {
	return r.Kind == RuntimeOurs || c == squashfs.GZIP || c == squashfs.ZSTD
}
