package squashfs_test

import (
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"strings"

	"github.com/goappimage/goappimage/squashfs"
)

// Write a small image, then read it back through io/fs.
func ExampleNewReader() {
	f, err := os.CreateTemp("", "example-*.sqfs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()

	w, err := squashfs.NewWriter(f, squashfs.WriterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	content := "hello, squashfs\n"
	err = w.Add(squashfs.Entry{
		Path: "greeting/hello.txt", Mode: 0o644, Size: int64(len(content)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// For an AppImage, pass io.NewSectionReader(f, offset, size-offset).
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	r, err := squashfs.NewReader(f, st.Size())
	if err != nil {
		log.Fatal(err)
	}
	data, err := fs.ReadFile(r, "greeting/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	info, err := r.Lstat("greeting/hello.txt")
	if err != nil {
		log.Fatal(err)
	}
	ino := info.Sys().(*squashfs.Inode)
	fmt.Printf("%s%v uid=%d nlink=%d compression=%v\n", data, info.Mode(), ino.UID, ino.Nlink, r.Superblock().Compression)
	// Output:
	// hello, squashfs
	// -rw-r--r-- uid=0 nlink=1 compression=zstd
}
