package shipped

import (
	"slices"
	"testing"
)

func TestHelperEnv(t *testing.T) {
	env := helperEnv([]string{"HOME=/h", "GOWORK=/w/go.work", "GOFLAGS=-mod=vendor -trimpath --modfile=x.mod -race -tags=a", "GOTOOLCHAIN=auto", "GOPROXY=https://p", "CGO_ENABLED=1"})
	want := []string{"HOME=/h", "GOFLAGS=-trimpath -tags=a", "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GO111MODULE=on", "CGO_ENABLED=0"}
	if !slices.Equal(env, want) {
		t.Errorf("helperEnv:\n got %q\nwant %q", env, want)
	}
	if env := helperEnv([]string{"GOFLAGS=-mod=mod"}); slices.ContainsFunc(env, func(s string) bool { return len(s) > 8 && s[:8] == "GOFLAGS=" }) {
		t.Errorf("an emptied GOFLAGS is set: %q", env)
	}
}
