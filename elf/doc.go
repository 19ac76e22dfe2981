// Package elf reads and edits the ELF part of an AppImage: the runtime.
//
// It knows the few things an AppImage needs and nothing of squashfs:
//
//   - Size gives the "ELF end" of a file with the type-2 runtime's formula,
//     the offset at which the runtime looks for its squashfs image:
//     max(e_shoff + e_shentsize*e_shnum, sh_offset + sh_size of the last
//     section header).
//   - Sections and FindSection look sections up by name, ReadSection and
//     WriteSection read and fill them (AppImage metadata such as .upd_info
//     lives in zero-filled sections of the runtime).
//   - Arch maps e_machine to the AppImage architecture names x86_64,
//     aarch64, i686 and armhf.
//   - AddSections appends zero-filled sections to an ELF so that its ELF end
//     equals its length, which is how our runtimes are prepared.
//   - HasMagic and SetMagic handle the type-2 magic "AI\x02" at byte 8.
//
// ELF32 and ELF64 in both byte orders are read with a parser of our own that
// treats its input as hostile: every offset and size is checked against
// overflow and the reads it needs, and malformed input gives a *FormatError
// saying at which byte the problem is.
package elf
