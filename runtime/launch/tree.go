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
// none) below dir, replacing what is in the way, in parallel; patterns are
// matched as type2-runtime does (fnmatch with FNM_FILE_NAME and
// FNM_LEADING_DIR).
var extractTree = func(ctx context.Context, t Tree, dir string, patterns []string) error {
	return errors.New("no squashfs reader")
}
