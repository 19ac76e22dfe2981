package desktop

import "fmt"

// Severity classifies a message the way desktop-file-validate does.
type Severity int

const (
	// Error makes the file invalid (desktop-file-validate exits 1).
	Error Severity = iota
	// FutureError is printed as an error "that will be fatal in the
	// future" but does not make the file invalid.
	FutureError
	// Warning does not make the file invalid.
	Warning
	// Hint is a suggestion.
	Hint
)

// String returns the label desktop-file-validate prints.
func (s Severity) String() string {
	switch s {
	case Error, FutureError:
		return "error"
	case Warning:
		return "warning"
	}
	return "hint"
}

// Message is one problem found in a desktop entry file.
type Message struct {
	Severity Severity
	// Rule is a stable identifier of the check, such as "exec-reserved".
	Rule string
	// Group and Key locate the problem when it concerns one key.
	Group, Key string
	// Text is the explanation, in desktop-file-validate's words.
	Text string
}

// Format returns the message as desktop-file-validate prints it for file,
// without the final newline.
func (m Message) Format(file string) string {
	if m.Severity == FutureError {
		return fmt.Sprintf("%s: error: (will be fatal in the future): %s", file, m.Text)
	}
	return fmt.Sprintf("%s: %s: %s", file, m.Severity, m.Text)
}

// Valid reports whether msgs contain no Error, that is whether
// desktop-file-validate would exit with status 0.
func Valid(msgs []Message) bool {
	for _, m := range msgs {
		if m.Severity == Error {
			return false
		}
	}
	return true
}
