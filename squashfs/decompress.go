package squashfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/anchore/go-lzo"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// blockDecompressor decompresses one metadata or data block. It appends at
// most limit bytes to dst[:0] and fails when the block holds more. It is
// safe for concurrent use.
type blockDecompressor interface {
	decompress(dst, src []byte, limit int) ([]byte, error)
}

// errTooLarge reports a block that decompresses to more than it may.
var errTooLarge = errors.New("decompressed block larger than allowed")

// newBlockDecompressor returns the decompressor for compression c. opts is
// the compressor options payload (nil when absent); blockSize bounds the
// output of every block.
func newBlockDecompressor(c Compression, opts []byte, blockSize int) (blockDecompressor, error) {
	switch c {
	case GZIP:
		return &zlibBlockDecompressor{}, nil
	case ZSTD:
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)),
			zstd.WithDecoderMaxWindow(8<<20),
			zstd.WithDecoderMaxMemory(uint64(blockSize)),
			zstd.WithDecodeAllCapLimit(true),
		)
		if err != nil {
			return nil, err
		}
		return &zstdBlockDecompressor{d: d}, nil
	case XZ:
		return xzBlockDecompressor{}, nil
	case LZ4:
		// The options are mandatory for lz4: {u32 version = 1, u32 flags}.
		if len(opts) < 8 || opts[0] != 1 || opts[1]|opts[2]|opts[3] != 0 {
			return nil, errors.New("lz4 image without version 1 compressor options")
		}
		return lz4BlockDecompressor{}, nil
	case LZO:
		return lzoBlockDecompressor{}, nil
	case LZMA:
		return lzmaBlockDecompressor{}, nil
	}
	return nil, fmt.Errorf("unsupported compression %v", c)
}

// zstdBlockDecompressor shares one decoder; DecodeAll is safe for
// concurrent use and keeps its own pool of block decoders.
type zstdBlockDecompressor struct{ d *zstd.Decoder }

// decodeSlack is the room worth leaving after a block in a buffer the zstd
// decoder writes to: with it the decoder copies whole words past the end
// of a run, which decodes typical binaries about a third faster.
const decodeSlack = 32

func (z *zstdBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, 0, limit+decodeSlack)
	}
	// The decoder never grows dst (WithDecodeAllCapLimit).
	out, err := z.d.DecodeAll(src, dst[:0])
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || len(out) > limit {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// zlibBlockDecompressor keeps a pool of zlib readers to reset per block.
type zlibBlockDecompressor struct{ pool sync.Pool }

func (z *zlibBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if v := z.pool.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			return nil, err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(br); err != nil {
			return nil, err
		}
	}
	out, err := readLimited(zr, dst, limit)
	if err == nil {
		z.pool.Put(zr)
	}
	return out, err
}

type xzBlockDecompressor struct{}

func (xzBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	// The decoder allocates the dictionary the stream asks for: check its
	// size first, so that a hostile block cannot ask for gigabytes.
	if err := checkXZDict(src, maxDictSize); err != nil {
		return nil, err
	}
	xr, err := xz.ReaderConfig{SingleStream: true}.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	return readLimited(xr, dst, limit)
}

// lzmaBlockDecompressor reads the legacy .lzma ("alone") format that
// mksquashfs's lzma compressor writes.
type lzmaBlockDecompressor struct{}

func (lzmaBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	lr, err := lzma.ReaderConfig{DictCap: maxDictSize}.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	return readLimited(lr, dst, limit)
}

type lz4BlockDecompressor struct{}

func (lz4BlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, limit)
	}
	n, err := lz4.UncompressBlock(src, dst[:limit])
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

type lzoBlockDecompressor struct{}

func (lzoBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, limit)
	}
	n, err := lzo.Decompress(src, dst[:limit])
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// maxDictSize bounds the dictionary (or window) a block may ask for. The
// kernel allows at most the block size; other writers use up to 8 MiB.
const maxDictSize = 8 << 20

// checkXZDict reads the first block header of the .xz stream src and fails
// unless its LZMA2 dictionary is at most limit bytes.
func checkXZDict(src []byte, limit int) error {
	const streamHeader = 12
	if len(src) < streamHeader+2 {
		return errors.New("xz stream too short")
	}
	h := src[streamHeader:]
	size := (int(h[0]) + 1) * 4
	if h[0] == 0 || size > len(h) {
		return errors.New("xz block header truncated")
	}
	h, flags := h[2:size-4], h[1] // drop size, flags and the CRC32
	nfilters := int(flags&3) + 1
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(h); i++ {
			v |= uint64(h[i]&0x7f) << (7 * i)
			if h[i]&0x80 == 0 {
				h = h[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed and uncompressed sizes
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return errors.New("xz block header truncated")
			}
		}
	}
	for i := 0; i < nfilters; i++ {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(h)) {
			return errors.New("xz filter flags truncated")
		}
		props := h[:n]
		h = h[n:]
		if id != 0x21 {
			continue
		}
		if len(props) != 1 || props[0] > 40 {
			return errors.New("invalid xz LZMA2 properties")
		}
		b := uint64(props[0])
		dict := uint64(1)<<32 - 1
		if b < 40 {
			dict = (2 | b&1) << (b/2 + 11)
		}
		if dict > uint64(limit) {
			return fmt.Errorf("xz dictionary of %d bytes is larger than %d", dict, limit)
		}
		return nil
	}
	return errors.New("xz block without an LZMA2 filter")
}

// readLimited reads r to its end into dst[:0], failing when it holds more
// than limit bytes.
func readLimited(r io.Reader, dst []byte, limit int) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, limit)
	}
	dst = dst[:limit]
	n, err := io.ReadFull(r, dst)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return dst[:n], nil
	case nil:
		var one [1]byte
		if m, _ := io.ReadFull(r, one[:]); m > 0 {
			return nil, errTooLarge
		}
		return dst, nil
	}
	return nil, err
}
