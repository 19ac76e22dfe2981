package appdir

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Sizes icon tools expect of raster icons.
var standardIconSizes = map[int]bool{8: true, 16: true, 22: true, 24: true, 32: true, 36: true, 48: true, 56: true,
	64: true, 72: true, 96: true, 128: true, 192: true, 256: true, 384: true, 512: true, 1024: true}

// iconKind is what an icon file contains.
type iconInfo struct {
	format        string // "png", "svg" or "xpm"
	width, height int    // raster pixels; 0 for SVG
}

// readIcon identifies and checks an icon by content.
func readIcon(p string) (iconInfo, error) {
	data, err := readHead(p, 1<<20)
	if err != nil {
		return iconInfo{}, err
	}
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return iconInfo{format: "png"}, fmt.Errorf("not a valid PNG: %w", err)
		}
		return iconInfo{format: "png", width: cfg.Width, height: cfg.Height}, nil
	case bytes.HasPrefix(data, []byte("/* XPM */")):
		return iconInfo{format: "xpm"}, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return iconInfo{}, err
	}
	defer f.Close()
	if err := checkSVG(f); err != nil {
		return iconInfo{format: "svg"}, err
	}
	return iconInfo{format: "svg"}, nil
}

// checkSVG checks that r is well-formed XML whose root element is svg.
func checkSVG(r io.Reader) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		if root == "" {
			return errors.New("neither a PNG, an SVG nor an XPM image")
		}
		return fmt.Errorf("XML whose root element is <%s>, not <svg>", root)
	}
	return nil
}

// checkIcons finds the root icon named by the desktop entry, checks it,
// .DirIcon and the icons of usr/share/icons.
func (c *checker) checkIcons() {
	c.checkThemeIcons()
	e := c.report.Desktop
	if e == nil {
		c.checkDirIcon("")
		return
	}
	name := e.Icon()
	if name == "" || strings.Contains(name, "/") || hasIconExt(name) {
		c.checkDirIcon("")
		return
	}
	var icon string
	for _, ext := range []string{".png", ".svg", ".xpm"} {
		_, err := c.resolve(name + ext)
		if err != nil && !errors.Is(err, errEscapes) {
			continue
		}
		// The host follows links as the build does.
		if fi, err := os.Stat(filepath.Join(c.root, name+ext)); err == nil && fi.Mode().IsRegular() {
			icon = name + ext
			break
		}
	}
	if icon == "" {
		fix := fmt.Sprintf("Put a 256x256 PNG named %s.png (or %s.svg) at the AppDir root.", name, name)
		for _, cand := range []string{"usr/share/icons/hicolor/256x256/apps/" + name + ".png", "usr/share/icons/hicolor/scalable/apps/" + name + ".svg"} {
			if _, _, err := c.statInside(cand); err == nil {
				fix = fmt.Sprintf("Link it from the theme: ln -s %s %s%s.", cand, name, path.Ext(cand))
				break
			}
		}
		c.add(".", "icon-missing", Error, fix, "no icon %s.png, %s.svg or %s.xpm at the AppDir root (Icon=%s in the desktop entry; .DirIcon is derived from it)", name, name, name, name)
		c.checkDirIcon("")
		return
	}
	c.report.IconFile = icon
	if _, err := c.resolve(icon); errors.Is(err, errEscapes) {
		c.add(icon, "icon-link-escapes", Warning, fmt.Sprintf("Copy the icon into the AppDir: cp --remove-destination \"$(readlink -f %s)\" %s.", icon, icon),
			"the icon is a symbolic link that leaves the AppDir: goappimage packs its target, other tools keep a link into the host system")
	}
	info, err := readIcon(filepath.Join(c.root, icon))
	switch {
	case err != nil:
		c.add(icon, "icon-invalid", Error, "Replace it with a valid 256x256 PNG or an SVG image.", "the icon is %v", err)
	case info.format != strings.TrimPrefix(path.Ext(icon), "."):
		c.add(icon, "icon-invalid", Error, fmt.Sprintf("Rename it to %s.%s or convert it.", name, info.format),
			"the icon's content is %s, but its name ends in %s", strings.ToUpper(info.format), path.Ext(icon))
	case info.format == "png" && info.width != info.height:
		c.add(icon, "icon-not-square", Error, "Use a square icon, ideally 256x256 pixels.", "the icon is %dx%d pixels: icons must be square", info.width, info.height)
	case info.format == "png" && info.width != 256 && info.width != 512 && info.width != 1024:
		c.add(icon, "icon-size", Warning, "Use a 256x256 PNG (512 or 1024 are fine too), or an SVG.",
			"the icon is %dx%d pixels; desktops show AppImage icons at 256x256", info.width, info.height)
	case info.format == "xpm":
		c.add(icon, "icon-xpm", Warning, fmt.Sprintf("Use %s.png (256x256) or %s.svg instead.", name, name), "XPM icons are deprecated")
	}
	c.checkDirIcon(icon)
}

// checkDirIcon checks .DirIcon, or tells that the build derives it from
// the root icon.
func (c *checker) checkDirIcon(icon string) {
	const name = ".DirIcon"
	fi, err := os.Lstat(filepath.Join(c.root, name))
	if err != nil {
		// Without a root icon, the problem that prevents deriving
		// .DirIcon (no desktop entry, no Icon, no icon file) is reported
		// already.
		if icon != "" {
			c.add(name, "diricon-derived", Hint, "Nothing to do, or create it yourself: ln -s "+icon+" .DirIcon.",
				".DirIcon is missing: the build creates it as a link to %s", icon)
		}
		return
	}
	resolved, err := c.resolve(name)
	if err != nil {
		if fi.Mode()&fs.ModeSymlink != 0 && errors.Is(err, errEscapes) {
			return // reported as symlink-external; the build copies the target
		}
		c.add(name, "diricon-dangling", Error, "Remove .DirIcon (the build then links it to the root icon) or point it at the icon.",
			".DirIcon does not resolve: %v", err)
		return
	}
	info, err := readIcon(filepath.Join(c.root, filepath.FromSlash(resolved)))
	switch {
	case err != nil:
		c.add(name, "diricon-invalid", Error, "Make .DirIcon a link to the root icon: ln -sf "+orDefault(icon, "myapp.png")+" .DirIcon.", ".DirIcon is %v", err)
		return
	case info.format == "xpm":
		c.add(name, "diricon-invalid", Error, "Make .DirIcon a 256x256 PNG or an SVG.", ".DirIcon is an XPM image: thumbnailers expect PNG or SVG")
		return
	case info.format == "png" && info.width != info.height:
		c.add(name, "diricon-invalid", Error, "Make .DirIcon a square PNG, ideally 256x256.", ".DirIcon is %dx%d pixels: icons must be square", info.width, info.height)
		return
	case info.format == "png" && info.width != 256:
		c.add(name, "diricon-size", Warning, "Make .DirIcon a 256x256 PNG.", ".DirIcon is %dx%d pixels; 256x256 is expected", info.width, info.height)
	}
	c.report.DirIcon = true
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// themeSizeDir matches a size directory of an icon theme: 48x48, 48x48@2.
var themeSizeDir = regexp.MustCompile(`^(\d+)x(\d+)(?:@(\d+))?$`)

// checkThemeIcons checks usr/share/icons/<theme>/<size>/<context>/<file>:
// a raster icon's pixels must match its size directory, scalable holds SVG.
func (c *checker) checkThemeIcons() {
	if _, err := c.resolve("usr/share/icons"); err != nil {
		return // absent, or a link out of the AppDir (reported by the walk)
	}
	base := filepath.Join(c.root, "usr", "share", "icons")
	themes, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, theme := range themes {
		if !theme.IsDir() {
			continue
		}
		sizes, _ := os.ReadDir(filepath.Join(base, theme.Name()))
		for _, size := range sizes {
			if !size.IsDir() {
				continue
			}
			contexts, _ := os.ReadDir(filepath.Join(base, theme.Name(), size.Name()))
			for _, ctx := range contexts {
				if !ctx.IsDir() {
					continue
				}
				files, _ := os.ReadDir(filepath.Join(base, theme.Name(), size.Name(), ctx.Name()))
				for _, f := range files {
					rel := path.Join("usr/share/icons", theme.Name(), size.Name(), ctx.Name(), f.Name())
					c.checkThemeIcon(rel, size.Name())
				}
			}
		}
	}
}

func (c *checker) checkThemeIcon(rel, sizeDir string) {
	resolved, fi, err := c.statInside(rel)
	if err != nil || !fi.Mode().IsRegular() {
		return // dangling or external links are reported by the walk
	}
	ext := path.Ext(rel)
	p := filepath.Join(c.root, filepath.FromSlash(resolved))
	if sizeDir == "scalable" || sizeDir == "symbolic" {
		if ext != ".svg" && ext != ".svgz" {
			c.add(rel, "icon-theme-format", Error, "Put raster icons in a NxN directory and SVG icons in scalable.", "a %s file in the %s directory, which holds SVG images", ext, sizeDir)
		} else if ext == ".svg" {
			f, err := os.Open(p)
			if err == nil {
				err = checkSVG(f)
				f.Close()
			}
			if err != nil {
				c.add(rel, "icon-invalid", Error, "Replace it with a valid SVG image.", "the icon is %v", err)
			}
		}
		return
	}
	m := themeSizeDir.FindStringSubmatch(sizeDir)
	if m == nil || ext != ".png" {
		return
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	scale := 1
	if m[3] != "" {
		scale, _ = strconv.Atoi(m[3])
	}
	info, err := readIcon(p)
	switch {
	case err != nil:
		c.add(rel, "icon-invalid", Error, "Replace it with a valid PNG image.", "the icon is %v", err)
	case info.format != "png":
		c.add(rel, "icon-invalid", Error, "Convert it to PNG or rename it.", "the icon's content is %s, not PNG", strings.ToUpper(info.format))
	case info.width != w*scale || info.height != h*scale:
		c.add(rel, "icon-size-mismatch", Error, fmt.Sprintf("Scale the image to %dx%d pixels, or move it to the %dx%d directory.", w*scale, h*scale, info.width, info.height),
			"the icon is %dx%d pixels but lies in the %s directory", info.width, info.height, sizeDir)
	case !standardIconSizes[w]:
		c.add(rel, "icon-size-nonstandard", Warning, "Use a standard size such as 16, 24, 32, 48, 64, 128, 256 or 512.", "%s is not a standard icon size", sizeDir)
	}
}
