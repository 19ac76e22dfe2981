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

// cachedBlock returns the decompressed block at pos through the data cache.
func (r *Reader) cachedBlock(pos int64, w uint32, want int) ([]byte, error) {
	b, err := r.data.get(dataKey{pos, w}, func() ([]byte, int64, error) {
		out, err := r.readBlock(make([]byte, 0, r.blockSize), pos, w, want)
		return out, int64(cap(out)), err
	})
	if err != nil {
		return nil, err
	}
	if len(b) != want {
		return nil, formatErrorf(pos, "data block of %d bytes used as one of %d", len(b), want)
	}
	return b, nil
}

// fragmentBlock returns the decompressed fragment block i.
func (r *Reader) fragmentBlock(i uint32) ([]byte, error) {
	pos, w, err := r.fragment(i)
	if err != nil {
		return nil, err
	}
	n := int(w & (dataUncompressed - 1))
	if w&^(dataUncompressed|(dataUncompressed-1)) != 0 || n > r.blockSize || pos < SuperblockSize || pos > r.limit-int64(n) {
		return nil, formatErrorf(r.fragTableStart, "fragment %d at %#x of size word %#x is invalid or outside the image", i, pos, w)
	}
	return r.data.get(dataKey{pos, w}, func() ([]byte, int64, error) {
		dst := make([]byte, 0, r.blockSize)
		if w&dataUncompressed != 0 {
			dst = dst[:n]
			return dst, int64(n), r.readAt(dst, pos)
		}
		bp := r.getBuf()
		defer r.bufPool.Put(bp)
		raw := (*bp)[:n]
		if err := r.readAt(raw, pos); err != nil {
			return nil, 0, err
		}
		out, err := r.dec.decompress(dst, raw, r.blockSize)
		if err != nil {
			return nil, 0, formatErrorf(pos, "fragment block: %s: %v", r.sb.Compression, err)
		}
		return out, int64(cap(out)), nil
	})
}

// tail returns the part of file ino kept in a fragment.
func (r *Reader) tail(ino *Inode) ([]byte, error) {
	frag, err := r.fragmentBlock(ino.frag)
	if err != nil {
		return nil, err
	}
	n := ino.Size % int64(r.blockSize)
	if int64(ino.fragOff)+n > int64(len(frag)) {
		return nil, formatErrorf(r.fragTableStart, "inode %d: tail of %d bytes at offset %d past the end of fragment %d (%d bytes)",
			ino.Number, n, ino.fragOff, ino.frag, len(frag))
	}
	return frag[ino.fragOff : int64(ino.fragOff)+n], nil
}

// fileBlock returns block bi of file ino (the tail when bi is past the
// full blocks). The result is shared and must not be modified.
func (r *Reader) fileBlock(ino *Inode, bi int64) ([]byte, error) {
	if bi < int64(len(ino.blocks)) {
		w := ino.blocks[bi]
		want := r.blockLen(ino, bi)
		if w == 0 {
			return r.zeroBlock[:want], nil
		}
		return r.cachedBlock(ino.blockPos[bi], w, want)
	}
	if ino.frag == noFragment {
		return nil, fmt.Errorf("squashfs: inode %d: block %d past the end of the file", ino.Number, bi)
	}
	return r.tail(ino)
}

// prefetchBlocks starts decompressing blocks from..to-1 of ino in the
// background, as far as idle read-ahead workers allow.
func (r *Reader) prefetchBlocks(ino *Inode, from, to int64) {
	to = min(to, int64(len(ino.blocks)))
	for bi := from; bi < to; bi++ {
		w := ino.blocks[bi]
		if w == 0 || r.data.pending(dataKey{ino.blockPos[bi], w}) {
			continue
		}
		select {
		case r.prefetch <- struct{}{}:
		default:
			return
		}
		go func(bi int64) {
			defer func() { <-r.prefetch }()
			_, _ = r.fileBlock(ino, bi)
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
		_, _ = r.fragmentBlock(i)
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
		b, err := r.fileBlock(ino, bi)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], b[off-bi*bs:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
