// Command mkruntime builds the AppImage runtime for every architecture,
// prepares each binary (see runtime/internal/prep) and writes them with the
// Go version used to the runtime/binaries directory, where they are
// embedded.
//
// Usage (`make runtime` runs it):
//
//	go run ./runtime/internal/mkruntime [-o runtime/binaries]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goappimage/goappimage/runtime/internal/prep"
)

func main() {
	out := flag.String("o", "runtime/binaries", "directory to write runtime-<arch> and go-version to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "mkruntime:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	for _, t := range prep.Targets {
		b, err := prep.Build(t.Arch)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(out, "runtime-"+t.Arch), b); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "runtime-%s: %d bytes\n", t.Arch, len(b))
	}
	v, err := prep.GoVersion()
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(out, "go-version"), []byte(v+"\n"))
}

// writeFile replaces name with data through a temporary file.
func writeFile(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
