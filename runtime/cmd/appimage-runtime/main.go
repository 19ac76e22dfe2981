// Command appimage-runtime is goappimage's AppImage runtime: the program at
// the start of an AppImage. It is not installed on its own; `make runtime`
// builds it for every architecture and prepares it for embedding (see
// runtime/binaries).
package main

import (
	"os"

	"github.com/goappimage/goappimage/runtime/launch"
)

func main() {
	os.Exit(launch.Main(os.Args))
}
