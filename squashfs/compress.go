package squashfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// Uncompressed is a WriterOptions.Compression value that stores every data
// block, fragment and metadata block as it is (mksquashfs -noI -noD -noF
// -noX). The superblock then names gzip, which every kernel supports, and
// carries the "uncompressed" flags.
const Uncompressed Compression = 0xffff

// Default compression levels, the ones mksquashfs uses.
const (
	defaultZstdLevel = 15
	defaultGzipLevel = 9
)

// blockCompressor compresses one data, fragment or metadata block. It is
// used by one goroutine at a time. compress returns nil when the block
// should be stored as it is (compression would not make it smaller).
type blockCompressor interface {
	compress(dst, src []byte) ([]byte, error)
}

// compressorSpec describes the chosen compressor: how to make one per
// worker, what the superblock says, and the optional options block.
type compressorSpec struct {
	id      Compression // on-disk id
	flags   uint16      // extra superblock flags
	options []byte      // compressor options payload, nil when absent
	newComp func() (blockCompressor, error)
}

// newCompressorSpec validates the compression settings of o (already
// defaulted) and returns the matching spec.
func newCompressorSpec(c Compression, level, blockSize, workers int) (*compressorSpec, error) {
	le := binary.LittleEndian
	switch c {
	case ZSTD:
		if level < 1 || level > 22 {
			return nil, fmt.Errorf("squashfs: zstd level %d out of range 1..22", level)
		}
		s := &compressorSpec{id: ZSTD}
		if level != defaultZstdLevel {
			s.options = le.AppendUint32(nil, uint32(level))
		}
		// One encoder serves every worker: EncodeAll is safe for concurrent
		// use and keeps a pool of workers block encoders, each with its
		// own match tables (about 34 MiB at the best level), so the
		// metadata compressed after the data reuses them.
		var once sync.Once
		var enc *zstd.Encoder
		var encErr error
		s.newComp = func() (blockCompressor, error) {
			once.Do(func() {
				// EncodeAll writes single-segment frames carrying the
				// content size; the window never exceeds the block size,
				// as the kernel requires.
				enc, encErr = zstd.NewWriter(nil,
					zstd.WithEncoderLevel(zstdLevel(level)),
					zstd.WithWindowSize(blockSize),
					zstd.WithEncoderCRC(false),
					zstd.WithEncoderConcurrency(workers),
					zstd.WithSingleSegment(true))
			})
			if encErr != nil {
				return nil, encErr
			}
			return zstdCompressor{enc}, nil
		}
		return s, nil
	case GZIP:
		if level < 1 || level > 9 {
			return nil, fmt.Errorf("squashfs: gzip level %d out of range 1..9", level)
		}
		s := &compressorSpec{id: GZIP}
		if level != defaultGzipLevel {
			b := le.AppendUint32(nil, uint32(level))
			b = le.AppendUint16(b, 15) // window bits
			s.options = le.AppendUint16(b, 0)
		}
		s.newComp = func() (blockCompressor, error) {
			var buf bytes.Buffer
			zw, err := zlib.NewWriterLevel(&buf, level)
			if err != nil {
				return nil, err
			}
			return &gzipCompressor{zw: zw, buf: &buf}, nil
		}
		return s, nil
	case XZ:
		if level != 0 {
			return nil, fmt.Errorf("squashfs: xz takes no level (got %d)", level)
		}
		// The dictionary is the block size, the default the kernel
		// assumes when there is no options block.
		cfg := xz.WriterConfig{DictCap: blockSize, CheckSum: xz.CRC32}
		if err := cfg.Verify(); err != nil {
			return nil, fmt.Errorf("squashfs: xz settings: %w", err)
		}
		return &compressorSpec{id: XZ, newComp: func() (blockCompressor, error) {
			return &xzCompressor{cfg: cfg}, nil
		}}, nil
	case LZ4:
		if level < 0 || level > 9 {
			return nil, fmt.Errorf("squashfs: lz4 level %d out of range 0..9 (0 = fast, 1..9 = high compression)", level)
		}
		var flags uint32
		if level > 0 {
			flags = 1 // LZ4_HC
		}
		opts := le.AppendUint32(nil, 1) // LZ4_LEGACY stream version, the only one the kernel knows
		opts = le.AppendUint32(opts, flags)
		return &compressorSpec{id: LZ4, options: opts, newComp: func() (blockCompressor, error) {
			return &lz4Compressor{level: level}, nil
		}}, nil
	case Uncompressed:
		return &compressorSpec{
			id:    GZIP,
			flags: FlagUncompressedInodes | FlagUncompressedData | FlagUncompressedFragments | FlagUncompressedIDs,
			newComp: func() (blockCompressor, error) {
				return storeCompressor{}, nil
			},
		}, nil
	}
	return nil, fmt.Errorf("squashfs: the writer cannot compress with %v (want zstd, gzip, xz, lz4 or none)", c)
}

// zstdLevel maps a zstd level (1..22) to the klauspost encoder level.
func zstdLevel(level int) zstd.EncoderLevel {
	return zstd.EncoderLevelFromZstd(level)
}

type zstdCompressor struct{ enc *zstd.Encoder }

func (z zstdCompressor) compress(dst, src []byte) ([]byte, error) {
	return z.enc.EncodeAll(src, dst[:0]), nil
}

type gzipCompressor struct {
	zw  *zlib.Writer
	buf *bytes.Buffer
}

func (g *gzipCompressor) compress(dst, src []byte) ([]byte, error) {
	g.buf.Reset()
	g.zw.Reset(g.buf)
	if _, err := g.zw.Write(src); err != nil {
		return nil, err
	}
	if err := g.zw.Close(); err != nil {
		return nil, err
	}
	return append(dst[:0], g.buf.Bytes()...), nil
}

type xzCompressor struct {
	cfg xz.WriterConfig
	buf bytes.Buffer
}

func (x *xzCompressor) compress(dst, src []byte) ([]byte, error) {
	x.buf.Reset()
	w, err := x.cfg.NewWriter(&x.buf)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return append(dst[:0], x.buf.Bytes()...), nil
}

type lz4Compressor struct {
	level int
	fast  lz4.Compressor
	hc    lz4.CompressorHC
}

func (l *lz4Compressor) compress(dst, src []byte) ([]byte, error) {
	bound := lz4.CompressBlockBound(len(src))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:bound]
	var n int
	var err error
	if l.level == 0 {
		n, err = l.fast.CompressBlock(src, dst)
	} else {
		l.hc.Level = lz4.CompressionLevel(1 << (8 + l.level))
		n, err = l.hc.CompressBlock(src, dst)
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil // incompressible
	}
	return dst[:n], nil
}

type storeCompressor struct{}

func (storeCompressor) compress(dst, src []byte) ([]byte, error) { return nil, nil }
