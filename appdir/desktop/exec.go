package desktop

// checkExec checks quoting, escaping and field codes of an Exec value with
// desktop-file-validate's scanner: a reserved character outside double
// quotes, an unescaped ` or $ inside them, an unknown field code, more than
// one file field code, an unclosed quote or a trailing backslash.
func (v *validator) checkExec(lk, value string) bool {
	g := v.current
	ok := true
	var fileCode, inQuote, escaped, flag bool
	// invalidFlag reports a pending "%" followed by c; the scanner then
	// skips the rest of c's handling.
	invalidFlag := func(c byte) bool {
		if !flag {
			return false
		}
		v.errorf("exec-field-code", "value \"%s\" for key \"%s\" in group \"%s\" contains an invalid field code \"%%%c\"", value, lk, g, c)
		ok, flag = false, false
		return true
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch c {
		case '"':
			if invalidFlag(c) {
				break
			}
			if inQuote {
				if !escaped {
					inQuote = false
				}
			} else if !escaped {
				inQuote = true
			} else {
				v.errorf("exec-escaped-quote", "value \"%s\" for key \"%s\" in group \"%s\" contains an escaped double quote (\\\\\") outside of a quote, but the double quote is a reserved character", value, lk, g)
				ok = false
			}
			escaped = false
		case '`', '$':
			if invalidFlag(c) {
				break
			}
			if inQuote {
				if !escaped {
					v.errorf("exec-unescaped", "value \"%s\" for key \"%s\" in group \"%s\" contains a non-escaped character '%c' in a quote, but it should be escaped with two backslashes (\"\\\\%c\")", value, lk, g, c, c)
					ok = false
				} else {
					escaped = false
				}
			} else {
				v.errorf("exec-reserved", "value \"%s\" for key \"%s\" in group \"%s\" contains a reserved character '%c' outside of a quote", value, lk, g, c)
				ok = false
			}
		case '\\':
			if invalidFlag(c) {
				break
			}
			if i+1 == len(value) {
				v.errorf("exec-trailing-backslash", "value \"%s\" for key \"%s\" in group \"%s\" ends in an incomplete escape sequence", value, lk, g)
				ok = false
				break
			}
			i++
			if value[i] == '\\' && inQuote {
				escaped = !escaped
			}
		case ' ':
			// Spaces separate arguments; a pending "%" waits for the next
			// character.
		case '\t', '\n', '\'', '>', '<', '~', '|', '&', ';', '*', '?', '#', '(', ')':
			if invalidFlag(c) {
				break
			}
			if !inQuote {
				v.errorf("exec-reserved", "value \"%s\" for key \"%s\" in group \"%s\" contains a reserved character '%c' outside of a quote", value, lk, g, c)
				ok = false
			}
		case '%':
			flag = !flag
		case 'f', 'u', 'F', 'U':
			if flag {
				if fileCode {
					v.errorf("exec-file-codes", "value \"%s\" for key \"%s\" in group \"%s\" may contain at most one \"%%f\", \"%%u\", \"%%F\" or \"%%U\" field code", value, lk, g)
					ok = false
				}
				fileCode, flag = true, false
			}
		case 'i', 'c', 'k':
			flag = false
		case 'd', 'D', 'n', 'N', 'v', 'm':
			if flag {
				v.warningf("exec-deprecated-code", "value \"%s\" for key \"%s\" in group \"%s\" contains a deprecated field code \"%%%c\"", value, lk, g, c)
				flag = false
			}
		default:
			invalidFlag(c)
		}
	}
	if inQuote {
		v.errorf("exec-unclosed-quote", "value \"%s\" for key \"%s\" in group \"%s\" contains a quote which is not closed", value, lk, g)
		ok = false
	}
	if flag {
		v.errorf("exec-incomplete-code", "value \"%s\" for key \"%s\" in group \"%s\" contains a non-complete field code", value, lk, g)
		ok = false
	}
	return ok
}
