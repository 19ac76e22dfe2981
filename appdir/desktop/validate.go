package desktop

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

const (
	groupMain    = "Desktop Entry"
	groupKDEMain = "KDE Desktop Entry"
	groupAction  = "Desktop Action "
)

// Registered values of the Type key, and whether each is deprecated.
var registeredTypes = []struct {
	name       string
	deprecated bool
}{
	{"Application", false}, {"Link", false}, {"Directory", false},
	{"Service", false}, {"ServiceType", false}, {"FSDevice", false},
	{"MimeType", true},
}

// keyValue is one "key=value" line as desktop-file-validate splits it.
type keyValue struct{ key, value string }

// orderedSet is a set of strings that remembers insertion order, so that
// messages come out in a stable order.
type orderedSet struct {
	items []string
	has   map[string]bool
}

func (s *orderedSet) add(v string) {
	if s.has == nil {
		s.has = map[string]bool{}
	}
	if !s.has[v] {
		s.has[v] = true
		s.items = append(s.items, v)
	}
}

func (s *orderedSet) remove(v string) { delete(s.has, v) }

// live returns the items still in the set, in insertion order.
func (s *orderedSet) live() []string {
	var out []string
	for _, v := range s.items {
		if s.has[v] {
			out = append(out, v)
		}
	}
	return out
}

// validator holds the state of one validation, mirroring the order in
// which desktop-file-validate looks at a file: line by line, then each
// group's keys when the group ends, then the file as a whole.
type validator struct {
	filename string
	profile  Profile
	msgs     []Message

	utf8Warned bool
	crReported bool

	current     string // current group; valid when inGroup
	inGroup     bool
	groupKeys   map[string][]keyValue
	currentKeys map[string]keyValue

	mainGroup string
	typ       string // the valid Type value, "" when missing or invalid
	showIn    bool   // an OnlyShowIn or NotShowIn key was seen in the group
	kindKeys  map[keyKind][]string

	interfaces   orderedSet
	actionValues orderedSet
	actionGroups orderedSet
}

// ValidateFile validates the desktop entry file at path as
// desktop-file-validate does, naming the file path in its checks.
func ValidateFile(path string, p Profile) ([]Message, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("validating desktop file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return []Message{{Severity: Error, Rule: "not-regular", Text: "file is not a regular file"}}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("validating desktop file: %w", err)
	}
	return Validate(path, data, p), nil
}

// Validate checks the contents of a desktop entry file with the rules and
// severities of desktop-file-validate. name is the file's name: its
// extension and (for DBusActivatable) its base name are checked.
func Validate(name string, data []byte, p Profile) []Message {
	v := &validator{
		filename:  name,
		profile:   p,
		groupKeys: map[string][]keyValue{},
		kindKeys:  map[keyKind][]string{},
	}
	if len(data) == 0 {
		v.errorf("empty-file", "file is empty")
	} else {
		v.parse(data)
	}
	if v.mainGroup != "" {
		v.checkRequiredKeys(v.mainGroup, mainKeys)
		v.checkTypeKeys()
	}
	v.checkActionGroups()
	v.checkFilename()
	return v.msgs
}

func (v *validator) add(s Severity, rule, format string, args ...any) {
	v.msgs = append(v.msgs, Message{Severity: s, Rule: rule, Group: v.current, Text: fmt.Sprintf(format, args...)})
}

func (v *validator) errorf(rule, format string, args ...any) { v.add(Error, rule, format, args...) }
func (v *validator) futuref(rule, format string, args ...any) {
	v.add(FutureError, rule, format, args...)
}
func (v *validator) warningf(rule, format string, args ...any) { v.add(Warning, rule, format, args...) }
func (v *validator) hintf(rule, format string, args ...any)    { v.add(Hint, rule, format, args...) }

// keyMessage attaches key to the last message added.
func (v *validator) keyMessage(key string) {
	if n := len(v.msgs); n > 0 && v.msgs[n-1].Key == "" {
		v.msgs[n-1].Key = key
	}
}

// parse splits data into lines on LF; a CR is reported once and then
// treated as LF.
func (v *validator) parse(data []byte) {
	var line []byte
	for _, c := range data {
		switch c {
		case '\r':
			if !v.crReported {
				v.errorf("carriage-return", "file contains at least one line ending with a carriage return, "+
					"while lines should only be separated by a line feed character. First such line is: \"%s\"",
					cString(line))
				v.crReported = true
			}
			fallthrough
		case '\n':
			if len(line) > 0 {
				v.parseLine(line)
				line = line[:0]
			}
		default:
			line = append(line, c)
		}
	}
	if len(line) > 0 {
		v.parseLine(line)
	}
	if v.inGroup {
		v.checkGroupKeys()
	}
}

// cString returns b up to its first NUL byte, as C string functions see it.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// isSpace is GLib's g_ascii_isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

const asciiSpace = " \t\n\v\f\r"

func (v *validator) parseLine(raw []byte) {
	if !v.utf8Warned && (!utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0) {
		v.warningf("not-utf8", "file contains lines that are not UTF-8 encoded. There is no guarantee the validator will correctly work.")
		v.utf8Warned = true
	}
	line := cString(raw)
	if line != "" && isSpace(line[0]) {
		v.errorf("leading-space", "line \"%s\" starts with a space. Comment, group and key-value lines should not start with a space. "+
			"The validation will continue, with the leading spaces ignored.", line)
		line = strings.TrimLeft(line, asciiSpace)
	}
	if line == "" || line[0] == '#' {
		return
	}
	if group, ok := v.groupLine(line); ok {
		v.startGroup(group)
		return
	}
	if eq := strings.IndexByte(line, '='); eq > 0 {
		key := strings.TrimRight(line[:eq], asciiSpace)
		value := strings.TrimLeft(line[eq+1:], asciiSpace)
		if !v.inGroup {
			v.errorf("entry-before-group", "file contains entry \"%s\" before the first group, but only comments are accepted before the first group", line)
			return
		}
		v.groupKeys[v.current] = append(v.groupKeys[v.current], keyValue{key, value})
		return
	}
	v.errorf("invalid-line", "file contains line \"%s\", which is not a comment, a group or an entry", line)
}

// groupLine reports whether line looks like a group header and returns the
// group name.
func (v *validator) groupLine(line string) (string, bool) {
	chomped := strings.TrimRight(line, asciiSpace)
	if len(chomped) < 2 || chomped[0] != '[' || chomped[len(chomped)-1] != ']' {
		return "", false
	}
	if chomped != line {
		v.errorf("group-trailing-space", "line \"%s\" ends with a space, but looks like a group. The validation will continue, with the trailing spaces ignored.", line)
	}
	return chomped[1 : len(chomped)-1], true
}

func (v *validator) startGroup(group string) {
	if !v.inGroup && group != groupMain && group != groupKDEMain {
		v.errorf("first-group", "first group is not \"%s\"", groupMain)
	}
	if v.inGroup && v.current != group {
		v.checkGroupKeys()
	}
	if _, dup := v.groupKeys[group]; dup {
		v.errorf("duplicate-group", "file contains multiple groups named \"%s\", but multiple groups may not have the same name", group)
	} else {
		v.checkGroupName(group)
		v.groupKeys[group] = nil
	}
	v.current, v.inGroup = group, true
}

func (v *validator) checkGroupName(group string) {
	for i := 0; i < len(group); i++ {
		if c := group[i]; c < 0x20 || c == 0x7f || c == '[' || c == ']' {
			v.errorf("group-name", "file contains group \"%s\", but group names may contain all ASCII characters except for [ and ] and control characters", group)
			return
		}
	}
	switch {
	case strings.HasPrefix(group, "X-"):
	case group == groupMain:
		if v.mainGroup == groupKDEMain {
			v.warningf("main-groups", "file contains groups \"%s\" and \"%s\", which play the same role", groupKDEMain, groupMain)
		}
		v.mainGroup = groupMain
	case group == groupKDEMain:
		v.warningf("kde-group", "file contains group \"%s\", which is deprecated in favor of \"%s\"", group, groupMain)
		if v.mainGroup == groupMain {
			v.warningf("main-groups", "file contains groups \"%s\" and \"%s\", which play the same role", groupMain, groupKDEMain)
		}
		v.mainGroup = groupKDEMain
	case strings.HasPrefix(group, groupAction):
		action := group[len(groupAction):]
		if !keyIsValid(action) {
			v.errorf("action-group-id", "file contains group \"%s\", which has an invalid action identifier, only alphanumeric characters and '-' are allowed", group)
			return
		}
		v.actionGroups.add(action)
	case v.profile != Profile026 && v.interfaces.has[group]:
	default:
		v.errorf("group-unknown", "file contains group \"%s\", but groups extending the format should start with \"X-\"", group)
	}
}

// keyIsValid reports whether s contains only A-Za-z0-9-.
func keyIsValid(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// splitLocale splits "Key[locale]" into its key and locale, with
// desktop-file-validate's checks (which skip the locale's last character).
func splitLocale(lk string) (key, locale string, ok bool) {
	open := strings.LastIndexByte(lk, '[')
	if open < 0 {
		return lk, "", keyIsValid(lk)
	}
	if !keyIsValid(lk[:open]) {
		return "", "", false
	}
	loc := lk[open:]
	n := len(loc)
	if n <= 2 || loc[n-1] != ']' {
		return "", "", false
	}
	for i := 1; i < n-2; i++ {
		c := loc[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '@') {
			return "", "", false
		}
	}
	return lk[:open], loc[1 : n-1], true
}

// checkGroupKeys checks every key of the current group; it runs when the
// group ends.
func (v *validator) checkGroupKeys() {
	g := v.current
	mainGroup := g == groupMain || g == groupKDEMain
	actionGroup := strings.HasPrefix(g, groupAction)
	keys := v.groupKeys[g]
	v.currentKeys = map[string]keyValue{}
	count := map[string]int{}
	for _, kv := range keys {
		v.currentKeys[kv.key] = kv
		count[kv.key]++
	}
	for _, kv := range keys {
		key, locale, ok := splitLocale(kv.key)
		if !ok {
			v.errorf("key-name", "file contains key \"%s\" in group \"%s\", but key names must contain only the characters A-Za-z0-9- (they may have a \"[LOCALE]\" postfix)", kv.key, g)
			v.keyMessage(kv.key)
		}
		if count[kv.key] > 1 {
			delete(count, kv.key)
			v.errorf("duplicate-key", "file contains multiple keys named \"%s\" in group \"%s\"", kv.key, g)
			v.keyMessage(kv.key)
		}
		if !ok {
			continue
		}
		n := len(v.msgs)
		switch {
		case mainGroup:
			v.checkKnownKey(kv.key, key, locale, kv.value, mainKeys)
		case actionGroup:
			v.checkKnownKey(kv.key, key, locale, kv.value, actionKeys)
		}
		for i := n; i < len(v.msgs); i++ {
			if v.msgs[i].Key == "" {
				v.msgs[i].Key = kv.key
			}
		}
	}
	v.currentKeys = nil
	v.showIn = false
}

func (v *validator) checkKnownKey(lk, key, locale, value string, defs []keyDef) bool {
	g := v.current
	for i := range defs {
		d := &defs[i]
		if d.name != key || d.since028 && v.profile == Profile026 {
			continue
		}
		if d.typ != typeLocaleString && d.typ != typeLocaleStringList && locale != "" {
			if strings.HasPrefix(key, "X-") {
				return true
			}
			v.errorf("key-not-localizable", "file contains key \"%s\" in group \"%s\", but \"%s\" is not defined as a locale string", lk, g, key)
			return false
		}
		if d.deprecated {
			v.warningf("key-deprecated", "key \"%s\" in group \"%s\" is deprecated", lk, g)
		}
		if strings.HasPrefix(key, "X-") {
			return true
		}
		if !v.checkValueType(d.typ, key, locale, value) {
			return false
		}
		if d.kind != kindAny {
			v.kindKeys[d.kind] = append(v.kindKeys[d.kind], lk)
		}
		if d.check != nil {
			return d.check(v, lk, value)
		}
		return true
	}
	if !strings.HasPrefix(key, "X-") {
		v.errorf("key-unknown", "file contains key \"%s\" in group \"%s\", but keys extending the format should start with \"X-\"", key, g)
		return false
	}
	return true
}

func hasControl(s string) (byte, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return s[i], true
		}
	}
	return 0, false
}

func (v *validator) checkValueType(t valueType, key, locale, value string) bool {
	g := v.current
	lk := key
	if locale != "" {
		lk = key + "[" + locale + "]"
	}
	switch t {
	case typeString:
		if _, bad := hasControl(value); bad {
			v.errorf("string-chars", "value \"%s\" for string key \"%s\" in group \"%s\" contains invalid characters, string values may contain all ASCII characters except for control characters", value, key, g)
			return false
		}
	case typeStringList, typeRegexpList:
		kind := "string"
		if t == typeRegexpList {
			kind = "regexp"
		}
		if c, bad := hasControl(value); bad {
			v.errorf("list-chars", "value \"%s\" for %s list key \"%s\" in group \"%s\" contains invalid character '%c', %s list values may contain all ASCII characters except for control characters", value, kind, key, g, c, kind)
			return false
		}
	case typeBoolean:
		switch value {
		case "true", "false":
		case "0", "1":
			v.warningf("boolean-deprecated", "boolean key \"%s\" in group \"%s\" has value \"%s\", which is deprecated: boolean values should be \"false\" or \"true\"", key, g, value)
		default:
			v.errorf("boolean", "value \"%s\" for boolean key \"%s\" in group \"%s\" contains invalid characters, boolean values must be \"false\" or \"true\"", value, key, g)
			return false
		}
	case typeLocaleString, typeLocaleStringList:
		kind := "locale string"
		if t == typeLocaleStringList {
			kind = "locale string list"
		}
		if !utf8.ValidString(value) {
			v.errorf("value-utf8", "value \"%s\" for %s key \"%s\" in group \"%s\" contains invalid UTF-8 characters, %s values should be encoded in UTF-8", value, kind, lk, g, kind)
			return false
		}
		if _, ok := v.currentKeys[key]; !ok {
			v.errorf("localized-without-base", "key \"%s\" in group \"%s\" is a localized key, but there is no non-localized key \"%s\"", lk, g, key)
			return false
		}
	}
	return true
}

// checkRequiredKeys reports the required keys of defs missing from group.
func (v *validator) checkRequiredKeys(group string, defs []keyDef) {
	present := map[string]bool{}
	for _, kv := range v.groupKeys[group] {
		present[kv.key] = true
	}
	for _, d := range defs {
		if d.required && !present[d.name] {
			v.msgs = append(v.msgs, Message{Severity: Error, Rule: "required-key", Group: group, Key: d.name,
				Text: fmt.Sprintf("required key \"%s\" in group \"%s\" is not present", d.name, group)})
		}
	}
}

// checkTypeKeys reports keys that are only valid for another Type.
func (v *validator) checkTypeKeys() {
	var forbidden []keyKind
	switch v.typ {
	case "Application":
		forbidden = []keyKind{kindLink, kindFSDevice, kindMimeType}
	case "Link":
		forbidden = []keyKind{kindApplication, kindFSDevice, kindMimeType}
	case "Directory", "Service", "ServiceType":
		forbidden = []keyKind{kindApplication, kindLink, kindFSDevice, kindMimeType}
	case "FSDevice":
		forbidden = []keyKind{kindApplication, kindLink, kindMimeType}
	case "MimeType":
		forbidden = []keyKind{kindApplication, kindLink, kindFSDevice}
	}
	names := map[keyKind]string{kindApplication: "Application", kindLink: "Link", kindFSDevice: "FSDevice", kindMimeType: "MimeType"}
	for _, k := range forbidden {
		for _, lk := range v.kindKeys[k] {
			v.msgs = append(v.msgs, Message{Severity: Error, Rule: "type-key", Group: v.mainGroup, Key: lk,
				Text: fmt.Sprintf("key \"%s\" is present in group \"%s\", but the type is \"%s\" while this key is only valid for type \"%s\"", lk, v.mainGroup, v.typ, names[k])})
		}
	}
}

// checkActionGroups matches the Actions values with the action groups.
func (v *validator) checkActionGroups() {
	for _, a := range v.actionValues.live() {
		if v.actionGroups.has[a] {
			v.checkRequiredKeys(groupAction+a, actionKeys)
			v.actionValues.remove(a)
			v.actionGroups.remove(a)
		}
	}
	for _, a := range v.actionValues.live() {
		v.msgs = append(v.msgs, Message{Severity: Error, Rule: "action-without-group", Group: v.mainGroup, Key: "Actions",
			Text: fmt.Sprintf("action \"%s\" is defined, but there is no matching \"%s\" group", a, groupAction+a)})
	}
	for _, a := range v.actionGroups.live() {
		v.msgs = append(v.msgs, Message{Severity: Error, Rule: "action-group-unused", Group: groupAction + a,
			Text: fmt.Sprintf("action group \"%s\" exists, but there is no matching action \"%s\"", groupAction+a, a)})
	}
}

func (v *validator) checkFilename() {
	v.current = ""
	if v.typ == "Directory" {
		if !strings.HasSuffix(v.filename, ".directory") {
			v.errorf("filename", "file is of type \"Directory\", but filename does not have a .directory extension")
		}
		return
	}
	switch {
	case strings.HasSuffix(v.filename, ".desktop"):
	case strings.HasSuffix(v.filename, ".kdelnk"):
		v.warningf("filename", "filename has a .kdelnk extension, which is deprecated in favor of .desktop")
	default:
		v.errorf("filename", "filename does not have a .desktop extension")
	}
}
