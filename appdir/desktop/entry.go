package desktop

import (
	"bytes"
	"fmt"
	"strings"
)

// Entry is a parsed desktop entry file that keeps every line, so that it
// can be written back byte for byte with only the keys that were Set
// changed. Accessors read the [Desktop Entry] group.
type Entry struct {
	lines []entryLine
}

type entryLine struct {
	raw   string // the line without its LF
	group string // the group the line belongs to ("" before the first group)
	key   string // for key=value lines: the key, locale included
	value string // for key=value lines: the raw (escaped) value
	isKV  bool
}

// Parse reads a desktop entry file with the strictness of GLib's GKeyFile
// (which appimagetool uses after desktop-file-validate): every line must be
// a comment, a group header or a key=value pair inside a group, keys and
// locales must be well formed, and a [Desktop Entry] group must exist.
// Errors name the line.
func Parse(data []byte) (*Entry, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("file contains a NUL byte at byte 0x%x", bytes.IndexByte(data, 0))
	}
	text := strings.TrimSuffix(string(data), "\n")
	e := &Entry{}
	group := ""
	hasMain := false
	for i, raw := range strings.Split(text, "\n") {
		l := entryLine{raw: raw, group: group}
		line := strings.TrimLeft(raw, " \t")
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 || strings.TrimRight(line[end+1:], " \t") != "" {
				return nil, fmt.Errorf("line %d: %q is not a valid group header", i+1, raw)
			}
			group = line[1:end]
			if group == "" || strings.ContainsAny(group, "[]") || strings.IndexFunc(group, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
				return nil, fmt.Errorf("line %d: invalid group name %q", i+1, group)
			}
			if group == groupMain {
				hasMain = true
			}
			l.group = group
		default:
			eq := strings.IndexByte(line, '=')
			if eq <= 0 {
				return nil, fmt.Errorf("line %d: %q is not a key=value pair, a group or a comment", i+1, raw)
			}
			if group == "" {
				return nil, fmt.Errorf("line %d: key=value pair %q before the first group", i+1, raw)
			}
			l.key = strings.TrimRight(line[:eq], " \t")
			l.value = strings.TrimLeft(line[eq+1:], " \t")
			l.isKV = true
			if !validKeyName(l.key) {
				return nil, fmt.Errorf("line %d: invalid key name %q", i+1, l.key)
			}
		}
		e.lines = append(e.lines, l)
	}
	if !hasMain {
		return nil, fmt.Errorf("no [%s] group", groupMain)
	}
	return e, nil
}

// validKeyName checks a key the way GKeyFile does: a name of
// A-Za-z0-9- and an optional [locale] of A-Za-z0-9-_.@ characters.
func validKeyName(k string) bool {
	name, locale, hasLocale := strings.Cut(k, "[")
	if name == "" || !keyIsValid(name) {
		return false
	}
	if !hasLocale {
		return true
	}
	locale, ok := strings.CutSuffix(locale, "]")
	if !ok || locale == "" {
		return false
	}
	for i := 0; i < len(locale); i++ {
		c := locale[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.@", c) >= 0) {
			return false
		}
	}
	return true
}

// Get returns the unescaped value of key (locale included, e.g. "Name[de]")
// in the [Desktop Entry] group; the last occurrence wins, as in GKeyFile.
func (e *Entry) Get(key string) (string, bool) {
	val, found := "", false
	for _, l := range e.lines {
		if l.isKV && l.group == groupMain && l.key == key {
			val, found = unescape(l.value), true
		}
	}
	return val, found
}

// List returns the items of a ";"-separated list key, without empty items.
func (e *Entry) List(key string) []string {
	v, _ := e.Get(key)
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Name returns the Name key.
func (e *Entry) Name() string { v, _ := e.Get("Name"); return v }

// Icon returns the Icon key.
func (e *Entry) Icon() string { v, _ := e.Get("Icon"); return v }

// Exec returns the Exec key.
func (e *Entry) Exec() string { v, _ := e.Get("Exec"); return v }

// Type returns the Type key.
func (e *Entry) Type() string { v, _ := e.Get("Type"); return v }

// AppVersion returns the application version recorded in the entry, the
// X-AppImage-Version key ("" when absent). The Version key is the version
// of the specification, not of the application.
func (e *Entry) AppVersion() string { v, _ := e.Get("X-AppImage-Version"); return v }

// Categories returns the items of the Categories key.
func (e *Entry) Categories() []string { return e.List("Categories") }

// Set sets key in the [Desktop Entry] group to value (escaped as the
// specification requires): every existing occurrence is replaced by one
// line at the place of the first, or a line is added at the end of the
// group.
func (e *Entry) Set(key, value string) {
	nl := entryLine{raw: key + "=" + escape(value), group: groupMain, key: key, value: escape(value), isKV: true}
	out := e.lines[:0:0]
	done := false
	lastInMain := -1
	for _, l := range e.lines {
		if l.isKV && l.group == groupMain && l.key == key {
			if !done {
				out = append(out, nl)
				done = true
			}
			continue
		}
		out = append(out, l)
		if l.group == groupMain && (l.isKV || l.key == "" && strings.HasPrefix(strings.TrimLeft(l.raw, " \t"), "[")) {
			lastInMain = len(out) - 1
		}
	}
	if !done {
		out = append(out[:lastInMain+1], append([]entryLine{nl}, out[lastInMain+1:]...)...)
	}
	e.lines = out
}

// Bytes returns the file, each line ended by LF.
func (e *Entry) Bytes() []byte {
	var b bytes.Buffer
	for _, l := range e.lines {
		b.WriteString(l.raw)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// unescape undoes the escapes of string values: \s \n \t \r \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 's':
				b.WriteByte(' ')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\':
				b.WriteByte('\\')
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escape applies the escapes of string values, so that the value reads
// back unchanged.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case ' ':
			if i == 0 {
				b.WriteString(`\s`)
			} else {
				b.WriteByte(' ')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
