package appimage

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Update-information transports (AppImageSpec, "Update information").
const (
	TransportZsync       = "zsync"             // zsync|URL of the .zsync file
	TransportGitHub      = "gh-releases-zsync" // gh-releases-zsync|owner|repo|tag|zsync file glob
	TransportPling       = "pling-v1-zsync"    // pling-v1-zsync|product id|file glob
	maxUpdateInfoDefault = 1024                // size of .upd_info in type-2 runtimes
)

// UpdateInfo is parsed update information.
type UpdateInfo struct {
	Transport string   // one of the Transport constants
	Fields    []string // the fields after the transport
}

// String returns the update information as stored in .upd_info.
func (u UpdateInfo) String() string {
	return strings.Join(append([]string{u.Transport}, u.Fields...), "|")
}

// ParseUpdateInfo checks s against the three transports of the AppImage
// specification and returns it parsed:
//
//	zsync|https://example.com/App-latest-x86_64.AppImage.zsync
//	gh-releases-zsync|owner|repo|latest|App-*x86_64.AppImage.zsync
//	pling-v1-zsync|1234567|App-*-x86_64.AppImage
func ParseUpdateInfo(s string) (UpdateInfo, error) {
	bad := func(format string, args ...any) (UpdateInfo, error) {
		return UpdateInfo{}, fmt.Errorf("update information %q: %s", s, fmt.Sprintf(format, args...))
	}
	if len(s) > maxUpdateInfoDefault {
		return bad("%d bytes, more than the %d of the .upd_info section", len(s), maxUpdateInfoDefault)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return bad("control character at byte %d", i)
	}
	parts := strings.Split(s, "|")
	u := UpdateInfo{Transport: parts[0], Fields: parts[1:]}
	want := map[string][]string{
		TransportZsync:  {"URL of the .zsync file"},
		TransportGitHub: {"owner", "repository", "release tag (latest, latest-pre, latest-all or a tag)", "file name glob of the .zsync file"},
		TransportPling:  {"product id", "file name glob"},
	}[u.Transport]
	if want == nil {
		return bad("unknown transport %q (want zsync|URL, gh-releases-zsync|owner|repo|tag|glob or pling-v1-zsync|id|glob)", u.Transport)
	}
	if len(u.Fields) != len(want) {
		return bad("%s takes %d fields after the transport (%s), got %d", u.Transport, len(want), strings.Join(want, ", "), len(u.Fields))
	}
	for i, f := range u.Fields {
		if strings.TrimSpace(f) == "" {
			return bad("empty %s", want[i])
		}
		if strings.ContainsAny(f, " \t") && u.Transport != TransportZsync {
			return bad("space in %s %q", want[i], f)
		}
	}
	switch u.Transport {
	case TransportZsync:
		p, err := url.Parse(u.Fields[0])
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return bad("%q is not an http or https URL", u.Fields[0])
		}
	case TransportGitHub:
		if _, err := path.Match(u.Fields[3], ""); err != nil || strings.Contains(u.Fields[3], "/") {
			return bad("invalid file name glob %q", u.Fields[3])
		}
		if !strings.HasSuffix(u.Fields[3], ".zsync") {
			return bad("the file name glob %q must match the .zsync file (end in .zsync)", u.Fields[3])
		}
	case TransportPling:
		if _, err := path.Match(u.Fields[1], ""); err != nil || strings.Contains(u.Fields[1], "/") {
			return bad("invalid file name glob %q", u.Fields[1])
		}
	}
	return u, nil
}

// GuessUpdateInfo derives update information from the environment of a CI
// build as appimagetool -g does, and explains its choice (or why it has
// none) in note. getenv is os.Getenv in production. appName is the name
// used in the output file name (spaces already replaced), arch the
// AppImage architecture.
//
//   - GitHub Actions (GITHUB_REPOSITORY, GITHUB_REPOSITORY_OWNER, and
//     GITHUB_TOKEN set): gh-releases-zsync|OWNER|REPO|latest|APP*-ARCH.AppImage.zsync
//   - Travis CI (TRAVIS_REPO_SLUG, GITHUB_TOKEN): the same with tag
//     "continuous", or "latest" when TRAVIS_TAG is set and not "continuous"
//   - GitLab CI (CI_COMMIT_REF_NAME): zsync|CI_PROJECT_URL/-/jobs/artifacts/
//     CI_COMMIT_REF_NAME/raw/APP-ARCH.AppImage.zsync?job=CI_JOB_NAME
func GuessUpdateInfo(getenv func(string) string, appName, arch string) (info, note string) {
	repo, owner := getenv("GITHUB_REPOSITORY"), getenv("GITHUB_REPOSITORY_OWNER")
	switch {
	case repo != "" && owner != "" && strings.HasPrefix(repo, owner+"/"):
		if getenv("GITHUB_TOKEN") == "" {
			return "", "Will not guess update information since $GITHUB_TOKEN is missing"
		}
		info = fmt.Sprintf("gh-releases-zsync|%s|%s|latest|%s*-%s.AppImage.zsync", owner, strings.TrimPrefix(repo, owner+"/"), appName, arch)
		return info, "Guessing update information based on $GITHUB_REPOSITORY=" + repo
	case getenv("TRAVIS_REPO_SLUG") != "":
		slug := getenv("TRAVIS_REPO_SLUG")
		if getenv("GITHUB_TOKEN") == "" {
			return "", "Will not guess update information since $GITHUB_TOKEN is missing"
		}
		o, r, ok := strings.Cut(slug, "/")
		if !ok {
			return "", "Will not guess update information: $TRAVIS_REPO_SLUG is not owner/repo"
		}
		channel := "continuous"
		if t := getenv("TRAVIS_TAG"); t != "" && t != "continuous" {
			channel = "latest"
		}
		info = fmt.Sprintf("gh-releases-zsync|%s|%s|%s|%s*-%s.AppImage.zsync", o, r, channel, appName, arch)
		return info, "Guessing update information based on $TRAVIS_REPO_SLUG=" + slug
	case getenv("CI_COMMIT_REF_NAME") != "":
		ref := getenv("CI_COMMIT_REF_NAME")
		info = fmt.Sprintf("zsync|%s/-/jobs/artifacts/%s/raw/%s-%s.AppImage.zsync?job=%s", getenv("CI_PROJECT_URL"), ref, appName, arch, getenv("CI_JOB_NAME"))
		return info, "Guessing update information based on $CI_COMMIT_REF_NAME=" + ref + " and $CI_JOB_NAME=" + getenv("CI_JOB_NAME")
	}
	return "", "Will not guess update information: no GitHub Actions, Travis CI or GitLab CI environment found"
}
