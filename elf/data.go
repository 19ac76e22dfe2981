package elf

import (
	"fmt"
	"io"
)

// maxSectionRead bounds ReadSection so a hostile header cannot make it
// allocate without limit.
const maxSectionRead = 64 << 20

// ReadSection returns the bytes of section s read from r.
func ReadSection(r io.ReaderAt, s Section) ([]byte, error) {
	if s.Type == SHTNobits {
		return nil, fmt.Errorf("elf: section %s has no bytes in the file", s.Name)
	}
	if s.Size > maxSectionRead {
		return nil, fmt.Errorf("elf: section %s is %d bytes, more than the %d this reads", s.Name, s.Size, maxSectionRead)
	}
	b := make([]byte, s.Size)
	if err := readFull(r, b, s.Offset, "section "+s.Name); err != nil {
		return nil, err
	}
	return b, nil
}

// WriteSection writes data at the start of section s in w and zeroes the
// rest of the section. It fails, writing nothing, when data is larger than
// the section.
func WriteSection(w io.WriterAt, s Section, data []byte) error {
	if s.Type == SHTNobits {
		return fmt.Errorf("elf: section %s has no bytes in the file", s.Name)
	}
	if int64(len(data)) > s.Size {
		return fmt.Errorf("elf: %d bytes do not fit in section %s (%d bytes)", len(data), s.Name, s.Size)
	}
	if s.Size > maxSectionRead {
		return fmt.Errorf("elf: section %s is %d bytes, more than the %d this writes", s.Name, s.Size, maxSectionRead)
	}
	b := make([]byte, s.Size)
	copy(b, data)
	if _, err := w.WriteAt(b, s.Offset); err != nil {
		return fmt.Errorf("elf: writing section %s at byte %#x: %w", s.Name, s.Offset, err)
	}
	return nil
}
