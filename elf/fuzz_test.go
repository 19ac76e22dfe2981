package elf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

var binary64LE = binary.LittleEndian

func FuzzNewFile(f *testing.F) {
	for _, a := range arches {
		m := minimal(a.class, a.order, 62)
		f.Add(m)
		if b, err := AddSections(m, runtimeSections[:2]); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := NewFile(bytes.NewReader(b))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FormatError: %v", err)
			}
			return
		}
		_ = file.Size()
		_, _ = file.Arch()
		for _, s := range file.Sections {
			if s.Size <= int64(len(b)) {
				_, _ = ReadSection(bytes.NewReader(b), s)
			}
		}
		out, err := AddSections(b, []NewSection{{".fuzz_added", 7}})
		if err != nil {
			return
		}
		g, err := NewFile(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("AddSections made an unreadable file: %v", err)
		}
		if g.Size() != int64(len(out)) {
			t.Fatalf("after AddSections: ELF end %d, length %d", g.Size(), len(out))
		}
		if s, ok := g.Section(".fuzz_added"); !ok || s.Size != 7 {
			t.Fatalf("added section: got %+v, %v", s, ok)
		}
	})
}
