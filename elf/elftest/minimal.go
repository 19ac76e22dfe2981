package elftest

import "encoding/binary"

// Minimal returns the smallest ELF file with a section name table: the ELF
// header, the names, then the section header table [null, .shstrtab]. Its
// type-2 ELF end is its length. It is written field by field from the ELF
// specification, for tests and fuzz seeds.
func Minimal(is64 bool, bo binary.ByteOrder, machine uint16) []byte {
	// Field offsets: ELF header size, e_shoff, e_shentsize; section header
	// size and the offsets of sh_offset and sh_size in it.
	ehsize, shoffAt, shentAt, shsize, secOff, secSize, word := 52, 32, 46, 40, 16, 20, 4
	if is64 {
		ehsize, shoffAt, shentAt, shsize, secOff, secSize, word = 64, 40, 58, 64, 24, 32, 8
	}
	put := func(b []byte, v uint64) {
		if word == 4 {
			bo.PutUint32(b, uint32(v))
		} else {
			bo.PutUint64(b, v)
		}
	}
	names := []byte("\x00.shstrtab\x00")
	b := make([]byte, ehsize)
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 1, 1, 1 // ELFCLASS32, ELFDATA2LSB, EV_CURRENT
	if is64 {
		b[4] = 2
	}
	if bo == binary.BigEndian {
		b[5] = 2
	}
	bo.PutUint16(b[16:], 2) // ET_EXEC
	bo.PutUint16(b[18:], machine)
	bo.PutUint32(b[20:], 1)
	strOff := len(b)
	b = append(b, names...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	shoff := len(b)
	b = append(b, make([]byte, 2*shsize)...)
	h := b[shoff+shsize:]
	bo.PutUint32(h[0:], 1) // sh_name: ".shstrtab"
	bo.PutUint32(h[4:], 3) // SHT_STRTAB
	put(h[secOff:], uint64(strOff))
	put(h[secSize:], uint64(len(names)))
	put(b[shoffAt:], uint64(shoff))
	bo.PutUint16(b[shentAt-6:], uint16(ehsize)) // e_ehsize
	bo.PutUint16(b[shentAt:], uint16(shsize))   // e_shentsize
	bo.PutUint16(b[shentAt+2:], 2)              // e_shnum
	bo.PutUint16(b[shentAt+4:], 1)              // e_shstrndx
	return b
}
