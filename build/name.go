package build

import "strings"

// OutputName returns the default file name of an AppImage, as appimagetool
// makes it: "<name>[-<version>]-<arch>.AppImage", with every space turned
// into "_". A "/" in the name or version also becomes "_", so that the file
// always lands in the output directory.
func OutputName(name, version, arch string) string {
	s := name
	if version != "" {
		s += "-" + version
	}
	s += "-" + arch + ".AppImage"
	return strings.NewReplacer(" ", "_", "/", "_").Replace(s)
}
