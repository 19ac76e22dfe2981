package elf

import (
	"bytes"
	"fmt"
	"math"
)

// NewSection describes a zero-filled section for AddSections.
type NewSection struct {
	Name string
	Size int64
}

// AddSections returns a copy of the ELF file in b with the given zero-filled
// sections appended. The new layout is: the original bytes, the new sections
// in order, a new section name table, then the section header table (the old
// headers followed by the new ones). So the type-2 ELF end of the result is
// its length, which an AppImage runtime needs. The old name table and section
// header table stay in place as unused bytes. The sections are of type
// SHT_PROGBITS without flags: not loaded into memory, read from the file.
func AddSections(b []byte, secs []NewSection) ([]byte, error) {
	f, err := NewFile(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	lay := layouts[f.Class]
	bo := f.ByteOrder
	seen := map[string]bool{}
	for _, s := range secs {
		switch {
		case s.Name == "" || bytes.IndexByte([]byte(s.Name), 0) >= 0:
			return nil, fmt.Errorf("elf: invalid section name %q", s.Name)
		case s.Size < 0 || s.Size > math.MaxInt32:
			return nil, fmt.Errorf("elf: section %s: invalid size %d", s.Name, s.Size)
		case seen[s.Name]:
			return nil, fmt.Errorf("elf: section %s given twice", s.Name)
		}
		if _, ok := f.Section(s.Name); ok {
			return nil, fmt.Errorf("elf: section %s already exists", s.Name)
		}
		seen[s.Name] = true
	}
	if int(f.shnum)+len(secs) >= 0xff00 { // SHN_LORESERVE
		return nil, fmt.Errorf("elf: %d sections would need extended numbering", int(f.shnum)+len(secs))
	}

	out := bytes.Clone(b)
	// New sections.
	offsets := make([]int64, len(secs))
	for i, s := range secs {
		offsets[i] = int64(len(out))
		out = append(out, make([]byte, s.Size)...)
	}
	// New section name table: the old one plus the new names.
	oldStr := f.Sections[f.shstrndx]
	strs, err := ReadSection(bytes.NewReader(b), oldStr)
	if err != nil {
		return nil, err
	}
	if len(strs) == 0 {
		strs = []byte{0}
	}
	nameOffs := make([]uint32, len(secs))
	for i, s := range secs {
		nameOffs[i] = uint32(len(strs))
		strs = append(strs, s.Name...)
		strs = append(strs, 0)
	}
	strOff := int64(len(out))
	out = append(out, strs...)
	// Section header table, aligned to the word size.
	for len(out)%lay.offWidth != 0 {
		out = append(out, 0)
	}
	shoff := int64(len(out))
	if f.Class == Class32 && shoff+int64(len(secs)+int(f.shnum))*f.shentsize > math.MaxUint32 {
		return nil, fmt.Errorf("elf: result too large for ELF32")
	}
	out = append(out, b[f.shoff:f.shoff+f.shnum*f.shentsize]...)
	strHdr := out[shoff+int64(f.shstrndx)*f.shentsize:]
	f.putWord(strHdr[lay.secOffset:], uint64(strOff))
	f.putWord(strHdr[lay.secSize:], uint64(len(strs)))
	for i, s := range secs {
		h := make([]byte, lay.shentsize)
		bo.PutUint32(h[lay.secName:], nameOffs[i])
		bo.PutUint32(h[lay.secType:], SHTProgbits)
		f.putWord(h[lay.secOffset:], uint64(offsets[i]))
		f.putWord(h[lay.secSize:], uint64(s.Size))
		f.putWord(h[lay.secAlign:], 1)
		out = append(out, h...)
	}
	// ELF header: where the table is and how many entries it has.
	f.putWord(out[lay.shoff:], uint64(shoff))
	bo.PutUint16(out[lay.shnumOff:], uint16(int(f.shnum)+len(secs)))
	return out, nil
}

// putWord writes an address-sized field.
func (f *File) putWord(b []byte, v uint64) {
	if f.Class == Class32 {
		f.ByteOrder.PutUint32(b, uint32(v))
		return
	}
	f.ByteOrder.PutUint64(b, v)
}
