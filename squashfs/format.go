// Package squashfs reads and writes squashfs 4.0 file systems.
//
// The on-disk format is little-endian throughout. An image is laid out as:
// superblock (96 bytes), optional compressor options, data and fragment
// blocks, inode table, directory table, fragment table, export table, id
// table and xattr table, padded to a multiple of 4 KiB.
//
// # Security
//
// The Reader is written for untrusted images: every offset, count and size it
// reads is checked against the image before use.
package squashfs

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Magic is the first four bytes of every squashfs image ("hsqs").
const Magic = 0x73717368

// SuperblockSize is the size of the superblock in bytes.
const SuperblockSize = 96

// MetadataBlockSize is the uncompressed size of a full metadata block.
const MetadataBlockSize = 8192

// metadataUncompressed is set in a metadata block header when the block is
// stored uncompressed; the low 15 bits hold the on-disk length.
const metadataUncompressed = 0x8000

// dataUncompressed is set in a data or fragment block size word when the
// block is stored uncompressed; the low 24 bits hold the on-disk length.
const dataUncompressed = 1 << 24

// NoTable marks an absent table (xattr, fragment, export) in the superblock,
// and an absent xattr index in an inode (as uint32).
const NoTable = ^uint64(0)

// noFragment is the fragment index of a file whose tail is not in a fragment.
const noFragment = ^uint32(0)

// noXattr is the xattr index of an inode without extended attributes.
const noXattr = ^uint32(0)

// Block size limits that the Linux kernel enforces.
const (
	MinBlockSize     = 4 << 10
	MaxBlockSize     = 1 << 20
	DefaultBlockSize = 128 << 10
)

// Compression identifies a squashfs compressor by its on-disk id.
type Compression uint16

// Compressor ids as stored in the superblock.
const (
	GZIP Compression = 1 // zlib stream (RFC 1950)
	LZMA Compression = 2 // legacy lzma, read only where supported
	LZO  Compression = 3
	XZ   Compression = 4
	LZ4  Compression = 5
	ZSTD Compression = 6
)

var compressionNames = map[Compression]string{
	GZIP: "gzip", LZMA: "lzma", LZO: "lzo", XZ: "xz", LZ4: "lz4", ZSTD: "zstd",
}

// String returns the name mksquashfs uses for c ("gzip", "zstd", ...).
func (c Compression) String() string {
	if n, ok := compressionNames[c]; ok {
		return n
	}
	return fmt.Sprintf("compression(%d)", uint16(c))
}

// ParseCompression returns the Compression named s, as mksquashfs names it.
func ParseCompression(s string) (Compression, error) {
	for c, n := range compressionNames {
		if strings.EqualFold(s, n) {
			return c, nil
		}
	}
	return 0, fmt.Errorf("squashfs: unknown compression %q (want gzip, xz, lz4 or zstd)", s)
}

// Superblock flags. The kernel reads only FlagCompressorOptions; the others
// describe how the image was made.
const (
	FlagUncompressedInodes    = 0x0001
	FlagUncompressedData      = 0x0002
	FlagUncompressedFragments = 0x0008
	FlagNoFragments           = 0x0010
	FlagAlwaysFragments       = 0x0020
	FlagDuplicates            = 0x0040
	FlagExportable            = 0x0080
	FlagUncompressedXattrs    = 0x0100
	FlagNoXattrs              = 0x0200
	FlagCompressorOptions     = 0x0400
	FlagUncompressedIDs       = 0x0800
)

// Inode types. Directory entries always carry the basic type.
const (
	typeDir      = 1
	typeFile     = 2
	typeSymlink  = 3
	typeBlockDev = 4
	typeCharDev  = 5
	typeFifo     = 6
	typeSocket   = 7
	typeLDir     = 8
	typeLFile    = 9
	typeLSymlink = 10
	typeLBlock   = 11
	typeLChar    = 12
	typeLFifo    = 13
	typeLSocket  = 14
)

// Superblock is the 96-byte header at the start of a squashfs image. All
// table positions are byte offsets from the start of the image.
type Superblock struct {
	Magic               uint32
	InodeCount          uint32
	ModTime             uint32 // mkfs time, seconds since the Unix epoch
	BlockSize           uint32
	FragmentCount       uint32 // number of fragment blocks
	Compression         Compression
	BlockLog            uint16
	Flags               uint16
	IDCount             uint16
	VersionMajor        uint16
	VersionMinor        uint16
	RootInode           uint64 // inode reference of the root directory
	BytesUsed           uint64 // image size without the padding
	IDTableStart        uint64
	XattrTableStart     uint64 // NoTable when absent
	InodeTableStart     uint64
	DirectoryTableStart uint64
	FragmentTableStart  uint64 // NoTable when absent
	ExportTableStart    uint64 // NoTable when absent
}

// MarshalBinary encodes s in its 96-byte on-disk form.
func (s *Superblock) MarshalBinary() ([]byte, error) {
	b := make([]byte, SuperblockSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], s.Magic)
	le.PutUint32(b[4:], s.InodeCount)
	le.PutUint32(b[8:], s.ModTime)
	le.PutUint32(b[12:], s.BlockSize)
	le.PutUint32(b[16:], s.FragmentCount)
	le.PutUint16(b[20:], uint16(s.Compression))
	le.PutUint16(b[22:], s.BlockLog)
	le.PutUint16(b[24:], s.Flags)
	le.PutUint16(b[26:], s.IDCount)
	le.PutUint16(b[28:], s.VersionMajor)
	le.PutUint16(b[30:], s.VersionMinor)
	le.PutUint64(b[32:], s.RootInode)
	le.PutUint64(b[40:], s.BytesUsed)
	le.PutUint64(b[48:], s.IDTableStart)
	le.PutUint64(b[56:], s.XattrTableStart)
	le.PutUint64(b[64:], s.InodeTableStart)
	le.PutUint64(b[72:], s.DirectoryTableStart)
	le.PutUint64(b[80:], s.FragmentTableStart)
	le.PutUint64(b[88:], s.ExportTableStart)
	return b, nil
}

// UnmarshalBinary decodes a superblock and checks what any reader must be
// able to trust: magic, version, block size and block log.
func (s *Superblock) UnmarshalBinary(b []byte) error {
	if len(b) < SuperblockSize {
		return fmt.Errorf("squashfs: superblock truncated: %d bytes, want %d", len(b), SuperblockSize)
	}
	le := binary.LittleEndian
	*s = Superblock{
		Magic:               le.Uint32(b[0:]),
		InodeCount:          le.Uint32(b[4:]),
		ModTime:             le.Uint32(b[8:]),
		BlockSize:           le.Uint32(b[12:]),
		FragmentCount:       le.Uint32(b[16:]),
		Compression:         Compression(le.Uint16(b[20:])),
		BlockLog:            le.Uint16(b[22:]),
		Flags:               le.Uint16(b[24:]),
		IDCount:             le.Uint16(b[26:]),
		VersionMajor:        le.Uint16(b[28:]),
		VersionMinor:        le.Uint16(b[30:]),
		RootInode:           le.Uint64(b[32:]),
		BytesUsed:           le.Uint64(b[40:]),
		IDTableStart:        le.Uint64(b[48:]),
		XattrTableStart:     le.Uint64(b[56:]),
		InodeTableStart:     le.Uint64(b[64:]),
		DirectoryTableStart: le.Uint64(b[72:]),
		FragmentTableStart:  le.Uint64(b[80:]),
		ExportTableStart:    le.Uint64(b[88:]),
	}
	if s.Magic != Magic {
		return fmt.Errorf("squashfs: magic got %#x, want %#x (not a squashfs image)", s.Magic, Magic)
	}
	if s.VersionMajor != 4 || s.VersionMinor != 0 {
		return fmt.Errorf("squashfs: version %d.%d, want 4.0", s.VersionMajor, s.VersionMinor)
	}
	if s.BlockSize < MinBlockSize || s.BlockSize > MaxBlockSize || s.BlockSize&(s.BlockSize-1) != 0 {
		return fmt.Errorf("squashfs: block size %d is not a power of two between 4 KiB and 1 MiB", s.BlockSize)
	}
	if uint32(1)<<s.BlockLog != s.BlockSize {
		return fmt.Errorf("squashfs: block log %d does not match block size %d", s.BlockLog, s.BlockSize)
	}
	return nil
}

// encodeRdev packs a device number the way the kernel's old_encode_dev
// extension does for squashfs: minor low byte, major, then high minor bits.
func encodeRdev(major, minor uint32) uint32 {
	return (minor & 0xff) | (major&0xfff)<<8 | (minor&^0xff)<<12
}

// decodeRdev is the inverse of encodeRdev.
func decodeRdev(rdev uint32) (major, minor uint32) {
	return (rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) &^ 0xff)
}

// inodeRef builds an inode (or metadata) reference from the position of a
// metadata block relative to its table and an offset inside the
// uncompressed block.
func inodeRef(block uint64, offset uint16) uint64 { return block<<16 | uint64(offset) }

// splitRef is the inverse of inodeRef.
func splitRef(ref uint64) (block uint64, offset uint16) { return ref >> 16, uint16(ref & 0xffff) }
