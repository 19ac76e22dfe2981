package squashfs

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Interfaces a Reader and its files implement.
var (
	_ fs.FS          = (*Reader)(nil)
	_ fs.ReadDirFS   = (*Reader)(nil)
	_ fs.StatFS      = (*Reader)(nil)
	_ fs.ReadLinkFS  = (*Reader)(nil)
	_ io.ReaderAt    = (*File)(nil)
	_ io.Seeker      = (*File)(nil)
	_ fs.ReadDirFile = (*dirFile)(nil)
)

// Limits of path resolution.
const (
	maxSymlinkHops = 40   // as Linux's MAXSYMLINKS
	maxPathDepth   = 2048 // path elements resolved for one name (bounds walks of directory cycles)
)

var errSymlinkEscapes = errors.New("symbolic link leads outside the image")

// validImagePath is fs.ValidPath without its UTF-8 rule: squashfs names,
// like Linux file names, are bytes, and a FUSE server must reach them all.
func validImagePath(name string) bool {
	if name == "." {
		return true
	}
	for {
		elem, rest, more := strings.Cut(name, "/")
		if elem == "" || elem == "." || elem == ".." || strings.IndexByte(elem, 0) >= 0 {
			return false
		}
		if !more {
			return true
		}
		name = rest
	}
}

// resolve returns the inode that name refers to. Symlinks inside the image
// are followed, the last element's only if followLast is true.
func (r *Reader) resolve(name string, followLast bool) (*Inode, error) {
	if !validImagePath(name) {
		return nil, fs.ErrInvalid
	}
	var todo []string
	if name != "." {
		todo = strings.Split(name, "/")
	}
	if len(todo) > maxPathDepth {
		return nil, errors.New("path too deep")
	}
	stack := []*Inode{r.root}
	hops, steps := 0, 0
	for len(todo) > 0 {
		elem := todo[0]
		todo = todo[1:]
		if steps++; steps > maxPathDepth*4 {
			return nil, errors.New("path too deep")
		}
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(stack) == 1 {
				return nil, errSymlinkEscapes
			}
			stack = stack[:len(stack)-1]
			continue
		}
		dir := stack[len(stack)-1]
		if !dir.Mode.IsDir() {
			return nil, errNotDir
		}
		e, ok, err := r.lookup(dir, elem)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fs.ErrNotExist
		}
		ino, err := r.inode(e.ref)
		if err != nil {
			return nil, err
		}
		if ino.Mode.Type() == fs.ModeSymlink && (len(todo) > 0 || followLast) {
			if hops++; hops > maxSymlinkHops {
				return nil, errors.New("too many levels of symbolic links")
			}
			target := ino.Symlink
			if strings.HasPrefix(target, "/") {
				stack = stack[:1]
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		stack = append(stack, ino)
	}
	ino := stack[len(stack)-1]
	if len(stack) > maxPathDepth {
		return nil, errors.New("path too deep")
	}
	return ino, nil
}

var errNotDir = errors.New("not a directory")

// Open opens the named file, following symbolic links inside the image. A
// regular file is a *File; a directory implements fs.ReadDirFile. Names
// are checked as fs.ValidPath does, except that they need not be UTF-8
// (every method of Reader accepts the names its listings hold).
func (r *Reader) Open(name string) (fs.File, error) {
	ino, err := r.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info := &fileInfo{name: path.Base(name), ino: ino}
	switch ino.Mode.Type() {
	case fs.ModeDir:
		return &dirFile{r: r, info: info}, nil
	case 0:
		// Whoever opens a file nearly always reads its start: have it
		// decompressed in the background meanwhile.
		if len(ino.blocks) > 0 {
			r.prefetchBlocks(ino, 0, 1)
		} else if ino.frag != noFragment && ino.Size > 0 {
			r.prefetchFragment(ino.frag)
		}
		return &File{fileReader: fileReader{r: r, ino: ino}, info: info}, nil
	}
	return &specialFile{info: info}, nil
}

// Stat returns a FileInfo for the named file, following symbolic links.
func (r *Reader) Stat(name string) (fs.FileInfo, error) {
	ino, err := r.resolve(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return &fileInfo{name: path.Base(name), ino: ino}, nil
}

// Lstat returns a FileInfo for the named file without following a final
// symbolic link.
func (r *Reader) Lstat(name string) (fs.FileInfo, error) {
	ino, err := r.resolve(name, false)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return &fileInfo{name: path.Base(name), ino: ino}, nil
}

// ReadLink returns the target of the named symbolic link.
func (r *Reader) ReadLink(name string) (string, error) {
	ino, err := r.resolve(name, false)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	if ino.Mode.Type() != fs.ModeSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return ino.Symlink, nil
}

// ReadDir returns the entries of the named directory, sorted by name.
func (r *Reader) ReadDir(name string) ([]fs.DirEntry, error) {
	ino, err := r.resolve(name, true)
	if err == nil && !ino.Mode.IsDir() {
		err = errNotDir
	}
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	entries, err := r.readDir(ino)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	out := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		out[i] = &dirEntryInfo{r: r, e: e}
	}
	return out, nil
}

// fileInfo implements fs.FileInfo for an inode.
type fileInfo struct {
	name string
	ino  *Inode
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.ino.Size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.ino.Mode }
func (fi *fileInfo) ModTime() time.Time { return fi.ino.ModTime }
func (fi *fileInfo) IsDir() bool        { return fi.ino.Mode.IsDir() }

// Sys returns the *Inode.
func (fi *fileInfo) Sys() any { return fi.ino }

// dirEntryInfo implements fs.DirEntry; the inode is read on Info.
type dirEntryInfo struct {
	r *Reader
	e dirEntry
}

func (d *dirEntryInfo) Name() string      { return d.e.name }
func (d *dirEntryInfo) IsDir() bool       { return d.e.typ == typeDir }
func (d *dirEntryInfo) Type() fs.FileMode { return inodeTypes[d.e.typ] }
func (d *dirEntryInfo) String() string    { return fs.FormatDirEntry(d) }
func (d *dirEntryInfo) Info() (fs.FileInfo, error) {
	ino, err := d.r.inode(d.e.ref)
	if err != nil {
		return nil, err
	}
	if basicInodeType(ino.typ) != d.e.typ {
		return nil, formatErrorf(d.r.inodeStart, "directory entry %q says type %d, its inode says %d", d.e.name, d.e.typ, ino.typ)
	}
	return &fileInfo{name: d.e.name, ino: ino}, nil
}

// File is a regular file opened from a Reader. Read and Seek share an
// offset; ReadAt is independent of it and safe for concurrent use.
type File struct {
	fileReader
	info   *fileInfo
	offset int64
}

// Stat returns the file's FileInfo.
func (f *File) Stat() (fs.FileInfo, error) { return f.info, nil }

// Read reads from the current offset.
func (f *File) Read(p []byte) (int, error) {
	if f.offset >= f.ino.Size {
		return 0, io.EOF
	}
	n, err := f.ReadAt(p, f.offset)
	f.offset += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the offset of the next Read.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.offset
	case io.SeekEnd:
		offset += f.ino.Size
	case io.SeekStart:
	default:
		return 0, errors.New("squashfs: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("squashfs: negative position")
	}
	f.offset = offset
	return offset, nil
}

// Close does nothing; it exists to implement fs.File.
func (f *File) Close() error { return nil }

// dirFile is an open directory.
type dirFile struct {
	r       *Reader
	info    *fileInfo
	entries []dirEntry
	read    bool
	pos     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}

// ReadDir returns the next n entries, or all remaining ones if n <= 0.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		entries, err := d.r.readDir(d.info.ino)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = entries, true
	}
	rest := d.entries[d.pos:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.pos += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, e := range rest {
		out[i] = &dirEntryInfo{r: d.r, e: e}
	}
	return out, nil
}

// specialFile is an open device, fifo or socket: Stat works, Read does not.
type specialFile struct{ info *fileInfo }

func (s *specialFile) Stat() (fs.FileInfo, error) { return s.info, nil }
func (s *specialFile) Close() error               { return nil }
func (s *specialFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: s.info.name, Err: errors.New("not a regular file")}
}
