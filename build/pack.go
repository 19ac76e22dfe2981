package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/goappimage/goappimage/squashfs"
)

// Pack adds every node of t to w, with the time mtime on every entry.
// Times are never taken from the disk: a copy of an AppDir, or a Nix store
// path where every mtime is 1, packs to the same bytes. Owners are left to
// the writer (root). File contents are read when w asks for them; reading
// stops with ctx's error once ctx is done.
func Pack(ctx context.Context, w *squashfs.Writer, t *Tree, mtime time.Time) error {
	for _, n := range t.Nodes {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := squashfs.Entry{
			Path:    n.Path,
			Mode:    n.Mode,
			ModTime: mtime,
			Size:    n.Size,
			Symlink: n.Symlink,
			Rdev:    n.Rdev,
		}
		if n.Mode.IsRegular() {
			e.Open = opener(ctx, n)
		}
		if err := w.Add(e); err != nil {
			return err
		}
	}
	return nil
}

// opener returns the Open function of a regular file node.
func opener(ctx context.Context, n *Node) func() (io.ReadCloser, error) {
	if n.Data != nil {
		data := n.Data
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	src, p := n.Source, n.Path
	return func() (io.ReadCloser, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := os.Open(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return &ctxReader{ctx: ctx, f: f}, nil
	}
}

// ctxReader stops reading a file when its context is done, so that an
// interrupted build ends quickly.
type ctxReader struct {
	ctx context.Context
	f   *os.File
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.f.Read(p)
}

func (r *ctxReader) Close() error { return r.f.Close() }
