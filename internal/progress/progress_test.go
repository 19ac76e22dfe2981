package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func fakeClock() func() time.Time {
	t := time.Unix(0, 0)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	b := newBar(&buf, "packing", 100, false, fakeClock())
	for range 100 {
		b.Add(1)
	}
	b.Done()
	b.Done() // a second Done prints nothing
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 11 {
		t.Fatalf("got %d lines, want 11 (0%%..90%% steps and the final line):\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[1], "packing: 10% ") || !strings.HasPrefix(lines[10], "packing: 100% 100 B in ") {
		t.Errorf("unexpected lines:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("plain output must not contain carriage returns")
	}
}

func TestTerminalBar(t *testing.T) {
	var buf bytes.Buffer
	b := newBar(&buf, "packing", 4, true, fakeClock())
	b.Add(2)
	b.Done()
	out := buf.String()
	if !strings.Contains(out, "\rpacking [===============               ]  50%") {
		t.Errorf("missing half bar in %q", out)
	}
	if !strings.HasSuffix(out, "\n") || !strings.Contains(out, " 100% ") {
		t.Errorf("final bar not drawn: %q", out)
	}
}

func TestNilBar(t *testing.T) {
	var b *Bar
	b.Add(1)
	b.SetTotal(3)
	b.Done()
}

func TestSize(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536 << 10, "1.5 MiB"}, {3 << 30, "3.0 GiB"}} {
		if got := Size(c.n); got != c.want {
			t.Errorf("Size(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
