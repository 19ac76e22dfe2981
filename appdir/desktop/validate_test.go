package desktop

import (
	"fmt"
	"strings"
	"testing"
)

// head is a minimal valid main group that cases extend.
const head = "[Desktop Entry]\nType=Application\nName=Foo\nExec=foo\n"

// want is one expected message: its severity and a fragment of its text.
type want struct {
	sev  Severity
	text string
}

func e(text string) want  { return want{Error, text} }
func ff(text string) want { return want{FutureError, text} }
func w(text string) want  { return want{Warning, text} }
func h(text string) want  { return want{Hint, text} }

// The expected messages are written from desktop-file-utils' validate.c
// (0.28), not from our output; TestCraftedAgainstDFV checks the same kind of
// files against the real program.
var validateCases = []struct {
	name    string
	file    string // file name, "x.desktop" when empty
	data    string
	profile Profile
	want    []want // exactly these errors and warnings (hints are ignored unless listed)
}{
	{name: "valid", data: head + "Categories=Utility;\n"},
	{name: "empty file", data: "", want: []want{e("file is empty")}},
	{name: "comment only passes", data: "# nothing\n\n"},
	{name: "CRLF", data: "[Desktop Entry]\r\nType=Application\r\nName=a\r\n", want: []want{e("line ending with a carriage return")}},
	{name: "not UTF-8", data: head + "#\xff\n", want: []want{w("not UTF-8 encoded")}},
	{name: "NUL ends the value", data: head + "Terminal=false\x00junk\n", want: []want{w("not UTF-8 encoded")}},
	{name: "blank line with spaces", data: head + "  \n", want: []want{e("starts with a space")}},
	{name: "indented key", data: head + " Terminal=false\n", want: []want{e(`line " Terminal=false" starts with a space`)}},
	{name: "group with trailing space", data: "[Desktop Entry] \nType=Application\nName=a\n", want: []want{e("ends with a space, but looks like a group")}},
	{name: "first group", data: "[X-Foo]\n" + head, want: []want{e(`first group is not "Desktop Entry"`)}},
	{name: "entry before group", data: "Name=a\n" + head, want: []want{e(`entry "Name=a" before the first group`)}},
	{name: "junk line", data: head + "=x\n[Desktop Entry\n", want: []want{e(`line "=x"`), e(`line "[Desktop Entry"`)}},
	{name: "duplicate group", data: head + "[X-A]\n[X-A]\n", want: []want{e(`multiple groups named "X-A"`)}},
	{name: "group name chars", data: head + "[X-a\x01]\n", want: []want{e("group names may contain all ASCII characters except for [ and ]")}},
	{name: "unknown group", data: head + "[Foo]\n", want: []want{e("groups extending the format should start with \"X-\"")}},
	{name: "KDE group", data: "[KDE Desktop Entry]\nType=Application\nName=a\n", want: []want{w("deprecated in favor of \"Desktop Entry\"")}},
	{name: "both main groups", data: head + "[KDE Desktop Entry]\nType=Application\nName=a\n", want: []want{w("deprecated in favor"), w("which play the same role")}},
	{name: "bad action group id", data: head + "[Desktop Action a_b]\n", want: []want{e("invalid action identifier, only alphanumeric")}},
	{name: "key chars", data: head + "Foo_Bar=1\n", want: []want{e(`key "Foo_Bar" in group "Desktop Entry", but key names must contain only`)}},
	{name: "key chars in X- group", data: head + "[X-G]\nfoo bar=1\n", want: []want{e(`key "foo bar" in group "X-G", but key names`)}},
	{name: "locale last char unchecked", data: head + "Name[de!]=x\n"},
	{name: "locale bad char", data: head + "Name[d!e]=x\n", want: []want{e("key names must contain only")}},
	{name: "empty locale", data: head + "Name[]=x\n", want: []want{e("key names must contain only")}},
	{name: "duplicate key once", data: head + "Terminal=true\nTerminal=true\nTerminal=true\n", want: []want{e(`multiple keys named "Terminal"`)}},
	{name: "unregistered key", data: head + "Foo=1\n", want: []want{e(`key "Foo" in group "Desktop Entry", but keys extending the format should start with "X-"`)}},
	{name: "X- key with locale", data: head + "X-Foo[de]=\x01\n"},
	{name: "locale on non-localestring", data: head + "Exec[de]=x\n", want: []want{e(`but "Exec" is not defined as a locale string`)}},
	{name: "localized without base", data: head + "GenericName[de]=x\n", want: []want{e(`is a localized key, but there is no non-localized key "GenericName"`)}},
	{name: "string control char", data: head + "TryExec=a\tb\n", want: []want{e("string values may contain all ASCII characters except for control characters")}},
	{name: "string list control char", data: head + "OnlyShowIn=GNOME\t;\n", want: []want{e("string list values may contain")}},
	{name: "localestring tab passes", data: head + "Comment=a\tb\n"},
	{name: "localestring bad UTF-8", data: head + "Comment=\xc3\n", want: []want{w("not UTF-8 encoded"), e("contains invalid UTF-8 characters")}},
	{name: "boolean trailing blank", data: head + "Terminal=false \n", want: []want{e(`boolean values must be "false" or "true"`)}},
	{name: "boolean case", data: head + "Terminal=True\n", want: []want{e("boolean values must be")}},
	{name: "boolean 0", data: head + "Terminal=0\n", want: []want{w("which is deprecated: boolean values should be")}},
	{name: "comment same as name", data: head + "Comment=FOO\n", want: []want{w(`looks the same as that of key "Name"`)}},
	{name: "comment same as generic name per locale", data: head + "Name[de]=x\nGenericName=g\nGenericName[de]=Gen\nComment=c\nComment[de]=gen\n", want: []want{w(`looks the same as that of key "GenericName[de]"`)}},
	{name: "missing Type and Name", data: "[Desktop Entry]\nExec=a\n", want: []want{e(`required key "Type" in group "Desktop Entry" is not present`), e(`required key "Name"`)}},
	{name: "empty Name passes", data: "[Desktop Entry]\nType=Application\nName=\n"},
	{name: "bad Type", data: "[Desktop Entry]\nType=App\nName=a\n", want: []want{e("is not a registered type value")}},
	{name: "MimeType type deprecated", data: "[Desktop Entry]\nType=MimeType\nName=a\n", want: []want{w(`value "MimeType" for key "Type" in group "Desktop Entry" is deprecated`)}},
	{name: "application key in Link", data: "[Desktop Entry]\nType=Link\nName=a\nURL=http://x\nExec=a\nTerminal=false\n", want: []want{e(`key "Exec" is present in group "Desktop Entry", but the type is "Link" while this key is only valid for type "Application"`), e(`key "Terminal" is present`)}},
	{name: "URL in Application", data: head + "URL=http://x\n", want: []want{e(`only valid for type "Link"`)}},
	{name: "Link without URL passes", data: "[Desktop Entry]\nType=Link\nName=a\n"},
	{name: "Directory file name", data: "[Desktop Entry]\nType=Directory\nName=a\n", want: []want{e("does not have a .directory extension")}},
	{name: "Directory ok", file: "a.directory", data: "[Desktop Entry]\nType=Directory\nName=a\n"},
	{name: "file name", file: "a.txt", data: head, want: []want{e("filename does not have a .desktop extension")}},
	{name: "kdelnk", file: "a.kdelnk", data: head, want: []want{w(".kdelnk extension")}},
	{name: "Version 1.5 on 0.28", data: head + "Version=1.5\n"},
	{name: "Version 1.5 on 0.26", profile: Profile026, data: head + "Version=1.5\n", want: []want{e("is not a known version")}},
	{name: "Version 0.9.8", data: head + "Version=0.9.8\n"},
	{name: "Version 0.9.9", data: head + "Version=0.9.9\n", want: []want{e("is not a known version")}},
	{name: "SingleMainWindow on 0.26", profile: Profile026, data: head + "SingleMainWindow=true\n", want: []want{e("keys extending the format")}},
	{name: "SingleMainWindow on 0.28", data: head + "SingleMainWindow=true\n"},
	{name: "deprecated key", data: head + "MiniIcon=a\n", want: []want{w(`key "MiniIcon" in group "Desktop Entry" is deprecated`)}},
	{name: "Encoding", data: head + "Encoding=latin1\n", want: []want{w("is deprecated"), e("is not a registered encoding value")}},
	{name: "Exec invalid field code", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo %x\n", want: []want{e(`invalid field code "%x"`)}},
	{name: "Exec two file codes", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo %f %U\n", want: []want{e(`may contain at most one "%f", "%u", "%F" or "%U" field code`)}},
	{name: "Exec deprecated code", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo %m\n", want: []want{w(`deprecated field code "%m"`)}},
	{name: "Exec trailing percent", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo %\n", want: []want{e("non-complete field code")}},
	{name: "Exec space defers field code", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo % x\n", want: []want{e(`invalid field code "%x"`)}},
	{name: "Exec percent percent", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo %%\n"},
	{name: "Exec reserved outside quote", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo > x; y\n", want: []want{e(`reserved character '>' outside of a quote`), e(`reserved character ';'`)}},
	{name: "Exec reserved inside quote", data: "[Desktop Entry]\nType=Application\nName=a\nExec=sh -c \"a > b; c\"\n"},
	{name: "Exec dollar in quote", data: "[Desktop Entry]\nType=Application\nName=a\nExec=sh -c \"$HOME\"\n", want: []want{e("non-escaped character '$' in a quote")}},
	{name: "Exec escaped dollar in quote", data: "[Desktop Entry]\nType=Application\nName=a\nExec=sh -c \"\\\\$HOME\"\n"},
	{name: "Exec unclosed quote", data: "[Desktop Entry]\nType=Application\nName=a\nExec=\"foo\n", want: []want{e("quote which is not closed")}},
	{name: "Exec trailing backslash", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo \\\n", want: []want{e("incomplete escape sequence")}},
	{name: "Exec field code in quotes passes", data: "[Desktop Entry]\nType=Application\nName=a\nExec=foo \"%f\"\n"},
	{name: "Icon relative path", data: head + "Icon=a/b\n", want: []want{e("looks like a relative path")}},
	{name: "Icon directory", data: head + "Icon=/usr/\n", want: []want{e("absolute path to a directory")}},
	{name: "Icon extension", data: head + "Icon=foo.png\n", want: []want{ff("icon name with an extension")}},
	{name: "Icon svgz passes", data: head + "Icon=foo.svgz\n"},
	{name: "Icon absolute passes", data: head + "Icon=/usr/share/foo.png\n"},
	{name: "OnlyShowIn and NotShowIn", data: head + "OnlyShowIn=GNOME;\nNotShowIn=KDE;\n", want: []want{e(`only one of "OnlyShowIn" and "NotShowIn" keys may appear`)}},
	{name: "OnlyShowIn unregistered", data: head + "OnlyShowIn=Foo;X-Bar;\n", want: []want{e(`unregistered value "Foo"`)}},
	{name: "OnlyShowIn duplicate", data: head + "OnlyShowIn=KDE;KDE;\n", want: []want{w(`contains "KDE" more than once`)}},
	{name: "OnlyShowIn Deepin on 0.28", data: head + "OnlyShowIn=Deepin;\n", want: []want{e(`unregistered value "Deepin"`)}},
	{name: "OnlyShowIn Deepin on 0.26", profile: Profile026, data: head + "OnlyShowIn=Deepin;\n"},
	{name: "OnlyShowIn COSMIC on 0.26", profile: Profile026, data: head + "OnlyShowIn=COSMIC;\n", want: []want{e(`unregistered value "COSMIC"`)}},
	{name: "Categories unregistered", data: head + "Categories=Utility;Foo;X-Foo;\n", want: []want{e(`unregistered value "Foo"`)}},
	{name: "Categories case sensitive", data: head + "Categories=utility;\n", want: []want{e(`unregistered value "utility"`)}},
	{name: "Categories comma list", data: head + "Categories=Utility,Office\n", want: []want{e(`unregistered value "Utility,Office"`)}},
	{name: "Categories Audio needs AudioVideo", data: head + "Categories=Audio;\n", want: []want{ff(`requires another category to be present among the following categories: AudioVideo`)}},
	{name: "Categories reserved", data: head + "Categories=Utility;TrayIcon;\n", want: []want{e(`"TrayIcon" in key "Categories" in group "Desktop Entry" is a reserved category`)}},
	{name: "Categories reserved with OnlyShowIn", data: head + "Categories=Utility;TrayIcon;\nOnlyShowIn=KDE;\n"},
	{name: "Categories deprecated", data: head + "Categories=Utility;Application;\n", want: []want{w(`deprecated value "Application"`)}},
	{name: "Categories duplicate", data: head + "Categories=Utility;Utility;\n", want: []want{w(`contains "Utility" more than once`), h("more than one main category")}},
	{name: "Categories hints", data: head + "Categories=Debugger;\n", want: []want{h(`can be extended with another category among the following categories: Development`), h("does not contain a registered main category")}},
	{name: "Categories LXQt on 0.26", profile: Profile026, data: head + "Categories=Utility;LXQt;\n", want: []want{e(`unregistered value "LXQt"`)}},
	{name: "Categories empty passes", data: head + "Categories=\n"},
	{name: "MimeType invalid", data: head + "MimeType=foo;example/x;text/;\n", want: []want{ff(`"foo" does not contain a subtype`), ff(`must not be used`), ff(`contains an empty subtype`)}},
	{name: "MimeType discouraged", data: head + "MimeType=x-foo/bar;zz-application/zz-winassoc-doc;message/x;\n", want: []want{w("strongly discouraged"), w(`should be replaced with "application/vnd.ms-word"`), w("probably does not make sense")}},
	{name: "MimeType exceptions", data: head + "MimeType=message/rfc822;misc/ultravox;inode/directory;x-scheme-handler/http;\n"},
	{name: "Actions", data: head + "Actions=new;\n[Desktop Action new]\nName=New\nExec=foo --new\n"},
	{name: "Actions empty item", data: head + "Actions=a;;b;\n", want: []want{e("contains an empty action"), e(`action "a" is defined, but there is no matching`)}},
	{name: "Actions invalid id", data: head + "Actions=a_b;\n", want: []want{e(`invalid action identifier "a_b"`)}},
	{name: "Actions duplicate", data: head + "Actions=a;a;\n[Desktop Action a]\nName=A\nExec=a\n", want: []want{w(`contains action "a" more than once`)}},
	{name: "Actions without group", data: head + "Actions=a;\n", want: []want{e(`action "a" is defined, but there is no matching "Desktop Action a" group`)}},
	{name: "action group without action", data: head + "[Desktop Action a]\nName=A\nExec=a\n", want: []want{e(`action group "Desktop Action a" exists, but there is no matching action "a"`)}},
	{name: "action missing keys", data: head + "Actions=a;\n[Desktop Action a]\nIcon=x\n", want: []want{e(`required key "Name" in group "Desktop Action a"`), e(`required key "Exec" in group "Desktop Action a"`)}},
	{name: "action OnlyShowIn deprecated", data: head + "Actions=a;\n[Desktop Action a]\nName=A\nExec=a\nOnlyShowIn=KDE;\n", want: []want{w(`key "OnlyShowIn" in group "Desktop Action a" is deprecated`)}},
	{name: "action unknown key", data: head + "Actions=a;\n[Desktop Action a]\nName=A\nExec=a\nTerminal=true\n", want: []want{e("keys extending the format")}},
	{name: "Implements trailing semicolon on 0.28", data: head + "Implements=org.a.B;\n", want: []want{e(`invalid interface name ""`)}},
	{name: "Implements on 0.26", profile: Profile026, data: head + "Implements=org.a.B;\n"},
	{name: "Implements group", data: head + "Implements=org.a.B\n[org.a.B]\nFoo=1\n"},
	{name: "Implements group on 0.26", profile: Profile026, data: head + "Implements=org.a.B\n[org.a.B]\n", want: []want{e(`groups extending the format`)}},
	{name: "DBusActivatable needs reverse DNS", data: head + "DBusActivatable=true\n", want: []want{e("DBusActivatable filename must conform to reverse-DNS notation")}},
	{name: "DBusActivatable reverse DNS", file: "org.a.desktop", data: head + "DBusActivatable=true\n"},
	{name: "Path relative", data: head + "Path=rel\n", want: []want{w("does not look like an absolute path")}},
	{name: "Autostart if-exists", data: head + "AutostartCondition=if-exists\n", want: []want{e("does not contain a path to a file")}},
	{name: "Autostart absolute", data: head + "AutostartCondition=unless-exists /a\n", want: []want{e(`contains a path "/a" that is absolute`)}},
	{name: "Autostart dotdot", data: head + "AutostartCondition=if-exists ../a\n", want: []want{w(`(".." should be avoided)`)}},
	{name: "Autostart GNOME3", data: head + "AutostartCondition=GNOME3 if-session gnome-panel\n"},
	{name: "Autostart GNOME3 bad first", data: head + "AutostartCondition=GNOME3 foo\n", want: []want{e("does not contain a valid first argument")}},
	{name: "Autostart GSettings few", data: head + "AutostartCondition=GSettings org.a\n", want: []want{e("has 1 too few arguments")}},
	{name: "Autostart GSettings many", data: head + "AutostartCondition=GSettings a b c\n", want: []want{e("has 1 too many arguments")}},
	{name: "Autostart unregistered", data: head + "AutostartCondition=Foo\n", want: []want{e(`unregistered value "Foo" for the condition`)}},
	{name: "Autostart desktop name", data: head + "AutostartCondition=KDE x\n"},
	{name: "Autostart trailing space", data: head + "AutostartCondition=X-Foo \n", want: []want{w("trailing space(s)")}},
}

func TestValidateCases(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "x.desktop"
			}
			got := Validate(file, []byte(tc.data), tc.profile)
			listedHints := false
			for _, w := range tc.want {
				listedHints = listedHints || w.sev == Hint
			}
			var gotKept []Message
			for _, m := range got {
				if m.Severity != Hint || listedHints {
					gotKept = append(gotKept, m)
				}
			}
			used := make([]bool, len(gotKept))
			for _, w := range tc.want {
				found := false
				for i, m := range gotKept {
					if !used[i] && m.Severity == w.sev && strings.Contains(m.Text, w.text) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing %s containing %q", w.sev, w.text)
				}
			}
			for i, m := range gotKept {
				if !used[i] && (m.Severity != Hint || !listedHints) {
					t.Errorf("unexpected %s: %s", m.Severity, m.Text)
				}
			}
			wantValid := true
			for _, w := range tc.want {
				if w.sev == Error {
					wantValid = false
				}
			}
			if Valid(got) != wantValid {
				t.Errorf("Valid = %v, want %v", Valid(got), wantValid)
			}
		})
	}
}

func TestMessageFormat(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Severity: Error, Text: "x"}, "f.desktop: error: x"},
		{Message{Severity: FutureError, Text: "x"}, "f.desktop: error: (will be fatal in the future): x"},
		{Message{Severity: Warning, Text: "x"}, "f.desktop: warning: x"},
		{Message{Severity: Hint, Text: "x"}, "f.desktop: hint: x"},
	}
	for _, tt := range tests {
		if got := tt.m.Format("f.desktop"); got != tt.want {
			t.Errorf("Format = %q, want %q", got, tt.want)
		}
	}
}

func ExampleValidate() {
	data := "[Desktop Entry]\nType=Application\nName=Foo\nExec=foo %x\nTerminal=false \n"
	for _, m := range Validate("foo.desktop", []byte(data), Profile028) {
		fmt.Println(m.Format("foo.desktop"))
	}
	// Output:
	// foo.desktop: error: value "foo %x" for key "Exec" in group "Desktop Entry" contains an invalid field code "%x"
	// foo.desktop: error: value "false " for boolean key "Terminal" in group "Desktop Entry" contains invalid characters, boolean values must be "false" or "true"
}

// TestEveryRuleHasFix makes sure each message of the cases carries a rule
// with a fix.
func TestEveryRuleHasFix(t *testing.T) {
	for _, tc := range validateCases {
		for _, m := range Validate("x.desktop", []byte(tc.data), tc.profile) {
			if _, ok := fixes[m.Rule]; !ok {
				t.Errorf("%s: message %q has rule %q without a fix", tc.name, m.Text, m.Rule)
			}
		}
	}
}
