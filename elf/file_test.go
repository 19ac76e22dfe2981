package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/goappimage/goappimage/elf/elftest"
)

// arches lists the GOARCH values the tests build programs for, with the
// AppImage architecture each must map to ("" when none does).
var arches = []struct {
	goarch, arch string
	class        Class
	order        binary.ByteOrder
}{
	{"amd64", "x86_64", Class64, binary.LittleEndian},
	{"arm64", "aarch64", Class64, binary.LittleEndian},
	{"386", "i686", Class32, binary.LittleEndian},
	{"arm", "armhf", Class32, binary.LittleEndian},
	{"s390x", "", Class64, binary.BigEndian},
	{"mips", "", Class32, binary.BigEndian},
}

// stdlibSize computes the type-2 ELF end with debug/elf, independently of
// our parser.
func stdlibSize(t *testing.T, b []byte) int64 {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("debug/elf: %v", err)
	}
	var shoff uint64
	var shentsize, shnum uint64
	if ef.Class == elf.ELFCLASS64 {
		shoff = ef.ByteOrder.Uint64(b[40:])
		shentsize, shnum = uint64(ef.ByteOrder.Uint16(b[58:])), uint64(ef.ByteOrder.Uint16(b[60:]))
	} else {
		shoff = uint64(ef.ByteOrder.Uint32(b[32:]))
		shentsize, shnum = uint64(ef.ByteOrder.Uint16(b[46:])), uint64(ef.ByteOrder.Uint16(b[48:]))
	}
	last := ef.Sections[len(ef.Sections)-1]
	return int64(max(shoff+shentsize*shnum, last.Offset+last.FileSize)) // FileSize is the raw sh_size, also for compressed sections
}

func TestRealPrograms(t *testing.T) {
	for _, a := range arches {
		t.Run(a.goarch, func(t *testing.T) {
			b := elftest.Program(t, a.goarch)
			f, err := NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if f.Class != a.class || f.ByteOrder != a.order {
				t.Errorf("got class %d %v, want %d %v", f.Class, f.ByteOrder, a.class, a.order)
			}
			if got, want := f.Size(), stdlibSize(t, b); got != want {
				t.Errorf("Size: got %d, want %d", got, want)
			}
			ef, _ := elf.NewFile(bytes.NewReader(b))
			if len(f.Sections) != len(ef.Sections) {
				t.Fatalf("got %d sections, want %d", len(f.Sections), len(ef.Sections))
			}
			for i, s := range ef.Sections {
				g := f.Sections[i]
				if g.Name != s.Name || g.Offset != int64(s.Offset) || g.Size != int64(s.FileSize) || g.Type != uint32(s.Type) {
					t.Errorf("section %d: got %+v, want %s type %d at %#x size %d", i, g, s.Name, s.Type, s.Offset, s.FileSize)
				}
			}
			arch, err := Arch(bytes.NewReader(b))
			if a.arch == "" {
				var fe *FormatError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), "unsupported machine") {
					t.Errorf("Arch: got %q, %v; want an unsupported machine error", arch, err)
				}
			} else if err != nil || arch != a.arch {
				t.Errorf("Arch: got %q, %v; want %q", arch, err, a.arch)
			}
			text, err := FindSection(bytes.NewReader(b), ".text")
			if err != nil {
				t.Fatal(err)
			}
			data, err := ReadSection(bytes.NewReader(b), text)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ef.Section(".text").Data()
			if !bytes.Equal(data, want) {
				t.Errorf(".text bytes differ from debug/elf's")
			}
			if _, err := FindSection(bytes.NewReader(b), ".upd_info"); !errors.Is(err, ErrNoSection) {
				t.Errorf("FindSection(.upd_info): got %v, want ErrNoSection", err)
			}
		})
	}
}

// minimal is elftest.Minimal with our Class type.
func minimal(class Class, bo binary.ByteOrder, machine uint16) []byte {
	return elftest.Minimal(class == Class64, bo, machine)
}

func TestMinimalIsReadByStdlib(t *testing.T) {
	for _, a := range arches {
		b := minimal(a.class, a.order, 62)
		ef, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%d %v: debug/elf: %v", a.class, a.order, err)
		}
		if ef.Section(".shstrtab") == nil {
			t.Errorf("%d %v: debug/elf finds no .shstrtab", a.class, a.order)
		}
		if got, want := mustSize(t, b), stdlibSize(t, b); got != want || got != int64(len(b)) {
			t.Errorf("%d %v: Size got %d, want %d (length %d)", a.class, a.order, got, want, len(b))
		}
	}
}

func mustSize(t *testing.T, b []byte) int64 {
	t.Helper()
	n, err := Size(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFormatErrors(t *testing.T) {
	lay := layouts[Class64]
	bo := binary.LittleEndian
	good := minimal(Class64, bo, 62)
	shoff := int(bo.Uint64(good[lay.shoff:]))
	strHdr := shoff + lay.shentsize
	tests := []struct {
		name   string
		edit   func(b []byte) []byte
		msg    string
		offset int64
	}{
		{"empty", func(b []byte) []byte { return nil }, "file ends inside ELF identification", 0},
		{"bad magic", func(b []byte) []byte { b[1] = 'X'; return b }, "bad magic number", 0},
		{"bad class", func(b []byte) []byte { b[4] = 3; return b }, "unknown ELF class 3", 4},
		{"bad encoding", func(b []byte) []byte { b[5] = 0; return b }, "unknown ELF data encoding 0", 5},
		{"short header", func(b []byte) []byte { return b[:40] }, "file ends inside ELF header", 40},
		{"no sections", func(b []byte) []byte { bo.PutUint16(b[lay.shnumOff:], 0); return b }, "no section headers", int64(lay.shnumOff)},
		{"entry size", func(b []byte) []byte { bo.PutUint16(b[lay.shentsizeOff:], 40); return b }, "section header size 40, want 64", int64(lay.shentsizeOff)},
		{"table past end", func(b []byte) []byte { bo.PutUint64(b[lay.shoff:], 1<<40); return b }, "file ends inside section header table", 1 << 40},
		{"huge table offset", func(b []byte) []byte { bo.PutUint64(b[lay.shoff:], 1<<63); return b }, "out of range", int64(lay.shoff)},
		{"table in header", func(b []byte) []byte { bo.PutUint64(b[lay.shoff:], 8); return b }, "overlaps the ELF header", int64(lay.shoff)},
		{"truncated table", func(b []byte) []byte { return b[:len(b)-1] }, "file ends inside section header table", int64(len(good) - 1)},
		{"name table index", func(b []byte) []byte { bo.PutUint16(b[lay.shstrOff:], 2); return b }, "section name table index 2, but only 2 sections", int64(lay.shstrOff)},
		{"extended numbering", func(b []byte) []byte { bo.PutUint16(b[lay.shstrOff:], 0xffff); return b }, "extended section numbering", int64(lay.shstrOff)},
		{"name table huge", func(b []byte) []byte { bo.PutUint64(b[strHdr+lay.secSize:], 1<<30); return b }, "section name table is 1073741824 bytes", int64(strHdr + lay.secSize)},
		{"name table nobits", func(b []byte) []byte { bo.PutUint32(b[strHdr+lay.secType:], SHTNobits); return b }, "has no bytes in the file", int64(strHdr)},
		{"name table past end", func(b []byte) []byte { bo.PutUint64(b[strHdr+lay.secOffset:], 1<<20); return b }, "file ends inside section name table", 1 << 20},
		{"section offset overflow", func(b []byte) []byte { bo.PutUint64(b[strHdr+lay.secOffset:], 1<<63); return b }, "section 1 offset", int64(strHdr + lay.secOffset)},
		{"name outside table", func(b []byte) []byte { bo.PutUint32(b[strHdr+lay.secName:], 11); return b }, "name offset 11 outside the 11-byte name table", int64(strHdr + lay.secName)},
		{"name unterminated", func(b []byte) []byte { b[lay.ehsize+10] = 'x'; return b }, "section 1 name is not NUL-terminated", int64(lay.ehsize + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.edit(bytes.Clone(good))
			_, err := NewFile(bytes.NewReader(b))
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FormatError", err)
			}
			if !strings.Contains(err.Error(), tt.msg) || fe.Off != tt.offset || !strings.Contains(err.Error(), "at byte 0x") {
				t.Errorf("got %q (offset %#x), want it to contain %q at offset %#x", err, fe.Off, tt.msg, tt.offset)
			}
		})
	}
}

func TestMagic(t *testing.T) {
	b := minimal(Class64, binary.LittleEndian, 62)
	if HasMagic(bytes.NewReader(b)) {
		t.Fatal("HasMagic before SetMagic: got true")
	}
	if err := SetMagic(b); err != nil {
		t.Fatal(err)
	}
	if !HasMagic(bytes.NewReader(b)) {
		t.Fatal("HasMagic after SetMagic: got false")
	}
	if !bytes.Equal(b[8:11], []byte{0x41, 0x49, 0x02}) {
		t.Errorf("bytes 8-10: got % x, want 41 49 02", b[8:11])
	}
	if _, err := elf.NewFile(bytes.NewReader(b)); err != nil {
		t.Errorf("debug/elf rejects the file with the magic: %v", err)
	}
	if err := SetMagic([]byte("#!/bin/sh\necho hello\n")); err == nil {
		t.Error("SetMagic on a script: got no error")
	}
	if HasMagic(bytes.NewReader([]byte("AI"))) {
		t.Error("HasMagic on 2 bytes: got true")
	}
}
