package appimage

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/goappimage/goappimage/squashfs"
)

// Info is what Open finds in an AppImage.
type Info struct {
	Path           string    `json:"path"`
	Type           int       `json:"type"` // 2
	Arch           string    `json:"arch"`
	Runtime        string    `json:"runtime"` // RuntimeOurs, RuntimeType2 or RuntimeOther
	RuntimeVersion string    `json:"runtime_version,omitempty"`
	Size           int64     `json:"size"`
	Offset         int64     `json:"offset"` // where the squashfs image starts
	Compression    string    `json:"compression"`
	BlockSize      uint32    `json:"block_size"`
	ImageSize      uint64    `json:"image_size"` // squashfs bytes used, without padding
	Inodes         uint32    `json:"inodes"`
	ImageTime      time.Time `json:"image_time"`
	UpdateInfo     string    `json:"update_info,omitempty"`
	// Digest is .digest_md5 in hex ("" when zero); DigestOK tells whether
	// it is the MD5 defined in the package documentation (appimagetool
	// computes another value).
	Digest   string `json:"digest,omitempty"`
	DigestOK bool   `json:"digest_ok"`
	// Signature is "none", "valid" or "invalid"; SignatureError says why
	// an invalid one failed and Signer who made a valid one.
	Signature      string     `json:"signature"`
	SignatureError string     `json:"signature_error,omitempty"`
	Signer         *Signature `json:"signer,omitempty"`
	// Name and Version come from the desktop entry at the image root
	// (Name and X-AppImage-Version).
	DesktopFile string `json:"desktop_file,omitempty"`
	Name        string `json:"name,omitempty"`
	Version     string `json:"version,omitempty"`
	// Problems lists what could not be read (the image, the desktop entry).
	Problems []string `json:"problems,omitempty"`
}

// maxRuntimeScan bounds how much of the runtime Open reads to identify it.
const maxRuntimeScan = 64 << 20

// Open inspects the AppImage at path. Structural problems (not an ELF, no
// type-2 magic or sections, no squashfs image) are errors; a bad signature
// or an unreadable desktop entry are reported in Info.
func Open(path string) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	info, err := inspect(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	info.Path = path
	return info, nil
}

func inspect(r io.ReaderAt, size int64) (*Info, error) {
	l, err := ReadLayout(r, size)
	if err != nil {
		return nil, err
	}
	info := &Info{Type: 2, Arch: l.Arch, Size: size, Offset: l.Offset, Runtime: RuntimeOther}
	if l.Offset <= maxRuntimeScan {
		rt := make([]byte, l.Offset)
		if _, err := r.ReadAt(rt, 0); err != nil {
			return nil, fmt.Errorf("reading the runtime: %w", err)
		}
		info.Runtime, info.RuntimeVersion = identifyRuntime(rt)
	}
	sb, err := readSuperblock(r, l.Offset, size)
	if err != nil {
		return nil, err
	}
	info.Compression = sb.Compression.String()
	info.BlockSize, info.ImageSize, info.Inodes = sb.BlockSize, sb.BytesUsed, sb.InodeCount
	info.ImageTime = time.Unix(int64(sb.ModTime), 0).UTC()

	ui, err := cString(r, l.UpdateInfo)
	if err != nil {
		return nil, err
	}
	info.UpdateInfo = string(ui)

	stored, err := storedDigest(r, l)
	switch {
	case errors.Is(err, errNoDigest):
	case err != nil:
		return nil, err
	default:
		info.Digest = hex.EncodeToString(stored[:])
		computed, err := Digest(r, size, l)
		if err != nil {
			return nil, err
		}
		info.DigestOK = computed == stored
	}

	info.Signature = "none"
	if s, err := Verify(r, size, nil); err == nil {
		info.Signature, info.Signer = "valid", s
	} else if !errors.Is(err, ErrNotSigned) {
		info.Signature, info.SignatureError = "invalid", err.Error()
	}

	img, err := squashfs.NewReader(io.NewSectionReader(r, l.Offset, size-l.Offset), size-l.Offset)
	if err != nil {
		info.Problems = append(info.Problems, fmt.Sprintf("reading the squashfs image: %v", err))
		return info, nil
	}
	if err := readDesktopEntry(img, info); err != nil {
		info.Problems = append(info.Problems, err.Error())
	}
	return info, nil
}

// readDesktopEntry fills Name and Version from the first *.desktop file
// (in byte order) at the root of the image.
func readDesktopEntry(img fs.FS, info *Info) error {
	entries, err := fs.ReadDir(img, ".")
	if err != nil {
		return fmt.Errorf("listing the image root: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".desktop") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return errors.New("no desktop entry (*.desktop) at the image root")
	}
	sort.Strings(names)
	info.DesktopFile = names[0]
	f, err := img.Open(names[0])
	if err != nil {
		return fmt.Errorf("reading %s: %w", names[0], err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Errorf("reading %s: %w", names[0], err)
	}
	info.Name, info.Version = desktopNameVersion(data)
	return nil
}

// desktopNameVersion returns Name and X-AppImage-Version of the
// [Desktop Entry] group (unlocalized keys).
func desktopNameVersion(data []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	inEntry := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inEntry = line == "[Desktop Entry]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !inEntry || !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "Name":
			name = strings.TrimSpace(v)
		case "X-AppImage-Version":
			version = strings.TrimSpace(v)
		}
	}
	return name, version
}
