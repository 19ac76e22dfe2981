package appdir

import "strings"

// execArgs splits an Exec value into arguments as the Desktop Entry
// Specification reads it: blanks separate arguments outside double quotes.
// quoted[i] tells whether argument i was quoted.
func execArgs(v string) (args []string, quoted []bool) {
	var cur strings.Builder
	inQuote, wasQuoted, have := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			wasQuoted, have = true, true
		case c == '\\' && inQuote && i+1 < len(v):
			i++
			cur.WriteByte(v[i])
		case c == ' ' && !inQuote:
			if have {
				args, quoted = append(args, cur.String()), append(quoted, wasQuoted)
				cur.Reset()
				wasQuoted, have = false, false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args, quoted = append(args, cur.String()), append(quoted, wasQuoted)
	}
	return args, quoted
}

// execSpecProblems returns what the specification forbids in an Exec value
// although desktop-file-validate does not check it.
func execSpecProblems(v string) []string {
	args, quoted := execArgs(v)
	if len(args) == 0 {
		return []string{"Exec is empty"}
	}
	var out []string
	if strings.Contains(args[0], "=") {
		out = append(out, "the program name contains \"=\"")
	}
	for i, a := range args {
		codes := fieldCodes(a)
		if len(codes) == 0 {
			continue
		}
		if quoted[i] {
			out = append(out, "field code "+codes[0]+" inside quotes is not expanded")
			continue
		}
		for _, code := range codes {
			if (code == "%F" || code == "%U" || code == "%i") && a != code {
				out = append(out, "field code "+code+" must be an argument on its own")
			}
		}
	}
	return out
}

// fieldCodes lists the field codes of one argument (%% is not one).
func fieldCodes(a string) []string {
	var codes []string
	for i := 0; i+1 < len(a); i++ {
		if a[i] != '%' {
			continue
		}
		if a[i+1] != '%' {
			codes = append(codes, a[i:i+2])
		}
		i++
	}
	return codes
}
