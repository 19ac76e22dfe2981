package launch

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/squashfs"
)

// TestEveryWriterCompression runs AppImages whose payload our squashfs
// writer made with each compression it offers, by extract-and-run and, with
// FUSE, through the mount.
func TestEveryWriterCompression(t *testing.T) {
	rt := hostRuntime(t)
	fuse := false
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err == nil {
		f.Close()
		fuse = true
	}
	for name, c := range map[string]squashfs.Compression{
		"zstd": squashfs.ZSTD, "gzip": squashfs.GZIP, "xz": squashfs.XZ, "lz4": squashfs.LZ4, "none": squashfs.Uncompressed,
	} {
		t.Run(name, func(t *testing.T) {
			app := filepath.Join(t.TempDir(), "app.AppImage")
			f, err := os.OpenFile(app, os.O_CREATE|os.O_RDWR, 0o755)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(rt); err != nil {
				t.Fatal(err)
			}
			w, err := squashfs.NewWriter(io.NewOffsetWriter(f, int64(len(rt))), squashfs.WriterOptions{Compression: c})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.AddDir(appDir(t)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			modes := [][]string{{"--appimage-extract-and-run", "x"}}
			if fuse {
				modes = append(modes, []string{"x"})
			}
			for _, args := range modes {
				res := run(t, app, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, args...)
				v := values(res.stdout)
				if res.status != 0 || v["data"] != "payload data" || v["arg"] != "x" {
					t.Errorf("%q: status %d, data %q, arg %q; want 0, %q, %q\nstderr: %s", args, res.status, v["data"], v["arg"], "payload data", "x", res.stderr)
				}
				if len(args) == 1 {
					waitGone(t, v["APPDIR"])
				}
			}
		})
	}
}
