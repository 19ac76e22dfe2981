// Package testutil holds helpers shared by the tests of several packages:
// finding the independent tools that witness our output, and privileges.
//
// Rule: when the environment variable CI is set, a missing tool or privilege
// fails the test; otherwise the test is skipped, saying why.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in continuous integration, where every
// witness tool must be present.
func InCI() bool { return os.Getenv("CI") != "" }

// Unavailable fails the test in CI and skips it elsewhere, with the reason.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("required in CI: "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// Tool returns the path of the named program, or stops the test as
// Unavailable says when it is not on PATH.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s is not installed (Debian: see .ci/run)", name)
	}
	return p
}

// Root stops the test as Unavailable says unless it runs as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "test needs root (kernel loop mounts, devices)")
	}
}

// FUSE stops the test as Unavailable says unless /dev/fuse can be opened.
func FUSE(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		Unavailable(t, "FUSE is not usable: %v", err)
		return
	}
	f.Close()
}
