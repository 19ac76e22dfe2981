package squashfs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostileBase makes a small image with uncompressed metadata, so that
// tests can patch its structures in place, and returns its bytes:
//
//	XQ        file
//	aXb       file
//	big       file of 3 blocks (4 KiB blocks) and a tail
//	d         symlink -> /tmp
//	e/        directory with e/f
//	sub/sub2/ directories with sub/sub2/g
func hostileBase(t *testing.T) []byte {
	t.Helper()
	src := t.TempDir()
	files := map[string]string{"XQ": "x", "aXb": "y", "big": strings.Repeat("0123456789abcdef", 1000), "e/f": "f", "sub/sub2/g": "g"}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/tmp", filepath.Join(src, "d")); err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(mksquashfs(t, src, "-noI", "-noD", "-noF", "-noX", "-b", "4K", "-comp", "gzip"))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// hostileImage is an image being patched by a test.
type hostileImage struct {
	t  *testing.T
	b  []byte
	sb Superblock
	r  *Reader // reader of the unpatched image, to locate structures
	le binary.ByteOrder
}

func newHostileImage(t *testing.T) *hostileImage {
	b := hostileBase(t)
	h := &hostileImage{t: t, b: b, le: binary.LittleEndian}
	if err := h.sb.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	return h
}

// inodePos returns the image position of the inode at path.
func (h *hostileImage) inodePos(path string) int {
	h.t.Helper()
	fi, err := h.r.Lstat(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.metaPos(int64(h.sb.InodeTableStart), fi.Sys().(*Inode).ref)
}

// metaPos turns a reference into an uncompressed table into a position.
func (h *hostileImage) metaPos(table int64, ref uint64) int {
	block, off := splitRef(ref)
	return int(table) + int(block) + 2 + int(off)
}

// entryPos returns the position of the directory entry named name (its
// 8-byte header precedes the name).
func (h *hostileImage) entryPos(name string) int {
	h.t.Helper()
	start := int(h.sb.DirectoryTableStart)
	for i := start; i+len(name) <= len(h.b); i++ {
		j := i - 2
		if bytes.Equal(h.b[i:i+len(name)], []byte(name)) && j >= start+6 &&
			int(h.le.Uint16(h.b[j:])) == len(name)-1 && h.le.Uint16(h.b[j-2:]) >= 1 && h.le.Uint16(h.b[j-2:]) <= 7 {
			return i - 8
		}
	}
	h.t.Fatalf("directory entry %q not found", name)
	return 0
}

func (h *hostileImage) ref(path string) uint64 {
	h.t.Helper()
	fi, err := h.r.Lstat(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return fi.Sys().(*Inode).ref
}

// TestReaderHostileImages patches images into forms an attacker could
// make and checks that reading and extracting them fails with an error
// saying where, never panics, hangs or writes outside the destination.
func TestReaderHostileImages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		patch func(h *hostileImage) []byte
		want  string // part of the error message
	}{
		{"name dotdot", func(h *hostileImage) []byte {
			copy(h.b[h.entryPos("XQ")+8:], "..")
			return h.b
		}, `invalid entry name ".."`},
		{"name with slash", func(h *hostileImage) []byte {
			copy(h.b[h.entryPos("aXb")+8:], "a/b")
			return h.b
		}, `contains '/'`},
		{"duplicate name through symlink", func(h *hostileImage) []byte {
			// "e" (a directory holding f) becomes a second "d", the
			// symlink to /tmp: extracting d/f would write /tmp/f.
			copy(h.b[h.entryPos("e")+8:], "d")
			return h.b
		}, "out of order or repeated"},
		{"directory containing itself", func(h *hostileImage) []byte {
			p := h.entryPos("sub2")
			h.le.PutUint16(h.b[p:], uint16(h.ref("sub")))
			return h.b
		}, "cycle"},
		{"directory containing the root", func(h *hostileImage) []byte {
			p := h.entryPos("sub2")
			h.le.PutUint16(h.b[p:], uint16(h.sb.RootInode))
			return h.b
		}, "cycle"},
		{"truncated image", func(h *hostileImage) []byte {
			return h.b[:len(h.b)/2]
		}, "image truncated"},
		{"truncated tables", func(h *hostileImage) []byte {
			end := int(h.sb.DirectoryTableStart) + 20
			h.le.PutUint64(h.b[40:], uint64(end))
			return h.b[:end]
		}, "outside the image"},
		{"huge fragment count", func(h *hostileImage) []byte {
			h.le.PutUint32(h.b[16:], 0xffffffff)
			return h.b
		}, "does not fit in the image"},
		{"huge id count", func(h *hostileImage) []byte {
			h.le.PutUint16(h.b[26:], 0xffff)
			return h.b
		}, "id table"},
		{"huge directory header count", func(h *hostileImage) []byte {
			root := h.r.root
			p := h.metaPos(int64(h.sb.DirectoryTableStart), uint64(root.dirBlock)<<16|uint64(root.dirOff))
			h.le.PutUint32(h.b[p:], 0xffff)
			return h.b
		}, "directory header with 65536 entries"},
		{"huge directory size", func(h *hostileImage) []byte {
			h.le.PutUint16(h.b[h.inodePos("e")+16+8:], 0xffff)
			return h.b
		}, "directory"},
		{"huge file size", func(h *hostileImage) []byte {
			h.le.PutUint32(h.b[h.inodePos("big")+16+12:], 0xfffffff0)
			return h.b
		}, "file"},
		{"file data outside the image", func(h *hostileImage) []byte {
			h.le.PutUint32(h.b[h.inodePos("big")+16:], 0xfffffff0)
			return h.b
		}, "outside the image"},
		{"block size word too large", func(h *hostileImage) []byte {
			h.le.PutUint32(h.b[h.inodePos("big")+32:], 0x00ffffff)
			return h.b
		}, "invalid size word"},
		{"huge symlink target", func(h *hostileImage) []byte {
			h.le.PutUint32(h.b[h.inodePos("d")+16+4:], 0xffffffff)
			return h.b
		}, "symlink target of 4294967295 bytes"},
		{"uid index out of range", func(h *hostileImage) []byte {
			h.le.PutUint16(h.b[h.inodePos("XQ")+4:], 0xffff)
			return h.b
		}, "uid index"},
		{"unknown inode type", func(h *hostileImage) []byte {
			h.le.PutUint16(h.b[h.inodePos("XQ"):], 99)
			return h.b
		}, "unknown type 99"},
		{"metadata block of length zero", func(h *hostileImage) []byte {
			h.le.PutUint16(h.b[h.sb.InodeTableStart:], 0)
			return h.b
		}, "length 0"},
		{"root inode past the table", func(h *hostileImage) []byte {
			h.le.PutUint64(h.b[32:], 0xffffff<<16)
			return h.b
		}, "past the end of the table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHostileImage(t)
			img := tc.patch(h)
			// Reading must not allocate in proportion to the counts and
			// sizes the image claims, only to its real size.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, _ = walkImage(img)
			runtime.ReadMemStats(&after)
			t.Logf("allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("reading the %d-byte image allocated %d bytes", len(img), got)
			}
			err := exerciseImage(t, img)
			if err == nil {
				t.Fatal("reading the patched image succeeded, want an error")
			}
			t.Log(err)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %q is not a *FormatError", err)
			}
			if !strings.Contains(err.Error(), "at byte 0x") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want one containing %q and the position", err, tc.want)
			}
		})
	}
}

// walkImage opens img and walks it reading every file (up to a budget),
// symlink and inode. It returns the Reader (nil if the image does not
// open), the content size seen and the first error.
func walkImage(img []byte) (*Reader, int64, error) {
	r, err := NewReader(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		return nil, 0, err
	}
	var total int64
	err = fs.WalkDir(r, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch fi.Mode().Type() {
		case 0:
			total += fi.Size()
			if fi.Size() > 1<<20 || total > 64<<20 {
				return nil // a bounded amount of reading per image
			}
			_, err = fs.ReadFile(r, p)
		case fs.ModeSymlink:
			_, err = r.ReadLink(p)
		}
		return err
	})
	return r, total, err
}

// exerciseImage walks img (see walkImage), then extracts it; it returns
// the first error. It fails the test if anything appears outside the
// extraction directory.
func exerciseImage(t testing.TB, img []byte) error {
	r, total, walkErr := walkImage(img)
	if r == nil {
		return walkErr
	}
	if total > 64<<20 {
		return walkErr // too much to write for a test
	}
	parent := t.TempDir()
	dst := filepath.Join(parent, "out")
	extractErr := r.Extract(context.Background(), dst, ExtractOptions{Workers: 2})
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "out" {
			t.Errorf("Extract wrote %q outside its destination", e.Name())
		}
	}
	if walkErr != nil {
		return walkErr
	}
	return extractErr
}
