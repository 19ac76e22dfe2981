package squashfs

import (
	"bytes"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// writerBuffer is an in-memory io.WriterAt and io.ReaderAt.
type writerBuffer struct{ b []byte }

func (w *writerBuffer) WriteAt(p []byte, off int64) (int, error) {
	if end := int(off) + len(p); end > len(w.b) {
		w.b = append(w.b, make([]byte, end-len(w.b))...)
	}
	copy(w.b[off:], p)
	return len(p), nil
}

// FuzzWriterEntries adds entries decoded from the input (odd paths, every
// type, contents of every size class) and checks that the writer either
// refuses them with an error or writes an image in which our reader finds
// every accepted regular file with its content. It must never panic.
func FuzzWriterEntries(f *testing.F) {
	f.Add([]byte("a\x00\x10b/c\x01\x05d\x02\x00"), uint8(0))
	f.Add([]byte("x\x00\xffx\x00\x01../y\x03\x00a//b\x04\x00"), uint8(1))
	f.Add(bytes.Repeat([]byte("dir/f\x00\x30"), 40), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		opts := WriterOptions{Workers: 1 + int(opt%3), BlockSize: MinBlockSize << (opt % 3), NoFragments: opt&8 != 0}
		// Cheap compressors: the best zstd levels allocate 34 MiB per worker.
		switch (opt >> 4) % 4 {
		case 0:
			opts.Compression, opts.Level = ZSTD, 1
		case 1:
			opts.Compression, opts.Level = GZIP, 1
		case 2:
			opts.Compression = LZ4
		case 3:
			opts.Compression = Uncompressed
		}
		var buf writerBuffer
		w, err := NewWriter(&buf, opts)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		// Each record: path bytes, a type byte, a size byte.
		for len(data) >= 3 && len(files) < 64 {
			i := bytes.IndexByte(data[:len(data)-2], 0)
			if i < 0 {
				break
			}
			p := string(data[:i])
			typ, size := data[i+1], int(data[i+2])
			data = data[i+3:]
			e := Entry{Path: p, ModTime: time.Unix(int64(size)*1000, 0)}
			switch typ % 6 {
			case 0, 1:
				// Up to 16 KiB: empty files, fragments, several blocks.
				content := bytes.Repeat([]byte{typ}, size*16*int(typ%4+1))
				e.Mode, e.Size = 0o644, int64(len(content))
				e.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }
				// Names that fs.FS cannot open (not UTF-8) are still written.
				if w.Add(e) == nil && fs.ValidPath(p) {
					files[p] = content
				}
				continue
			case 2:
				e.Mode = fs.ModeDir | 0o755
			case 3:
				e.Mode, e.Symlink = fs.ModeSymlink|0o777, strings.Repeat("t", size)
			case 4:
				e.Mode = fs.ModeNamedPipe | 0o600
			case 5:
				e.Link = string(data[:min(len(data), size%8)])
			}
			w.Add(e)
		}
		if err := w.Close(); err != nil {
			return
		}
		if len(buf.b)%4096 != 0 || int64(len(buf.b)) != w.Size() {
			t.Fatalf("image of %d bytes, Size() %d; want equal multiples of 4096", len(buf.b), w.Size())
		}
		r, err := NewReader(bytes.NewReader(buf.b), int64(len(buf.b)))
		if err != nil {
			t.Fatalf("reading our image back: %v", err)
		}
		for p, want := range files {
			got, err := fs.ReadFile(r, p)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%q: got %d bytes (err %v), want %d", p, len(got), err, len(want))
			}
		}
	})
}
