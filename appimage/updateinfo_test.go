package appimage

import (
	"strings"
	"testing"
)

func TestParseUpdateInfo(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string // "" for valid
	}{
		{"zsync|https://example.com/App-latest-x86_64.AppImage.zsync", ""},
		{"zsync|http://example.com/a.zsync?x=1", ""},
		{"gh-releases-zsync|probono|AppImages|latest|Subsurface-*x86_64.AppImage.zsync", ""},
		{"gh-releases-zsync|o|r|continuous|App*-aarch64.AppImage.zsync", ""},
		{"pling-v1-zsync|1234567|App-*-x86_64.AppImage", ""},
		{"", "unknown transport"},
		{"bintray-zsync|u|r|n|f", `unknown transport "bintray-zsync"`},
		{"zsync", "zsync takes 1 fields after the transport"},
		{"zsync|", "empty URL"},
		{"zsync|ftp://example.com/a.zsync", "not an http or https URL"},
		{"zsync|example.com/a.zsync", "not an http or https URL"},
		{"zsync|https://a/b|c", "takes 1 fields"},
		{"gh-releases-zsync|o|r|latest", "takes 4 fields"},
		{"gh-releases-zsync|o||latest|a.zsync", "empty repository"},
		{"gh-releases-zsync|o|r|latest|App.AppImage", "must match the .zsync file"},
		{"gh-releases-zsync|o|r|latest|[.zsync", "invalid file name glob"},
		{"gh-releases-zsync|o|r|latest|dir/a.zsync", "invalid file name glob"},
		{"gh-releases-zsync|my org|r|latest|a.zsync", "space in owner"},
		{"pling-v1-zsync|123", "takes 2 fields"},
		{"zsync|https://example.com/a\n.zsync", "control character at byte 27"},
		{"zsync|https://example.com/" + strings.Repeat("a", 1024), "more than the 1024"},
	}
	for _, tt := range tests {
		u, err := ParseUpdateInfo(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%q: got %v, want no error", tt.in, err)
		case tt.wantErr == "" && u.String() != tt.in:
			t.Errorf("%q: String() got %q", tt.in, u.String())
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: got %v, want an error containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestGuessUpdateInfo(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		want     string
		wantNote string
	}{
		{"github", map[string]string{"GITHUB_REPOSITORY": "octo/hello-world", "GITHUB_REPOSITORY_OWNER": "octo", "GITHUB_TOKEN": "x"},
			"gh-releases-zsync|octo|hello-world|latest|My_App*-x86_64.AppImage.zsync", "$GITHUB_REPOSITORY=octo/hello-world"},
		{"github without token", map[string]string{"GITHUB_REPOSITORY": "octo/hello-world", "GITHUB_REPOSITORY_OWNER": "octo"},
			"", "$GITHUB_TOKEN is missing"},
		{"travis tag", map[string]string{"TRAVIS_REPO_SLUG": "a/b", "TRAVIS_TAG": "v1.0", "GITHUB_TOKEN": "x"},
			"gh-releases-zsync|a|b|latest|My_App*-x86_64.AppImage.zsync", "$TRAVIS_REPO_SLUG=a/b"},
		{"travis continuous", map[string]string{"TRAVIS_REPO_SLUG": "a/b", "TRAVIS_TAG": "continuous", "GITHUB_TOKEN": "x"},
			"gh-releases-zsync|a|b|continuous|My_App*-x86_64.AppImage.zsync", ""},
		{"gitlab", map[string]string{"CI_PROJECT_URL": "https://gitlab.com/g/p", "CI_COMMIT_REF_NAME": "main", "CI_JOB_NAME": "build"},
			"zsync|https://gitlab.com/g/p/-/jobs/artifacts/main/raw/My_App-x86_64.AppImage.zsync?job=build", "$CI_COMMIT_REF_NAME=main"},
		{"nothing", map[string]string{}, "", "no GitHub Actions, Travis CI or GitLab CI"},
	}
	for _, tt := range tests {
		got, note := GuessUpdateInfo(func(k string) string { return tt.env[k] }, "My_App", "x86_64")
		if got != tt.want || !strings.Contains(note, tt.wantNote) {
			t.Errorf("%s: got %q (%s), want %q (note containing %q)", tt.name, got, note, tt.want, tt.wantNote)
		}
		if got != "" {
			if _, err := ParseUpdateInfo(got); err != nil {
				t.Errorf("%s: the guess does not parse: %v", tt.name, err)
			}
		}
	}
}

func FuzzParseUpdateInfo(f *testing.F) {
	f.Add("zsync|https://example.com/a.zsync")
	f.Add("gh-releases-zsync|o|r|latest|App-*x86_64.AppImage.zsync")
	f.Add("pling-v1-zsync|1|App-*.AppImage")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUpdateInfo(s)
		if err != nil {
			return
		}
		if u.String() != s {
			t.Fatalf("String() got %q, want %q", u.String(), s)
		}
		if len(s) > 1024 {
			t.Fatalf("accepted %d bytes", len(s))
		}
	})
}
