package squashfs

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"time"
)

// Inode is the metadata of one object of an image, as FileInfo.Sys returns
// it. It is shared: callers must not modify it.
type Inode struct {
	Number  uint32      // inode number, 1..inode count
	Mode    fs.FileMode // type and permission bits, with setuid, setgid and sticky
	UID     uint32
	GID     uint32
	ModTime time.Time
	Nlink   uint32
	Rdev    uint64 // device number of a device, Linux encoding (major and minor as unix.Mkdev)
	// Size is the length of a file's content, of a symlink's target, or
	// the directory listing size as stored (listing bytes + 3).
	Size    int64
	Symlink string            // target of a symlink
	Xattrs  map[string][]byte // extended attributes with their full names; nil if none

	ref    uint64 // inode reference
	typ    uint16 // on-disk type, basic or extended
	xattr  uint32 // xattr index or noXattr
	sparse uint64 // bytes saved by sparse blocks (extended files)

	// Regular files.
	blocks   []uint32 // block size words
	blockPos []int64  // position of each block
	frag     uint32   // fragment index or noFragment
	fragOff  uint32

	// Directories.
	dirBlock uint32 // metadata block of the listing, relative to the directory table
	dirOff   uint16
	dirLen   int64 // listing bytes (Size - 3)
	parent   uint32
	dirIndex []dirIndexRecord
}

// dirIndexRecord is one entry of an extended directory's index.
type dirIndexRecord struct {
	index uint32 // offset of a header in the listing
	block uint32 // its metadata block, relative to the directory table
	name  string // the first name after the header
}

// Major returns the major device number of a device inode.
func (i *Inode) Major() uint32 {
	return uint32((i.Rdev>>8)&0xfff | (i.Rdev>>32)&^0xfff)
}

// Minor returns the minor device number of a device inode.
func (i *Inode) Minor() uint32 {
	return uint32(i.Rdev&0xff | (i.Rdev>>12)&^0xff)
}

// mkdev encodes a device number as Linux's dev_t.
func mkdev(major, minor uint32) uint64 {
	ma, mi := uint64(major), uint64(minor)
	return ma&0xfffff000<<32 | ma&0xfff<<8 | mi&0xffffff00<<12 | mi&0xff
}

var inodeTypes = [...]fs.FileMode{
	typeDir: fs.ModeDir, typeFile: 0, typeSymlink: fs.ModeSymlink,
	typeBlockDev: fs.ModeDevice, typeCharDev: fs.ModeDevice | fs.ModeCharDevice,
	typeFifo: fs.ModeNamedPipe, typeSocket: fs.ModeSocket,
}

// basicInodeType maps an extended inode type to its basic type.
func basicInodeType(t uint16) uint16 {
	if t >= typeLDir && t <= typeLSocket {
		return t - 7
	}
	return t
}

// inode returns the inode at reference ref, cached.
func (r *Reader) inode(ref uint64) (*Inode, error) {
	return r.inodes.get(ref, func() (*Inode, int64, error) {
		ino, err := r.readInode(ref)
		if err != nil {
			return nil, 0, err
		}
		return ino, 1 + int64(len(ino.blocks)/64+len(ino.dirIndex)), nil
	})
}

func (r *Reader) readInode(ref uint64) (*Inode, error) {
	block, off := splitRef(ref)
	if off >= MetadataBlockSize {
		return nil, formatErrorf(r.inodeStart, "inode reference %#x has offset %d past a metadata block", ref, off)
	}
	c, err := r.cursor(r.inodeStart, r.inodeEnd, block, off)
	if err != nil {
		return nil, fmt.Errorf("inode %#x: %w", ref, err)
	}
	h, err := c.read(16)
	if err != nil {
		return nil, fmt.Errorf("inode %#x: %w", ref, err)
	}
	le := binary.LittleEndian
	ino := &Inode{ref: ref, typ: le.Uint16(h), xattr: noXattr, frag: noFragment}
	mode := le.Uint16(h[2:])
	uidIdx, gidIdx := le.Uint16(h[4:]), le.Uint16(h[6:])
	ino.ModTime = time.Unix(int64(le.Uint32(h[8:])), 0)
	ino.Number = le.Uint32(h[12:])
	bt := basicInodeType(ino.typ)
	if ino.typ == 0 || bt > typeSocket {
		return nil, c.errorf("inode %#x has unknown type %d", ref, ino.typ)
	}
	if int(uidIdx) >= len(r.ids) || int(gidIdx) >= len(r.ids) {
		return nil, c.errorf("inode %#x: uid index %d or gid index %d past the %d ids", ref, uidIdx, gidIdx, len(r.ids))
	}
	ino.UID, ino.GID = r.ids[uidIdx], r.ids[gidIdx]
	ino.Mode = inodeTypes[bt] | fs.FileMode(mode&0o777)
	if mode&0o4000 != 0 {
		ino.Mode |= fs.ModeSetuid
	}
	if mode&0o2000 != 0 {
		ino.Mode |= fs.ModeSetgid
	}
	if mode&0o1000 != 0 {
		ino.Mode |= fs.ModeSticky
	}
	if err := r.readInodeBody(c, ino); err != nil {
		return nil, fmt.Errorf("inode %#x: %w", ref, err)
	}
	if ino.xattr != noXattr {
		x, err := r.readXattrs(ino.xattr)
		if err != nil {
			return nil, fmt.Errorf("inode %#x: %w", ref, err)
		}
		ino.Xattrs = x
	}
	return ino, nil
}

func (r *Reader) readInodeBody(c *metaCursor, ino *Inode) error {
	le := binary.LittleEndian
	switch ino.typ {
	case typeDir:
		b, err := c.read(16)
		if err != nil {
			return err
		}
		ino.dirBlock = le.Uint32(b)
		ino.Nlink = le.Uint32(b[4:])
		ino.Size = int64(le.Uint16(b[8:]))
		ino.dirOff = le.Uint16(b[10:])
		ino.parent = le.Uint32(b[12:])
		ino.dirLen = max(ino.Size-3, 0)
	case typeLDir:
		b, err := c.read(24)
		if err != nil {
			return err
		}
		ino.Nlink = le.Uint32(b)
		ino.Size = int64(le.Uint32(b[4:]))
		ino.dirBlock = le.Uint32(b[8:])
		ino.parent = le.Uint32(b[12:])
		count := int(le.Uint16(b[16:]))
		ino.dirOff = le.Uint16(b[18:])
		ino.xattr = le.Uint32(b[20:])
		ino.dirLen = max(ino.Size-3, 0)
		for i := 0; i < count; i++ {
			b, err := c.read(12)
			if err != nil {
				return err
			}
			e := dirIndexRecord{index: le.Uint32(b), block: le.Uint32(b[4:])}
			n := le.Uint32(b[8:]) + 1
			if n > 256 {
				return c.errorf("directory index name of %d bytes", n)
			}
			name, err := c.read(int(n))
			if err != nil {
				return err
			}
			e.name = string(name)
			ino.dirIndex = append(ino.dirIndex, e)
		}
	case typeFile, typeLFile:
		return r.readFileInode(c, ino)
	case typeSymlink, typeLSymlink:
		b, err := c.read(8)
		if err != nil {
			return err
		}
		ino.Nlink = le.Uint32(b)
		n := le.Uint32(b[4:])
		if n > maxSymlinkTarget {
			return c.errorf("symlink target of %d bytes", n)
		}
		t, err := c.read(int(n))
		if err != nil {
			return err
		}
		ino.Symlink = string(t)
		ino.Size = int64(n)
		if ino.typ == typeLSymlink {
			if b, err = c.read(4); err != nil {
				return err
			}
			ino.xattr = le.Uint32(b)
		}
	case typeBlockDev, typeCharDev, typeLBlock, typeLChar:
		n := 8
		if ino.typ >= typeLDir {
			n = 12
		}
		b, err := c.read(n)
		if err != nil {
			return err
		}
		ino.Nlink = le.Uint32(b)
		ino.Rdev = mkdev(decodeRdev(le.Uint32(b[4:])))
		if n == 12 {
			ino.xattr = le.Uint32(b[8:])
		}
	case typeFifo, typeSocket, typeLFifo, typeLSocket:
		n := 4
		if ino.typ >= typeLDir {
			n = 8
		}
		b, err := c.read(n)
		if err != nil {
			return err
		}
		ino.Nlink = le.Uint32(b)
		if n == 8 {
			ino.xattr = le.Uint32(b[4:])
		}
	}
	return nil
}

func (r *Reader) readFileInode(c *metaCursor, ino *Inode) error {
	le := binary.LittleEndian
	var start, size uint64
	if ino.typ == typeFile {
		b, err := c.read(16)
		if err != nil {
			return err
		}
		start = uint64(le.Uint32(b))
		ino.frag, ino.fragOff = le.Uint32(b[4:]), le.Uint32(b[8:])
		size = uint64(le.Uint32(b[12:]))
		ino.Nlink = 1
	} else {
		b, err := c.read(40)
		if err != nil {
			return err
		}
		start, size, ino.sparse = le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:])
		ino.Nlink = le.Uint32(b[24:])
		ino.frag, ino.fragOff = le.Uint32(b[28:]), le.Uint32(b[32:])
		ino.xattr = le.Uint32(b[36:])
	}
	if size >= 1<<62 {
		return c.errorf("file size %d", size)
	}
	ino.Size = int64(size)
	bs := uint64(r.blockSize)
	n := size / bs
	if ino.frag == noFragment {
		n = (size + bs - 1) / bs
	} else if size%bs == 0 {
		return c.errorf("file of %d bytes (a multiple of the block size) has a fragment", size)
	}
	// Each list entry takes 4 bytes of the inode table; a metadata block
	// of at least 3 bytes on disk holds at most 8192.
	if n > uint64(r.inodeEnd-c.pos+3)/3*MetadataBlockSize/4 {
		return c.errorf("file of %d bytes has more blocks than the inode table can hold", size)
	}
	if start > uint64(r.limit) {
		return c.errorf("file data at %#x outside the image of %d bytes", start, r.limit)
	}
	ino.blocks = make([]uint32, 0, min(n, 1<<16))
	ino.blockPos = make([]int64, 0, min(n, 1<<16))
	pos := int64(start)
	for remaining := n; remaining > 0; {
		k := min(remaining, 1024)
		b, err := c.read(int(k * 4))
		if err != nil {
			return err
		}
		for i := 0; i < int(k); i++ {
			w := le.Uint32(b[i*4:])
			if w&^(dataUncompressed|(dataUncompressed-1)) != 0 || uint64(w&(dataUncompressed-1)) > bs {
				return c.errorf("block %d of the file has an invalid size word %#x", len(ino.blocks), w)
			}
			ino.blocks = append(ino.blocks, w)
			ino.blockPos = append(ino.blockPos, pos)
			pos += int64(w & (dataUncompressed - 1))
			if pos > r.limit {
				return c.errorf("block %d of the file ends at %#x, past the image end %#x", len(ino.blocks)-1, pos, r.limit)
			}
		}
		remaining -= k
	}
	return nil
}
