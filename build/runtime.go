package build

import "fmt"

// embeddedRuntime returns the runtime built into goappimage for arch.
func embeddedRuntime(arch string) ([]byte, error) {
	return nil, fmt.Errorf("no runtime for %s is embedded in this build; pass one with --runtime-file", arch)
}
