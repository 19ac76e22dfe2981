//go:build 386 || arm

package launch

// mountImage mounts t read-only on dir with the server of rawfuse.go, as
// go-fuse does not build for 32-bit Linux.
func mountImage(dir string, t Tree, fsName string) (mountedFS, error) {
	return rawMountTree(dir, t, fsName)
}
