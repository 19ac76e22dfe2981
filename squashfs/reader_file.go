package squashfs

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// readAhead is how many blocks a sequential reader decompresses ahead.
const readAhead = 4

// blockLen is the decompressed length of block bi of file ino.
func (r *Reader) blockLen(ino *Inode, bi int64) int {
	return int(min(int64(r.blockSize), ino.Size-bi*int64(r.blockSize)))
}

// readBlock reads and decompresses the data block at pos with size word
// w into dst, which must have room for a block.
func (r *Reader) readBlock(dst []byte, pos int64, w uint32, want int) ([]byte, error) {
	n := int(w & (dataUncompressed - 1))
	if n > r.blockSize {
		return nil, formatErrorf(pos, "data block of %d bytes is larger than the block size", n)
	}
	if w&dataUncompressed != 0 {
		if n != want {
			return nil, formatErrorf(pos, "uncompressed data block of %d bytes, want %d", n, want)
		}
		dst = dst[:n]
		if err := r.readAt(dst, pos); err != nil {
			return nil, err
		}
		return dst, nil
	}
	bp := r.getBuf()
	defer r.bufPool.Put(bp)
	raw := (*bp)[:n]
	if err := r.readAt(raw, pos); err != nil {
		return nil, err
	}
	out, err := r.dec.decompress(dst[:0], raw, r.blockSize)
	if err != nil {
		return nil, formatErrorf(pos, "data block: %s: %v", r.sb.Compression, err)
	}
	if len(out) != want {
		return nil, formatErrorf(pos, "data block decompressed to %d bytes, want %d", len(out), want)
	}
	return out, nil
}

func (r *Reader) getBuf() *[]byte {
	if v := r.bufPool.Get(); v != nil {
		return v.(*[]byte)
	}
	b := make([]byte, r.blockSize)
	return &b
}

// block is a decompressed data or fragment block shared through the data
// cache. It is reference counted so that its memory is reused rather than
// left to the garbage collector: the cache holds a reference while it keeps
// the block, and so does every caller that got it, until putBlock.
type block struct {
	data []byte
	refs atomic.Int32
}

// freeBlocksMax is how many unused blocks a Reader keeps for reuse.
const freeBlocksMax = 16

// newBlock returns an empty block with room for a block of the image and
// one reference.
func (r *Reader) newBlock() *block {
	var b *block
	select {
	case b = <-r.freeBlocks:
		b.data = b.data[:0]
	default:
		b = &block{data: make([]byte, 0, r.blockSize+decodeSlack)}
	}
	b.refs.Store(1)
	return b
}

// putBlock gives up one reference to b (nil: none); the last one recycles
// it.
func (r *Reader) putBlock(b *block) {
	if b == nil || b.refs.Add(-1) != 0 {
		return
	}
	select {
	case r.freeBlocks <- b:
	default:
	}
}

// cachedBlock returns the decompressed block at pos through the data
// cache; the caller must putBlock it.
func (r *Reader) cachedBlock(pos int64, w uint32, want int) (*block, error) {
	b, err := r.data.get(dataKey{pos, w}, func() (*block, int64, error) {
		b := r.newBlock()
		out, err := r.readBlock(b.data, pos, w, want)
		if err != nil {
			r.putBlock(b)
			return nil, 0, err
		}
		b.data = out
		return b, int64(cap(out)), nil
	})
	if err != nil {
		return nil, err
	}
	if len(b.data) != want {
		r.putBlock(b)
		return nil, formatErrorf(pos, "data block of %d bytes used as one of %d", len(b.data), want)
	}
	return b, nil
}

// fragmentBlock returns the decompressed fragment block i; the caller must
// putBlock it.
func (r *Reader) fragmentBlock(i uint32) (*block, error) {
	pos, w, err := r.fragment(i)
	if err != nil {
		return nil, err
	}
	n := int(w & (dataUncompressed - 1))
	if w&^(dataUncompressed|(dataUncompressed-1)) != 0 || n > r.blockSize || pos < SuperblockSize || pos > r.limit-int64(n) {
		return nil, formatErrorf(r.fragTableStart, "fragment %d at %#x of size word %#x is invalid or outside the image", i, pos, w)
	}
	return r.data.get(dataKey{pos, w}, func() (*block, int64, error) {
		b := r.newBlock()
		if w&dataUncompressed != 0 {
			b.data = b.data[:n]
			if err := r.readAt(b.data, pos); err != nil {
				r.putBlock(b)
				return nil, 0, err
			}
			return b, int64(cap(b.data)), nil
		}
		bp := r.getBuf()
		defer r.bufPool.Put(bp)
		raw := (*bp)[:n]
		if err := r.readAt(raw, pos); err != nil {
			r.putBlock(b)
			return nil, 0, err
		}
		out, err := r.dec.decompress(b.data, raw, r.blockSize)
		if err != nil {
			r.putBlock(b)
			return nil, 0, formatErrorf(pos, "fragment block: %s: %v", r.sb.Compression, err)
		}
		b.data = out
		return b, int64(cap(out)), nil
	})
}

// tail returns the part of file ino kept in a fragment, and the block
// holding it, which the caller must putBlock.
func (r *Reader) tail(ino *Inode) ([]byte, *block, error) {
	frag, err := r.fragmentBlock(ino.frag)
	if err != nil {
		return nil, nil, err
	}
	n := ino.Size % int64(r.blockSize)
	if int64(ino.fragOff)+n > int64(len(frag.data)) {
		r.putBlock(frag)
		return nil, nil, formatErrorf(r.fragTableStart, "inode %d: tail of %d bytes at offset %d past the end of fragment %d (%d bytes)",
			ino.Number, n, ino.fragOff, ino.frag, len(frag.data))
	}
	return frag.data[ino.fragOff : int64(ino.fragOff)+n], frag, nil
}

// fileBlock returns block bi of file ino (the tail when bi is past the
// full blocks), which must not be modified, and the block holding it (nil
// for a sparse block), which the caller must putBlock.
func (r *Reader) fileBlock(ino *Inode, bi int64) ([]byte, *block, error) {
	if bi < int64(len(ino.blocks)) {
		w := ino.blocks[bi]
		want := r.blockLen(ino, bi)
		if w == 0 {
			return r.zeroBlock[:want], nil, nil
		}
		b, err := r.cachedBlock(ino.blockPos[bi], w, want)
		if err != nil {
			return nil, nil, err
		}
		return b.data, b, nil
	}
	if ino.frag == noFragment {
		return nil, nil, fmt.Errorf("squashfs: inode %d: block %d past the end of the file", ino.Number, bi)
	}
	return r.tail(ino)
}

// decodeInto decompresses block bi of ino into the start of p, which has
// room for it and decodeSlack, unless the block is cached or being loaded
// (ok false).
func (r *Reader) decodeInto(p []byte, ino *Inode, bi int64) (n int, ok bool, err error) {
	pos, w, want := ino.blockPos[bi], ino.blocks[bi], r.blockLen(ino, bi)
	if r.data.pending(dataKey{pos, w}) {
		return 0, false, nil
	}
	out, err := r.readBlock(p[:0:want+decodeSlack], pos, w, want)
	if err != nil {
		return 0, true, err
	}
	if &out[0] != &p[0] {
		copy(p, out) // the decompressor did not decode in place
	}
	return want, true, nil
}

// readStored reads into p the part from byte inner of block bi of ino, a
// block stored uncompressed, and returns how many bytes it read.
func (r *Reader) readStored(p []byte, ino *Inode, bi, inner int64) (int, error) {
	w, want := ino.blocks[bi], r.blockLen(ino, bi)
	if n := int(w & (dataUncompressed - 1)); n != want {
		return 0, formatErrorf(ino.blockPos[bi], "uncompressed data block of %d bytes, want %d", n, want)
	}
	k := min(int64(len(p)), int64(want)-inner)
	if err := r.readAt(p[:k], ino.blockPos[bi]+inner); err != nil {
		return 0, err
	}
	return int(k), nil
}

// prefetchBlocks starts decompressing blocks from..to-1 of ino in the
// background, as far as idle read-ahead workers allow.
func (r *Reader) prefetchBlocks(ino *Inode, from, to int64) {
	to = min(to, int64(len(ino.blocks)))
	for bi := from; bi < to; bi++ {
		w := ino.blocks[bi]
		if w == 0 || w&dataUncompressed != 0 || r.data.pending(dataKey{ino.blockPos[bi], w}) {
			continue
		}
		select {
		case r.prefetch <- struct{}{}:
		default:
			return
		}
		go func(bi int64) {
			defer func() { <-r.prefetch }()
			_, b, _ := r.fileBlock(ino, bi)
			r.putBlock(b)
		}(bi)
	}
}

// prefetchFragment starts decompressing fragment block i in the
// background when an idle read-ahead worker is free.
func (r *Reader) prefetchFragment(i uint32) {
	pos, w, err := r.fragment(i)
	if err != nil || r.data.pending(dataKey{pos, w}) {
		return
	}
	select {
	case r.prefetch <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-r.prefetch }()
		b, _ := r.fragmentBlock(i)
		r.putBlock(b)
	}()
}

// fileReader reads the content of a regular file at any offset. ReadAt is
// safe for concurrent use.
type fileReader struct {
	r    *Reader
	ino  *Inode
	next atomic.Int64 // block after the last one read, for read-ahead
}

// ReadAt implements io.ReaderAt.
func (f *fileReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("squashfs: negative offset")
	}
	r, ino := f.r, f.ino
	bs := int64(r.blockSize)
	n := 0
	for n < len(p) && off < ino.Size {
		bi := off / bs
		if f.next.Swap(bi+1) == bi && bi+1 < int64(len(ino.blocks)) {
			r.prefetchBlocks(ino, bi+1, bi+1+readAhead)
		}
		inner := off - bi*bs
		if bi < int64(len(ino.blocks)) && ino.blocks[bi]&dataUncompressed != 0 {
			// Stored as is: read straight into p, bypassing the cache
			// (the kernel's page cache already holds the image).
			k, err := r.readStored(p[n:], ino, bi, inner)
			n += k
			off += int64(k)
			if err != nil {
				return n, err
			}
			continue
		}
		if inner == 0 && bi < int64(len(ino.blocks)) && ino.blocks[bi] != 0 && len(p)-n >= r.blockLen(ino, bi)+decodeSlack {
			// A whole block that nobody has decompressed or is
			// decompressing: straight into p, bypassing the cache.
			if k, ok, err := r.decodeInto(p[n:], ino, bi); ok {
				n += k
				off += int64(k)
				if err != nil {
					return n, err
				}
				continue
			}
		}
		b, blk, err := r.fileBlock(ino, bi)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], b[inner:])
		r.putBlock(blk)
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
