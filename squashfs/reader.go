package squashfs

import (
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// FormatError reports a malformed image and where the problem lies.
type FormatError struct {
	Offset int64  // byte offset in the image of the structure at fault
	Msg    string // what is wrong
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("squashfs: %s at byte %#x", e.Msg, e.Offset)
}

func formatErrorf(off int64, format string, args ...any) error {
	return &FormatError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Cache budgets of a Reader.
const (
	metaCacheBlocks  = 1024    // decompressed metadata blocks (8 KiB each)
	dataCacheBytes   = 4 << 20 // decompressed data and fragment blocks...
	dataCacheBlocks  = 12      // ...but room for at least this many
	inodeCacheCost   = 1 << 16 // inodes, a cost of 1 plus 1 per 64 data blocks
	dirCacheEntries  = 1 << 17 // decoded directory entries
	maxSymlinkTarget = 1 << 16 // longest symlink target accepted
)

// Reader reads a squashfs image. It is safe for concurrent use; it
// implements fs.FS, fs.ReadDirFS, fs.StatFS and fs.ReadLinkFS.
type Reader struct {
	ra        io.ReaderAt
	limit     int64 // end of the image data: bytes_used
	sb        Superblock
	dec       blockDecompressor
	blockSize int

	inodeStart, inodeEnd int64 // the inode table
	dirStart, dirEnd     int64 // the directory table

	ids            []uint32
	fragIndex      []uint64 // positions of the fragment table's metadata blocks
	fragTableStart int64
	xattrKV        int64    // start of the xattr key/value blocks
	xattrIndex     []uint64 // positions of the xattr id table's metadata blocks
	xattrStart     int64
	xattrCount     uint32

	meta   *readCache[int64, metaBlock]
	data   *readCache[dataKey, *block]
	inodes *readCache[uint64, *Inode]
	dirs   *readCache[uint64, []dirEntry]

	root       *Inode
	parentsMu  sync.Mutex
	parents    map[uint64]uint64 // listing key of each directory -> its parent's
	prefetch   chan struct{}     // bounds read-ahead goroutines
	zeroBlock  []byte            // block of zeros for sparse blocks; never written
	bufPool    sync.Pool         // compressed-block read buffers (*[]byte)
	freeBlocks chan *block       // unused decompressed blocks, for reuse
}

// metaBlock is one decompressed metadata block and where the next starts.
type metaBlock struct {
	data []byte
	next int64
}

type dataKey struct {
	pos  int64
	size uint32
}

// NewReader reads the superblock and tables of the squashfs image at byte 0
// of ra, whose size is size bytes. For an image inside a larger file, such
// as an AppImage, pass io.NewSectionReader(f, offset, size-offset).
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	buf := make([]byte, SuperblockSize)
	if size < SuperblockSize {
		return nil, formatErrorf(0, "image of %d bytes is smaller than a superblock", size)
	}
	if _, err := ra.ReadAt(buf, 0); err != nil {
		return nil, fmt.Errorf("squashfs: reading superblock: %w", err)
	}
	r := &Reader{ra: ra}
	if err := r.sb.UnmarshalBinary(buf); err != nil {
		return nil, err
	}
	sb := &r.sb
	if sb.BytesUsed > uint64(size) {
		return nil, formatErrorf(40, "image truncated: the superblock says %d bytes, the image has %d", sb.BytesUsed, size)
	}
	if sb.BytesUsed < SuperblockSize {
		return nil, formatErrorf(40, "bytes used %d is smaller than the superblock", sb.BytesUsed)
	}
	r.limit = int64(sb.BytesUsed)
	r.blockSize = int(sb.BlockSize)
	r.zeroBlock = make([]byte, r.blockSize)
	r.meta = newReadCache[int64, metaBlock](metaCacheBlocks)
	r.data = newReadCache[dataKey, *block](max(dataCacheBytes, dataCacheBlocks*int64(r.blockSize)))
	r.data.retain = func(b *block) { b.refs.Add(1) }
	r.data.drop = r.putBlock
	r.freeBlocks = make(chan *block, freeBlocksMax)
	r.inodes = newReadCache[uint64, *Inode](inodeCacheCost)
	r.dirs = newReadCache[uint64, []dirEntry](dirCacheEntries)
	r.prefetch = make(chan struct{}, runtime.GOMAXPROCS(0))
	r.parents = make(map[uint64]uint64)

	if sb.InodeTableStart < SuperblockSize || sb.InodeTableStart >= sb.DirectoryTableStart || sb.DirectoryTableStart >= sb.BytesUsed {
		return nil, formatErrorf(64, "inode table at %#x and directory table at %#x are out of order or outside the image of %d bytes",
			sb.InodeTableStart, sb.DirectoryTableStart, sb.BytesUsed)
	}
	r.inodeStart, r.inodeEnd = int64(sb.InodeTableStart), int64(sb.DirectoryTableStart)
	r.dirStart = int64(sb.DirectoryTableStart)

	var opts []byte
	if sb.Flags&FlagCompressorOptions != 0 {
		b, err := r.metadata(SuperblockSize, r.inodeStart)
		if err != nil {
			return nil, fmt.Errorf("reading compressor options: %w", err)
		}
		opts = b.data
	}
	dec, err := newBlockDecompressor(sb.Compression, opts, max(r.blockSize, MetadataBlockSize))
	if err != nil {
		return nil, &FormatError{Offset: 20, Msg: err.Error()}
	}
	r.dec = dec

	// The directory table ends where the first later table begins.
	r.dirEnd = r.limit
	shrink := func(pos uint64) {
		if pos > sb.DirectoryTableStart && pos < uint64(r.dirEnd) {
			r.dirEnd = int64(pos)
		}
	}
	if err := r.readIDs(); err != nil {
		return nil, err
	}
	if err := r.readFragmentIndex(); err != nil {
		return nil, err
	}
	if err := r.readXattrIndex(); err != nil {
		return nil, err
	}
	for _, p := range [...]uint64{sb.IDTableStart, sb.FragmentTableStart, sb.ExportTableStart, sb.XattrTableStart} {
		shrink(p)
	}
	if len(r.fragIndex) > 0 {
		shrink(r.fragIndex[0])
	}
	if len(r.xattrIndex) > 0 {
		shrink(uint64(r.xattrKV))
	}
	if err := r.shrinkDirEndByLookupTable(sb.IDTableStart, uint64(sb.IDCount), 4, shrink); err != nil {
		return nil, err
	}
	if sb.ExportTableStart != NoTable {
		if err := r.shrinkDirEndByLookupTable(sb.ExportTableStart, uint64(sb.InodeCount), 8, shrink); err != nil {
			return nil, err
		}
	}

	root, err := r.inode(sb.RootInode)
	if err != nil {
		return nil, fmt.Errorf("reading root inode: %w", err)
	}
	if !root.Mode.IsDir() {
		return nil, formatErrorf(32, "root inode is not a directory (%v)", root.Mode.Type())
	}
	r.root = root
	return r, nil
}

// Superblock returns a copy of the image's superblock.
func (r *Reader) Superblock() Superblock { return r.sb }

// readAt reads exactly len(b) bytes at off, which must lie in the image.
func (r *Reader) readAt(b []byte, off int64) error {
	if off < 0 || off > r.limit || int64(len(b)) > r.limit-off {
		return formatErrorf(off, "%d bytes past the end of the image (%d bytes)", len(b), r.limit)
	}
	n, err := r.ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("squashfs: reading %d bytes at byte %#x: %w", len(b), off, err)
}

// metadata returns the metadata block at the absolute position pos, which
// must end at or before end.
func (r *Reader) metadata(pos, end int64) (metaBlock, error) {
	if pos < SuperblockSize || pos+2 > end {
		return metaBlock{}, formatErrorf(pos, "metadata block outside its table (which ends at %#x)", end)
	}
	b, err := r.meta.get(pos, func() (metaBlock, int64, error) {
		var hdr [2]byte
		if err := r.readAt(hdr[:], pos); err != nil {
			return metaBlock{}, 0, err
		}
		h := binary.LittleEndian.Uint16(hdr[:])
		n := int64(h &^ metadataUncompressed)
		if n == 0 {
			return metaBlock{}, 0, formatErrorf(pos, "metadata block of length 0")
		}
		if n > MetadataBlockSize {
			return metaBlock{}, 0, formatErrorf(pos, "metadata block of %d bytes is larger than %d", n, MetadataBlockSize)
		}
		raw := make([]byte, n)
		if err := r.readAt(raw, pos+2); err != nil {
			return metaBlock{}, 0, err
		}
		out := raw
		if h&metadataUncompressed == 0 {
			if r.dec == nil {
				return metaBlock{}, 0, formatErrorf(pos, "compressed compressor options")
			}
			var err error
			out, err = r.dec.decompress(make([]byte, 0, MetadataBlockSize), raw, MetadataBlockSize)
			if err != nil {
				return metaBlock{}, 0, formatErrorf(pos, "metadata block: %s: %v", r.sb.Compression, err)
			}
		}
		if len(out) == 0 {
			return metaBlock{}, 0, formatErrorf(pos, "empty metadata block")
		}
		return metaBlock{data: out, next: pos + 2 + n}, 1, nil
	})
	if err != nil {
		return b, err
	}
	if b.next > end {
		return metaBlock{}, formatErrorf(pos, "metadata block crosses the end of its table at %#x", end)
	}
	return b, nil
}

// metaCursor reads a byte stream that spans consecutive metadata blocks of
// one table.
type metaCursor struct {
	r       *Reader
	end     int64 // end of the table
	pos     int64 // position of the current block
	blk     metaBlock
	off     int
	scratch []byte
}

// cursor positions a metaCursor at offset off of the block that starts
// block bytes after the table start.
func (r *Reader) cursor(tableStart, tableEnd int64, block uint64, off uint16) (*metaCursor, error) {
	if block >= uint64(tableEnd-tableStart) {
		return nil, formatErrorf(tableStart, "metadata reference to block %#x past the end of the table (%d bytes)", block, tableEnd-tableStart)
	}
	c := &metaCursor{r: r, end: tableEnd, pos: tableStart + int64(block)}
	b, err := r.metadata(c.pos, tableEnd)
	if err != nil {
		return nil, err
	}
	if int(off) >= len(b.data) {
		return nil, formatErrorf(c.pos, "offset %d past the end of a %d-byte metadata block", off, len(b.data))
	}
	c.blk, c.off = b, int(off)
	return c, nil
}

// errorf returns a FormatError at the cursor's block.
func (c *metaCursor) errorf(format string, args ...any) error {
	return formatErrorf(c.pos, "%s (offset %d in the metadata block)", fmt.Sprintf(format, args...), c.off)
}

// advance moves to the next block when the current one is used up.
func (c *metaCursor) advance() error {
	if c.off < len(c.blk.data) {
		return nil
	}
	b, err := c.r.metadata(c.blk.next, c.end)
	if err != nil {
		return err
	}
	c.pos, c.blk, c.off = c.blk.next, b, 0
	return nil
}

// read returns the next n bytes. The slice is only valid until the next
// call and must not be modified.
func (c *metaCursor) read(n int) ([]byte, error) {
	if err := c.advance(); err != nil {
		return nil, err
	}
	if c.off+n <= len(c.blk.data) {
		b := c.blk.data[c.off : c.off+n]
		c.off += n
		return b, nil
	}
	// Grow the copy only as data arrives, so that a huge count in a hostile
	// image costs no more memory than the table really holds.
	c.scratch = c.scratch[:0]
	for n > 0 {
		if err := c.advance(); err != nil {
			return nil, err
		}
		k := min(n, len(c.blk.data)-c.off)
		c.scratch = append(c.scratch, c.blk.data[c.off:c.off+k]...)
		c.off += k
		n -= k
	}
	return c.scratch, nil
}

// readLookupIndex reads the array of metadata block positions of a lookup
// table of count entries of entrySize bytes whose array starts at start.
func (r *Reader) readLookupIndex(name string, start, count uint64, entrySize uint64) ([]uint64, error) {
	if count == 0 {
		return nil, nil
	}
	if start >= uint64(r.limit) {
		return nil, formatErrorf(int64(start), "%s table outside the image of %d bytes", name, r.limit)
	}
	nblocks := (count*entrySize + MetadataBlockSize - 1) / MetadataBlockSize
	if nblocks > (uint64(r.limit)-start)/8 {
		return nil, formatErrorf(int64(start), "%s table of %d entries does not fit in the image", name, count)
	}
	raw := make([]byte, nblocks*8)
	if err := r.readAt(raw, int64(start)); err != nil {
		return nil, fmt.Errorf("reading %s table: %w", name, err)
	}
	index := make([]uint64, nblocks)
	for i := range index {
		p := binary.LittleEndian.Uint64(raw[i*8:])
		if p < SuperblockSize || p >= start {
			return nil, formatErrorf(int64(start)+int64(i)*8, "%s table block %d at %#x outside the image", name, i, p)
		}
		index[i] = p
	}
	return index, nil
}

// lookupEntry returns entry i of entrySize bytes of a lookup table.
func (r *Reader) lookupEntry(name string, index []uint64, tableStart int64, i, entrySize uint64) ([]byte, error) {
	pos := i * entrySize
	blk := pos / MetadataBlockSize
	if blk >= uint64(len(index)) {
		return nil, formatErrorf(tableStart, "%s %d past the end of the table", name, i)
	}
	b, err := r.metadata(int64(index[blk]), tableStart)
	if err != nil {
		return nil, fmt.Errorf("reading %s table: %w", name, err)
	}
	off := pos % MetadataBlockSize
	if off+entrySize > uint64(len(b.data)) {
		return nil, formatErrorf(int64(index[blk]), "%s %d past the end of its %d-byte metadata block", name, i, len(b.data))
	}
	return b.data[off : off+entrySize], nil
}

func (r *Reader) readIDs() error {
	sb := &r.sb
	if sb.IDCount == 0 {
		return formatErrorf(26, "image has no uid/gid table entries")
	}
	index, err := r.readLookupIndex("id", sb.IDTableStart, uint64(sb.IDCount), 4)
	if err != nil {
		return err
	}
	r.ids = make([]uint32, sb.IDCount)
	for i := range r.ids {
		b, err := r.lookupEntry("id", index, int64(sb.IDTableStart), uint64(i), 4)
		if err != nil {
			return err
		}
		r.ids[i] = binary.LittleEndian.Uint32(b)
	}
	return nil
}

func (r *Reader) readFragmentIndex() error {
	sb := &r.sb
	if sb.FragmentCount == 0 || sb.FragmentTableStart == NoTable {
		return nil
	}
	index, err := r.readLookupIndex("fragment", sb.FragmentTableStart, uint64(sb.FragmentCount), 16)
	if err != nil {
		return err
	}
	r.fragIndex, r.fragTableStart = index, int64(sb.FragmentTableStart)
	return nil
}

// fragment returns the position and size word of fragment block i.
func (r *Reader) fragment(i uint32) (int64, uint32, error) {
	if i >= r.sb.FragmentCount || r.fragIndex == nil {
		return 0, 0, formatErrorf(r.fragTableStart, "fragment %d does not exist (the image has %d)", i, r.sb.FragmentCount)
	}
	b, err := r.lookupEntry("fragment", r.fragIndex, r.fragTableStart, uint64(i), 16)
	if err != nil {
		return 0, 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint32(b[8:]), nil
}

// shrinkDirEndByLookupTable reports the first metadata block of a lookup
// table to shrink, so that the directory table ends before it.
func (r *Reader) shrinkDirEndByLookupTable(start, count, entrySize uint64, shrink func(uint64)) error {
	if start >= uint64(r.limit) || start < 8 {
		if count == 0 {
			return nil
		}
		return formatErrorf(int64(start), "lookup table outside the image of %d bytes", r.limit)
	}
	var first [8]byte
	if err := r.readAt(first[:], int64(start)); err != nil {
		return err
	}
	shrink(binary.LittleEndian.Uint64(first[:]))
	return nil
}
