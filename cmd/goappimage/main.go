// Command goappimage turns an AppDir into a type-2 AppImage, and packs,
// reads, validates, signs and inspects the pieces on the way.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
