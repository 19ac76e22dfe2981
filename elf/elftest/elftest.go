// Package elftest builds real ELF executables for tests: a tiny static Go
// program cross-compiled for a GOARCH with the go command running the tests.
package elftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Greeting is what every program built by Program prints on standard output.
const Greeting = "hello from a tiny static program\n"

const source = `package main

import "os"

func main() { os.Stdout.WriteString("hello from a tiny static program\n") }
`

var (
	mu    sync.Mutex
	cache = map[string][]byte{}
)

// Program returns a static Linux executable for goarch (GOARCH values:
// amd64, arm64, 386, arm, s390x, mips...), built once per test binary.
func Program(t testing.TB, goarch string) []byte {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cache[goarch]; ok {
		return b
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build test programs: %v", err)
	}
	dir, err := os.MkdirTemp("", "elftest-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":  "module tiny\n\ngo 1.21\n",
		"main.go": source,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "tiny")
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOARM=7", "GOFLAGS=-mod=mod", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a test program for %s: %v\n%s", goarch, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cache[goarch] = b
	return b
}
