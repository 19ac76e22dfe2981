package appdir

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

var (
	errEscapes = errors.New("leaves the AppDir")
	errLoop    = errors.New("too many levels of symbolic links")
)

// resolve follows the slash-separated path rel, relative to the AppDir,
// through symbolic links, as the AppImage's mounted file system would. It
// returns the resolved path relative to the AppDir, errEscapes when a link
// or ".." leads out of the AppDir (absolute targets included: at run time
// they resolve on the host), errLoop, or an error wrapping fs.ErrNotExist.
func (c *checker) resolve(rel string) (string, error) {
	todo := strings.Split(rel, "/")
	var cur []string
	hops := 0
	for len(todo) > 0 {
		comp := todo[0]
		todo = todo[1:]
		switch comp {
		case "", ".":
			continue
		case "..":
			if len(cur) == 0 {
				return "", errEscapes
			}
			cur = cur[:len(cur)-1]
			continue
		}
		cand := path.Join(append(append([]string{}, cur...), comp)...)
		fi, err := os.Lstat(filepath.Join(c.root, filepath.FromSlash(cand)))
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = append(cur, comp)
			continue
		}
		hops++
		if hops > 40 {
			return "", errLoop
		}
		target, err := os.Readlink(filepath.Join(c.root, filepath.FromSlash(cand)))
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			return "", errEscapes
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	if len(cur) == 0 {
		return ".", nil
	}
	return path.Join(cur...), nil
}

// walk visits the whole AppDir once: it records symbolic links that leave
// it or dangle, and the architecture of every ELF file.
func (c *checker) walk() {
	var links []Link
	err := filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(c.root, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			c.add(rel, "unreadable", Error, "Make the file readable (chmod u+r) or remove it.", "cannot be read: %v", err)
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				c.add(rel, "unreadable", Error, "Fix or remove the link.", "cannot read the link: %v", err)
				return nil
			}
			_, rerr := c.resolve(rel)
			switch {
			case errors.Is(rerr, errEscapes):
				links = append(links, Link{Path: rel, Target: target})
				c.add(rel, "symlink-external", Warning,
					"Make the link relative and keep its target inside the AppDir (for example ln -sf ../lib/x usr/bin/x), or copy the target in; the build copies the target's content into the image.",
					"symbolic link to %q leaves the AppDir", target)
			case errors.Is(rerr, errLoop):
				c.add(rel, "symlink-loop", Error, "Break the cycle of symbolic links.", "symbolic link to %q: %v", target, rerr)
			case rerr != nil:
				c.add(rel, "symlink-dangling", Warning, "Point the link at an existing file or remove it.",
					"symbolic link to %q points to nothing", target)
			}
		case d.Type().IsRegular():
			if strings.HasSuffix(rel, ".desktop") && strings.Contains(rel, "/") {
				c.otherDesktops = append(c.otherDesktops, rel)
			}
			if arch, ok := elfArchOfFile(p); ok {
				c.elves[arch] = append(c.elves[arch], rel)
			}
		}
		return nil
	})
	if err != nil {
		c.add(".", "unreadable", Error, "Make the AppDir readable.", "cannot walk the AppDir: %v", err)
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Path < links[j].Path })
	c.report.ExternalLinks = links
}

// readHead returns up to n first bytes of the file at p.
func readHead(p string, n int) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:m], nil
}
