package squashfs_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/goappimage/goappimage/squashfs"
)

// An AppImage is a runtime followed by a squashfs image: write the image
// at the runtime's size with io.NewOffsetWriter, then use Size to know
// where the file ends.
func ExampleWriter_offset() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "AppRun"), []byte("#!/bin/sh\necho hello\n"), 0o755)

	runtime := []byte("pretend this is an ELF runtime")
	f, err := os.Create(filepath.Join(dir, "out.AppImage"))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	f.Write(runtime)

	w, err := squashfs.NewWriter(io.NewOffsetWriter(f, int64(len(runtime))), squashfs.WriterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.AddDir(dir); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fi, _ := f.Stat()
	fmt.Println(fi.Size() == int64(len(runtime))+w.Size(), w.Size()%4096)
	// Output: true 0
}
