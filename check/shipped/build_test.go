package shipped

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/validate"
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

// TestCache: the second check of a spec and profile runs the cached helper
// without building it, and the temporary module is gone.
func TestCache(t *testing.T) {
	if err := Available(context.Background(), ""); err != nil {
		t.Skip(err)
	}
	m, err := validate.Load("../../spec/examples/tcp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for i, wantBuild := range []bool{true, false} {
		var log bytes.Buffer
		res, err := Run(context.Background(), m, m.Profile("ci"), Options{CacheDir: cache, Check: check.Options{Progress: &log}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation != nil || !res.Complete {
			t.Fatalf("run %d: %s", i, res.Summary())
		}
		if built := strings.Contains(log.String(), "building the helper program"); built != wantBuild {
			t.Errorf("run %d: built %v, want %v", i, built, wantBuild)
		}
	}
	bins, _ := filepath.Glob(filepath.Join(cache, "helpers", "*", "helper"))
	if len(bins) != 1 {
		t.Errorf("cached helpers: %v", bins)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in the temporary directory: %v", left)
	}
}
