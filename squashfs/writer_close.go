package squashfs

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Close writes the file data, the tables and the superblock. It returns
// the first error met; the image is then incomplete and should be
// discarded. Close does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		if w.err == nil {
			return nil
		}
		return w.err
	}
	w.closed = true
	w.err = w.finish()
	return w.err
}

func (w *Writer) imageTime() int64 {
	switch {
	case !w.opts.ModTime.IsZero():
		return w.opts.ModTime.Unix()
	case w.hasAny:
		return w.newest
	}
	return 0
}

func (w *Writer) finish() error {
	imageTime := w.imageTime()
	writerSortTree(w.root)
	count, files := writerNumberTree(w.root)

	dupOf, err := w.findDuplicates(files)
	if err != nil {
		return err
	}

	// The compressor options block sits right after the superblock.
	var optBlock []byte
	if w.spec.options != nil {
		optBlock = binary.LittleEndian.AppendUint16(nil, uint16(len(w.spec.options))|metadataUncompressed)
		optBlock = append(optBlock, w.spec.options...)
	}
	out := newSeqWriter(w.dst, SuperblockSize)
	if err := out.write(optBlock); err != nil {
		return err
	}
	d := &dataWriter{w: w, bs: w.opts.BlockSize, out: out, zeros: make([]byte, w.opts.BlockSize), abort: make(chan struct{})}
	if err := d.run(files, dupOf); err != nil {
		return err
	}

	comp, err := w.spec.newComp()
	if err != nil {
		return fmt.Errorf("squashfs: %w", err)
	}
	b := &metaBuilder{
		w:         w,
		inodes:    newMetaBlockWriter(comp),
		dirs:      newMetaBlockWriter(comp),
		imageTime: imageTime,
		count:     count,
		export:    make([]uint64, count),
		idIndex:   map[uint32]uint16{},
	}
	if err := b.writeDir(w.root); err != nil {
		return fmt.Errorf("squashfs: %w", err)
	}
	inodeTable, err := b.inodes.finish()
	if err != nil {
		return fmt.Errorf("squashfs: inode table: %w", err)
	}
	dirTable, err := b.dirs.finish()
	if err != nil {
		return fmt.Errorf("squashfs: directory table: %w", err)
	}
	if uint64(len(inodeTable)) > 1<<32 {
		return errors.New("squashfs: inode table larger than 4 GiB")
	}

	sb := Superblock{
		Magic:           Magic,
		InodeCount:      count,
		ModTime:         writerClampTime(imageTime),
		BlockSize:       uint32(w.opts.BlockSize),
		FragmentCount:   uint32(len(d.frags)),
		Compression:     w.spec.id,
		Flags:           FlagDuplicates | FlagExportable | FlagNoXattrs | w.spec.flags,
		IDCount:         uint16(len(b.ids)),
		VersionMajor:    4,
		XattrTableStart: NoTable,
		RootInode:       w.root.ref,
	}
	for 1<<sb.BlockLog < sb.BlockSize {
		sb.BlockLog++
	}
	if w.opts.NoFragments {
		sb.Flags |= FlagNoFragments
	} else {
		sb.Flags |= FlagAlwaysFragments
	}
	if optBlock != nil {
		sb.Flags |= FlagCompressorOptions
	}
	sb.InodeTableStart = uint64(out.offset())
	if err := out.write(inodeTable); err != nil {
		return err
	}
	sb.DirectoryTableStart = uint64(out.offset())
	if err := out.write(dirTable); err != nil {
		return err
	}
	le := binary.LittleEndian
	var frags, exports, ids []byte
	for _, f := range d.frags {
		frags = le.AppendUint64(frags, f.start)
		frags = le.AppendUint32(frags, f.size)
		frags = le.AppendUint32(frags, 0)
	}
	for _, r := range b.export {
		exports = le.AppendUint64(exports, r)
	}
	for _, id := range b.ids {
		ids = le.AppendUint32(ids, id)
	}
	if sb.FragmentTableStart, err = writeLookupTable(out, comp, frags); err != nil {
		return err
	}
	if sb.ExportTableStart, err = writeLookupTable(out, comp, exports); err != nil {
		return err
	}
	if sb.IDTableStart, err = writeLookupTable(out, comp, ids); err != nil {
		return err
	}
	sb.BytesUsed = uint64(out.offset())
	if pad := -out.offset() & 4095; pad > 0 {
		if err := out.write(make([]byte, pad)); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	sbBytes, _ := sb.MarshalBinary()
	if _, err := w.dst.WriteAt(sbBytes, 0); err != nil {
		return fmt.Errorf("writing superblock: %w", err)
	}
	w.size = out.offset()
	return nil
}

// writeLookupTable writes a table as metadata blocks followed by the
// uncompressed array of their positions, and returns the position of that
// array, which is what the superblock points at.
func writeLookupTable(out *seqWriter, comp blockCompressor, data []byte) (uint64, error) {
	base := uint64(out.offset())
	m := newMetaBlockWriter(comp)
	m.write(data)
	table, err := m.finish()
	if err != nil {
		return 0, err
	}
	if err := out.write(table); err != nil {
		return 0, err
	}
	var index []byte
	for _, s := range m.starts {
		index = binary.LittleEndian.AppendUint64(index, base+s)
	}
	start := uint64(out.offset())
	return start, out.write(index)
}

// findDuplicates returns, for each file whose content equals that of an
// earlier file, that earlier file. Only files sharing their size with
// another are read: hashed first, then compared byte for byte with the
// first file of the same hash. The work runs on the writer's workers.
func (w *Writer) findDuplicates(files []*wnode) (map[*wnode]*wnode, error) {
	bySize := map[int64]int{}
	for _, f := range files {
		if f.size > 0 {
			bySize[f.size]++
		}
	}
	var cands []*wnode
	for _, f := range files {
		if bySize[f.size] > 1 {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	sums := make([][sha256.Size]byte, len(cands))
	err := w.parallel(len(cands), func(i int, buf []byte) error {
		h := sha256.New()
		if err := w.readAll(cands[i], buf, func(p []byte) { h.Write(p) }); err != nil {
			return err
		}
		h.Sum(sums[i][:0])
		return nil
	})
	if err != nil {
		return nil, err
	}
	type key struct {
		size int64
		sum  [sha256.Size]byte
	}
	first := map[key]*wnode{}
	var pairs [][2]*wnode // {file, earlier file with the same hash}
	for i, f := range cands {
		k := key{f.size, sums[i]}
		if p, ok := first[k]; ok {
			pairs = append(pairs, [2]*wnode{f, p})
		} else {
			first[k] = f
		}
	}
	same := make([]bool, len(pairs))
	err = w.parallel(len(pairs), func(i int, buf []byte) error {
		eq, err := w.sameContent(pairs[i][0], pairs[i][1], buf)
		same[i] = eq
		return err
	})
	if err != nil {
		return nil, err
	}
	dupOf := map[*wnode]*wnode{}
	for i, p := range pairs {
		if same[i] {
			dupOf[p[0]] = p[1]
		}
	}
	return dupOf, nil
}

// parallel runs fn for 0..n-1 on the writer's workers, each with its own
// buffer of one block, and returns the error of the lowest index.
func (w *Writer) parallel(n int, fn func(i int, buf []byte) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(w.opts.Workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, w.opts.BlockSize)
			for i := range next {
				errs[i] = fn(i, buf)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// readAll passes the content of f to fn in chunks, checking its size.
func (w *Writer) readAll(f *wnode, buf []byte, fn func([]byte)) error {
	rc, err := f.open()
	if err != nil {
		return fmt.Errorf("squashfs: %s: %w", f.path, err)
	}
	defer rc.Close()
	n, err := io.CopyBuffer(writerFunc(fn), io.LimitReader(rc, f.size+1), buf)
	if err != nil {
		return fmt.Errorf("squashfs: %s: %w", f.path, err)
	}
	if n != f.size {
		return fmt.Errorf("squashfs: %s: file changed size while being read (%d bytes, expected %d)", f.path, n, f.size)
	}
	return nil
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// sameContent compares the contents of two files of the same size.
func (w *Writer) sameContent(a, b *wnode, buf []byte) (bool, error) {
	ra, err := a.open()
	if err != nil {
		return false, fmt.Errorf("squashfs: %s: %w", a.path, err)
	}
	defer ra.Close()
	rb, err := b.open()
	if err != nil {
		return false, fmt.Errorf("squashfs: %s: %w", b.path, err)
	}
	defer rb.Close()
	half := len(buf) / 2
	ba, bb := buf[:half], buf[half:2*half]
	for left := a.size; left > 0; {
		n := min(int64(half), left)
		if _, err := io.ReadFull(ra, ba[:n]); err != nil {
			return false, fmt.Errorf("squashfs: %s: %w", a.path, writerReadError(err, a.size))
		}
		if _, err := io.ReadFull(rb, bb[:n]); err != nil {
			return false, fmt.Errorf("squashfs: %s: %w", b.path, writerReadError(err, b.size))
		}
		if !bytes.Equal(ba[:n], bb[:n]) {
			return false, nil
		}
		left -= n
	}
	return true, nil
}
