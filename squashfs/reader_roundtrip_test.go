package squashfs

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
)

// TestReaderRoundTripWriter reads images of the fixture tree made by our
// Writer, with every compressor, and checks them against the source
// through the io/fs interface and through Extract.
func TestReaderRoundTripWriter(t *testing.T) {
	src := testutil.Tree(t, testutil.TreeOptions{})
	root := os.Geteuid() == 0
	for _, comp := range []Compression{ZSTD, GZIP, XZ, LZ4, Uncompressed} {
		t.Run(comp.String(), func(t *testing.T) {
			img := filepath.Join(t.TempDir(), "image.sqfs")
			f, err := os.Create(img)
			if err != nil {
				t.Fatal(err)
			}
			w, err := NewWriter(f, WriterOptions{Compression: comp, KeepOwners: true, BlockSize: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddDir(src); err != nil {
				t.Fatalf("AddDir = %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close = %v", err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			r := openImage(t, img)
			compareWithSource(t, r, src, true)
			dst := filepath.Join(t.TempDir(), "out")
			if err := r.Extract(context.Background(), dst, ExtractOptions{KeepOwners: root}); err != nil {
				t.Fatalf("Extract = %v", err)
			}
			testutil.CompareTrees(t, src, dst, testutil.CompareOptions{MTimes: true, Owners: root})
		})
	}
}
