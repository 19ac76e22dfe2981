package appimage

import (
	"bufio"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	//lint:ignore SA1019 zsync 0.6.2 defines its strong block checksum as MD4; no security rests on it.
	"golang.org/x/crypto/md4"
)

// ZsyncOptions are the header fields of a .zsync file.
type ZsyncOptions struct {
	Filename string    // name the client saves the download as (zsyncmake: basename of the input)
	URL      string    // URL of the file, relative to the .zsync or absolute (zsyncmake -u)
	MTime    time.Time // modification time the client gives the file; zero omits the line
}

// zsyncBlocksize is zsyncmake's choice for a file of size bytes.
func zsyncBlocksize(size int64) int {
	if size < 100_000_000 {
		return 2048
	}
	return 4096
}

// zsyncHashLengths reproduces zsyncmake 0.6.2's choice of sequential
// matches, weak checksum bytes and strong checksum bytes (c/make.c at tag
// 0.6.2, Debian's zsync; later versions tuned it differently).
func zsyncHashLengths(size int64, blocksize int) (seqMatches, rsumLen, checksumLen int) {
	l, bs := float64(size), float64(blocksize)
	seqMatches = 1
	if size > int64(blocksize) {
		seqMatches = 2
	}
	rsumLen = int(math.Ceil(((math.Log(l)+math.Log(bs))/math.Log(2) - 8.6) / float64(seqMatches) / 8))
	rsumLen = min(4, max(2, rsumLen))
	blocks := float64(1 + size/int64(blocksize))
	checksumLen = int(math.Ceil((20 + (math.Log(l)+math.Log(blocks))/math.Log(2)) / float64(seqMatches) / 8))
	checksumLen = max(checksumLen, int((7.9+(20+math.Log(blocks)/math.Log(2)))/8))
	return seqMatches, rsumLen, checksumLen
}

// WriteZsync writes to w the zsync 0.6.2 control file for the size bytes of
// r, as "zsyncmake -u URL" writes it, except that MTime comes from opts
// (so that the output is reproducible) rather than from the file system.
func WriteZsync(w io.Writer, r io.ReaderAt, size int64, opts ZsyncOptions) error {
	if size <= 0 {
		return fmt.Errorf("zsync: cannot describe an empty file")
	}
	if strings.ContainsAny(opts.Filename+opts.URL, "\r\n") || opts.Filename == "" || opts.URL == "" {
		return fmt.Errorf("zsync: file name %q and URL %q must be non-empty single lines", opts.Filename, opts.URL)
	}
	blocksize := zsyncBlocksize(size)
	seqMatches, rsumLen, checksumLen := zsyncHashLengths(size, blocksize)

	nblocks := (size + int64(blocksize) - 1) / int64(blocksize)
	sumLen := rsumLen + checksumLen
	sums := make([]byte, nblocks*int64(sumLen))
	whole := sha1.New()
	workers := max(1, min(runtime.GOMAXPROCS(0), 8))
	const chunkBlocks = 1024
	buf := make([]byte, chunkBlocks*blocksize)
	for off := int64(0); off < size; {
		n := int(min(int64(len(buf)), size-off))
		if _, err := r.ReadAt(buf[:n], off); err != nil {
			return fmt.Errorf("zsync: reading at byte %#x: %w", off, err)
		}
		// SHA-1 of the whole file and the block sums of this chunk in
		// parallel; each worker fills its own blocks' slots in sums.
		chunk := buf[:n]
		first := off / int64(blocksize)
		blocks := (n + blocksize - 1) / blocksize
		var wg sync.WaitGroup
		wg.Go(func() { whole.Write(chunk) })
		per := (blocks + workers - 1) / workers
		for lo := 0; lo < blocks; lo += per {
			hi := min(lo+per, blocks)
			wg.Go(func() {
				h := md4.New()
				var sum [md4.Size]byte
				for i := lo; i < hi; i++ {
					dst := sums[(first+int64(i))*int64(sumLen):][:sumLen]
					zsyncBlockSum(dst, h, sum[:0], chunk[i*blocksize:min((i+1)*blocksize, n)], blocksize, rsumLen)
				}
			})
		}
		wg.Wait()
		off += int64(n)
	}

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "zsync: 0.6.2\n")
	fmt.Fprintf(bw, "Filename: %s\n", opts.Filename)
	if !opts.MTime.IsZero() {
		fmt.Fprintf(bw, "MTime: %s\n", opts.MTime.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	}
	fmt.Fprintf(bw, "Blocksize: %d\n", blocksize)
	fmt.Fprintf(bw, "Length: %d\n", size)
	fmt.Fprintf(bw, "Hash-Lengths: %d,%d,%d\n", seqMatches, rsumLen, checksumLen)
	fmt.Fprintf(bw, "URL: %s\n", opts.URL)
	fmt.Fprintf(bw, "SHA-1: %x\n\n", whole.Sum(nil))
	bw.Write(sums)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("zsync: writing: %w", err)
	}
	return nil
}

// zsyncBlockSum writes to dst the sums of one block as zsyncmake stores
// them: the trailing rsumLen bytes of the big-endian weak sum (a, b), then
// the leading bytes of the MD4, both over the block padded with zeros to
// blocksize.
func zsyncBlockSum(dst []byte, h hash.Hash, scratch, block []byte, blocksize, rsumLen int) {
	// a is the byte sum, b the sum of the running values of a, both mod
	// 2^16; uint32 arithmetic wraps at a multiple of 2^16, so it is exact.
	var a, b uint32
	i := 0
	for ; i+4 <= len(block); i += 4 {
		c0, c1, c2, c3 := uint32(block[i]), uint32(block[i+1]), uint32(block[i+2]), uint32(block[i+3])
		b += 4*a + 4*c0 + 3*c1 + 2*c2 + c3
		a += c0 + c1 + c2 + c3
	}
	for ; i < len(block); i++ {
		a += uint32(block[i])
		b += a
	}
	// Zero padding adds nothing to a and adds a once per padding byte to b.
	pad := blocksize - len(block)
	b += a * uint32(pad)
	var rsum [4]byte
	binary.BigEndian.PutUint16(rsum[0:], uint16(a))
	binary.BigEndian.PutUint16(rsum[2:], uint16(b))
	h.Reset()
	h.Write(block)
	if pad > 0 {
		h.Write(make([]byte, pad))
	}
	copy(dst, rsum[4-rsumLen:])
	copy(dst[rsumLen:], h.Sum(scratch))
}

// ReadZsyncHeader returns the Filename, URL and MTime of a .zsync file,
// reading only its header.
func ReadZsyncHeader(r io.Reader) (ZsyncOptions, error) {
	var opts ZsyncOptions
	br := bufio.NewReader(io.LimitReader(r, 64<<10))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return opts, fmt.Errorf("zsync: header not terminated by an empty line")
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "zsync":
			if v != "0.6.2" {
				return opts, fmt.Errorf("zsync: version %q, want 0.6.2", v)
			}
		case "Filename":
			opts.Filename = v
		case "URL":
			opts.URL = v
		case "MTime":
			t, err := time.Parse("Mon, 02 Jan 2006 15:04:05 -0700", v)
			if err != nil {
				return opts, fmt.Errorf("zsync: MTime %q: %w", v, err)
			}
			opts.MTime = t
		}
	}
	if opts.Filename == "" || opts.URL == "" {
		return opts, fmt.Errorf("zsync: header lacks Filename or URL")
	}
	return opts, nil
}

// RefreshZsync rewrites zsyncPath for the current contents of path, keeping
// its Filename, URL and MTime (after Sign changed the file, for instance).
func RefreshZsync(zsyncPath, path string) error {
	f, err := os.Open(zsyncPath)
	if err != nil {
		return err
	}
	opts, err := ReadZsyncHeader(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", zsyncPath, err)
	}
	return WriteZsyncFile(zsyncPath, path, opts)
}
