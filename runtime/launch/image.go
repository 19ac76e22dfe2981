package launch

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/goappimage/goappimage/elf"
)

// image is the AppImage file the runtime operates on.
type image struct {
	path   string // absolute, symlinks resolved: the value of $APPIMAGE
	argv0  string // the value of $ARGV0
	file   *os.File
	size   int64
	offset int64 // where the squashfs payload starts: the ELF end
}

// locateImage opens the AppImage: $TARGET_APPIMAGE when set, else the
// running executable. argv0 is the program name the user typed.
func locateImage(argv0 string) (*image, error) {
	name, target := os.Getenv("TARGET_APPIMAGE"), true
	if name == "" {
		name, target = "/proc/self/exe", false
	}
	p, err := filepath.EvalSymlinks(name)
	if err != nil {
		return nil, fmt.Errorf("resolving the AppImage path %s: %w", name, err)
	}
	if p, err = filepath.Abs(p); err != nil {
		return nil, fmt.Errorf("resolving the AppImage path %s: %w", name, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("opening the AppImage: %w", err)
	}
	img, err := newImage(f, p)
	if err != nil {
		f.Close()
		return nil, err
	}
	img.argv0 = argv0
	if target {
		img.argv0 = name
	}
	return img, nil
}

// newImage reads where the payload of the AppImage f (at path p) starts.
func newImage(f *os.File, p string) (*image, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	off, err := elf.Size(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if off >= fi.Size() {
		return nil, fmt.Errorf("%s has no payload: its ELF part ends at byte %d, the file is %d bytes", p, off, fi.Size())
	}
	return &image{path: p, file: f, size: fi.Size(), offset: off}, nil
}

// payload returns the squashfs image inside the AppImage.
func (img *image) payload() *io.SectionReader {
	return io.NewSectionReader(img.file, img.offset, img.size-img.offset)
}

// tree opens the file system of the payload.
func (img *image) tree() (Tree, error) {
	t, err := openTree(img.payload(), img.size-img.offset)
	if err != nil {
		return nil, fmt.Errorf("reading the file system of %s at byte %d: %w", img.path, img.offset, err)
	}
	return t, nil
}

// section returns the contents of the named ELF section of the AppImage.
func (img *image) section(name string) ([]byte, error) {
	s, err := elf.FindSection(img.file, name)
	if err != nil {
		return nil, err
	}
	return elf.ReadSection(img.file, s)
}
