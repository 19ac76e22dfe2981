package build

import (
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/goappimage/goappimage/appdir/desktop"
)

// SetVersion sets X-AppImage-Version=version in the desktop entry at image
// path entry. Only the image changes: the new content is held in memory.
func (t *Tree) SetVersion(entry, version string) error {
	n := t.Resolve(entry)
	if n == nil || !n.Mode.IsRegular() {
		return fmt.Errorf("desktop entry %s is not a file in the image", entry)
	}
	data := n.Data
	if data == nil {
		var err error
		if data, err = os.ReadFile(n.Source); err != nil {
			return fmt.Errorf("reading desktop entry: %w", err)
		}
	}
	e, err := desktop.Parse(data)
	if err != nil {
		return fmt.Errorf("desktop entry %s: %w", entry, err)
	}
	e.Set("X-AppImage-Version", version)
	out := e.Bytes()
	return t.Set(&Node{Path: entry, Mode: n.Mode.Perm(), Size: int64(len(out)), Data: out})
}

// SetDirIcon makes .DirIcon a symlink to the icon at image path icon,
// unless the image already has a .DirIcon that leads to a file. It reports
// whether it added one.
func (t *Tree) SetDirIcon(icon string) (bool, error) {
	if n := t.Resolve(".DirIcon"); n != nil && n.Mode.IsRegular() {
		return false, nil
	}
	if n := t.Resolve(icon); n == nil || !n.Mode.IsRegular() {
		return false, fmt.Errorf("icon %s is not a file in the image", icon)
	}
	return true, t.Set(&Node{Path: ".DirIcon", Mode: fs.ModeSymlink | 0o777, Symlink: path.Clean(icon)})
}
