package appimage

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/squashfs"
)

// Options configure Create.
type Options struct {
	// Runtime is the runtime binary, checked with CheckRuntime.
	Runtime []byte
	// UpdateInfo is written to .upd_info after ParseUpdateInfo accepts it;
	// when set, Create also writes OUTPUT.zsync.
	UpdateInfo string
	// SignKey, when set, signs the AppImage (see ReadSigningKey).
	SignKey *openpgp.Entity
	// ZsyncURL is the URL of the AppImage written in the .zsync file
	// (appimagetool's --file-url); empty means the output's base name,
	// that is, next to the .zsync file.
	ZsyncURL string
	// Time is the zsync MTime and the signature time (SOURCE_DATE_EPOCH);
	// zero means the squashfs image's modification time.
	Time time.Time
	// Warn receives warnings, such as a compression the runtime cannot
	// read; nil discards them.
	Warn func(string)
}

// Result describes an AppImage that Create wrote.
type Result struct {
	Path        string
	Size        int64  // bytes
	Offset      int64  // where the squashfs image starts
	Arch        string // x86_64, aarch64, i686 or armhf
	Compression squashfs.Compression
	Digest      string // hex MD5 stored in .digest_md5
	Signed      bool
	UpdateInfo  string
	ZsyncPath   string // OUTPUT.zsync, or "" without update information
}

// Create writes the AppImage output: the runtime, then the squashfs image
// that writeImage writes through w (offset 0 of w is the runtime's end), then
// the metadata sections. It writes into a temporary file in the output's
// directory and renames it into place with mode 0755, so output is never
// seen half-written. With update information it then writes OUTPUT.zsync
// the same way.
func Create(output string, opts Options, writeImage func(w io.WriterAt) error) (*Result, error) {
	rt, err := CheckRuntime(opts.Runtime)
	if err != nil {
		return nil, err
	}
	if opts.UpdateInfo != "" {
		if _, err := ParseUpdateInfo(opts.UpdateInfo); err != nil {
			return nil, err
		}
		if int64(len(opts.UpdateInfo)) > rt.UpdateInfo.Size {
			return nil, fmt.Errorf("update information is %d bytes, more than the %d bytes of the runtime's %s", len(opts.UpdateInfo), rt.UpdateInfo.Size, SectionUpdateInfo)
		}
	}
	warn := opts.Warn
	if warn == nil {
		warn = func(string) {}
	}

	tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating the output: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.WriteAt(opts.Runtime, 0); err != nil {
		return nil, fmt.Errorf("writing the runtime: %w", err)
	}
	if err := writeImage(io.NewOffsetWriter(tmp, rt.Offset)); err != nil {
		return nil, fmt.Errorf("writing the squashfs image: %w", err)
	}
	fi, err := tmp.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	sb, err := readSuperblock(tmp, rt.Offset, size)
	if err != nil {
		return nil, err
	}
	if !rt.Reads(sb.Compression) {
		warn(fmt.Sprintf("the runtime (%s) reads only gzip and zstd images, but the image is %s compressed: the AppImage will not start", rt.Kind, sb.Compression))
	}
	t := opts.Time
	if t.IsZero() {
		t = time.Unix(int64(sb.ModTime), 0)
	}

	l := rt.Layout
	for _, s := range l.sections() {
		if err := elf.WriteSection(tmp, *s, nil); err != nil {
			return nil, err
		}
	}
	if err := elf.WriteSection(tmp, l.UpdateInfo, []byte(opts.UpdateInfo)); err != nil {
		return nil, err
	}
	digest, err := Digest(tmp, size, &l)
	if err != nil {
		return nil, err
	}
	if err := elf.WriteSection(tmp, l.Digest, digest[:]); err != nil {
		return nil, err
	}
	if opts.SignKey != nil {
		if err := signLayout(tmp, size, &l, opts.SignKey, t); err != nil {
			return nil, err
		}
	}
	if err := tmp.Chmod(0o755); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), output); err != nil {
		return nil, fmt.Errorf("moving the output into place: %w", err)
	}
	done = true

	res := &Result{
		Path: output, Size: size, Offset: rt.Offset, Arch: rt.Arch, Compression: sb.Compression,
		Digest: hex.EncodeToString(digest[:]), Signed: opts.SignKey != nil, UpdateInfo: opts.UpdateInfo,
	}
	if opts.UpdateInfo != "" {
		url := opts.ZsyncURL
		if url == "" {
			url = filepath.Base(output)
		}
		res.ZsyncPath = output + ".zsync"
		if err := WriteZsyncFile(res.ZsyncPath, output, ZsyncOptions{Filename: filepath.Base(output), URL: url, MTime: t}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// readSuperblock reads and checks the squashfs superblock at offset.
func readSuperblock(r io.ReaderAt, offset, size int64) (*squashfs.Superblock, error) {
	b := make([]byte, squashfs.SuperblockSize)
	if _, err := r.ReadAt(b, offset); err != nil {
		return nil, fmt.Errorf("no squashfs image at the runtime's end (byte %#x): %w", offset, err)
	}
	var sb squashfs.Superblock
	if err := sb.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("no squashfs image at the runtime's end (byte %#x): %w", offset, err)
	}
	if sb.BytesUsed > uint64(size-offset) {
		return nil, fmt.Errorf("the squashfs image at byte %#x says it is %d bytes, but only %d follow: file truncated", offset, sb.BytesUsed, size-offset)
	}
	return &sb, nil
}

// WriteZsyncFile writes the .zsync control file of the file at path to
// zsyncPath, through a temporary file renamed into place.
func WriteZsyncFile(zsyncPath, path string, opts ZsyncOptions) (err error) {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.CreateTemp(filepath.Dir(zsyncPath), "."+filepath.Base(zsyncPath)+".*.tmp")
	if err != nil {
		return fmt.Errorf("creating %s: %w", zsyncPath, err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	if err = WriteZsync(out, in, fi.Size(), opts); err != nil {
		return err
	}
	if err = out.Chmod(0o644); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	if err = os.Rename(out.Name(), zsyncPath); err != nil {
		return fmt.Errorf("moving %s into place: %w", zsyncPath, err)
	}
	return nil
}

// errNoDigest marks a zero .digest_md5.
var errNoDigest = errors.New("no digest")

// storedDigest returns .digest_md5 of r.
func storedDigest(r io.ReaderAt, l *Layout) ([md5.Size]byte, error) {
	var d [md5.Size]byte
	b, err := elf.ReadSection(r, l.Digest)
	if err != nil {
		return d, err
	}
	copy(d[:], b)
	if d == ([md5.Size]byte{}) {
		return d, errNoDigest
	}
	return d, nil
}
