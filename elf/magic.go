package elf

import (
	"bytes"
	"io"
)

// Magic is the type-2 AppImage magic, stored at MagicOffset of the runtime
// (in e_ident's ABI version and padding bytes, which Linux ignores).
var Magic = []byte{'A', 'I', 0x02}

// MagicOffset is where Magic sits in an AppImage.
const MagicOffset = 8

// HasMagic reports whether r starts like an ELF file carrying the type-2
// AppImage magic.
func HasMagic(r io.ReaderAt) bool {
	var b [MagicOffset + 3]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return false
	}
	return string(b[:4]) == "\x7fELF" && bytes.Equal(b[MagicOffset:], Magic)
}

// SetMagic writes the type-2 AppImage magic into the ELF file b.
func SetMagic(b []byte) error {
	if len(b) < 16 || string(b[:4]) != "\x7fELF" {
		return formatErr(0, "not an ELF file: bad magic number")
	}
	copy(b[MagicOffset:], Magic)
	return nil
}
