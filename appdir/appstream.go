package appdir

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Metadata licenses AppStream accepts for metainfo files.
var metadataLicenses = map[string]bool{
	"CC0-1.0": true, "CC-BY-3.0": true, "CC-BY-4.0": true, "CC-BY-SA-3.0": true, "CC-BY-SA-4.0": true,
	"GFDL-1.1": true, "GFDL-1.2": true, "GFDL-1.3": true, "BSL-1.0": true, "FTL": true, "FSFAP": true,
	"MIT": true, "0BSD": true, "CC0": true,
}

// component is the part of an AppStream metainfo file we check.
type component struct {
	XMLName         xml.Name
	Type            string   `xml:"type,attr"`
	ID              string   `xml:"id"`
	Names           []string `xml:"name"`
	Summaries       []string `xml:"summary"`
	MetadataLicense string   `xml:"metadata_license"`
	Description     *struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"description"`
	Launchables []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"launchable"`
}

// checkAppStream checks usr/share/metainfo/<id>.appdata.xml (or
// .metainfo.xml) for the root desktop entry: well-formed, with the elements
// AppStream requires, and consistent with the desktop entry, which must
// then also be in usr/share/applications.
func (c *checker) checkAppStream() {
	name := c.report.DesktopFile
	if name == "" {
		return
	}
	id := strings.TrimSuffix(name, ".desktop")
	dir := "usr/share/metainfo"
	appdata, metainfo := path.Join(dir, id+".appdata.xml"), path.Join(dir, id+".metainfo.xml")
	var file string
	if _, fi, err := c.statInside(appdata); err == nil && fi.Mode().IsRegular() {
		file = appdata
	} else if _, fi, err := c.statInside(metainfo); err == nil && fi.Mode().IsRegular() {
		file = metainfo
		c.add(metainfo, "appstream-metainfo-name", Warning,
			fmt.Sprintf("Add a link: ln -s %s.metainfo.xml %s.", id, appdata),
			"appimagetool only looks for %s", appdata)
	}
	if file == "" {
		others, _ := filepath.Glob(filepath.Join(c.root, "usr", "share", "metainfo", "*.xml"))
		sort.Strings(others)
		if len(others) > 0 {
			var names []string
			for _, o := range others {
				names = append(names, filepath.Base(o))
			}
			c.add(dir, "appstream-name", Warning,
				fmt.Sprintf("Name the metainfo file after the desktop entry: %s (and use the id %s).", appdata, id),
				"no %s.appdata.xml or %s.metainfo.xml, only %s: the metadata does not match the desktop entry %s", id, id, strings.Join(names, ", "), name)
		} else {
			c.add(dir, "appstream-missing", Warning,
				fmt.Sprintf("Add AppStream metadata as %s (see https://www.freedesktop.org/software/appstream/docs/), or build with --no-appstream.", appdata),
				"no AppStream metadata: software centers will show little about the application")
		}
		return
	}
	resolved, _ := c.resolve(file)
	data, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(resolved)))
	if err != nil {
		c.add(file, "unreadable", Error, "Make the file readable.", "cannot read: %v", err)
		return
	}
	c.checkMetainfo(file, id, data)
}

func (c *checker) checkMetainfo(file, id string, data []byte) {
	if err := wellFormed(data); err != nil {
		c.add(file, "appstream-xml", Error, "Fix the XML syntax (xmllint --noout FILE shows where).", "not well-formed XML: %v", err)
		return
	}
	var comp component
	if err := xml.Unmarshal(data, &comp); err != nil {
		c.add(file, "appstream-xml", Error, "Fix the XML.", "cannot read the metadata: %v", err)
		return
	}
	switch comp.XMLName.Local {
	case "component":
	case "application":
		c.add(file, "appstream-root", Error, "Use the current format: a <component type=\"desktop-application\"> root element.", "the root element is the obsolete <application>")
		return
	default:
		c.add(file, "appstream-root", Error, "Use a single <component type=\"desktop-application\"> root element.", "the root element is <%s>, not <component>", comp.XMLName.Local)
		return
	}
	required := func(ok bool, elem, fix string) {
		if !ok {
			c.add(file, "appstream-required", Error, fix, "the <%s> element is missing", elem)
		}
	}
	cid := strings.TrimSpace(comp.ID)
	required(cid != "", "id", fmt.Sprintf("Add <id>%s</id>.", id))
	required(len(comp.Names) > 0 && strings.TrimSpace(comp.Names[0]) != "", "name", "Add <name>My App</name>.")
	required(len(comp.Summaries) > 0 && strings.TrimSpace(comp.Summaries[0]) != "", "summary", "Add <summary>what it does, in a few words</summary>.")
	lic := strings.TrimSpace(comp.MetadataLicense)
	required(lic != "", "metadata_license", "Add <metadata_license>CC0-1.0</metadata_license> (the license of this file).")
	if lic != "" && !permissive(lic) {
		c.add(file, "appstream-metadata-license", Error, "Use a permissive license for the metadata, such as CC0-1.0, FSFAP or MIT.",
			"metadata_license %q is not one AppStream accepts for metadata", lic)
	}
	desktopApp := comp.Type == "desktop-application" || comp.Type == "desktop"
	if !desktopApp {
		c.add(file, "appstream-type", Warning, "Set <component type=\"desktop-application\">.", "the component type is %q, not desktop-application", comp.Type)
		return
	}
	if cid != "" && strings.Count(cid, ".") < 2 {
		c.add(file, "appstream-cid-rdns", Warning,
			"Use a reverse-DNS id such as io.github.user.MyApp for the component, and name the desktop entry and this file after it.",
			"the component id %q is not in reverse-DNS notation: appstreamcli warns (cid-desktopapp-is-not-rdns), so appimagetool stops when appstreamcli is installed", cid)
	}
	required(comp.Description != nil && len(bytes.TrimSpace(comp.Description.Inner)) > 0, "description",
		"Add <description><p>A paragraph about the application.</p></description>.")
	if cid != "" && cid != id && cid != id+".desktop" {
		c.add(file, "appstream-id-mismatch", Error,
			fmt.Sprintf("Use the same id everywhere: <id>%s</id>, or rename the desktop entry and this file to %s.desktop and %s.appdata.xml.", id, cid, cid),
			"the component id %q differs from the desktop entry's name %s.desktop", cid, id)
	}
	var launch string
	for _, l := range comp.Launchables {
		if l.Type == "desktop-id" {
			launch = strings.TrimSpace(l.Value)
		}
	}
	if launch == "" {
		c.add(file, "appstream-required", Error, fmt.Sprintf("Add <launchable type=\"desktop-id\">%s.desktop</launchable>.", id),
			"the <launchable type=\"desktop-id\"> element is missing")
		return
	}
	if launch != id+".desktop" {
		c.add(file, "appstream-launchable", Error, fmt.Sprintf("Set <launchable type=\"desktop-id\">%s.desktop</launchable>.", id),
			"the launchable %q is not the root desktop entry %s.desktop", launch, id)
		return
	}
	apps := path.Join("usr/share/applications", launch)
	r, fi, err := c.statInside(apps)
	if err != nil || !fi.Mode().IsRegular() {
		c.add(apps, "appstream-desktop-missing", Error,
			fmt.Sprintf("Put the desktop entry in usr/share/applications/%s and make the root one a link to it: ln -sf usr/share/applications/%s %s.", launch, launch, launch),
			"AppStream metadata names %s, which must be in usr/share/applications", launch)
		return
	}
	rootRes, _ := c.resolve(c.report.DesktopFile)
	if rootRes != r {
		a, errA := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(rootRes)))
		b, errB := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(r)))
		if errA == nil && errB == nil && !bytes.Equal(a, b) {
			c.add(apps, "layout-desktop-differs", Warning,
				fmt.Sprintf("Make the root entry a link to it: ln -sf %s %s.", apps, launch),
				"differs from the root desktop entry %s", c.report.DesktopFile)
		}
	}
}

// wellFormed checks that data is one well-formed XML document.
func wellFormed(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			line, col := d.InputPos()
			return fmt.Errorf("line %d, column %d: %w", line, col, err)
		}
	}
}

// permissive reports whether an SPDX expression uses only licenses
// accepted for metadata.
func permissive(expr string) bool {
	expr = strings.NewReplacer("(", " ", ")", " ").Replace(expr)
	for _, f := range strings.Fields(expr) {
		if f == "AND" || f == "OR" || f == "and" || f == "or" {
			continue
		}
		if !metadataLicenses[strings.TrimSuffix(f, "+")] {
			return false
		}
	}
	return true
}
