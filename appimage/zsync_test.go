package appimage

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/squashfs"
)

// TestZsyncMatchesZsyncmake compares our .zsync files with those of the
// real zsyncmake 0.6.2, byte for byte, for sizes around block boundaries and
// both block sizes.
func TestZsyncMatchesZsyncmake(t *testing.T) {
	zsyncmake := testutil.Tool(t, "zsyncmake")
	sizes := []int64{1, 2047, 2048, 2049, 100_000, 777_777}
	if !testing.Short() {
		sizes = append(sizes, 100_000_000+12345) // 4096-byte blocks, seq_matches 2
	}
	dir := t.TempDir()
	random := randomBytes(t, 777_777)
	for _, size := range sizes {
		path := filepath.Join(dir, "file-"+itoa(size)+".AppImage")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(random[:min(size, int64(len(random)))])
		if size > int64(len(random)) {
			f.Truncate(size) // the rest is zeros: a sparse file
		}
		f.Close()
		mtime := time.Date(2023, 6, 7, 8, 9, 10, 0, time.UTC)
		os.Chtimes(path, mtime, mtime)

		theirs := path + ".theirs.zsync"
		cmd := exec.Command(zsyncmake, "-u", "https://example.com/dl/x.AppImage", "-o", theirs, path)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("zsyncmake: %v\n%s", err, msg)
		}
		want, _ := os.ReadFile(theirs)
		var got bytes.Buffer
		in, _ := os.Open(path)
		err = WriteZsync(&got, in, size, ZsyncOptions{Filename: filepath.Base(path), URL: "https://example.com/dl/x.AppImage", MTime: mtime})
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			gh, _, _ := bytes.Cut(got.Bytes(), []byte("\n\n"))
			wh, _, _ := bytes.Cut(want, []byte("\n\n"))
			t.Errorf("size %d: our .zsync differs from zsyncmake's (%d vs %d bytes)\nours:\n%s\ntheirs:\n%s", size, got.Len(), len(want), gh, wh)
		}
	}
}

// TestZsyncClientUpdates runs Debian's zsync client: it must rebuild the new
// AppImage byte for byte from the old one plus the .zsync file, fetching
// only part of the new file over HTTP.
func TestZsyncClientUpdates(t *testing.T) {
	zsync := testutil.Tool(t, "zsync")
	rt := testRuntime(t, "amd64")
	shared := randomBytes(t, 2<<20)
	serve := t.TempDir()
	oldPath := filepath.Join(t.TempDir(), "App-x86_64.AppImage")
	newPath := filepath.Join(serve, "App-x86_64.AppImage")
	ui := "zsync|http://127.0.0.1/App-x86_64.AppImage.zsync" // the test server's address is not known yet; only the .zsync is used
	opts := squashfs.WriterOptions{Compression: squashfs.GZIP, BlockSize: 16 << 10}
	if _, err := Create(oldPath, Options{Runtime: rt, UpdateInfo: ui}, writeDir(makeAppDir(t, "version 1", shared), opts)); err != nil {
		t.Fatal(err)
	}
	newer := bytes.Clone(shared)
	copy(newer[1<<20:], randomBytes(t, 40<<10)) // 40 KiB of 2 MiB change
	if _, err := Create(newPath, Options{Runtime: rt, UpdateInfo: ui, SignKey: testKey(t)}, writeDir(makeAppDir(t, "version 2", newer), opts)); err != nil {
		t.Fatal(err)
	}

	var served atomic.Int64
	srv := httptest.NewServer(rangeServer(t, serve, &served))
	defer srv.Close()

	work := t.TempDir()
	out := filepath.Join(work, "updated.AppImage")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, zsync, "-q", "-i", oldPath, "-o", out, srv.URL+"/App-x86_64.AppImage.zsync")
	cmd.Dir = work
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zsync: %v\n%s", err, msg)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(newPath)
	if !bytes.Equal(got, want) {
		t.Fatalf("zsync rebuilt %d bytes that differ from the new AppImage (%d bytes)", len(got), len(want))
	}
	zs, _ := os.Stat(newPath + ".zsync")
	t.Logf("new AppImage %d bytes; HTTP served %d bytes (.zsync %d bytes)", len(want), served.Load(), zs.Size())
	if served.Load() > int64(len(want))/2 {
		t.Errorf("zsync fetched %d of %d bytes: the old AppImage was not used", served.Load(), len(want))
	}
	if _, err := VerifyFile(out, nil); err != nil {
		t.Errorf("the updated AppImage's signature: %v", err)
	}
}

// rangeServer serves the files of dir with byte ranges the way Apache
// does, counting the bytes of the response bodies in n. net/http's
// FileServer cannot be used: its multipart/byteranges body starts with the
// boundary line, while zsync 0.6.2 (c/http.c) discards one line before each
// boundary, as Apache sends "\r\n--BOUNDARY", and loops forever otherwise.
func rangeServer(t *testing.T, dir string, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		size := int64(len(data))
		spec, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
		if !ok {
			n.Add(size)
			w.Write(data)
			return
		}
		type span struct{ from, to int64 }
		var spans []span
		for _, part := range strings.Split(spec, ",") {
			a, b, _ := strings.Cut(strings.TrimSpace(part), "-")
			from, err1 := strconv.ParseInt(a, 10, 64)
			to, err2 := strconv.ParseInt(b, 10, 64)
			to = min(to, size-1) // as RFC 9110 says and Apache does
			if err1 != nil || err2 != nil || from > to {
				t.Errorf("unexpected range %q of %q (size %d)", part, spec, size)
				http.Error(w, "bad range", http.StatusRequestedRangeNotSatisfiable)
				return
			}
			spans = append(spans, span{from, to})
		}
		var body bytes.Buffer
		if len(spans) == 1 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", spans[0].from, spans[0].to, size))
			body.Write(data[spans[0].from : spans[0].to+1])
		} else {
			const boundary = "3d6b6a416f9b5"
			w.Header().Set("Content-Type", "multipart/byteranges; boundary="+boundary)
			for _, s := range spans {
				fmt.Fprintf(&body, "\r\n--%s\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes %d-%d/%d\r\n\r\n", boundary, s.from, s.to, size)
				body.Write(data[s.from : s.to+1])
			}
			fmt.Fprintf(&body, "\r\n--%s--\r\n", boundary)
		}
		w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
		w.WriteHeader(http.StatusPartialContent)
		n.Add(int64(body.Len()))
		w.Write(body.Bytes())
	})
}

func TestZsyncHashLengths(t *testing.T) {
	// Values from Debian's zsyncmake 0.6.2 (Hash-Lengths of real runs).
	tests := []struct {
		size      int64
		blocksize int
		want      [3]int
	}{
		{1, 2048, [3]int{1, 2, 3}},
		{100_000, 2048, [3]int{2, 2, 4}},
		{777_777, 2048, [3]int{2, 2, 4}},
	}
	for _, tt := range tests {
		s, r, c := zsyncHashLengths(tt.size, tt.blocksize)
		if [3]int{s, r, c} != tt.want {
			t.Errorf("size %d: got %d,%d,%d, want %v", tt.size, s, r, c, tt.want)
		}
	}
	if err := WriteZsync(&bytes.Buffer{}, bytes.NewReader(nil), 0, ZsyncOptions{Filename: "a", URL: "a"}); err == nil {
		t.Error("empty file: got no error")
	}
	if err := WriteZsync(&bytes.Buffer{}, strings.NewReader("x"), 1, ZsyncOptions{Filename: "a\nb", URL: "a"}); err == nil {
		t.Error("newline in file name: got no error")
	}
}

func TestRefreshZsync(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.AppImage")
	os.WriteFile(path, randomBytes(t, 10000), 0o755)
	when := time.Date(2022, 3, 4, 5, 6, 7, 0, time.UTC)
	opts := ZsyncOptions{Filename: "A.AppImage", URL: "https://example.com/A.AppImage", MTime: when}
	if err := WriteZsyncFile(path+".zsync", path, opts); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, randomBytes(t, 12000), 0o755)
	if err := RefreshZsync(path+".zsync", path); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	f, _ := os.Open(path)
	defer f.Close()
	WriteZsync(&want, f, 12000, opts)
	if got, _ := os.ReadFile(path + ".zsync"); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("refreshed .zsync differs from a new one with the same header")
	}
}

func FuzzReadZsyncHeader(f *testing.F) {
	f.Add([]byte("zsync: 0.6.2\nFilename: a\nMTime: Thu, 29 Feb 2024 13:14:15 +0000\nBlocksize: 2048\nURL: a\nSHA-1: 00\n\nxx"))
	f.Add([]byte("zsync: 0.6.2\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		opts, err := ReadZsyncHeader(bytes.NewReader(b))
		if err != nil {
			return
		}
		if opts.Filename == "" || opts.URL == "" {
			t.Fatalf("accepted a header without Filename or URL: %+v", opts)
		}
	})
}
