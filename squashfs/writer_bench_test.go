package squashfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
)

// writerCorpusVersion names the cached corpus; change it when the
// generator changes.
const writerCorpusVersion = "writer-corpus-v2"

// writerCorpus returns a deterministic generated tree of about 110 MB,
// cached outside the repository: binaries-like files (instruction-like
// byte patterns, string tables, pointer tables), text-like files, 5000
// small files, duplicates of all three kinds and a file with long zero runs.
func writerCorpus(b *testing.B) string {
	b.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "goappimage-bench", writerCorpusVersion)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return filepath.Join(dir, "tree")
	}
	os.RemoveAll(dir)
	tree := filepath.Join(dir, "tree")
	g := &corpusGen{rng: rand.New(rand.NewPCG(2026, 11)), root: tree}
	g.words()
	for i, mb := range []int{24, 16, 8, 8, 4} {
		g.write(fmt.Sprintf("usr/bin/tool%d", i), g.binary(mb<<20))
	}
	for i := 0; i < 30; i++ {
		g.write(fmt.Sprintf("usr/share/doc/text%02d.txt", i), g.text(200<<10+g.rng.IntN(1500<<10)))
	}
	for i := 0; i < 5000; i++ {
		var data []byte
		if size := 50 + g.rng.IntN(8000); i%3 == 0 {
			data = g.binary(size)
		} else {
			data = g.text(size)
		}
		g.write(fmt.Sprintf("usr/share/app/res%02d/item%04d", i%50, i), data)
	}
	// Duplicates: a binary, some texts and 500 small files, under other names.
	g.copy("usr/bin/tool3", "opt/bundle/bin/tool3-copy")
	for i := 0; i < 5; i++ {
		g.copy(fmt.Sprintf("usr/share/doc/text%02d.txt", i), fmt.Sprintf("opt/bundle/doc/copy%02d.txt", i))
	}
	for i := 0; i < 500; i++ {
		g.copy(fmt.Sprintf("usr/share/app/res%02d/item%04d", i%50, i), fmt.Sprintf("opt/bundle/res/item%04d", i))
	}
	zeros := make([]byte, 16<<20)
	copy(zeros[5<<20:], g.binary(1<<20))
	g.write("var/lib/image.img", zeros)
	if g.err == nil {
		// Fixed times, so that both tools see the same tree whenever it
		// was generated.
		g.err = filepath.Walk(tree, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			t := time.Unix(1700000000, 0)
			return os.Chtimes(p, t, t)
		})
	}
	if g.err == nil {
		g.err = os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644)
	}
	if g.err != nil {
		b.Fatalf("generating the benchmark corpus: %v", g.err)
	}
	return tree
}

type corpusGen struct {
	rng   *rand.Rand
	root  string
	vocab []string
	err   error
}

func (g *corpusGen) words() {
	syl := []string{"ka", "lo", "mi", "ne", "ru", "ta", "si", "po", "de", "gu", "an", "el", "or", "ix", "um", "ba", "ze", "fy", "qu", "th"}
	for i := 0; i < 3000; i++ {
		var w strings.Builder
		for n := 1 + g.rng.IntN(4); n > 0; n-- {
			w.WriteString(syl[g.rng.IntN(len(syl))])
		}
		g.vocab = append(g.vocab, w.String())
	}
}

// word picks a word with a skewed (roughly Zipf) distribution.
func (g *corpusGen) word() string {
	r := g.rng.Float64()
	return g.vocab[int(r*r*r*float64(len(g.vocab)))]
}

func (g *corpusGen) text(size int) []byte {
	var buf bytes.Buffer
	for buf.Len() < size {
		buf.WriteString(strings.Repeat("\t", g.rng.IntN(4)))
		for n := 4 + g.rng.IntN(12); n > 0; n-- {
			buf.WriteString(g.word())
			if g.rng.IntN(8) == 0 {
				fmt.Fprintf(&buf, "(%d)", g.rng.IntN(1000))
			}
			buf.WriteByte(' ')
		}
		buf.WriteString(";\n")
	}
	return buf.Bytes()[:size]
}

// binary makes machine-code-like bytes: basic blocks drawn (skewed) from
// a set of templates, calls with position-relative 32-bit offsets to a set
// of functions, string tables, pointer tables and alignment padding, in
// proportions like those of an executable.
func (g *corpusGen) binary(size int) []byte {
	blocks := make([][]byte, 800)
	for i := range blocks {
		blocks[i] = make([]byte, 8+g.rng.IntN(40))
		for j := range blocks[i] {
			blocks[i][j] = byte(g.rng.Uint32())
		}
	}
	out := make([]byte, 0, size+8192)
	le := binary.LittleEndian
	skew := func(n int) int { r := g.rng.Float64(); return int(r * r * r * float64(n)) }
	for len(out) < size {
		switch k := g.rng.IntN(20); {
		case k < 13: // a function: basic blocks and calls, then padding
			for n := 4 + g.rng.IntN(40); n > 0; n-- {
				out = append(out, blocks[skew(len(blocks))]...)
				if g.rng.IntN(3) == 0 {
					target := skew(4096) * 256
					out = append(out, 0xe8)
					out = le.AppendUint32(out, uint32(target-len(out)))
				}
			}
			for len(out)%16 != 0 {
				out = append(out, 0xcc)
			}
		case k < 18: // strings
			for n := 0; n < 50; n++ {
				out = append(out, g.word()...)
				out = append(out, '.')
				out = append(out, g.word()...)
				out = append(out, 0)
			}
		default: // pointers and zero padding
			p := uint64(0x600000 + skew(1<<20)*8)
			for n := 0; n < 100; n++ {
				p += uint64(8 + 8*g.rng.IntN(4))
				out = le.AppendUint64(out, p)
			}
			out = append(out, make([]byte, g.rng.IntN(512))...)
		}
	}
	return out[:size]
}

func (g *corpusGen) write(rel string, data []byte) {
	if g.err != nil {
		return
	}
	p := filepath.Join(g.root, rel)
	if g.err = os.MkdirAll(filepath.Dir(p), 0o755); g.err == nil {
		g.err = os.WriteFile(p, data, 0o644)
	}
}

func (g *corpusGen) copy(from, to string) {
	if g.err != nil {
		return
	}
	data, err := os.ReadFile(filepath.Join(g.root, from))
	if err != nil {
		g.err = err
		return
	}
	g.write(to, data)
}

// writerBenchChildEnv, when set to "SRC|OUT|COMP", makes
// TestWriterBenchChild pack SRC into OUT: BenchmarkWriterVsMksquashfs runs
// it in a child process to measure its peak RSS like that of mksquashfs.
const writerBenchChildEnv = "GOAPPIMAGE_WRITER_BENCH_CHILD"

func TestWriterBenchChild(t *testing.T) {
	spec := os.Getenv(writerBenchChildEnv)
	if spec == "" {
		t.Skip("runs only as the child process of BenchmarkWriterVsMksquashfs")
	}
	parts := strings.Split(spec, "|")
	comp, err := ParseCompression(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewWriter(f, WriterOptions{Compression: comp})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddDir(parts[0]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// writerBenchResult is one measured run.
type writerBenchResult struct {
	wall, cpu time.Duration
	size      int64
	rssMB     float64
}

// writerMeasure runs args under GNU time and returns the wall time, CPU
// time and peak RSS of the command, and the size of the image at out.
// GNU time forks the command from a small process: the rusage of a child
// started directly from this (large) process would count this process's
// pages as the child's peak RSS.
func writerMeasure(b *testing.B, env []string, out string, args ...string) writerBenchResult {
	b.Helper()
	gnuTime := testutil.Tool(b, "time")
	os.Remove(out)
	stats := filepath.Join(b.TempDir(), "time")
	cmd := exec.Command(gnuTime, append([]string{"-f", "%e %U %S %M", "-o", stats}, args...)...)
	cmd.Env = env
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", cmd, err, o)
	}
	line, err := os.ReadFile(stats)
	if err != nil {
		b.Fatal(err)
	}
	var wall, user, sys float64
	var rssKB int64
	if _, err := fmt.Sscan(string(line), &wall, &user, &sys, &rssKB); err != nil {
		b.Fatalf("reading GNU time output %q: %v", line, err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	return writerBenchResult{
		wall:  time.Duration(wall * float64(time.Second)),
		cpu:   time.Duration((user + sys) * float64(time.Second)),
		size:  fi.Size(),
		rssMB: float64(rssKB) / 1024,
	}
}

// BenchmarkWriterVsMksquashfs packs the generated corpus with our writer
// (zstd level 15 and gzip level 9, the defaults, in a child process) and
// with mksquashfs -comp zstd|gzip -b 128K -root-owned -noappend, in the
// same run, and reports size, wall and CPU time and peak RSS of each.
func BenchmarkWriterVsMksquashfs(b *testing.B) {
	mk := testutil.Tool(b, "mksquashfs")
	src := writerCorpus(b)
	out := b.TempDir()
	// Warm the page cache so that neither tool pays for the first read.
	filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			os.ReadFile(p)
		}
		return nil
	})
	for _, comp := range []string{"zstd", "gzip"} {
		var ours, theirs writerBenchResult
		b.Run(comp+"/goappimage", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				img := filepath.Join(out, "ours.sqfs")
				env := append(os.Environ(), writerBenchChildEnv+"="+src+"|"+img+"|"+comp)
				ours = writerMeasure(b, env, img, os.Args[0], "-test.run=^TestWriterBenchChild$", "-test.count=1")
			}
			writerReport(b, ours)
		})
		b.Run(comp+"/mksquashfs", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				img := filepath.Join(out, "theirs.sqfs")
				theirs = writerMeasure(b, os.Environ(), img, mk, src, img, "-comp", comp, "-b", "128K", "-root-owned", "-noappend", "-no-progress", "-quiet")
			}
			writerReport(b, theirs)
		})
		if ours.size > 0 && theirs.size > 0 {
			fmt.Printf("writer vs mksquashfs, %s: goappimage %.2f s wall, %.2f s CPU, %d bytes, %.0f MB RSS; mksquashfs %.2f s wall, %.2f s CPU, %d bytes, %.0f MB RSS; wall-time ratio %.2f, CPU ratio %.2f, size ratio %.4f\n",
				comp, ours.wall.Seconds(), ours.cpu.Seconds(), ours.size, ours.rssMB,
				theirs.wall.Seconds(), theirs.cpu.Seconds(), theirs.size, theirs.rssMB,
				ours.wall.Seconds()/theirs.wall.Seconds(), ours.cpu.Seconds()/theirs.cpu.Seconds(), float64(ours.size)/float64(theirs.size))
		}
	}
}

func writerReport(b *testing.B, r writerBenchResult) {
	b.ReportMetric(float64(r.size), "image-bytes")
	b.ReportMetric(r.rssMB, "peak-RSS-MB")
	b.ReportMetric(r.cpu.Seconds(), "cpu-s")
}
