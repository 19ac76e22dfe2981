package elf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// FormatError reports malformed ELF input and where in the file it is.
type FormatError struct {
	Off int64  // byte offset of the faulty field or record
	Msg string // what is wrong
}

// Error returns "elf: MSG at byte 0xOFF".
func (e *FormatError) Error() string {
	return fmt.Sprintf("elf: %s at byte %#x", e.Msg, e.Off)
}

func formatErr(off int64, format string, args ...any) error {
	return &FormatError{Off: off, Msg: fmt.Sprintf(format, args...)}
}

// ErrNoSection is returned (wrapped) by FindSection when no section has the
// requested name.
var ErrNoSection = errors.New("elf: no such section")

// Class is the ELF file class: 32 or 64 bits.
type Class int

// ELF classes.
const (
	Class32 Class = 32
	Class64 Class = 64
)

// Section types that matter here.
const (
	SHTProgbits uint32 = 1 // SHT_PROGBITS: bytes stored in the file
	SHTStrtab   uint32 = 3 // SHT_STRTAB: a string table
	SHTNobits   uint32 = 8 // SHT_NOBITS: occupies no bytes in the file
)

const (
	maxNameTable = 1 << 20 // largest section name table we accept
	shnXindex    = 0xffff  // SHN_XINDEX: extended section numbering
)

// Section is one entry of the section header table.
type Section struct {
	Name   string
	Index  int    // position in the section header table
	Type   uint32 // sh_type
	Offset int64  // sh_offset: where the section's bytes start in the file
	Size   int64  // sh_size
}

// File is a parsed ELF header and section header table.
type File struct {
	Class     Class
	ByteOrder binary.ByteOrder
	Machine   uint16 // e_machine
	Sections  []Section

	shoff     int64
	shentsize int64
	shnum     int64
	shstrndx  int
}

// layout gives the offsets of header fields for one class.
type layout struct {
	ehsize, shentsize                              int
	shoff, shentsizeOff, shnumOff, shstrOff        int
	offWidth                                       int // 4 or 8: width of addresses and offsets
	secName, secType, secOffset, secSize, secAlign int
}

var layouts = map[Class]layout{
	Class32: {ehsize: 52, shentsize: 40, shoff: 32, shentsizeOff: 46, shnumOff: 48, shstrOff: 50,
		offWidth: 4, secName: 0, secType: 4, secOffset: 16, secSize: 20, secAlign: 32},
	Class64: {ehsize: 64, shentsize: 64, shoff: 40, shentsizeOff: 58, shnumOff: 60, shstrOff: 62,
		offWidth: 8, secName: 0, secType: 4, secOffset: 24, secSize: 32, secAlign: 48},
}

// readFull reads len(b) bytes at off, turning a short read into a
// FormatError that names what was being read.
func readFull(r io.ReaderAt, b []byte, off int64, what string) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErr(off+int64(n), "file ends inside %s (%d of %d bytes)", what, n, len(b))
	}
	return fmt.Errorf("elf: reading %s at byte %#x: %w", what, off, err)
}

// NewFile parses the ELF header and the section header table of r.
func NewFile(r io.ReaderAt) (*File, error) {
	var ident [64]byte
	if err := readFull(r, ident[:16], 0, "ELF identification"); err != nil {
		return nil, err
	}
	if string(ident[:4]) != "\x7fELF" {
		return nil, formatErr(0, "not an ELF file: bad magic number %q", ident[:4])
	}
	f := &File{}
	switch ident[4] {
	case 1:
		f.Class = Class32
	case 2:
		f.Class = Class64
	default:
		return nil, formatErr(4, "unknown ELF class %d", ident[4])
	}
	switch ident[5] {
	case 1:
		f.ByteOrder = binary.LittleEndian
	case 2:
		f.ByteOrder = binary.BigEndian
	default:
		return nil, formatErr(5, "unknown ELF data encoding %d", ident[5])
	}
	lay := layouts[f.Class]
	hdr := ident[:lay.ehsize]
	if err := readFull(r, hdr[16:], 16, "ELF header"); err != nil {
		return nil, err
	}
	bo := f.ByteOrder
	f.Machine = bo.Uint16(hdr[18:])
	shoff := f.word(hdr[lay.shoff:])
	f.shentsize = int64(bo.Uint16(hdr[lay.shentsizeOff:]))
	f.shnum = int64(bo.Uint16(hdr[lay.shnumOff:]))
	f.shstrndx = int(bo.Uint16(hdr[lay.shstrOff:]))

	if f.shnum == 0 {
		return nil, formatErr(int64(lay.shnumOff), "no section headers (e_shnum is 0)")
	}
	if f.shentsize != int64(lay.shentsize) {
		return nil, formatErr(int64(lay.shentsizeOff), "section header size %d, want %d", f.shentsize, lay.shentsize)
	}
	if shoff > math.MaxInt64/2 {
		return nil, formatErr(int64(lay.shoff), "section header table offset %#x out of range", shoff)
	}
	f.shoff = int64(shoff)
	if f.shoff < int64(lay.ehsize) {
		return nil, formatErr(int64(lay.shoff), "section header table offset %#x overlaps the ELF header", shoff)
	}
	if f.shstrndx == shnXindex {
		return nil, formatErr(int64(lay.shstrOff), "extended section numbering is not supported")
	}
	if f.shstrndx >= int(f.shnum) {
		return nil, formatErr(int64(lay.shstrOff), "section name table index %d, but only %d sections", f.shstrndx, f.shnum)
	}

	table := make([]byte, f.shnum*f.shentsize)
	if err := readFull(r, table, f.shoff, "section header table"); err != nil {
		return nil, err
	}
	f.Sections = make([]Section, f.shnum)
	names := make([]uint32, f.shnum)
	for i := range f.Sections {
		h := table[int64(i)*f.shentsize:]
		at := f.shoff + int64(i)*f.shentsize
		off, size := f.word(h[lay.secOffset:]), f.word(h[lay.secSize:])
		if off > math.MaxInt64/2 {
			return nil, formatErr(at+int64(lay.secOffset), "section %d offset %#x out of range", i, off)
		}
		if size > math.MaxInt64/2 {
			return nil, formatErr(at+int64(lay.secSize), "section %d size %#x out of range", i, size)
		}
		names[i] = bo.Uint32(h[lay.secName:])
		f.Sections[i] = Section{Index: i, Type: bo.Uint32(h[lay.secType:]), Offset: int64(off), Size: int64(size)}
	}

	strtab := f.Sections[f.shstrndx]
	strAt := f.shoff + int64(f.shstrndx)*f.shentsize
	if strtab.Type == SHTNobits {
		return nil, formatErr(strAt, "section name table (section %d) has no bytes in the file", f.shstrndx)
	}
	if strtab.Size > maxNameTable {
		return nil, formatErr(strAt+int64(lay.secSize), "section name table is %d bytes, more than the %d allowed", strtab.Size, maxNameTable)
	}
	strs := make([]byte, strtab.Size)
	if err := readFull(r, strs, strtab.Offset, "section name table"); err != nil {
		return nil, err
	}
	for i := range f.Sections {
		n := names[i]
		if n == 0 && i == 0 {
			continue
		}
		if int64(n) >= int64(len(strs)) {
			return nil, formatErr(f.shoff+int64(i)*f.shentsize+int64(lay.secName), "section %d name offset %d outside the %d-byte name table", i, n, len(strs))
		}
		s := strs[n:]
		end := 0
		for end < len(s) && s[end] != 0 {
			end++
		}
		if end == len(s) {
			return nil, formatErr(strtab.Offset+int64(n), "section %d name is not NUL-terminated", i)
		}
		f.Sections[i].Name = string(s[:end])
	}
	return f, nil
}

// word reads an address-sized field: 4 bytes for ELF32, 8 for ELF64.
func (f *File) word(b []byte) uint64 {
	if f.Class == Class32 {
		return uint64(f.ByteOrder.Uint32(b))
	}
	return f.ByteOrder.Uint64(b)
}

// Size returns the ELF end with the type-2 runtime's formula: the end of the
// section header table or the end of the last section in that table,
// whichever is larger.
func (f *File) Size() int64 {
	end := f.shoff + f.shnum*f.shentsize
	last := f.Sections[len(f.Sections)-1]
	return max(end, last.Offset+last.Size)
}

// Section returns the first section called name.
func (f *File) Section(name string) (Section, bool) {
	for _, s := range f.Sections {
		if s.Name == name && s.Index != 0 {
			return s, true
		}
	}
	return Section{}, false
}

// Arch returns the AppImage architecture name of e_machine: x86_64, aarch64,
// i686 or armhf.
func (f *File) Arch() (string, error) {
	if a, ok := archNames[f.Machine]; ok {
		return a, nil
	}
	return "", formatErr(18, "unsupported machine %d (AppImages exist for x86_64, aarch64, i686 and armhf)", f.Machine)
}

// e_machine values of the architectures AppImages exist for.
var archNames = map[uint16]string{
	3:   "i686",    // EM_386
	62:  "x86_64",  // EM_X86_64
	40:  "armhf",   // EM_ARM
	183: "aarch64", // EM_AARCH64
}

// Size returns the type-2 ELF end of the ELF file in r: where an AppImage's
// squashfs image starts.
func Size(r io.ReaderAt) (int64, error) {
	f, err := NewFile(r)
	if err != nil {
		return 0, err
	}
	return f.Size(), nil
}

// Sections returns the section headers of the ELF file in r.
func Sections(r io.ReaderAt) ([]Section, error) {
	f, err := NewFile(r)
	if err != nil {
		return nil, err
	}
	return f.Sections, nil
}

// FindSection returns the section called name, or an error wrapping
// ErrNoSection.
func FindSection(r io.ReaderAt, name string) (Section, error) {
	f, err := NewFile(r)
	if err != nil {
		return Section{}, err
	}
	s, ok := f.Section(name)
	if !ok {
		return Section{}, fmt.Errorf("%w %s", ErrNoSection, name)
	}
	return s, nil
}

// Arch returns the AppImage architecture name (x86_64, aarch64, i686, armhf)
// of the ELF file in r.
func Arch(r io.ReaderAt) (string, error) {
	f, err := NewFile(r)
	if err != nil {
		return "", err
	}
	return f.Arch()
}
