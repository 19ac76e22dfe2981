package launch

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/goappimage/goappimage/internal/testutil"
	"github.com/goappimage/goappimage/runtime/internal/prep"
)

// TestOtherArchitectures runs AppImages made with the runtimes of the other
// architectures with extract-and-run, built from the current source: aarch64
// and armhf under qemu-user, i686 natively (as x86_64 kernels run 32-bit
// programs). AppRun is a shell script, so the emulated runtime runs the
// host's /bin/sh. (TestMountedImageMatchesSource mounts with i686.)
func TestOtherArchitectures(t *testing.T) {
	tests := []struct {
		arch, emulator string
	}{
		{"aarch64", "qemu-aarch64-static"},
		{"armhf", "qemu-arm-static"},
		{"i686", ""},
	}
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			if testing.Short() && tt.arch != "aarch64" {
				t.Skip("skipping: -short runs only aarch64")
			}
			var argv []string
			if tt.emulator != "" {
				argv = append(argv, testutil.Tool(t, tt.emulator))
			}
			rt, err := prep.Build(tt.arch)
			if err != nil {
				t.Fatal(err)
			}
			app := makeAppImage(t, rt, appDir(t), "-comp", "zstd")
			argv = append(argv, app, "--appimage-extract-and-run", "arg 1")
			tmp := t.TempDir()
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "EXIT_WITH=5")
			out, err := cmd.Output()
			if cmd.ProcessState == nil {
				t.Fatalf("running %s: %v", argv, err)
			}
			if got := cmd.ProcessState.ExitCode(); got != 5 {
				t.Fatalf("exit status %d, want 5\noutput: %s", got, out)
			}
			v := values(string(out))
			if v["arg"] != "arg 1" || v["data"] != "payload data" || v["APPIMAGE"] != app {
				t.Errorf("AppRun printed arg %q, data %q, APPIMAGE %q; want %q, %q, %q", v["arg"], v["data"], v["APPIMAGE"], "arg 1", "payload data", app)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("%s not cleaned up: %s left", tmp, filepath.Join(tmp, left[0].Name()))
			}
		})
	}
}
