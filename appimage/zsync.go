package appimage

import (
	"bufio"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
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

	whole := sha1.New()
	strong := md4.New()
	nblocks := (size + int64(blocksize) - 1) / int64(blocksize)
	sums := make([]byte, 0, nblocks*int64(rsumLen+checksumLen))
	buf := make([]byte, 256*blocksize)
	var sum [md4.Size]byte
	for off := int64(0); off < size; {
		n := int(min(int64(len(buf)), size-off))
		if _, err := r.ReadAt(buf[:n], off); err != nil {
			return fmt.Errorf("zsync: reading at byte %#x: %w", off, err)
		}
		whole.Write(buf[:n])
		for i := 0; i < n; i += blocksize {
			block := buf[i:min(i+blocksize, n)]
			if len(block) < blocksize { // the last block is hashed padded with zeros
				block = append(block[:len(block):len(block)], make([]byte, blocksize-len(block))...)
			}
			var a, b uint16
			for _, c := range block {
				a += uint16(c)
				b += a
			}
			var rsum [4]byte
			binary.BigEndian.PutUint16(rsum[0:], a)
			binary.BigEndian.PutUint16(rsum[2:], b)
			strong.Reset()
			strong.Write(block)
			// The trailing bytes of the weak sum, the leading bytes of the strong one.
			sums = append(sums, rsum[4-rsumLen:]...)
			sums = append(sums, strong.Sum(sum[:0])[:checksumLen]...)
		}
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
