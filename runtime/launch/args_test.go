package launch

import (
	"slices"
	"testing"
)

func TestFindCommand(t *testing.T) {
	tests := []struct {
		args     []string
		wantName string
		wantRest []string
		wantOK   bool
	}{
		{nil, "", nil, false},
		{[]string{"file.txt", "-v"}, "", nil, false},
		{[]string{"--appimage-extract"}, "appimage-extract", []string{}, true},
		{[]string{"--appimage-extract", "usr/*"}, "appimage-extract", []string{"usr/*"}, true},
		{[]string{"x", "--appimage-offset", "y"}, "appimage-offset", []string{"y"}, true},
		// Only the first "--" argument counts, as in type2-runtime.
		{[]string{"--foo", "--appimage-extract"}, "", nil, false},
		{[]string{"--appimage-bogus"}, "appimage-bogus", []string{}, true},
		{[]string{"-appimage-extract"}, "", nil, false},
	}
	for _, tt := range tests {
		name, rest, ok := findCommand(tt.args)
		if name != tt.wantName || ok != tt.wantOK || !slices.Equal(rest, tt.wantRest) {
			t.Errorf("findCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.args, name, rest, ok, tt.wantName, tt.wantRest, tt.wantOK)
		}
	}
}

func TestWithoutExtractAndRun(t *testing.T) {
	got := withoutExtractAndRun([]string{"a", "--appimage-extract-and-run", "b", "--appimage-extract-and-run"})
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
