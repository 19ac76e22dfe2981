package desktop

import (
	"strings"
)

// Registered AutostartCondition conditions: accepted first arguments and
// the number of arguments after them.
var autostartConditions = []struct {
	name      string
	firstArgs []string
	args      int
}{
	{"GNOME", nil, 1},
	{"GNOME3", []string{"if-session", "unless-session"}, 1},
	{"GSettings", nil, 2},
}

func skipSpaces(s string) string { return strings.TrimLeft(s, " ") }

func (v *validator) checkAutostartCondition(lk, value string) bool {
	g := v.current
	condition, argument, hasArg := strings.Cut(value, " ")
	argument = skipSpaces(argument)
	switch {
	case condition == "if-exists" || condition == "unless-exists":
		switch {
		case argument == "":
			v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" does not contain a path to a file to test the condition", value, lk, g)
			return false
		case argument[0] == '/':
			v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" contains a path \"%s\" that is absolute, while it should be relative (to $XDG_CONFIG_HOME)", value, lk, g, argument)
			return false
		case argument == ".." || strings.HasPrefix(argument, "../"):
			v.warningf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" contains a path \"%s\" that depends on the value of $XDG_CONFIG_HOME (\"..\" should be avoided)", value, lk, g, argument)
		}
		return true
	case strings.HasPrefix(condition, "X-"):
		if hasArg && argument == "" {
			v.warningf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" has trailing space(s)", value, lk, g)
		}
		return true
	}
	for _, rc := range autostartConditions {
		if rc.name != condition {
			continue
		}
		if len(rc.firstArgs) > 0 {
			found := false
			for _, first := range rc.firstArgs {
				if hasArg && strings.HasPrefix(argument, first) {
					if rest := argument[len(first):]; rest == "" || rest[0] == ' ' {
						argument = skipSpaces(rest)
					}
					found = true
					break
				}
			}
			if !found {
				v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" does not contain a valid first argument for condition \"%s\"; valid first arguments are: %s", value, lk, g, condition, strings.Join(rc.firstArgs, ", or "))
				return false
			}
		}
		if rc.args == 1 {
			if argument == "" {
				v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" is missing a last argument for condition \"%s\"", value, lk, g, condition)
				return false
			}
			return true
		}
		diff := -rc.args
		for rest := argument; rest != ""; {
			diff++
			_, after, found := strings.Cut(rest, " ")
			if !found {
				break
			}
			rest = skipSpaces(after)
		}
		if diff != 0 {
			more, n := "too many", diff
			if diff < 0 {
				more, n = "too few", -diff
			}
			v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" has %d %s arguments for condition \"%s\"", value, lk, g, n, more, condition)
			return false
		}
		return true
	}
	ok := true
	if !contains(v.profile.showInValues(), condition) {
		v.errorf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" contains an unregistered value \"%s\" for the condition; values extending the format should start with \"X-\"", value, lk, g, condition)
		ok = false
	}
	if hasArg && argument == "" {
		v.warningf("autostart", "value \"%s\" for key \"%s\" in group \"%s\" has trailing space(s)", value, lk, g)
	}
	return ok
}
