package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goappimage/goappimage/appimage"
	"github.com/goappimage/goappimage/elf"
	"github.com/goappimage/goappimage/squashfs"
)

// Build turns the AppDir at dir into an AppImage: walk and validate,
// pack the squashfs image behind the runtime, fill .upd_info and
// .digest_md5, sign, then write the .zsync file. The AppDir is only read.
// The AppImage is written to a temporary file next to the output and
// renamed into place at the end, so that an error, or ctx being cancelled,
// leaves no output file behind. A bad AppDir gives a *ValidationError
// listing every problem.
func Build(ctx context.Context, dir string, opts Options) (*Result, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	tree, err := Walk(ctx, dir, opts.Exclude)
	if err != nil {
		return nil, err
	}
	info, problems := inspect(tree, opts.Arch, opts.Strict)
	warnings := append(append([]string(nil), tree.Warnings...), info.warnings...)
	for _, w := range warnings {
		fmt.Fprintln(logw, "warning:", w)
	}
	runtime, rt, err := loadRuntime(opts.RuntimeFile, info.arch)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return nil, &ValidationError{AppDir: dir, Problems: problems}
	}
	if opts.Verbose {
		for _, f := range tree.Followed {
			fmt.Fprintf(logw, "following %s -> %s (it leaves the AppDir)\n", f.Path, f.Target)
		}
	}

	name := info.name
	if opts.Name != "" {
		name = opts.Name
	}
	version := info.version
	if opts.Version != "" {
		version = opts.Version
		if err := tree.SetVersion(info.desktopPath, version); err != nil {
			return nil, err
		}
	}
	if added, err := tree.SetDirIcon(info.icon); err != nil {
		return nil, err
	} else if added && opts.Verbose {
		fmt.Fprintf(logw, "adding .DirIcon -> %s to the image\n", info.icon)
	}

	compName := opts.Compression
	if compName == "" {
		compName = "zstd"
	}
	comp, err := squashfs.ParseCompression(compName)
	if err != nil {
		return nil, err
	}
	if !rt.Reads(comp) {
		return nil, fmt.Errorf("the %s runtime cannot read %s images; use --comp zstd or gzip", rt.Kind, comp)
	}

	updateInfo := opts.UpdateInfo
	if updateInfo == "" && opts.Guess {
		var note string
		updateInfo, note = appimage.GuessUpdateInfo(os.Getenv, strings.ReplaceAll(name, " ", "_"), info.arch)
		if note != "" {
			fmt.Fprintln(logw, note)
		}
	}
	if updateInfo != "" {
		if _, err := appimage.ParseUpdateInfo(updateInfo); err != nil {
			return nil, err
		}
		if int64(len(updateInfo)) > rt.UpdateInfo.Size {
			return nil, fmt.Errorf("update information is %d bytes; the runtime has room for %d", len(updateInfo), rt.UpdateInfo.Size)
		}
	}

	var key signer
	if opts.SignKey != "" {
		if key, err = readKey(opts.SignKey, opts.SignPassphrase); err != nil {
			return nil, err
		}
	}

	out := opts.Output
	if out == "" {
		out = filepath.Join(opts.OutputDir, OutputName(name, version, info.arch))
	}
	mtime := opts.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	sq := squashfs.WriterOptions{
		Compression: comp,
		Level:       opts.Level,
		BlockSize:   opts.BlockSize,
		Workers:     opts.Workers,
		NoFragments: opts.NoFragments,
		ModTime:     opts.ModTime,
		Progress:    opts.Progress,
	}
	size, sum, err := assemble(ctx, out, runtime, &rt.Layout, updateInfo, key, mtime, func(w io.WriterAt) (int64, error) {
		sw, err := squashfs.NewWriter(w, sq)
		if err != nil {
			return 0, err
		}
		if err := Pack(ctx, sw, tree, mtime); err != nil {
			sw.Close()
			return 0, err
		}
		if err := sw.Close(); err != nil {
			return 0, err
		}
		return sw.Size(), nil
	})
	if err != nil {
		return nil, err
	}

	res := &Result{
		Output:      out,
		Size:        size,
		SHA256:      sum,
		Name:        name,
		Version:     version,
		Arch:        info.arch,
		Compression: comp.String(),
		BlockSize:   sq.BlockSize,
		Runtime:     rt.Kind,
		Offset:      int64(len(runtime)),
		Entries:     len(tree.Nodes),
		DataBytes:   tree.Size(),
		UpdateInfo:  updateInfo,
		Signed:      key != nil,
		Followed:    tree.Followed,
		Warnings:    warnings,
	}
	if res.BlockSize == 0 {
		res.BlockSize = squashfs.DefaultBlockSize
	}
	if updateInfo != "" {
		url := opts.FileURL
		if url == "" {
			url = filepath.Base(out)
		}
		if res.Zsync, err = writeZsync(out, url, opts.ModTime); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// loadRuntime returns the runtime for arch: the file given, or the
// embedded one, checked.
func loadRuntime(file, arch string) ([]byte, *appimage.Runtime, error) {
	var b []byte
	var err error
	if file != "" {
		if b, err = os.ReadFile(file); err != nil {
			return nil, nil, fmt.Errorf("runtime file: %w", err)
		}
	} else {
		if b, err = embeddedRuntime(arch); err != nil {
			return nil, nil, err
		}
	}
	rt, err := appimage.CheckRuntime(b)
	if err != nil {
		if file != "" {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		return nil, nil, err
	}
	if arch != "" && rt.Arch != arch {
		return nil, nil, fmt.Errorf("the runtime is for %s but the AppDir is %s; give a runtime for %s or set --arch", rt.Arch, arch, arch)
	}
	return b, rt, nil
}

// assemble writes the AppImage at out: the runtime, then the squashfs image
// written by pack at the runtime's end, then the sections. It works on a
// temporary file in out's directory, renamed into place with mode 0755 once
// complete, and removed on any error. It returns the size and SHA-256.
func assemble(ctx context.Context, out string, runtime []byte, l *appimage.Layout, updateInfo string, key signer, mtime time.Time, pack func(io.WriterAt) (int64, error)) (size int64, sum string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp*")
	if err != nil {
		return 0, "", fmt.Errorf("creating the output: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.WriteAt(runtime, 0); err != nil {
		return 0, "", fmt.Errorf("writing the runtime: %w", err)
	}
	fsSize, err := pack(io.NewOffsetWriter(tmp, int64(len(runtime))))
	if err != nil {
		return 0, "", fmt.Errorf("packing: %w", err)
	}
	size = int64(len(runtime)) + fsSize
	if err := tmp.Truncate(size); err != nil {
		return 0, "", fmt.Errorf("writing the output: %w", err)
	}
	if updateInfo != "" {
		if err := elf.WriteSection(tmp, l.UpdateInfo, []byte(updateInfo)); err != nil {
			return 0, "", err
		}
	}
	digest, err := appimage.Digest(tmp, size, l)
	if err != nil {
		return 0, "", fmt.Errorf("digest: %w", err)
	}
	if err := elf.WriteSection(tmp, l.Digest, digest[:]); err != nil {
		return 0, "", err
	}
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	if key != nil {
		if err := tmp.Sync(); err != nil {
			return 0, "", err
		}
		if err := key.sign(tmp.Name(), mtime); err != nil {
			return 0, "", fmt.Errorf("signing: %w", err)
		}
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(tmp, 0, size)); err != nil {
		return 0, "", fmt.Errorf("reading back the output: %w", err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		return 0, "", err
	}
	if err := tmp.Sync(); err != nil {
		return 0, "", fmt.Errorf("writing the output: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, "", fmt.Errorf("writing the output: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, "", fmt.Errorf("moving the output into place: %w", err)
	}
	done = true
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// writeZsync writes out.zsync next to out, through a temporary file.
func writeZsync(out, url string, mtime time.Time) (string, error) {
	f, err := os.Open(out)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := appimage.WriteZsync(&b, f, fi.Size(), appimage.ZsyncOptions{Filename: filepath.Base(out), URL: url, MTime: mtime}); err != nil {
		return "", err
	}
	name := out + ".zsync"
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return "", errors.Join(fmt.Errorf("writing %s", name), err)
	}
	return name, nil
}
