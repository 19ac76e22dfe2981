// Command mkruntime builds the AppImage runtime for every architecture and
// prepares each binary the way an AppImage runtime must be: zero-filled
// sections .digest_md5, .upd_info, .sha256_sig and .sig_key appended so that
// the ELF end is the file length, and the magic "AI\x02" at byte 8.
//
// Usage (from the module root; `make runtime` runs it):
//
//	go run ./runtime/internal/mkruntime [-o runtime/binaries]
//
// The output depends only on the source, the module versions in go.mod and
// the Go toolchain, whose version is written to go-version next to the
// binaries.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/goappimage/goappimage/elf"
)

// target is one architecture the runtime is built for.
type target struct {
	arch string   // AppImage name
	env  []string // Go cross-compilation settings, all pinned
}

var targets = []target{
	{"x86_64", []string{"GOARCH=amd64", "GOAMD64=v1"}},
	{"aarch64", []string{"GOARCH=arm64", "GOARM64=v8.0"}},
	{"i686", []string{"GOARCH=386", "GO386=sse2"}},
	{"armhf", []string{"GOARCH=arm", "GOARM=7"}},
}

// sections are the zero-filled sections every type-2 runtime carries.
var sections = []elf.NewSection{
	{Name: ".digest_md5", Size: 16},
	{Name: ".upd_info", Size: 1024},
	{Name: ".sha256_sig", Size: 1024},
	{Name: ".sig_key", Size: 8192},
}

const pkg = "./runtime/cmd/appimage-runtime"

func main() {
	out := flag.String("o", "runtime/binaries", "directory to write runtime-<arch> and go-version to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkruntime:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	tmp, err := os.MkdirTemp("", "mkruntime")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for _, t := range targets {
		raw := filepath.Join(tmp, t.arch)
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
			"-ldflags=-s -w -buildid=", "-o", raw, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=", "GOEXPERIMENT=")
		cmd.Env = append(cmd.Env, t.env...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building the %s runtime: %w", t.arch, err)
		}
		b, err := os.ReadFile(raw)
		if err != nil {
			return err
		}
		prepared, err := prepare(b)
		if err != nil {
			return fmt.Errorf("preparing the %s runtime: %w", t.arch, err)
		}
		if err := writeFile(filepath.Join(out, "runtime-"+t.arch), prepared); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "runtime-%s: %d bytes\n", t.arch, len(prepared))
	}
	v, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("asking the Go version: %w", err)
	}
	return writeFile(filepath.Join(out, "go-version"), v)
}

// prepare adds the AppImage sections and magic to a built runtime and checks
// that its ELF end is its length.
func prepare(b []byte) ([]byte, error) {
	p, err := elf.AddSections(b, sections)
	if err != nil {
		return nil, err
	}
	if err := elf.SetMagic(p); err != nil {
		return nil, err
	}
	end, err := elf.Size(bytes.NewReader(p))
	if err != nil {
		return nil, err
	}
	if end != int64(len(p)) {
		return nil, fmt.Errorf("ELF end %d is not the file length %d", end, len(p))
	}
	return p, nil
}

// writeFile replaces name with data through a temporary file.
func writeFile(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
