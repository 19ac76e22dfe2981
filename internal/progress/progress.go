// Package progress reports the progress of long tasks: a redrawn bar on a
// terminal, and plain lines (one every 10%) anywhere else, such as CI logs.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Bar reports progress towards a total. It is safe for concurrent use. A nil
// *Bar ignores every call, so callers need no checks when progress is off.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int64
	done     int64
	terminal bool
	start    time.Time
	lastDraw time.Time
	lastStep int64 // last 10% step printed in plain mode
	finished bool
	now      func() time.Time
}

// New returns a Bar that writes to w. The bar is drawn in place when w is a
// terminal and as plain lines otherwise.
func New(w io.Writer, label string, total int64) *Bar {
	return newBar(w, label, total, IsTerminal(w), time.Now)
}

func newBar(w io.Writer, label string, total int64, terminal bool, now func() time.Time) *Bar {
	return &Bar{w: w, label: label, total: total, terminal: terminal, start: now(), lastStep: -1, now: now}
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// SetTotal changes the total, for tasks whose size is learnt on the way.
func (b *Bar) SetTotal(total int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.total = total
	b.mu.Unlock()
}

// Add records n more units of work done.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.report(false)
}

// Done finishes the bar, printing its final state once.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	if b.total > 0 && b.done < b.total {
		b.done = b.total
	}
	b.report(true)
	b.finished = true
}

func (b *Bar) percent() int64 {
	if b.total <= 0 {
		return 0
	}
	p := b.done * 100 / b.total
	return min(p, 100)
}

func (b *Bar) report(final bool) {
	if b.finished {
		return
	}
	now := b.now()
	if b.terminal {
		if !final && now.Sub(b.lastDraw) < 100*time.Millisecond {
			return
		}
		b.lastDraw = now
		const width = 30
		p := b.percent()
		fill := int(p * width / 100)
		bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
		fmt.Fprintf(b.w, "\r%s [%s] %3d%% %s", b.label, bar, p, Size(b.done))
		if final {
			fmt.Fprintf(b.w, " in %s\n", now.Sub(b.start).Round(time.Millisecond))
		}
		return
	}
	step := b.percent() / 10
	if final {
		fmt.Fprintf(b.w, "%s: 100%% %s in %s\n", b.label, Size(b.done), now.Sub(b.start).Round(time.Millisecond))
		return
	}
	if step > b.lastStep && step < 10 {
		b.lastStep = step
		fmt.Fprintf(b.w, "%s: %d%% %s\n", b.label, step*10, Size(b.done))
	}
}

// Size formats a byte count with a binary unit ("1.5 MiB").
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
