package desktop

import (
	"testing"
	"unicode/utf8"
)

// FuzzValidate feeds arbitrary bytes to the validator and the parser: they
// must not panic, messages must be valid UTF-8 when the input is, and a
// file the parser accepts must read back the value Set wrote.
func FuzzValidate(f *testing.F) {
	for _, tc := range validateCases {
		f.Add([]byte(tc.data))
	}
	f.Add([]byte("[Desktop Entry]\nType=Application\nName=a\nExec=\"a\\\\$b %f\" %u\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []Profile{Profile026, Profile028} {
			msgs := Validate("f.desktop", data, p)
			for _, m := range msgs {
				if m.Text == "" {
					t.Fatalf("empty message text")
				}
				if utf8.Valid(data) && !utf8.ValidString(m.Text) {
					t.Fatalf("message is not UTF-8 for UTF-8 input: %q", m.Text)
				}
			}
		}
		e, err := Parse(data)
		if err != nil {
			return
		}
		e.Set("X-AppImage-Version", "1.0 b")
		again, err := Parse(e.Bytes())
		if err != nil {
			t.Fatalf("reparse after Set: %v", err)
		}
		if v, _ := again.Get("X-AppImage-Version"); v != "1.0 b" {
			t.Fatalf("X-AppImage-Version read back as %q", v)
		}
	})
}
