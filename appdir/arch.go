package appdir

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// NormalizeArch returns the canonical name (x86_64, aarch64, i686, armhf)
// of an architecture name. It accepts the names appimagetool accepts in
// $ARCH (i386…i686, intel_80386…intel_80686, x86_64, arm, armhf,
// arm_aarch64, aarch64; any case; "-" or " " for "_") and also amd64 and
// arm64.
func NormalizeArch(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.NewReplacer("-", "_", " ", "_").Replace(n)
	switch n {
	case "i386", "i486", "i586", "i686", "intel_80386", "intel_80486", "intel_80586", "intel_80686":
		return "i686", nil
	case "x86_64", "amd64":
		return "x86_64", nil
	case "arm", "armhf":
		return "armhf", nil
	case "arm_aarch64", "aarch64", "arm64":
		return "aarch64", nil
	}
	return "", fmt.Errorf("unknown architecture %q (use x86_64, aarch64, i686 or armhf; amd64 and arm64 are accepted too)", name)
}

// machineArch names the architecture of an ELF e_machine value.
func machineArch(m uint16) string {
	switch m {
	case 3:
		return "i686"
	case 62:
		return "x86_64"
	case 40:
		return "armhf"
	case 183:
		return "aarch64"
	case 243:
		return "riscv64"
	case 21:
		return "ppc64"
	case 8:
		return "mips"
	}
	return fmt.Sprintf("machine-%d", m)
}

// elfArch returns the architecture of an ELF executable or shared object
// from its first bytes; ok is false for anything else (scripts, data,
// relocatable objects).
func elfArch(head []byte) (string, bool) {
	if len(head) < 20 || string(head[:4]) != "\x7fELF" {
		return "", false
	}
	var bo binary.ByteOrder
	switch head[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return "", false
	}
	if t := bo.Uint16(head[16:]); t != 2 && t != 3 { // ET_EXEC, ET_DYN
		return "", false
	}
	return machineArch(bo.Uint16(head[18:])), true
}

func elfArchOfFile(p string) (string, bool) {
	head, err := readHead(p, 20)
	if err != nil {
		return "", false
	}
	return elfArch(head)
}

// examples returns up to three files, and how many more there are.
func examples(files []string) string {
	if len(files) <= 3 {
		return strings.Join(files, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(files[:3], ", "), len(files)-3)
}

// checkArch decides the target architecture: Options.Arch if given (ELF
// files of another architecture are errors), else the single architecture
// of the ELF files.
func (c *checker) checkArch() {
	var found []string
	for a, files := range c.elves {
		sort.Strings(files)
		found = append(found, a)
	}
	sort.Strings(found)
	if c.opts.Arch != "" {
		arch, err := NormalizeArch(c.opts.Arch)
		if err != nil {
			c.add(".", "arch-invalid", Error, "Set ARCH (or --arch) to x86_64, aarch64, i686 or armhf.", "%v", err)
			return
		}
		c.report.Arch = arch
		for _, a := range found {
			if a != arch {
				c.add(".", "arch-mismatch", Warning,
					fmt.Sprintf("Replace these files with %s builds, or build for %s.", arch, a),
					"the target architecture is %s, but these ELF files are %s: %s", arch, a, examples(c.elves[a]))
			}
		}
		return
	}
	switch len(found) {
	case 0:
		c.add(".", "arch-unknown", Hint,
			"Nothing to do for an AppDir without binaries; set ARCH (or --arch) to choose another architecture than the build machine's.",
			"architecture unknown: no ELF file in the AppDir; the build uses ARCH or the build machine's architecture")
	case 1:
		c.report.Arch = found[0]
		if _, err := NormalizeArch(found[0]); err != nil {
			c.add(".", "arch-unsupported", Error, "Build the payload for x86_64, aarch64, i686 or armhf.",
				"the ELF files are %s, for which there is no AppImage runtime: %s", found[0], examples(c.elves[found[0]]))
		}
	default:
		var parts []string
		for _, a := range found {
			parts = append(parts, fmt.Sprintf("%s (%s)", a, examples(c.elves[a])))
		}
		c.add(".", "arch-multiple", Error,
			"Remove the binaries of the other architectures, or set ARCH (or --arch) to the target architecture.",
			"ELF files of more than one architecture: %s", strings.Join(parts, "; "))
	}
}
