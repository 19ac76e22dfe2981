// Package prep builds goappimage's AppImage runtime for one architecture and
// prepares the binary the way an AppImage runtime must be: zero-filled
// sections .digest_md5, .upd_info, .sha256_sig and .sig_key appended so that
// the ELF end is the file length, and the magic "AI\x02" at byte 8.
//
// The result depends only on the source, the module versions in go.mod and
// the Go toolchain.
package prep

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/goappimage/goappimage/elf"
)

// Target is one architecture the runtime is built for.
type Target struct {
	Arch string   // AppImage architecture name
	Env  []string // Go cross-compilation settings, all pinned
}

// Targets are the architectures goappimage ships runtimes for.
var Targets = []Target{
	{"x86_64", []string{"GOARCH=amd64", "GOAMD64=v1"}},
	{"aarch64", []string{"GOARCH=arm64", "GOARM64=v8.0"}},
	{"i686", []string{"GOARCH=386", "GO386=sse2"}},
	{"armhf", []string{"GOARCH=arm", "GOARM=7"}},
}

// Sections are the zero-filled sections every type-2 runtime carries.
var Sections = []elf.NewSection{
	{Name: ".digest_md5", Size: 16},
	{Name: ".upd_info", Size: 1024},
	{Name: ".sha256_sig", Size: 1024},
	{Name: ".sig_key", Size: 8192},
}

// Package is the import path of the runtime's main package.
const Package = "github.com/goappimage/goappimage/runtime/cmd/appimage-runtime"

// Build compiles the runtime for arch (static, trimmed, stripped, without
// build id or VCS stamp) and returns the prepared binary.
func Build(arch string) ([]byte, error) {
	var t *Target
	for i := range Targets {
		if Targets[i].Arch == arch {
			t = &Targets[i]
		}
	}
	if t == nil {
		return nil, fmt.Errorf("no runtime target %q", arch)
	}
	tmp, err := os.MkdirTemp("", "appimage-runtime")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "runtime")
	var stderr bytes.Buffer
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, Package)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=", "GOEXPERIMENT=")
	cmd.Env = append(cmd.Env, t.Env...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building the %s runtime: %v\n%s", arch, err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	p, err := Prepare(b)
	if err != nil {
		return nil, fmt.Errorf("preparing the %s runtime: %w", arch, err)
	}
	return p, nil
}

// Prepare adds the AppImage sections and magic to a built runtime and checks
// that its ELF end is its length.
func Prepare(b []byte) ([]byte, error) {
	p, err := elf.AddSections(b, Sections)
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

// GoVersion returns the version of the go command Build uses.
func GoVersion() (string, error) {
	v, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("asking the Go version: %w", err)
	}
	return strings.TrimSpace(string(v)), nil
}
