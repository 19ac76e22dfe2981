package desktop

import (
	"path"
	"strings"
	"unicode/utf8"
)

func (v *validator) checkType(lk, value string) bool {
	for _, t := range registeredTypes {
		if t.name == value {
			if t.deprecated {
				v.warningf("type-deprecated", "value \"%s\" for key \"%s\" in group \"%s\" is deprecated", value, lk, v.current)
			}
			v.typ = t.name
			return true
		}
	}
	v.typ = ""
	v.errorf("type", "value \"%s\" for key \"%s\" in group \"%s\" is not a registered type value (\"Application\", \"Link\" and \"Directory\")", value, lk, v.current)
	return false
}

func (v *validator) checkVersion(lk, value string) bool {
	switch value {
	case "1.0", "1.1", "1.2", "1.3", "1.4":
		return true
	case "1.5":
		if v.profile != Profile026 {
			return true
		}
	}
	if len(value) == 5 && strings.HasPrefix(value, "0.9.") && value[4] >= '3' && value[4] <= '8' {
		return true
	}
	v.errorf("version", "value \"%s\" for key \"%s\" in group \"%s\" is not a known version", value, lk, v.current)
	return false
}

// asciiEqualFold is g_ascii_strcasecmp(a, b) == 0.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (v *validator) checkComment(lk, value string) bool {
	suffix := lk[len("Comment"):]
	for _, other := range []string{"Name", "GenericName"} {
		if kv, ok := v.currentKeys[other+suffix]; ok && asciiEqualFold(value, kv.value) {
			v.warningf("comment-redundant", "value \"%s\" for key \"%s\" in group \"%s\" looks the same as that of key \"%s\"", value, lk, v.current, kv.key)
			return false
		}
	}
	return true
}

func (v *validator) checkIcon(lk, value string) bool {
	g := v.current
	if strings.HasPrefix(value, "/") {
		if strings.HasSuffix(value, "/") {
			v.errorf("icon-directory", "value \"%s\" for key \"%s\" in group \"%s\" is an absolute path to a directory, instead of being an absolute path to an icon or an icon name", value, lk, g)
			return false
		}
		return true
	}
	if strings.Contains(value, "/") {
		v.errorf("icon-relative-path", "value \"%s\" for key \"%s\" in group \"%s\" looks like a relative path, instead of being an absolute path to an icon or an icon name", value, lk, g)
		return false
	}
	if strings.HasSuffix(value, ".png") || strings.HasSuffix(value, ".xpm") || strings.HasSuffix(value, ".svg") {
		v.futuref("icon-extension", "value \"%s\" for key \"%s\" in group \"%s\" is an icon name with an extension, but there should be no extension as described in the Icon Theme Specification if the value is not an absolute path", value, lk, g)
		return false
	}
	return true
}

// listItems splits a list value on ";", dropping the one empty item a
// final ";" leaves.
func listItems(value string) []string {
	items := strings.Split(value, ";")
	if items[len(items)-1] == "" {
		items = items[:len(items)-1]
	}
	return items
}

func (v *validator) checkShowIn(lk, value string) bool {
	g := v.current
	ok := true
	if v.showIn {
		v.errorf("show-in-both", "only one of \"OnlyShowIn\" and \"NotShowIn\" keys may appear in group \"%s\"", g)
		ok = false
	}
	v.showIn = true
	seen := map[string]bool{}
	for _, item := range listItems(value) {
		if seen[item] {
			v.warningf("duplicate-item", "value \"%s\" for key \"%s\" in group \"%s\" contains \"%s\" more than once", value, lk, g, item)
			continue
		}
		seen[item] = true
		if strings.HasPrefix(item, "X-") {
			continue
		}
		if !contains(v.profile.showInValues(), item) {
			v.errorf("unregistered-value", "value \"%s\" for key \"%s\" in group \"%s\" contains an unregistered value \"%s\"; values extending the format should start with \"X-\"", value, lk, g, item)
			ok = false
		}
	}
	return ok
}

func (v *validator) checkAbsolutePath(lk, value string) bool {
	if !strings.HasPrefix(value, "/") {
		v.warningf("path-not-absolute", "value \"%s\" for key \"%s\" in group \"%s\" does not look like an absolute path", value, lk, v.current)
	}
	return true
}

func (v *validator) checkEncoding(lk, value string) bool {
	if value == "UTF-8" || value == "Legacy-Mixed" {
		return true
	}
	v.errorf("encoding", "value \"%s\" for key \"%s\" in group \"%s\" is not a registered encoding value (\"UTF-8\", and \"Legacy-Mixed\")", value, lk, v.current)
	return false
}

func (v *validator) checkActions(lk, value string) bool {
	g := v.current
	items := strings.Split(value, ";")
	for i, a := range items {
		if a == "" {
			if i+1 < len(items) {
				v.errorf("actions-empty", "value \"%s\" for key \"%s\" in group \"%s\" contains an empty action", value, lk, g)
				return false
			}
			continue
		}
		if v.actionValues.has[a] {
			v.warningf("duplicate-item", "value \"%s\" for key \"%s\" in group \"%s\" contains action \"%s\" more than once", value, lk, g, a)
			continue
		}
		if !keyIsValid(a) {
			v.errorf("actions-id", "value \"%s\" for key \"%s\" in group \"%s\" contains invalid action identifier \"%s\", only alphanumeric characters and '-' are allowed", value, lk, g, a)
			return false
		}
		v.actionValues.add(a)
	}
	return true
}

// isInterfaceName is GLib's g_dbus_is_interface_name.
func isInterfaceName(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	initial := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }
	if !initial(s[0]) {
		return false
	}
	dot := false
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			i++
			if i == len(s) || !initial(s[i]) {
				return false
			}
			dot = true
		} else if !initial(c) && !('0' <= c && c <= '9') {
			return false
		}
	}
	return dot
}

func (v *validator) checkImplements(lk, value string) bool {
	if v.profile == Profile026 {
		return true
	}
	g := v.current
	for _, iface := range strings.Split(value, ";") {
		if !isInterfaceName(iface) {
			v.errorf("implements", "value \"%s\" for key \"%s\" in group \"%s\" contains an invalid interface name \"%s\"", value, lk, g, iface)
			return false
		}
		if v.interfaces.has[iface] {
			v.warningf("duplicate-item", "value \"%s\" for key \"%s\" in group \"%s\" contains interface \"%s\" more than once", value, lk, g, iface)
			continue
		}
		v.interfaces.add(iface)
	}
	return true
}

func (v *validator) checkDBusActivatable(lk, value string) bool {
	if value != "true" && value != "1" {
		return true
	}
	base := path.Base(v.filename)
	if utf8.ValidString(base) {
		if i := strings.IndexByte(base, '.'); i >= 0 && strings.IndexByte(base[i+1:], '.') >= 0 {
			return true
		}
	}
	v.errorf("dbus-filename", "DBusActivatable filename must conform to reverse-DNS notation")
	return false
}
