//go:build 386 || arm

package launch

// mountImage opens the payload of the AppImage at imagePath and mounts it
// read-only on dir with the server of rawfuse.go, as go-fuse does not build
// for 32-bit Linux.
func mountImage(dir, imagePath, offset string) (mountedFS, error) {
	t, err := openImageTree(imagePath, offset)
	if err != nil {
		return nil, err
	}
	return rawMountTree(dir, t, imagePath)
}
