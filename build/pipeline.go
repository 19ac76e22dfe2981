package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/goappimage/goappimage/appimage"
	"github.com/goappimage/goappimage/runtime/binaries"
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
	// A walk error (a dangling link, a loop) is reported with every
	// validation problem.
	tree, walkErr := Walk(ctx, dir, opts.Exclude)
	if walkErr != nil {
		if ctx.Err() != nil {
			return nil, walkErr
		}
		tree = &Tree{}
	}
	info, problems, err := inspect(dir, opts)
	if err != nil {
		return nil, err
	}
	if walkErr != nil {
		problems = append([]string{walkErr.Error()}, problems...)
	}
	var runtime []byte
	var rt *appimage.Runtime
	if len(problems) == 0 {
		if runtime, rt, err = loadRuntime(opts.RuntimeFile, info.arch); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, &ValidationError{AppDir: dir, Problems: problems}
	}
	warnings := append(append([]string(nil), info.warnings...), tree.Warnings...)
	for _, w := range warnings {
		fmt.Fprintln(logw, "warning:", w)
	}
	if opts.Verbose {
		for _, n := range info.notes {
			fmt.Fprintln(logw, "note:", n)
		}
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

	updateInfo, err := resolveUpdateInfo(opts, name, info.arch, rt, logw)
	if err != nil {
		return nil, err
	}
	key, err := signingKey(opts)
	if err != nil {
		return nil, err
	}

	out := opts.Output
	if out == "" {
		out = filepath.Join(opts.OutputDir, OutputName(name, version, info.arch))
	}
	// An earlier build written into the AppDir is not packed again.
	for _, p := range []string{out, out + ".zsync"} {
		if rel, ok := insideTree(tree, p); ok && tree.Remove(rel) {
			fmt.Fprintf(logw, "note: leaving %s out of the image: it is the output\n", rel)
		}
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
	made, err := appimage.Create(out, appimage.Options{
		Runtime:    runtime,
		UpdateInfo: updateInfo,
		SignKey:    key,
		ZsyncURL:   opts.FileURL,
		Time:       mtime,
		Warn:       func(s string) { fmt.Fprintln(logw, "warning:", s) },
	}, func(w io.WriterAt) error {
		sw, err := squashfs.NewWriter(w, sq)
		if err != nil {
			return err
		}
		if err := Pack(ctx, sw, tree, mtime); err != nil {
			sw.Close()
			return err
		}
		return sw.Close()
	})
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(out)
	if err != nil {
		return nil, err
	}

	res := &Result{
		Output:      out,
		Size:        made.Size,
		SHA256:      sum,
		Name:        name,
		Version:     version,
		Arch:        info.arch,
		Compression: comp.String(),
		BlockSize:   sq.BlockSize,
		Runtime:     rt.Kind,
		Offset:      made.Offset,
		Entries:     len(tree.Nodes),
		DataBytes:   tree.Size(),
		UpdateInfo:  updateInfo,
		Signed:      made.Signed,
		Zsync:       made.ZsyncPath,
		Followed:    tree.Followed,
		Warnings:    warnings,
	}
	if res.BlockSize == 0 {
		res.BlockSize = squashfs.DefaultBlockSize
	}
	if opts.Verbose {
		rtName := rt.Version
		if rtName == "" {
			rtName = rt.Kind + " runtime"
		}
		fmt.Fprintf(logw, "%s: %s (%d bytes), then squashfs %s in %d KiB blocks, %d entries; %s\n",
			out, rtName, res.Offset, res.Compression, res.BlockSize>>10, res.Entries, sectionsNote(res))
	}
	return res, nil
}

// resolveUpdateInfo returns the update information to embed: the one
// given, or the one guessed from the CI environment, checked.
func resolveUpdateInfo(opts Options, name, arch string, rt *appimage.Runtime, logw io.Writer) (string, error) {
	ui := opts.UpdateInfo
	if ui == "" && opts.Guess {
		var note string
		ui, note = appimage.GuessUpdateInfo(os.Getenv, strings.ReplaceAll(name, " ", "_"), arch)
		if note != "" {
			fmt.Fprintln(logw, note)
		}
	}
	if ui == "" {
		return "", nil
	}
	if _, err := appimage.ParseUpdateInfo(ui); err != nil {
		return "", err
	}
	if int64(len(ui)) > rt.UpdateInfo.Size {
		return "", fmt.Errorf("update information is %d bytes; the runtime has room for %d", len(ui), rt.UpdateInfo.Size)
	}
	return ui, nil
}

// signingKey returns the key to sign with, or nil.
func signingKey(opts Options) (*openpgp.Entity, error) {
	switch {
	case opts.SignKeyData != nil:
		key, err := appimage.ReadSigningKey(bytes.NewReader(opts.SignKeyData), []byte(opts.SignPassphrase))
		if err != nil {
			return nil, fmt.Errorf("signing key: %w", err)
		}
		return key, nil
	case opts.SignKey != "":
		return readKey(opts.SignKey, opts.SignPassphrase)
	}
	return nil, nil
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
		if b, err = binaries.Get(arch); err != nil {
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

// sectionsNote says what the ELF sections hold.
func sectionsNote(r *Result) string {
	s := "digest in .digest_md5"
	if r.UpdateInfo != "" {
		s += ", update information in .upd_info"
	}
	if r.Signed {
		s += ", signature in .sha256_sig and key in .sig_key"
	}
	return s
}

// insideTree returns the image path of the file p when p lies inside the
// AppDir the tree was read from.
func insideTree(t *Tree, p string) (string, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(t.Root, filepath.Join(dir, filepath.Base(abs)))
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// fileSHA256 returns the hex SHA-256 of a file.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading back %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
