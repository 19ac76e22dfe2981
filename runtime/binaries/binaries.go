// Package binaries holds goappimage's AppImage runtime, prepared for every
// architecture and embedded in goappimage, so that building an AppImage
// needs no download.
//
// The files are generated from runtime/cmd/appimage-runtime by `make
// runtime` (runtime/internal/mkruntime); go-version records the Go toolchain
// that built them, and a test checks that rebuilding gives the same bytes.
package binaries

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed runtime-x86_64 runtime-aarch64 runtime-i686 runtime-armhf go-version
var files embed.FS

// arches are the architectures with a runtime, in AppImage naming.
var arches = []string{"x86_64", "aarch64", "i686", "armhf"}

// Arches returns the architectures Get knows, in AppImage naming: x86_64,
// aarch64, i686 and armhf.
func Arches() []string { return append([]string(nil), arches...) }

// Get returns the prepared runtime for arch: an ELF program whose ELF end is
// its length, with the type-2 magic and the zero-filled sections .digest_md5,
// .upd_info, .sha256_sig and .sig_key. The caller may modify the slice.
func Get(arch string) ([]byte, error) {
	for _, a := range arches {
		if a == arch {
			return files.ReadFile("runtime-" + a)
		}
	}
	return nil, fmt.Errorf("no runtime for architecture %q (have %s)", arch, strings.Join(arches, ", "))
}

// GoVersion returns the version of the Go toolchain that built the runtimes,
// such as "go1.26.8".
func GoVersion() string {
	b, _ := files.ReadFile("go-version")
	return strings.TrimSpace(string(b))
}
