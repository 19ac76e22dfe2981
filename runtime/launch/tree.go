package launch

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"syscall"

	"github.com/goappimage/goappimage/squashfs"
)

// Tree is the read-only file tree the FUSE servers serve: the squashfs
// reader in the runtime, os.DirFS in some tests. Files opened from it
// implement io.ReaderAt.
type Tree interface {
	fs.ReadDirFS
	fs.StatFS
	fs.ReadLinkFS
}

// openTree opens the squashfs image of size bytes in ra.
func openTree(ra io.ReaderAt, size int64) (Tree, error) {
	return squashfs.NewReader(ra, size)
}

// extractTree writes the entries of t (a squashfs reader) matching patterns,
// all when there are none, below dir, replacing what is in the way, in
// parallel and never outside dir; patterns are matched as type2-runtime does
// (fnmatch with FNM_FILE_NAME and FNM_LEADING_DIR).
func extractTree(ctx context.Context, t Tree, dir string, patterns []string) error {
	r, ok := t.(*squashfs.Reader)
	if !ok {
		return fmt.Errorf("cannot extract a %T", t)
	}
	return r.Extract(ctx, dir, squashfs.ExtractOptions{Patterns: patterns, Overwrite: true})
}

// openReaderAt opens the regular file name of t for reads at any offset,
// answering the errno a FUSE server returns when it cannot.
func openReaderAt(t Tree, name string) (fs.File, io.ReaderAt, syscall.Errno) {
	f, err := t.Open(name)
	if err != nil {
		return nil, nil, toErrno(err)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		f.Close()
		return nil, nil, syscall.EIO
	}
	return f, ra, 0
}
