// Package build turns an AppDir into an AppImage: it walks the AppDir into
// the entries of the image (with the symlink policy that makes Nix symlink
// forests work), applies exclusion patterns, names the output and runs the
// whole pipeline (validate, pack, runtime, sections, sign, zsync).
package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Node is one object of the image: a directory, a regular file, a symlink
// or a special file.
type Node struct {
	Path    string      // slash-separated, relative to the image root; "." is the root
	Mode    fs.FileMode // type bits and permissions, as on disk
	Size    int64       // size of a regular file
	Symlink string      // target of a symlink, always relative
	Rdev    uint64      // device number of a device node
	Source  string      // file on disk with the content of a regular file
	Data    []byte      // content held in memory; used instead of Source when non-nil
}

// FollowedLink is a symlink that leaves the AppDir: its target's content
// was packed in its place.
type FollowedLink struct {
	Path   string `json:"path"`   // where the link is, in the image
	Target string `json:"target"` // what it points to, as read from the link
}

// Tree is the content of an image: every node, sorted bytewise by path,
// the root first.
type Tree struct {
	Root     string         // the real path of the AppDir
	Nodes    []*Node        // sorted by Path
	Followed []FollowedLink // symlinks that left the AppDir, in walk order
	Warnings []string       // problems that do not stop the build
	index    map[string]*Node
}

// Walk reads the AppDir at dir into a Tree. The symlink policy:
//
//   - dir itself may be a symlink (a Nix store path or result link): it is
//     followed;
//   - a symlink whose target stays inside the AppDir stays a symlink. The
//     image is mounted somewhere else than the AppDir, so an absolute
//     target inside the AppDir (under dir as given or under its real path)
//     is rewritten as a relative one; relative targets are kept as written;
//   - a symlink whose target leaves the AppDir (absolute elsewhere, or
//     relative with ".." climbing above the root) is followed: the content
//     of what it points to is packed in its place, directories recursively,
//     and a directory that contains itself is an error;
//   - a symlink that points to nothing is an error naming it.
//
// Entries the excluder matches are left out, and directories are not
// entered. Hard links are packed as separate files (the image deduplicates
// identical content). Walk never writes anything.
func Walk(ctx context.Context, dir string, ex *Excluder) (*Tree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("AppDir %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("AppDir %s: %w", dir, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("AppDir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("AppDir %s is not a directory", dir)
	}
	w := &walker{ctx: ctx, ex: ex, roots: []string{abs, real}, tree: &Tree{Root: real}}
	if err := w.dir(".", real, fi, nil); err != nil {
		return nil, err
	}
	t := w.tree
	t.sort()
	t.checkLinks()
	return t, nil
}

type fileID struct{ dev, ino uint64 }

type walker struct {
	ctx   context.Context
	ex    *Excluder
	roots []string // the AppDir's absolute path and its real path
	tree  *Tree
}

func idOf(fi fs.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{uint64(st.Dev), uint64(st.Ino)}
	}
	return fileID{}
}

func (w *walker) add(n *Node) { w.tree.Nodes = append(w.tree.Nodes, n) }

// dir adds the directory at image path img, read from disk path disk, and
// everything below it. parents are the directories being walked, for loop
// detection.
func (w *walker) dir(img, disk string, fi fs.FileInfo, parents []fileID) error {
	id := idOf(fi)
	for _, p := range parents {
		if p == id && id != (fileID{}) {
			return fmt.Errorf("%s: directory contains itself through a symlink (%s); remove the loop", img, disk)
		}
	}
	parents = append(parents, id)
	w.add(&Node{Path: img, Mode: fi.Mode()})
	entries, err := os.ReadDir(disk)
	if err != nil {
		return fmt.Errorf("%s: reading directory: %w", img, err)
	}
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		child := path.Join(img, e.Name())
		if w.ex.Excluded(child) {
			continue
		}
		if err := w.entry(child, filepath.Join(disk, e.Name()), parents); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) entry(img, disk string, parents []fileID) error {
	fi, err := os.Lstat(disk)
	if err != nil {
		return fmt.Errorf("%s: %w", img, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return w.link(img, disk, parents)
	}
	return w.object(img, disk, fi, parents)
}

// object adds what fi describes (not a symlink) at image path img.
func (w *walker) object(img, disk string, fi fs.FileInfo, parents []fileID) error {
	switch {
	case fi.IsDir():
		return w.dir(img, disk, fi, parents)
	case fi.Mode().IsRegular():
		w.add(&Node{Path: img, Mode: fi.Mode(), Size: fi.Size(), Source: disk})
	default:
		var rdev uint64
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			rdev = uint64(st.Rdev)
		}
		w.add(&Node{Path: img, Mode: fi.Mode(), Rdev: rdev})
	}
	return nil
}

func (w *walker) link(img, disk string, parents []fileID) error {
	target, err := os.Readlink(disk)
	if err != nil {
		return fmt.Errorf("%s: reading symlink: %w", img, err)
	}
	fi, err := os.Stat(disk)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s: symlink to %q points to nothing; create its target or remove the link", img, target)
		case errors.Is(err, syscall.ELOOP):
			return fmt.Errorf("%s: symlink to %q is part of a symlink loop; remove the loop", img, target)
		}
		return fmt.Errorf("%s: following symlink to %q: %w", img, target, err)
	}
	if rel, inside := w.imageTarget(img, target); inside {
		w.add(&Node{Path: img, Mode: fs.ModeSymlink | 0o777, Symlink: rel})
		return nil
	}
	w.tree.Followed = append(w.tree.Followed, FollowedLink{Path: img, Target: target})
	real, err := filepath.EvalSymlinks(disk)
	if err != nil {
		return fmt.Errorf("%s: following symlink to %q: %w", img, target, err)
	}
	return w.object(img, real, fi, parents)
}

// imageTarget reports whether the target of the symlink at image path img
// stays inside the image, and if so the relative target to store.
func (w *walker) imageTarget(img, target string) (string, bool) {
	dir := path.Dir(img)
	if !filepath.IsAbs(target) {
		t := path.Join(dir, target)
		if t == ".." || strings.HasPrefix(t, "../") {
			return "", false
		}
		return target, true
	}
	clean := filepath.Clean(target)
	for _, root := range w.roots {
		if clean != root && !strings.HasPrefix(clean, root+"/") {
			continue
		}
		t := strings.TrimPrefix(strings.TrimPrefix(clean, root), "/")
		if t == "" {
			t = "."
		}
		rel, err := filepath.Rel(dir, t)
		if err != nil {
			return "", false
		}
		return filepath.ToSlash(rel), true
	}
	return "", false
}

func (t *Tree) sort() {
	sort.Slice(t.Nodes, func(i, j int) bool { return pathLess(t.Nodes[i].Path, t.Nodes[j].Path) })
	t.index = make(map[string]*Node, len(t.Nodes))
	for _, n := range t.Nodes {
		t.index[n.Path] = n
	}
}

// pathLess orders paths bytewise with the root first.
func pathLess(a, b string) bool {
	if a == "." || b == "." {
		return a == "." && b != "."
	}
	return a < b
}

// Lookup returns the node at path p, or nil.
func (t *Tree) Lookup(p string) *Node {
	if t.index == nil {
		t.sort()
	}
	return t.index[p]
}

// Set adds n to the tree, replacing a node with the same path. Its parent
// directory must exist.
func (t *Tree) Set(n *Node) error {
	if parent := path.Dir(n.Path); n.Path != "." {
		if p := t.Lookup(parent); p == nil || !p.Mode.IsDir() {
			return fmt.Errorf("adding %s: parent %s is not a directory in the image", n.Path, parent)
		}
	}
	if old := t.Lookup(n.Path); old != nil {
		*old = *n
		return nil
	}
	t.Nodes = append(t.Nodes, n)
	t.sort()
	return nil
}

// Remove takes the node at path p, and everything below it, out of the
// tree. It reports whether there was such a node.
func (t *Tree) Remove(p string) bool {
	if t.Lookup(p) == nil || p == "." {
		return false
	}
	kept := t.Nodes[:0]
	for _, n := range t.Nodes {
		if n.Path != p && !strings.HasPrefix(n.Path, p+"/") {
			kept = append(kept, n)
		}
	}
	t.Nodes = kept
	t.sort()
	return true
}

// Size returns the total size of the regular files.
func (t *Tree) Size() int64 {
	var s int64
	for _, n := range t.Nodes {
		if n.Mode.IsRegular() {
			s += n.Size
		}
	}
	return s
}

// Resolve follows the symlinks of the image along path p and returns the
// node it names, or nil when it leads nowhere in the image.
func (t *Tree) Resolve(p string) *Node {
	hops := 0
	n, _ := t.resolve(p, &hops)
	return n
}

func (t *Tree) resolve(p string, hops *int) (*Node, string) {
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
		return nil, ""
	}
	cur := "."
	node := t.Lookup(".")
	if p == "." {
		return node, cur
	}
	for _, name := range strings.Split(p, "/") {
		next := path.Join(cur, name)
		n := t.Lookup(next)
		if n == nil {
			return nil, ""
		}
		if n.Mode&fs.ModeSymlink != 0 {
			if *hops++; *hops > 40 {
				return nil, ""
			}
			n, next = t.resolve(path.Join(cur, n.Symlink), hops)
			if n == nil {
				return nil, ""
			}
		}
		node, cur = n, next
	}
	return node, cur
}

// checkLinks warns about kept symlinks that lead nowhere inside the image
// (their target was excluded, or only exists on disk through a followed
// link).
func (t *Tree) checkLinks() {
	for _, n := range t.Nodes {
		if n.Mode&fs.ModeSymlink == 0 {
			continue
		}
		if t.Resolve(n.Path) == nil {
			t.Warnings = append(t.Warnings, fmt.Sprintf("%s: symlink to %q leads nowhere inside the image (excluded target?)", n.Path, n.Symlink))
		}
	}
}
