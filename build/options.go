package build

import (
	"io"
	"time"
)

// Options configures Build. The zero value builds with the defaults: zstd
// at level 15 in 128 KiB blocks, the architecture of the AppDir's ELF
// files, the embedded runtime, no update information, no signature, and
// the default output name in the current directory.
type Options struct {
	Squash

	// Output is the AppImage to write; "" means OutputName(name, version,
	// arch) in OutputDir.
	Output string
	// OutputDir is where a default-named output goes; "" is the current
	// directory.
	OutputDir string
	// Arch forces the architecture (x86_64, aarch64, i686, armhf or an
	// alias such as amd64); "" detects it from the AppDir.
	Arch string
	// Name replaces the desktop entry's Name in the default output name
	// (appimagetool's APPIMAGETOOL_APP_NAME).
	Name string
	// Version goes into the default output name and, in the image only,
	// into the desktop entry as X-AppImage-Version.
	Version string

	// UpdateInfo is embedded in the .upd_info section; a .zsync file is
	// then written next to the output. Guess fills it from the CI
	// environment when it is empty.
	UpdateInfo string
	Guess      bool
	// FileURL is the URL written into the .zsync file; "" is the output's
	// base name.
	FileURL string

	// SignKey is an armored OpenPGP secret key file; when set the AppImage
	// is signed. SignKeyData holds such a key instead of a file (the first
	// key that can sign is used). SignPassphrase unlocks it.
	SignKey        string
	SignKeyData    []byte
	SignPassphrase string

	// RuntimeFile replaces the embedded runtime.
	RuntimeFile string
	// Exclude leaves matching paths out of the image.
	Exclude *Excluder

	// NoAppStream skips the AppStream checks; Strict turns warnings into
	// errors.
	NoAppStream bool
	Strict      bool

	// ModTime is the time of every entry of the image and of the image
	// itself (SOURCE_DATE_EPOCH); zero means the Unix epoch.
	ModTime time.Time

	// Log receives notes and warnings (nil: discarded); Verbose adds
	// details. Progress, when set, is called as data is packed.
	Log      io.Writer
	Verbose  bool
	Progress func(done, total int64)
}

// Result describes a built AppImage. It is what `goappimage build --json`
// prints.
type Result struct {
	Output      string         `json:"output"`
	Size        int64          `json:"size"`
	SHA256      string         `json:"sha256"`
	Name        string         `json:"name"`
	Version     string         `json:"version,omitempty"`
	Arch        string         `json:"arch"`
	Compression string         `json:"compression"`
	BlockSize   int            `json:"block_size"`
	Runtime     string         `json:"runtime"`
	Offset      int64          `json:"squashfs_offset"`
	Entries     int            `json:"entries"`
	DataBytes   int64          `json:"data_bytes"`
	UpdateInfo  string         `json:"update_info,omitempty"`
	Zsync       string         `json:"zsync,omitempty"`
	Signed      bool           `json:"signed"`
	Followed    []FollowedLink `json:"followed_symlinks,omitempty"`
	Warnings    []string       `json:"warnings,omitempty"`
}
