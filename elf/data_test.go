package elf

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// memFile is an in-memory io.WriterAt over a byte slice.
type memFile []byte

func (m memFile) WriteAt(p []byte, off int64) (int, error) { return copy(m[off:], p), nil }

func TestReadWriteSection(t *testing.T) {
	b, err := AddSections(minimal(Class32, binary.BigEndian, 40), []NewSection{{".upd_info", 32}, {".tail", 4}})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := FindSection(bytes.NewReader(b), ".upd_info")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(memFile(b), upd, []byte("zsync|https://example.com/a")); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSection(bytes.NewReader(b), upd)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte("zsync|https://example.com/a"), make([]byte, 32-27)...)
	if !bytes.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// A shorter write zeroes what was there before.
	if err := WriteSection(memFile(b), upd, []byte("x")); err != nil {
		t.Fatal(err)
	}
	got, _ = ReadSection(bytes.NewReader(b), upd)
	if !bytes.Equal(got, append([]byte("x"), make([]byte, 31)...)) {
		t.Errorf("after a shorter write: got %q", got)
	}
	before := bytes.Clone(b)
	err = WriteSection(memFile(b), upd, make([]byte, 33))
	if err == nil || !strings.Contains(err.Error(), "33 bytes do not fit in section .upd_info (32 bytes)") {
		t.Errorf("oversized write: got %v", err)
	}
	if !bytes.Equal(before, b) {
		t.Error("a refused write changed the file")
	}
	tail, _ := FindSection(bytes.NewReader(b), ".tail")
	if _, err := ReadSection(bytes.NewReader(b[:tail.Offset+2]), tail); err == nil || !strings.Contains(err.Error(), "file ends inside section .tail") {
		t.Errorf("truncated read: got %v", err)
	}
	if _, err := ReadSection(bytes.NewReader(b), Section{Name: ".bss", Type: SHTNobits, Size: 8}); err == nil {
		t.Error("reading a NOBITS section: got no error")
	}
}
