package desktop

import (
	"strings"
	"testing"
)

func TestEntryGet(t *testing.T) {
	src := "# c\n[Desktop Entry]\nType=Application\nName=Example App\nName[de]=Beispiel\nExec=ex %F\nIcon=example\n" +
		"Comment=a\\sb\\nc\\\\d\nCategories=Utility;Development;\nX-AppImage-Version=1.2\n[Desktop Action x]\nName=X\n"
	e, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"Name", "Example App"}, {"Name[de]", "Beispiel"}, {"Exec", "ex %F"}, {"Icon", "example"},
		{"Comment", "a b\nc\\d"}, {"X-AppImage-Version", "1.2"}, {"Type", "Application"},
	}
	for _, tt := range tests {
		if got, ok := e.Get(tt.key); !ok || got != tt.want {
			t.Errorf("Get(%q) = %q, %v; want %q", tt.key, got, ok, tt.want)
		}
	}
	if _, ok := e.Get("Missing"); ok {
		t.Errorf("Get(Missing) found a value")
	}
	if got := strings.Join(e.Categories(), ","); got != "Utility,Development" {
		t.Errorf("Categories = %q, want %q", got, "Utility,Development")
	}
	if e.Name() != "Example App" || e.Icon() != "example" || e.AppVersion() != "1.2" || e.Exec() != "ex %F" || e.Type() != "Application" {
		t.Errorf("accessors: %q %q %q %q %q", e.Name(), e.Icon(), e.AppVersion(), e.Exec(), e.Type())
	}
	if got := string(e.Bytes()); got != src {
		t.Errorf("Bytes changed an untouched file:\n%s", got)
	}
}

func TestEntrySet(t *testing.T) {
	tests := []struct {
		name, src, key, value, want string
	}{
		{"append to main group", "[Desktop Entry]\nName=a\n\n[X-G]\nK=v\n", "X-AppImage-Version", "1.0",
			"[Desktop Entry]\nName=a\nX-AppImage-Version=1.0\n\n[X-G]\nK=v\n"},
		{"replace in place, drop repeats", "[Desktop Entry]\nX-AppImage-Version=0\nName=a\nX-AppImage-Version=9\n", "X-AppImage-Version", "2 beta",
			"[Desktop Entry]\nX-AppImage-Version=2 beta\nName=a\n"},
		{"escape", "[Desktop Entry]\nName=a\n", "Comment", " x\ty\\", "[Desktop Entry]\nName=a\nComment=\\sx\\ty\\\\\n"},
		{"other groups untouched", "[Desktop Entry]\nName=a\n[Desktop Action b]\nX-AppImage-Version=7\n", "X-AppImage-Version", "1",
			"[Desktop Entry]\nName=a\nX-AppImage-Version=1\n[Desktop Action b]\nX-AppImage-Version=7\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			e.Set(tt.key, tt.value)
			if got := string(e.Bytes()); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			again, err := Parse(e.Bytes())
			if err != nil {
				t.Fatalf("reparse: %v", err)
			}
			if got, _ := again.Get(tt.key); got != tt.value {
				t.Errorf("value read back = %q, want %q", got, tt.value)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no main group", "[X-A]\nK=v\n", "no [Desktop Entry] group"},
		{"key before group", "K=v\n[Desktop Entry]\n", "line 1: key=value pair"},
		{"junk", "[Desktop Entry]\njunk\n", "line 2: \"junk\" is not a key=value pair"},
		{"bad locale last char", "[Desktop Entry]\nName[de!]=x\n", "line 2: invalid key name"},
		{"bad group", "[Desktop Entry]\n[a]b]\n", "line 2:"},
		{"NUL", "[Desktop Entry]\nName=a\x00\n", "NUL byte at byte 0x16"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
