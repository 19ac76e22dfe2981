package launch

import (
	"context"
	"fmt"
	"io"

	"github.com/goappimage/goappimage/squashfs"
)

func init() {
	openTree = func(ra io.ReaderAt, size int64) (Tree, error) {
		return squashfs.NewReader(ra, size)
	}
	extractTree = func(ctx context.Context, t Tree, dir string, patterns []string) error {
		r, ok := t.(*squashfs.Reader)
		if !ok {
			return fmt.Errorf("cannot extract a %T", t)
		}
		return r.Extract(ctx, dir, squashfs.ExtractOptions{Patterns: patterns, Overwrite: true})
	}
}
