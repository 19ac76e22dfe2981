package build

import (
	"fmt"
	"strconv"
	"strings"
)

// Squash holds the squashfs settings a user can choose. Zero values mean
// the defaults (zstd at its default level, 128 KiB blocks, fragments on,
// one worker per CPU).
type Squash struct {
	Compression string // "zstd" (default) or "gzip"; the runtime reads no other
	Level       int    // compression level; 0 is the compressor's default
	BlockSize   int    // data block size in bytes; 0 is 128 KiB
	NoFragments bool   // store file tails in their own blocks
	Workers     int    // compression goroutines; 0 is one per CPU
}

// ParseSize reads a block size as mksquashfs writes it: bytes, or a number
// followed by K or M (either case).
func ParseSize(s string) (int, error) {
	mult := 1
	num := s
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mult, num = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, num = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > (1<<20)/mult {
		return 0, fmt.Errorf("block size %q: want a power of two from 4K to 1M", s)
	}
	n *= mult
	if n < 4096 || n&(n-1) != 0 {
		return 0, fmt.Errorf("block size %q: want a power of two from 4K to 1M", s)
	}
	return n, nil
}

// mksquashfsIgnored lists mksquashfs options that goappimage's output
// already satisfies or that do not apply, each with how many values it takes.
var mksquashfsIgnored = map[string]int{
	"-noappend": 0, "-root-owned": 0, "-all-root": 0, "-no-xattrs": 0, "-reproducible": 0,
	"-no-progress": 0, "-quiet": 0, "-wildcards": 0, "-no-recovery": 0, "-no-strip": 0,
	"-progress": 0, "-info": 0, "-mem": 1, "-Xdict-size": 1, "-Xbcj": 1, "-Xhc": 0,
	"-Xstrategy": 1, "-Xwindow-size": 1, "-force-uid": 1, "-force-gid": 1, "-keep-as-directory": 0,
}

// MapMksquashfsOptions applies the values of appimagetool's repeatable
// --mksquashfs-opt (one mksquashfs argument each, in order) to s. Options
// goappimage understands are mapped: -b, -comp, -Xcompression-level,
// -no-fragments, -processors, -ef FILE (returned in excludeFiles). Options
// whose effect goappimage always has, or that make no sense for it, give a
// warning saying they are ignored; so do unknown ones. A missing or bad
// value is an error.
func MapMksquashfsOptions(s *Squash, args []string) (excludeFiles, warnings []string, err error) {
	value := func(i int) (string, error) {
		if i+1 >= len(args) {
			return "", fmt.Errorf("--mksquashfs-opt %s needs a value in the next --mksquashfs-opt", args[i])
		}
		return args[i+1], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-b":
			v, err := value(i)
			if err != nil {
				return nil, nil, err
			}
			if s.BlockSize, err = ParseSize(v); err != nil {
				return nil, nil, fmt.Errorf("--mksquashfs-opt -b: %w", err)
			}
			i++
		case "-comp":
			v, err := value(i)
			if err != nil {
				return nil, nil, err
			}
			s.Compression = v
			i++
		case "-Xcompression-level":
			v, err := value(i)
			if err != nil {
				return nil, nil, err
			}
			if s.Level, err = strconv.Atoi(v); err != nil || s.Level < 1 {
				return nil, nil, fmt.Errorf("--mksquashfs-opt -Xcompression-level %q: want a positive number", v)
			}
			i++
		case "-no-fragments", "-noF", "-noFragmentCompression":
			s.NoFragments = true
		case "-processors":
			v, err := value(i)
			if err != nil {
				return nil, nil, err
			}
			if s.Workers, err = strconv.Atoi(v); err != nil || s.Workers < 1 {
				return nil, nil, fmt.Errorf("--mksquashfs-opt -processors %q: want a positive number", v)
			}
			i++
		case "-ef":
			v, err := value(i)
			if err != nil {
				return nil, nil, err
			}
			excludeFiles = append(excludeFiles, v)
			i++
		default:
			n, known := mksquashfsIgnored[a]
			if !known {
				warnings = append(warnings, fmt.Sprintf("--mksquashfs-opt %s is not understood by goappimage and is ignored", a))
				continue
			}
			if i+n >= len(args) {
				return nil, nil, fmt.Errorf("--mksquashfs-opt %s needs a value in the next --mksquashfs-opt", a)
			}
			warnings = append(warnings, fmt.Sprintf("--mksquashfs-opt %s is ignored: %s", strings.Join(args[i:i+n+1], " "), ignoredReason(a)))
			i += n
		}
	}
	return excludeFiles, warnings, nil
}

func ignoredReason(opt string) string {
	switch opt {
	case "-noappend", "-root-owned", "-all-root", "-no-xattrs", "-reproducible", "-wildcards", "-force-uid", "-force-gid":
		return "goappimage always writes a new, root-owned, reproducible image without xattrs and with wildcard excludes"
	case "-Xdict-size", "-Xbcj", "-Xhc", "-Xstrategy", "-Xwindow-size":
		return "it configures a compressor the AppImage runtime cannot read"
	}
	return "it does not apply to goappimage"
}
