package squashfs

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// dirEntry is one decoded directory entry.
type dirEntry struct {
	name string
	ref  uint64 // inode reference
	ino  uint32 // inode number
	typ  uint16 // basic inode type
}

// maxDirRun is the largest number of entries after one directory header.
const maxDirRun = 256

// readDir returns the sorted entries of directory dir, cached.
func (r *Reader) readDir(dir *Inode) ([]dirEntry, error) {
	if !dir.Mode.IsDir() {
		return nil, fmt.Errorf("inode %d is not a directory", dir.Number)
	}
	if dir.dirLen == 0 {
		return nil, nil
	}
	return r.dirs.get(dir.ref, func() ([]dirEntry, int64, error) {
		var entries []dirEntry
		err := r.scanDir(dir, uint64(dir.dirBlock), dir.dirOff, dir.dirLen, func(e dirEntry) bool {
			entries = append(entries, e)
			return true
		})
		if err != nil {
			return nil, 0, fmt.Errorf("directory inode %d: %w", dir.Number, err)
		}
		if err := r.checkSubdirs(dir, entries); err != nil {
			return nil, 0, err
		}
		return entries, int64(len(entries)) + 1, nil
	})
}

// scanDir decodes length bytes of listing starting at offset off of the
// directory-table block at block, calling fn for each entry until it
// returns false. Names must be valid and strictly increasing.
func (r *Reader) scanDir(dir *Inode, block uint64, off uint16, length int64, fn func(dirEntry) bool) error {
	c, err := r.cursor(r.dirStart, r.dirEnd, block, off)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	prev := ""
	for length > 0 {
		if length < 12 {
			return c.errorf("directory listing ends inside a header")
		}
		h, err := c.read(12)
		if err != nil {
			return err
		}
		count := le.Uint32(h) + 1
		start := le.Uint32(h[4:])
		base := le.Uint32(h[8:])
		length -= 12
		if count > maxDirRun {
			return c.errorf("directory header with %d entries (at most %d)", count, maxDirRun)
		}
		for i := uint32(0); i < count; i++ {
			if length < 8 {
				return c.errorf("directory listing ends inside an entry")
			}
			b, err := c.read(8)
			if err != nil {
				return err
			}
			e := dirEntry{
				ref: uint64(start)<<16 | uint64(le.Uint16(b)),
				ino: base + uint32(int32(int16(le.Uint16(b[2:])))),
				typ: basicInodeType(le.Uint16(b[4:])),
			}
			n := int64(le.Uint16(b[6:])) + 1
			length -= 8 + n
			if n > 256 || length < 0 {
				return c.errorf("directory entry name of %d bytes runs past the listing", n)
			}
			if e.typ == 0 || e.typ > typeSocket {
				return c.errorf("directory entry of unknown type %d", e.typ)
			}
			name, err := c.read(int(n))
			if err != nil {
				return err
			}
			e.name = string(name)
			if err := checkName(e.name); err != nil {
				return c.errorf("%v", err)
			}
			if e.name <= prev {
				return c.errorf("directory entry %q after %q: entries out of order or repeated", e.name, prev)
			}
			prev = e.name
			if !fn(e) {
				return nil
			}
		}
	}
	return nil
}

// listingKey identifies a directory by where its listing starts, so that
// two inodes sharing one listing count as the same directory.
func listingKey(dir *Inode) uint64 { return uint64(dir.dirBlock)<<16 | uint64(dir.dirOff) }

// checkSubdirs records dir as the parent of each non-empty subdirectory and
// fails when a directory would have two parents or contain the root: the
// tree would then have a cycle or a hard-linked directory, which a walk
// could follow forever.
func (r *Reader) checkSubdirs(dir *Inode, entries []dirEntry) error {
	own := listingKey(dir)
	for _, e := range entries {
		if e.typ != typeDir {
			continue
		}
		child, err := r.inode(e.ref)
		if err != nil {
			return fmt.Errorf("directory inode %d: entry %q: %w", dir.Number, e.name, err)
		}
		if !child.Mode.IsDir() {
			return formatErrorf(r.inodeStart+int64(e.ref>>16), "directory inode %d: entry %q is listed as a directory but its inode is %v", dir.Number, e.name, child.Mode.Type())
		}
		if child.dirLen == 0 {
			continue
		}
		key := listingKey(child)
		if key == own || key == listingKey(r.root) {
			return formatErrorf(r.dirStart+int64(dir.dirBlock), "directory cycle: %q in directory inode %d leads back to an ancestor", e.name, dir.Number)
		}
		r.parentsMu.Lock()
		p, seen := r.parents[key]
		if !seen {
			r.parents[key] = own
		}
		r.parentsMu.Unlock()
		if seen && p != own {
			return formatErrorf(r.dirStart+int64(child.dirBlock), "directory %q (inode %d) appears in two directories: a cycle or a hard-linked directory", e.name, child.Number)
		}
	}
	return nil
}

// checkName rejects a directory entry name that could escape its
// directory or is not a single path element.
func checkName(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("invalid entry name %q", name)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("entry name %q contains '/' or NUL", name)
	}
	return nil
}

// indexedLookupMin is the listing size from which an uncached directory is
// searched through its index rather than decoded whole and cached.
const indexedLookupMin = 64 << 10

// lookup finds name in directory dir. Decoded listings are cached; a large
// uncached directory is searched from the closest directory-index entry.
func (r *Reader) lookup(dir *Inode, name string) (dirEntry, bool, error) {
	if entries, ok := r.dirs.peek(dir.ref); ok || len(dir.dirIndex) == 0 || dir.dirLen <= indexedLookupMin {
		if !ok {
			var err error
			if entries, err = r.readDir(dir); err != nil {
				return dirEntry{}, false, err
			}
		}
		i := sort.Search(len(entries), func(i int) bool { return entries[i].name >= name })
		if i < len(entries) && entries[i].name == name {
			return entries[i], true, nil
		}
		return dirEntry{}, false, nil
	}
	// The index entries name the first entry after a header; start from
	// the last one not after name (as the kernel's squashfs_lookup does).
	block, off, skipped := uint64(dir.dirBlock), dir.dirOff, int64(0)
	for _, e := range dir.dirIndex {
		if e.name > name {
			break
		}
		if int64(e.index) < skipped || int64(e.index) >= dir.dirLen {
			return dirEntry{}, false, formatErrorf(r.inodeStart, "directory inode %d: index entry %q at listing offset %d out of order or past the listing", dir.Number, e.name, e.index)
		}
		block, off, skipped = uint64(e.block), uint16((uint32(dir.dirOff)+e.index)%MetadataBlockSize), int64(e.index)
	}
	var found dirEntry
	ok := false
	err := r.scanDir(dir, block, off, dir.dirLen-skipped, func(e dirEntry) bool {
		if e.name >= name {
			found, ok = e, e.name == name
			return false
		}
		return true
	})
	if err != nil {
		return dirEntry{}, false, fmt.Errorf("directory inode %d: %w", dir.Number, err)
	}
	return found, ok, nil
}
