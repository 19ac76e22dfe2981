package squashfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// wfileData records where the content of a regular file went.
type wfileData struct {
	start      uint64   // image position of the first block
	sizes      []uint32 // block size words (0 = sparse block)
	fragIndex  uint32   // noFragment when the tail is not in a fragment
	fragOffset uint32   // offset of the tail in the uncompressed fragment
	sparse     uint64   // bytes saved by sparse blocks
}

// wfragEntry is one fragment table entry.
type wfragEntry struct {
	start uint64
	size  uint32 // size word, dataUncompressed set when stored as is
}

// blockJob is one data or fragment block on its way from the reader to a
// compressing worker and then, in order, to the output.
type blockJob struct {
	file   *wfileData // nil for a fragment block
	first  bool       // first block of its file
	in     []byte     // uncompressed bytes
	out    []byte     // compressed bytes, nil to store in as it is
	sparse bool       // all zeros: store nothing
	bytes  int64      // file bytes this job completes, for progress
	err    error
	done   chan struct{}
}

// dataWriter writes the data and fragment blocks of every file: one
// goroutine reads files in order, workers compress blocks in parallel, and
// the caller's goroutine writes the results in order. At most a bounded
// number of blocks are in flight.
type dataWriter struct {
	w       *Writer
	bs      int
	out     *seqWriter
	frags   []wfragEntry
	bufs    sync.Pool
	zeros   []byte
	abort   chan struct{}
	aborted sync.Once
}

// seqWriter buffers sequential writes to an io.WriterAt.
type seqWriter struct {
	dst io.WriterAt
	pos int64 // image position of buf[0]
	buf []byte
}

func newSeqWriter(dst io.WriterAt, pos int64) *seqWriter {
	return &seqWriter{dst: dst, pos: pos, buf: make([]byte, 0, 1<<20)}
}

// offset returns the image position of the next byte written.
func (s *seqWriter) offset() int64 { return s.pos + int64(len(s.buf)) }

func (s *seqWriter) write(p []byte) error {
	if len(s.buf)+len(p) > cap(s.buf) {
		if err := s.flush(); err != nil {
			return err
		}
		if len(p) >= cap(s.buf) {
			if _, err := s.dst.WriteAt(p, s.pos); err != nil {
				return fmt.Errorf("writing image at byte %d: %w", s.pos, err)
			}
			s.pos += int64(len(p))
			return nil
		}
	}
	s.buf = append(s.buf, p...)
	return nil
}

func (s *seqWriter) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	if _, err := s.dst.WriteAt(s.buf, s.pos); err != nil {
		return fmt.Errorf("writing image at byte %d: %w", s.pos, err)
	}
	s.pos += int64(len(s.buf))
	s.buf = s.buf[:0]
	return nil
}

func (d *dataWriter) getBuf() []byte {
	if b, ok := d.bufs.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, d.bs+d.bs/16+64)
}

func (d *dataWriter) putBuf(b []byte) {
	if cap(b) >= d.bs {
		d.bufs.Put(&b)
	}
}

func (d *dataWriter) stop() { d.aborted.Do(func() { close(d.abort) }) }

// run writes the content of files (in order), giving each its wfileData.
// dupOf maps a file to the earlier file with the same content.
func (d *dataWriter) run(files []*wnode, dupOf map[*wnode]*wnode) error {
	workers := d.w.opts.Workers
	ordered := make(chan *blockJob, 4*workers+8)
	work := make(chan *blockJob, workers)
	var total int64
	for _, f := range files {
		if dupOf[f] == nil {
			total += f.size
		}
	}
	comps := make([]blockCompressor, workers)
	for i := range comps {
		c, err := d.w.spec.newComp()
		if err != nil {
			return fmt.Errorf("squashfs: creating the compressor: %w", err)
		}
		comps[i] = c
	}
	var readErr error
	go func() {
		defer close(ordered)
		defer close(work)
		readErr = d.readFiles(files, dupOf, ordered, work)
	}()
	var wg sync.WaitGroup
	for _, comp := range comps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				d.compressJob(comp, j)
			}
		}()
	}
	var err error
	var done int64
	for j := range ordered {
		<-j.done
		if err == nil {
			err = j.err
		}
		if err == nil {
			err = d.writeJob(j)
		}
		if err != nil {
			d.stop()
		} else if j.bytes > 0 && d.w.opts.Progress != nil {
			done += j.bytes
			d.w.opts.Progress(done, total)
		}
		d.putBuf(j.in)
		d.putBuf(j.out)
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	return d.out.flush()
}

func (d *dataWriter) compressJob(comp blockCompressor, j *blockJob) {
	defer close(j.done)
	if j.file != nil && bytes.Equal(j.in, d.zeros[:len(j.in)]) {
		j.sparse = true
		return
	}
	out, err := comp.compress(d.getBuf(), j.in)
	if err != nil {
		j.err = fmt.Errorf("squashfs: compressing: %w", err)
		return
	}
	if out != nil && len(out) < len(j.in) {
		j.out = out
	} else {
		d.putBuf(out)
	}
}

func (d *dataWriter) writeJob(j *blockJob) error {
	var word uint32
	switch {
	case j.sparse:
	case j.out != nil:
		word = uint32(len(j.out))
	default:
		word = uint32(len(j.in)) | dataUncompressed
	}
	if j.file == nil {
		// Fragment blocks arrive in the order of their indexes.
		d.frags = append(d.frags, wfragEntry{start: uint64(d.out.offset()), size: word})
	} else {
		if j.first {
			j.file.start = uint64(d.out.offset())
		}
		j.file.sizes = append(j.file.sizes, word)
		if j.sparse {
			j.file.sparse += uint64(len(j.in))
			return nil
		}
	}
	if j.out != nil {
		return d.out.write(j.out)
	}
	return d.out.write(j.in)
}

// readFiles reads every file in order and queues its blocks; tails
// shorter than a block are packed into fragment blocks.
func (d *dataWriter) readFiles(files []*wnode, dupOf map[*wnode]*wnode, ordered, work chan<- *blockJob) error {
	send := func(j *blockJob) bool {
		j.done = make(chan struct{})
		select {
		case ordered <- j:
		case <-d.abort:
			return false
		}
		select {
		case work <- j:
		case <-d.abort:
			close(j.done)
			return false
		}
		return true
	}
	frag := d.getBuf()
	var fragBytes int64
	var fragCount uint32 // fragment blocks queued so far
	flushFrag := func() bool {
		if len(frag) == 0 {
			return true
		}
		j := &blockJob{in: frag, bytes: fragBytes}
		fragCount++
		frag, fragBytes = d.getBuf(), 0
		return send(j)
	}
	for _, f := range files {
		if f.size == 0 {
			f.data = &wfileData{fragIndex: noFragment}
			continue
		}
		if p := dupOf[f]; p != nil {
			f.data = p.data
			continue
		}
		fd := &wfileData{fragIndex: noFragment}
		f.data = fd
		rc, err := f.open()
		if err != nil {
			d.stop()
			return fmt.Errorf("squashfs: %s: %w", f.path, err)
		}
		bs := int64(d.bs)
		tail := f.size % bs
		full := f.size / bs
		if d.w.opts.NoFragments && tail > 0 {
			full, tail = full+1, 0
		}
		var read int64
		fail := func(err error) error {
			rc.Close()
			d.stop()
			if err == errWriterAborted {
				return err
			}
			return fmt.Errorf("squashfs: %s: %w", f.path, err)
		}
		for i := int64(0); i < full; i++ {
			n := min(bs, f.size-read)
			buf := d.getBuf()[:n]
			if _, err := io.ReadFull(rc, buf); err != nil {
				return fail(writerReadError(err, f.size))
			}
			read += n
			if !send(&blockJob{file: fd, first: i == 0, in: buf, bytes: n}) {
				return fail(errWriterAborted)
			}
		}
		if tail > 0 {
			if int64(len(frag))+tail > bs && !flushFrag() {
				return fail(errWriterAborted)
			}
			fd.fragIndex, fd.fragOffset = fragCount, uint32(len(frag))
			buf := frag[len(frag) : int64(len(frag))+tail]
			if _, err := io.ReadFull(rc, buf); err != nil {
				return fail(writerReadError(err, f.size))
			}
			frag = frag[:int64(len(frag))+tail]
			fragBytes += tail
		}
		var one [1]byte
		if n, _ := rc.Read(one[:]); n > 0 {
			return fail(fmt.Errorf("file grew while being read (expected %d bytes)", f.size))
		}
		if err := rc.Close(); err != nil {
			d.stop()
			return fmt.Errorf("squashfs: %s: %w", f.path, err)
		}
	}
	if !flushFrag() {
		return errWriterAborted
	}
	return nil
}

// errWriterAborted stops the file reader after an error elsewhere.
var errWriterAborted = errors.New("squashfs: writing aborted")

func writerReadError(err error, size int64) error {
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return fmt.Errorf("file shrank while being read (expected %d bytes)", size)
	}
	return err
}
