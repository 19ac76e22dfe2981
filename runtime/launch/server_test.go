package launch

import (
	"slices"
	"testing"
)

// TestHelperEnv checks that a helper process gets its role exactly once,
// whatever role the process starting it has: with two copies, the helper
// would read the first and start itself again, without end.
func TestHelperEnv(t *testing.T) {
	tests := []struct {
		environ []string
		want    []string
	}{
		{[]string{"A=1"}, []string{roleEnv + "=serve", "A=1"}},
		{[]string{"A=1", roleEnv + "=detach", "B=2"}, []string{roleEnv + "=serve", "A=1", "B=2"}},
		{[]string{roleEnv + "=serve", roleEnv + "=detach"}, []string{roleEnv + "=serve"}},
		{[]string{roleEnv + "X=1"}, []string{roleEnv + "=serve", roleEnv + "X=1"}},
	}
	for _, tt := range tests {
		if got := helperEnv(tt.environ, roleServe); !slices.Equal(got, tt.want) {
			t.Errorf("helperEnv(%q) = %q, want %q", tt.environ, got, tt.want)
		}
	}
}
