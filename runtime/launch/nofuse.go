//go:build 386 || arm

package launch

import "errors"

// fuseAvailable tells whether this build of the runtime can mount: go-fuse
// does not build for 32-bit Linux, so these runtimes extract and run.
const fuseAvailable = false

// mountedImage is never created without FUSE.
type mountedImage interface{ unmount() }

func mountImage(dir, imagePath, offset string) (mountedImage, error) {
	return nil, errors.New("this 32-bit runtime is built without FUSE support")
}
