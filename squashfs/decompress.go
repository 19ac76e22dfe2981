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

func (z *zstdBlockDecompressor) decompress(dst, src []byte, limit int) ([]byte, error) {
	if cap(dst) < limit {
		dst = make([]byte, 0, limit)
	}
	out, err := z.d.DecodeAll(src, dst[:0:limit])
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, errTooLarge
		}
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
	lr, err := lzma.NewReader(bytes.NewReader(src))
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
