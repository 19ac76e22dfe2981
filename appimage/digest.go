package appimage

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sort"

	"github.com/goappimage/goappimage/elf"
)

// hashZeroed feeds h the size bytes of r, with the bytes of the given
// sections read as zeros.
func hashZeroed(h hash.Hash, r io.ReaderAt, size int64, zero []elf.Section) error {
	zero = append([]elf.Section(nil), zero...)
	sort.Slice(zero, func(i, j int) bool { return zero[i].Offset < zero[j].Offset })
	buf := make([]byte, 1<<20)
	var off int64
	copyUpTo := func(end int64) error {
		for off < end {
			n := int(min(int64(len(buf)), end-off))
			if _, err := r.ReadAt(buf[:n], off); err != nil {
				return fmt.Errorf("reading at byte %#x: %w", off, err)
			}
			h.Write(buf[:n])
			off += int64(n)
		}
		return nil
	}
	var zeros [4096]byte
	for _, s := range zero {
		start, end := max(s.Offset, off), min(s.Offset+s.Size, size)
		if err := copyUpTo(start); err != nil {
			return err
		}
		for off < end {
			n := min(int64(len(zeros)), end-off)
			h.Write(zeros[:n])
			off += n
		}
	}
	return copyUpTo(size)
}

// Digest returns the MD5 of the AppImage in r (size bytes) with .digest_md5,
// .sha256_sig and .sig_key read as zeros: the value of .digest_md5.
func Digest(r io.ReaderAt, size int64, l *Layout) ([md5.Size]byte, error) {
	var sum [md5.Size]byte
	h := md5.New()
	if err := hashZeroed(h, r, size, []elf.Section{l.Digest, l.Signature, l.Key}); err != nil {
		return sum, fmt.Errorf("computing the digest: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// SignedHash returns what an AppImage signature signs: the lowercase hex
// SHA-256 of the file with .sha256_sig and .sig_key read as zeros.
func SignedHash(r io.ReaderAt, size int64, l *Layout) (string, error) {
	h := sha256.New()
	if err := hashZeroed(h, r, size, []elf.Section{l.Signature, l.Key}); err != nil {
		return "", fmt.Errorf("computing the SHA-256 to sign: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
