package launch

import (
	"context"
	"errors"
	"io"
	"io/fs"
)

// Tree is the read-only file tree inside an AppImage, as the squashfs reader
// provides it. Files opened from it implement io.ReaderAt.
type Tree interface {
	fs.ReadDirFS
	fs.StatFS
	fs.ReadLinkFS
}

// openTree opens the squashfs image in ra.
var openTree = func(ra io.ReaderAt, size int64) (Tree, error) {
	return nil, errors.New("no squashfs reader")
}

// OpenTree opens the file system of a squashfs image of size bytes.
func OpenTree(ra io.ReaderAt, size int64) (Tree, error) { return openTree(ra, size) }

// extractTree writes the entries of t matching patterns (all when there are
// none) below dir, with the semantics of type2-runtime: with overwrite unset,
// existing regular files of the right size are kept.
var extractTree = func(ctx context.Context, t Tree, dir string, patterns []string, overwrite, verbose bool) error {
	return errors.New("no squashfs reader")
}
