package squashfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ExtractOptions controls Reader.Extract. The zero value extracts
// everything with GOMAXPROCS workers and refuses to replace existing files.
type ExtractOptions struct {
	// Patterns selects what to extract, matched against slash-separated
	// paths relative to the image root ("usr/bin/app") as the AppImage
	// runtime's --appimage-extract does: fnmatch with FNM_FILE_NAME and
	// FNM_LEADING_DIR, so "*" does not cross "/" and a pattern matching a
	// directory selects everything below it. The directories leading to
	// a selected path are created too. Empty selects everything.
	Patterns []string
	// Workers is the number of goroutines writing file contents; 0 means
	// GOMAXPROCS.
	Workers int
	// Overwrite replaces existing files, symlinks and special files. An
	// existing directory is always reused; a symlink is never followed.
	Overwrite bool
	// KeepOwners gives every object the uid and gid stored in the image
	// (which needs root). Otherwise the extracting user owns everything.
	KeepOwners bool
	// Xattrs restores the extended attributes of files and directories
	// ("trusted." and "security." ones need root; symlinks keep none).
	Xattrs bool
	// Progress, if set, is called with the number of content bytes each
	// time some are written, from several goroutines at once.
	Progress func(n int64)
}

// extractQueue is how many batches of jobs the walker may queue ahead of
// the workers. Queued small files hold no descriptor until a worker takes
// them, only their directory's.
const extractQueue = 64

// extractBatch is the largest number of small files in one batch. Files
// whose tails share a fragment block go to the same batch, so that one
// worker decompresses that block while the others work on other blocks.
const extractBatch = 16

// extractChunkBlocks is how many data blocks of one file a worker writes
// per job, so that large files are written by several workers.
const extractChunkBlocks = 32

// Extract writes the image's tree (or the parts Patterns select) into the
// directory dir, creating it (and its parents) if needed. Modes, mtimes,
// symlinks, hard links and sparse holes are kept; devices are created only
// when running as root (and skipped otherwise); owners with KeepOwners and
// extended attributes with Xattrs. The top directory gets the mode and
// mtime of the image root only when Extract creates it.
//
// Nothing is ever written outside dir: every object is created relative to
// its parent directory's descriptor without following symlinks, names that
// are not single path elements are refused, and an existing symlink where
// a directory is needed is an error.
func (r *Reader) Extract(ctx context.Context, dir string, opts ExtractOptions) error {
	m, err := newExtractMatcher(opts.Patterns)
	if err != nil {
		return err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	created := false
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("squashfs: creating %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err == nil {
		created = true
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("squashfs: creating %s: %w", dir, err)
	}
	rootFd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("squashfs: opening %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		unix.Close(rootFd)
		return fmt.Errorf("squashfs: opening %s: %w", dir, err)
	}
	defer root.Close()

	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	x := &extractor{
		r: r, opts: opts, match: m, dest: dir, root: root, ctx: ctx, cancel: cancel,
		jobs: make(chan []extractJob, extractQueue), links: map[uint64]string{},
		isRoot: os.Geteuid() == 0, umask: readUmask(),
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.work()
		}()
	}
	// The top directory gets the root's metadata only when Extract made it.
	top := &extractDir{fd: rootFd, ino: r.root, path: ".", made: true, setMeta: created}
	top.refs.Store(1)
	walkErr := x.walkDir(top, map[uint64]bool{listingKey(r.root): true}, 0)
	if walkErr == nil {
		walkErr = x.flush()
	} else {
		x.drop(x.batch)
	}
	x.release(top)
	close(x.jobs)
	wg.Wait()
	if walkErr != nil {
		x.fail(walkErr)
	}
	if err := x.err(); err != nil {
		return err
	}
	return parent.Err()
}

// extractor holds the state of one Extract call.
type extractor struct {
	r      *Reader
	opts   ExtractOptions
	match  *extractMatcher
	dest   string
	root   *os.Root
	ctx    context.Context
	cancel context.CancelCauseFunc
	jobs   chan []extractJob // each batch is done in order by one worker
	batch  []extractJob      // small files not queued yet
	links  map[uint64]string // inode ref -> path of its first extracted name
	isRoot bool
	umask  int // -1 when unknown

	errMu    sync.Mutex
	firstErr error
}

func (x *extractor) fail(err error) {
	x.errMu.Lock()
	if x.firstErr == nil {
		x.firstErr = err
	}
	x.errMu.Unlock()
	x.cancel(err)
}

func (x *extractor) err() error {
	x.errMu.Lock()
	defer x.errMu.Unlock()
	return x.firstErr
}

// extractDir is a directory on the way down; fd is -1 until it is made.
// Its metadata is set and its descriptor closed when the last reference
// goes: the walker's, and one per file a worker has still to create in it.
type extractDir struct {
	parent  *extractDir
	name    string
	path    string // relative to the destination
	ino     *Inode
	fd      int
	made    bool
	setMeta bool
	refs    atomic.Int32
}

// extractFile is a regular file being written by the workers. A worker
// creates it in dir when f is nil (small files); the walker creates large
// ones and the first names of hard links before queueing their jobs.
type extractFile struct {
	f       *os.File
	dir     *extractDir
	name    string
	ino     *Inode
	path    string
	modeSet bool         // created with its final mode
	pending atomic.Int32 // jobs not done yet
}

// extractJob writes blocks [from, to) of a file, and its tail when to is
// past the last full block.
type extractJob struct {
	file     *extractFile
	from, to int64
}

// errEscape reports an object the image asks to create through a symlink.
var errEscape = errors.New("refusing to extract through a symbolic link")

// ensure creates d and the directories above it that are not made yet.
func (x *extractor) ensure(d *extractDir) error {
	if d.made {
		return nil
	}
	if err := x.ensure(d.parent); err != nil {
		return err
	}
	pfd := d.parent.fd
	err := unix.Mkdirat(pfd, d.name, 0o700)
	if err != nil && err != unix.EEXIST {
		return fmt.Errorf("creating directory %s: %w", d.path, err)
	}
	if err == unix.EEXIST {
		var st unix.Stat_t
		if err := unix.Fstatat(pfd, d.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("checking %s: %w", d.path, err)
		}
		switch {
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			return fmt.Errorf("%s: %w", d.path, errEscape)
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			if !x.opts.Overwrite {
				return fmt.Errorf("creating directory %s: a file of that name exists", d.path)
			}
			if err := unix.Unlinkat(pfd, d.name, 0); err != nil {
				return fmt.Errorf("replacing %s: %w", d.path, err)
			}
			if err := unix.Mkdirat(pfd, d.name, 0o700); err != nil {
				return fmt.Errorf("creating directory %s: %w", d.path, err)
			}
		}
	}
	fd, err := unix.Openat(pfd, d.name, unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if err == unix.ELOOP || err == unix.ENOTDIR {
			return fmt.Errorf("%s: %w", d.path, errEscape)
		}
		return fmt.Errorf("opening directory %s: %w", d.path, err)
	}
	d.fd, d.made = fd, true
	return nil
}

// walkDir creates what d holds, depth first; onPath holds the listings of
// d and its ancestors.
func (x *extractor) walkDir(d *extractDir, onPath map[uint64]bool, depth int) error {
	if depth > maxPathDepth {
		return fmt.Errorf("squashfs: %s: directories nested deeper than %d", d.path, maxPathDepth)
	}
	entries, err := x.r.readDir(d.ino)
	if err != nil {
		return fmt.Errorf("squashfs: reading directory %s: %w", d.path, err)
	}
	for _, e := range entries {
		if err := x.ctx.Err(); err != nil {
			return context.Cause(x.ctx)
		}
		if err := checkName(e.name); err != nil {
			return fmt.Errorf("squashfs: in %s: %w", d.path, err)
		}
		p := e.name
		if d.path != "." {
			p = d.path + "/" + e.name
		}
		ino, err := x.r.inode(e.ref)
		if err != nil {
			return fmt.Errorf("squashfs: %s: %w", p, err)
		}
		if ino.Mode.IsDir() {
			key := listingKey(ino)
			if ino.dirLen > 0 && onPath[key] {
				return fmt.Errorf("squashfs: %s: directory cycle", p)
			}
			sub := &extractDir{parent: d, name: e.name, path: p, ino: ino, fd: -1, setMeta: true}
			sub.refs.Store(1)
			selected := x.match.match(p)
			if selected {
				if err := x.ensure(sub); err != nil {
					return fmt.Errorf("squashfs: %w", err)
				}
			}
			onPath[key] = true
			err := x.walkDir(sub, onPath, depth+1)
			delete(onPath, key)
			x.release(sub)
			if err != nil {
				return err
			}
			continue
		}
		if !x.match.match(p) {
			continue
		}
		if err := x.ensure(d); err != nil {
			return fmt.Errorf("squashfs: %w", err)
		}
		if err := x.create(d, e.name, p, e.ref, ino); err != nil {
			return fmt.Errorf("squashfs: %w", err)
		}
	}
	return nil
}

// release drops a reference to d. The last one gives a made directory its
// mode, owner and mtime (everything in it exists by then) and closes it.
func (x *extractor) release(d *extractDir) {
	if d.refs.Add(-1) != 0 || !d.made {
		return
	}
	if d.setMeta && x.ctx.Err() == nil {
		if err := x.setMeta(d.fd, d.path, d.ino, false); err != nil {
			x.fail(err)
		}
	}
	unix.Close(d.fd)
}

// setMeta sets owner, mode and mtime of an open file or directory.
// modeSet says that the file was created with its final mode.
func (x *extractor) setMeta(fd int, p string, ino *Inode, modeSet bool) error {
	if x.opts.KeepOwners {
		if err := unix.Fchown(fd, int(ino.UID), int(ino.GID)); err != nil {
			return fmt.Errorf("squashfs: chown %s: %w", p, err)
		}
	}
	if !modeSet {
		if err := unix.Fchmod(fd, unixMode(ino.Mode)); err != nil {
			return fmt.Errorf("squashfs: chmod %s: %w", p, err)
		}
	}
	if x.opts.Xattrs {
		for _, name := range slices.Sorted(maps.Keys(ino.Xattrs)) {
			if err := unix.Fsetxattr(fd, name, ino.Xattrs[name], 0); err != nil {
				return fmt.Errorf("squashfs: setting xattr %s of %s: %w", name, p, err)
			}
		}
	}
	tv := []unix.Timeval{unix.NsecToTimeval(ino.ModTime.UnixNano()), unix.NsecToTimeval(ino.ModTime.UnixNano())}
	if err := unix.Futimes(fd, tv); err != nil {
		return fmt.Errorf("squashfs: setting the mtime of %s: %w", p, err)
	}
	return nil
}

// unixMode returns the permission bits of m in their Unix form.
func unixMode(m fs.FileMode) uint32 {
	v := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= unix.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		v |= unix.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		v |= unix.S_ISVTX
	}
	return v
}

// create makes the non-directory object name in d.
func (x *extractor) create(d *extractDir, name, p string, ref uint64, ino *Inode) error {
	now := false // create the file before returning
	if ino.Mode.IsRegular() && ino.Nlink > 1 {
		if first, ok := x.links[ref]; ok {
			return x.replace(d, name, p, func() error { return x.root.Link(first, p) })
		}
		x.links[ref] = p
		now = true
	}
	switch ino.Mode.Type() {
	case 0:
		return x.createFile(d, name, p, ino, now)
	case fs.ModeSymlink:
		err := x.replace(d, name, p, func() error { return unix.Symlinkat(ino.Symlink, d.fd, name) })
		if err != nil {
			return err
		}
		return x.setLinkMeta(d, name, p, ino)
	}
	var mode uint32
	switch ino.Mode.Type() {
	case fs.ModeDevice:
		mode = unix.S_IFBLK
	case fs.ModeDevice | fs.ModeCharDevice:
		mode = unix.S_IFCHR
	case fs.ModeNamedPipe:
		mode = unix.S_IFIFO
	case fs.ModeSocket:
		mode = unix.S_IFSOCK
	}
	if mode == unix.S_IFBLK || mode == unix.S_IFCHR {
		if !x.isRoot {
			return nil // only root can make devices; skipped as unsquashfs does without root
		}
	}
	err := x.replace(d, name, p, func() error { return unix.Mknodat(d.fd, name, mode|0o600, int(ino.Rdev)) })
	if err != nil {
		return err
	}
	if x.opts.KeepOwners {
		if err := unix.Fchownat(d.fd, name, int(ino.UID), int(ino.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
	}
	if err := unix.Fchmodat(d.fd, name, unixMode(ino.Mode), 0); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	return x.setLinkMeta(d, name, p, ino)
}

// setLinkMeta sets the owner (with KeepOwners) and the mtime of name in d
// without following it.
func (x *extractor) setLinkMeta(d *extractDir, name, p string, ino *Inode) error {
	if x.opts.KeepOwners && ino.Mode.Type() == fs.ModeSymlink {
		if err := unix.Fchownat(d.fd, name, int(ino.UID), int(ino.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(ino.ModTime.UnixNano()), unix.NsecToTimespec(ino.ModTime.UnixNano())}
	if err := unix.UtimesNanoAt(d.fd, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("setting the mtime of %s: %w", p, err)
	}
	return nil
}

// replace runs mk, and with Overwrite removes an existing non-directory
// of that name first when mk finds one.
func (x *extractor) replace(d *extractDir, name, p string, mk func() error) error {
	err := mk()
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating %s: %w", p, err)
	}
	if !x.opts.Overwrite {
		return fmt.Errorf("creating %s: %w (use overwrite to replace it)", p, fs.ErrExist)
	}
	if err := unix.Unlinkat(d.fd, name, 0); err != nil {
		return fmt.Errorf("replacing %s: %w", p, err)
	}
	if err := mk(); err != nil {
		return fmt.Errorf("creating %s: %w", p, err)
	}
	return nil
}

// createFile queues the jobs that create and write a regular file. Small
// files are created by the worker that writes them; the walker creates
// large ones (written by several workers) and, when now is set, others.
func (x *extractor) createFile(d *extractDir, name, p string, ino *Inode, now bool) error {
	ef := &extractFile{dir: d, name: name, ino: ino, path: p}
	nblocks := int64(len(ino.blocks))
	last := nblocks
	if ino.frag != noFragment {
		last++ // the tail is a job step of its own
	}
	njobs := (last + extractChunkBlocks - 1) / extractChunkBlocks
	if now || njobs > 1 || njobs == 0 {
		if err := x.openFile(ef); err != nil {
			return err
		}
		if njobs == 0 {
			return x.finishFile(ef)
		}
	} else {
		d.refs.Add(1) // released once a worker has created the file
	}
	if ino.frag != noFragment {
		// Consecutive small files share fragment blocks: decompress the
		// next ones while the workers are busy with earlier files.
		x.r.prefetchFragment(ino.frag)
	}
	ef.pending.Store(int32(njobs))
	if ef.f == nil {
		if n := len(x.batch); n > 0 && (n >= extractBatch || x.batch[0].file.ino.frag != ino.frag) {
			if err := x.flush(); err != nil {
				x.release(d)
				return err
			}
		}
		x.batch = append(x.batch, extractJob{file: ef, from: 0, to: last})
		return nil
	}
	for from := int64(0); from < last; from += extractChunkBlocks {
		if err := x.send([]extractJob{{file: ef, from: from, to: min(from+extractChunkBlocks, last)}}); err != nil {
			return err
		}
	}
	return nil
}

// flush queues the batch of small files.
func (x *extractor) flush() error {
	if len(x.batch) == 0 {
		return nil
	}
	b := x.batch
	x.batch = nil
	return x.send(b)
}

// send queues a batch of jobs, or gives it up when Extract is cancelled.
func (x *extractor) send(b []extractJob) error {
	select {
	case x.jobs <- b:
		return nil
	case <-x.ctx.Done():
		x.drop(b)
		return context.Cause(x.ctx)
	}
}

// drop gives up jobs that were never queued.
func (x *extractor) drop(b []extractJob) {
	for _, j := range b {
		if j.file.f != nil {
			j.file.f.Close()
		} else {
			x.release(j.file.dir)
		}
	}
}

// openFile creates the file ef in its directory.
func (x *extractor) openFile(ef *extractFile) error {
	var fd int
	mode, final := x.createMode(ef.ino)
	err := x.replace(ef.dir, ef.name, ef.path, func() error {
		var err error
		fd, err = unix.Openat(ef.dir.fd, ef.name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		return err
	})
	if err != nil {
		return err
	}
	ef.f, ef.modeSet = os.NewFile(uintptr(fd), ef.path), final
	return nil
}

// work runs jobs until the queue closes.
func (x *extractor) work() {
	buf := make([]byte, x.r.blockSize+decodeSlack)
	for batch := range x.jobs {
		for _, job := range batch {
			x.runJob(job, buf)
		}
	}
}

// runJob creates (for a small file) and writes the blocks of one job.
func (x *extractor) runJob(job extractJob, buf []byte) {
	ef := job.file
	if ef.f == nil { // a small file, created here
		var err error
		if x.ctx.Err() == nil {
			err = x.openFile(ef)
		}
		x.release(ef.dir)
		if err != nil {
			x.fail(fmt.Errorf("squashfs: %w", err))
		}
		if ef.f == nil {
			return
		}
	}
	if x.ctx.Err() != nil {
		x.done(ef, false)
		return
	}
	if err := x.writeBlocks(job, buf); err != nil {
		x.fail(fmt.Errorf("squashfs: writing %s: %w", ef.path, err))
		x.done(ef, false)
		return
	}
	x.done(ef, true)
}

// done finishes a file when its last job is done.
func (x *extractor) done(ef *extractFile, ok bool) {
	if ef.pending.Add(-1) != 0 {
		return
	}
	if !ok || x.ctx.Err() != nil {
		ef.f.Close()
		return
	}
	if err := x.finishFile(ef); err != nil {
		x.fail(err)
	}
}

// writeBlocks writes the blocks of one job; sparse blocks stay holes.
func (x *extractor) writeBlocks(job extractJob, buf []byte) error {
	r, ino, bs := x.r, job.file.ino, int64(x.r.blockSize)
	for bi := job.from; bi < job.to; bi++ {
		var (
			data []byte
			blk  *block // holding data, when it comes from the cache
		)
		if bi < int64(len(ino.blocks)) {
			w := ino.blocks[bi]
			if w == 0 {
				continue
			}
			var err error
			if data, err = r.readBlock(buf, ino.blockPos[bi], w, r.blockLen(ino, bi)); err != nil {
				return err
			}
		} else {
			var err error
			if data, blk, err = r.tail(ino); err != nil {
				return err
			}
		}
		_, err := job.file.f.WriteAt(data, bi*bs)
		r.putBlock(blk)
		if err != nil {
			return err
		}
		if x.opts.Progress != nil {
			x.opts.Progress(int64(len(data)))
		}
	}
	return nil
}

// finishFile sets the size (for trailing holes), owner, mode and mtime of
// a written file and closes it.
func (x *extractor) finishFile(ef *extractFile) error {
	defer ef.f.Close()
	ino := ef.ino
	if n := len(ino.blocks); ino.frag == noFragment && n > 0 && ino.blocks[n-1] == 0 {
		if err := ef.f.Truncate(ino.Size); err != nil { // a trailing hole
			return fmt.Errorf("squashfs: %w", err)
		}
	}
	return x.setMeta(int(ef.f.Fd()), ef.path, ino, ef.modeSet)
}

// createMode returns the mode to create a regular file with, and whether
// that is its final mode: when the umask keeps the permissions and there
// are no setuid, setgid or sticky bits (which chown would clear), the
// chmod after writing can be left out.
func (x *extractor) createMode(ino *Inode) (uint32, bool) {
	perm := uint32(ino.Mode.Perm())
	if x.umask < 0 || ino.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 || perm&uint32(x.umask) != 0 || perm&0o600 != 0o600 {
		return 0o600, false
	}
	return perm, true
}

// readUmask returns the process umask, or -1 when /proc does not say.
func readUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return int(m)
			}
		}
	}
	return -1
}
