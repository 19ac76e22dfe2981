package launch

import "strings"

// commandPrefix starts every option the runtime reserves for itself.
const commandPrefix = "--appimage"

// findCommand returns the runtime command among args (argv without argv[0])
// and the arguments after it, the way type2-runtime does: only the first
// argument that starts with "--" is considered, so an application option such
// as "--foo" before a later "--appimage-extract" hides it. ok is false when
// the program should simply run the application.
func findCommand(args []string) (name string, rest []string, ok bool) {
	for i, a := range args {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		if !strings.HasPrefix(a, commandPrefix) {
			return "", nil, false
		}
		return strings.TrimPrefix(a, "--"), args[i+1:], true
	}
	return "", nil, false
}

// withoutExtractAndRun returns args without any "--appimage-extract-and-run",
// as the application must not see it.
func withoutExtractAndRun(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if a != "--appimage-extract-and-run" {
			out = append(out, a)
		}
	}
	return out
}
