package launch

import (
	"io"

	"github.com/goappimage/goappimage/squashfs"
)

func init() {
	openTree = func(ra io.ReaderAt, size int64) (Tree, error) {
		return squashfs.NewReader(ra, size)
	}
}
