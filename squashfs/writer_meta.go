package squashfs

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"math"
)

// metaBlockWriter builds a table of metadata blocks in memory: 8 KiB chunks,
// each compressed (or stored as is when that is not smaller) behind a
// 2-byte header.
type metaBlockWriter struct {
	comp   blockCompressor
	out    []byte   // finished blocks
	buf    []byte   // the current, unfinished block
	starts []uint64 // position in out of each finished block
	err    error
}

func newMetaBlockWriter(comp blockCompressor) *metaBlockWriter {
	return &metaBlockWriter{comp: comp, buf: make([]byte, 0, MetadataBlockSize)}
}

// ref returns the reference of the next byte: the position of its block
// in the table and its offset in the uncompressed block.
func (m *metaBlockWriter) ref() uint64 { return inodeRef(uint64(len(m.out)), uint16(len(m.buf))) }

// upos returns the position of the next byte in the uncompressed table.
func (m *metaBlockWriter) upos() int { return len(m.starts)*MetadataBlockSize + len(m.buf) }

func (m *metaBlockWriter) write(p []byte) {
	for len(p) > 0 {
		n := min(len(p), MetadataBlockSize-len(m.buf))
		m.buf = append(m.buf, p[:n]...)
		p = p[n:]
		if len(m.buf) == MetadataBlockSize {
			m.flush()
		}
	}
}

func (m *metaBlockWriter) flush() {
	if len(m.buf) == 0 {
		return
	}
	m.starts = append(m.starts, uint64(len(m.out)))
	c, err := m.comp.compress(nil, m.buf)
	if err != nil && m.err == nil {
		m.err = fmt.Errorf("compressing metadata: %w", err)
	}
	if c != nil && len(c) < len(m.buf) {
		m.out = binary.LittleEndian.AppendUint16(m.out, uint16(len(c)))
		m.out = append(m.out, c...)
	} else {
		m.out = binary.LittleEndian.AppendUint16(m.out, uint16(len(m.buf))|metadataUncompressed)
		m.out = append(m.out, m.buf...)
	}
	m.buf = m.buf[:0]
}

// finish flushes the last block and returns the table.
func (m *metaBlockWriter) finish() ([]byte, error) {
	m.flush()
	return m.out, m.err
}

// metaBuilder writes the inode and directory tables in one pass: children
// before their directory, so every reference is final when it is written.
type metaBuilder struct {
	w         *Writer
	inodes    *metaBlockWriter
	dirs      *metaBlockWriter
	imageTime int64
	count     uint32   // inode count
	export    []uint64 // inode reference of inode n at n-1
	ids       []uint32
	idIndex   map[uint32]uint16
}

func (b *metaBuilder) id(v uint32) (uint16, error) {
	if i, ok := b.idIndex[v]; ok {
		return i, nil
	}
	if len(b.ids) == 1<<16 {
		return 0, fmt.Errorf("more than 65536 distinct uids and gids")
	}
	i := uint16(len(b.ids))
	b.ids = append(b.ids, v)
	b.idIndex[v] = i
	return i, nil
}

// mtime returns the stored mtime of n: clamped to the image time when
// asked, and to the unsigned 32-bit range.
func (b *metaBuilder) mtime(n *wnode) uint32 {
	t := n.mtime
	if n.implied {
		t = b.imageTime
	}
	if b.w.opts.Clamp && t > b.imageTime {
		t = b.imageTime
	}
	return writerClampTime(t)
}

func writerClampTime(t int64) uint32 {
	return uint32(max(0, min(t, math.MaxUint32)))
}

// header appends the common inode header.
func (b *metaBuilder) header(dst []byte, typ uint16, n *wnode) ([]byte, error) {
	uid, err := b.id(n.uid)
	if err != nil {
		return nil, err
	}
	gid, err := b.id(n.gid)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	dst = le.AppendUint16(dst, typ)
	dst = le.AppendUint16(dst, writerMode(n.mode))
	dst = le.AppendUint16(dst, uid)
	dst = le.AppendUint16(dst, gid)
	dst = le.AppendUint32(dst, b.mtime(n))
	return le.AppendUint32(dst, n.ino), nil
}

// writerEntryType is the directory entry type of n.
func writerEntryType(m fs.FileMode) uint16 {
	switch m.Type() {
	case fs.ModeDir:
		return typeDir
	case fs.ModeSymlink:
		return typeSymlink
	case fs.ModeDevice:
		return typeBlockDev
	case fs.ModeDevice | fs.ModeCharDevice:
		return typeCharDev
	case fs.ModeNamedPipe:
		return typeFifo
	case fs.ModeSocket:
		return typeSocket
	}
	return typeFile
}

// emit writes an inode to the inode table and records its reference.
func (b *metaBuilder) emit(n *wnode, inode []byte) {
	n.ref = b.inodes.ref()
	n.written = true
	b.export[n.ino-1] = n.ref
	b.inodes.write(inode)
}

// writeLeaf writes the inode of anything but a directory.
func (b *metaBuilder) writeLeaf(n *wnode) error {
	le := binary.LittleEndian
	typ := writerEntryType(n.mode)
	var body []byte
	switch typ {
	case typeFile:
		return b.writeFile(n)
	case typeSymlink:
		body = le.AppendUint32(body, 1)
		body = le.AppendUint32(body, uint32(len(n.symlink)))
		body = append(body, n.symlink...)
	case typeBlockDev, typeCharDev:
		body = le.AppendUint32(body, 1)
		body = le.AppendUint32(body, encodeRdev(writerDevMajor(n.rdev), writerDevMinor(n.rdev)))
	default:
		body = le.AppendUint32(body, 1)
	}
	h, err := b.header(make([]byte, 0, 16+len(body)), typ, n)
	if err != nil {
		return err
	}
	b.emit(n, append(h, body...))
	return nil
}

func (b *metaBuilder) writeFile(n *wnode) error {
	le := binary.LittleEndian
	fd := n.data
	// Like mksquashfs, a file made only of zero blocks does not count as
	// sparse (a basic inode reads back the same).
	sparse := fd.sparse
	if sparse >= uint64(n.size) {
		sparse = 0
	}
	ext := n.nlink > 1 || n.size > math.MaxUint32 || fd.start > math.MaxUint32 || sparse > 0
	typ := uint16(typeFile)
	if ext {
		typ = typeLFile
	}
	in, err := b.header(make([]byte, 0, 56+4*len(fd.sizes)), typ, n)
	if err != nil {
		return err
	}
	if ext {
		in = le.AppendUint64(in, fd.start)
		in = le.AppendUint64(in, uint64(n.size))
		in = le.AppendUint64(in, sparse)
		in = le.AppendUint32(in, n.nlink)
		in = le.AppendUint32(in, fd.fragIndex)
		in = le.AppendUint32(in, fd.fragOffset)
		in = le.AppendUint32(in, noXattr)
	} else {
		in = le.AppendUint32(in, uint32(fd.start))
		in = le.AppendUint32(in, fd.fragIndex)
		in = le.AppendUint32(in, fd.fragOffset)
		in = le.AppendUint32(in, uint32(n.size))
	}
	for _, s := range fd.sizes {
		in = le.AppendUint32(in, s)
	}
	b.emit(n, in)
	return nil
}

// writerDirIndex points the kernel at a directory header in a later
// metadata block, so that lookups can skip what comes before.
type writerDirIndex struct {
	index      uint32 // offset of the header in the listing
	startBlock uint32 // its metadata block, relative to the directory table
	name       string // name of the first entry after the header
}

// writeDir writes everything below d, then d's listing and inode.
func (b *metaBuilder) writeDir(d *wnode) error {
	subdirs := uint32(0)
	for _, c := range d.children {
		in := c.inodeOf()
		switch {
		case c.link == nil && c.mode.IsDir():
			subdirs++
			if err := b.writeDir(c); err != nil {
				return err
			}
		case !in.written:
			if err := b.writeLeaf(in); err != nil {
				return err
			}
		}
	}

	le := binary.LittleEndian
	dirs := b.dirs
	startRef := dirs.ref()
	startPos := dirs.upos()
	var index []writerDirIndex
	indexBlock := startPos / MetadataBlockSize
	var listing []byte // entries of the current run, after its header
	var runCount int
	var runBlock uint64
	var runBase uint32
	var hdrPos int
	flushRun := func() {
		if runCount == 0 {
			return
		}
		var h []byte
		h = le.AppendUint32(h, uint32(runCount-1))
		h = le.AppendUint32(h, uint32(runBlock))
		h = le.AppendUint32(h, runBase)
		dirs.write(h)
		dirs.write(listing)
		listing, runCount = listing[:0], 0
	}
	for _, c := range d.children {
		in := c.inodeOf()
		block, offset := splitRef(in.ref)
		delta := int64(in.ino) - int64(runBase)
		entryPos := dirs.upos() + 12*writerBoolInt(runCount > 0) + len(listing)
		if runCount == 0 || runCount == 256 || block != runBlock || delta > math.MaxInt16 || delta < math.MinInt16 ||
			entryPos/MetadataBlockSize != hdrPos/MetadataBlockSize {
			flushRun()
			hdrPos = dirs.upos()
			runBlock, runBase, delta = block, in.ino, 0
			if blk := hdrPos / MetadataBlockSize; blk != indexBlock {
				indexBlock = blk
				// The run's header goes at hdrPos, in the block that is
				// current in the directory writer now.
				index = append(index, writerDirIndex{
					index:      uint32(hdrPos - startPos),
					startBlock: uint32(len(dirs.out)),
					name:       c.name,
				})
			}
		}
		listing = le.AppendUint16(listing, offset)
		listing = le.AppendUint16(listing, uint16(int16(delta)))
		listing = le.AppendUint16(listing, writerEntryType(in.mode))
		listing = le.AppendUint16(listing, uint16(len(c.name)-1))
		listing = append(listing, c.name...)
		runCount++
	}
	flushRun()
	return b.writeDirInode(d, startRef, dirs.upos()-startPos, subdirs, index)
}

func writerBoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeDirInode writes the inode of directory d whose listing starts at
// listing (a directory table reference) and is size bytes long.
func (b *metaBuilder) writeDirInode(d *wnode, listing uint64, size int, subdirs uint32, index []writerDirIndex) error {
	le := binary.LittleEndian
	block, offset := splitRef(listing)
	if block > math.MaxUint32 {
		return fmt.Errorf("directory table larger than 4 GiB")
	}
	parent := b.count + 1 // the root's parent, as mksquashfs writes it
	if d.parent != nil {
		parent = d.parent.ino
	}
	fileSize := uint32(size + 3) // the kernel counts "." and ".." as 3 bytes
	ext := len(d.children) > 256 || len(index) > 0 || fileSize > math.MaxUint16
	typ := uint16(typeDir)
	if ext {
		typ = typeLDir
	}
	in, err := b.header(make([]byte, 0, 40), typ, d)
	if err != nil {
		return err
	}
	if ext {
		in = le.AppendUint32(in, 2+subdirs)
		in = le.AppendUint32(in, fileSize)
		in = le.AppendUint32(in, uint32(block))
		in = le.AppendUint32(in, parent)
		in = le.AppendUint16(in, uint16(len(index)))
		in = le.AppendUint16(in, offset)
		in = le.AppendUint32(in, noXattr)
		for _, e := range index {
			in = le.AppendUint32(in, e.index)
			in = le.AppendUint32(in, e.startBlock)
			in = le.AppendUint32(in, uint32(len(e.name)-1))
			in = append(in, e.name...)
		}
	} else {
		in = le.AppendUint32(in, uint32(block))
		in = le.AppendUint32(in, 2+subdirs)
		in = le.AppendUint16(in, uint16(fileSize))
		in = le.AppendUint16(in, offset)
		in = le.AppendUint32(in, parent)
	}
	b.emit(d, in)
	return nil
}
