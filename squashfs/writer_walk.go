package squashfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// wdevIno identifies a file on disk, for finding hard links.
type wdevIno struct{ dev, ino uint64 }

// AddDir adds everything below the directory dir on disk, with dir itself
// as the image root. Symlinks are stored, never followed (dir itself may
// be a symlink to a directory). Files with several links on disk become
// one inode with several names. File contents are read at Close.
func (w *Writer) AddDir(dir string) error {
	if w.closed {
		return errors.New("squashfs: AddDir after Close")
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("squashfs: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("squashfs: %s is not a directory", dir)
	}
	links := map[wdevIno]string{}
	if err := w.addDisk(dir, ".", fi, links); err != nil {
		return err
	}
	return w.walkDisk(dir, ".", links)
}

// addDisk adds the file at the disk path full, described by fi, as rel.
func (w *Writer) addDisk(full, rel string, fi fs.FileInfo, links map[wdevIno]string) error {
	if fi.Mode().Type() == fs.ModeIrregular {
		return fmt.Errorf("squashfs: %s: unsupported file type", full)
	}
	e, err := walkedEntry(rel, fi, links,
		func() (io.ReadCloser, error) { return os.Open(full) },
		func() (string, error) { return os.Readlink(full) })
	if err != nil {
		return err
	}
	if err := w.Add(e); err != nil {
		return fmt.Errorf("%w (on disk: %s)", err, full)
	}
	return nil
}

// walkedEntry builds the Entry for the file p met in a walk, described by
// fi. A regular file already met under another name (same device and inode
// in links) becomes a hard link to its first name. open and readlink read
// the file's content and symlink target.
func walkedEntry(p string, fi fs.FileInfo, links map[wdevIno]string, open func() (io.ReadCloser, error), readlink func() (string, error)) (Entry, error) {
	e := Entry{Path: p, Mode: fi.Mode(), ModTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.UID, e.GID, e.Rdev = st.Uid, st.Gid, uint64(st.Rdev)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			k := wdevIno{uint64(st.Dev), st.Ino}
			if first, ok := links[k]; ok {
				return Entry{Path: p, Link: first}, nil
			}
			links[k] = p
		}
	}
	switch fi.Mode().Type() {
	case 0:
		e.Size = fi.Size()
		e.Open = open
	case fs.ModeSymlink:
		t, err := readlink()
		if err != nil {
			return Entry{}, fmt.Errorf("squashfs: %s: %w", p, err)
		}
		e.Symlink = t
	}
	return e, nil
}

func (w *Writer) walkDisk(dir, rel string, links map[wdevIno]string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("squashfs: reading directory: %w", err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("squashfs: reading directory %s: %w", dir, err)
	}
	sort.Strings(names)
	for _, name := range names {
		full := filepath.Join(dir, name)
		fi, err := os.Lstat(full)
		if err != nil {
			return fmt.Errorf("squashfs: %w", err)
		}
		r := path.Join(rel, name)
		if err := w.addDisk(full, r, fi, links); err != nil {
			return err
		}
		if fi.IsDir() {
			if err := w.walkDisk(full, r, links); err != nil {
				return err
			}
		}
	}
	return nil
}

// AddFS adds everything in fsys, with its root as the image root. Symlinks
// are stored when fsys implements fs.ReadLinkFS. Owners, device numbers
// and hard links are kept when the file infos carry a *syscall.Stat_t.
func (w *Writer) AddFS(fsys fs.FS) error {
	if w.closed {
		return errors.New("squashfs: AddFS after Close")
	}
	links := map[wdevIno]string{}
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("squashfs: %w", err)
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("squashfs: %s: %w", p, err)
		}
		e, err := walkedEntry(p, fi, links,
			func() (io.ReadCloser, error) { return fsys.Open(p) },
			func() (string, error) { return fs.ReadLink(fsys, p) })
		if err != nil {
			return err
		}
		if p == "." && e.ModTime.IsZero() {
			e.ModTime = time.Unix(0, 0)
		}
		return w.Add(e)
	})
}
