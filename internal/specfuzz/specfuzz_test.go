package specfuzz

// How to run:
//
//	go test ./internal/specfuzz                      # SPECFUZZ_N random specs (default below), regressions, self-tests
//	SPECFUZZ_N=2000 go test ./internal/specfuzz -run TestRandomSpecs -timeout 2h   # or: make soak-specs SPECS=2000
//	SPECFUZZ_SEED=7 ...                              # another sequence of specs
//	SPECFUZZ_SAVE=DIR ...                            # write each shrunk failure to DIR/NAME.yaml
//	SPECFUZZ_PLAIN=1 ...                             # plain names only: look past the name bugs
//
// TestRandomSpecs fails when any spec fails any stage; it prints a summary,
// every distinct failure signature, and a shrunk spec for the first
// SPECFUZZ_SHRINK of them (default 1, SPECFUZZ_SHRINK_SECONDS each, default
// 20). TestRegressions runs every spec in testdata/regress through the same
// pipeline; TestPipelineCatches* show that each stage can fail.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// defaultSpecs is the number of random specs in a plain `go test` run,
// sized for about a minute on two cores.
const defaultSpecs = 60

func TestMain(m *testing.M) {
	if f := os.Getenv("SPECFUZZ_WORKER_JOBS"); f != "" {
		os.Exit(workerMain(f))
	}
	os.Exit(m.Run())
}

// workerMain is the worker process: the test binary re-executed.
func workerMain(jobsFile string) int {
	data, err := os.ReadFile(jobsFile)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	var jobs []Job
	if err := json.Unmarshal(data, &jobs); err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	if err := Work(jobs, os.Stdout); err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	return 0
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

// staticcheckPath returns the staticcheck binary when the module declares
// it as a tool (go tool staticcheck), in its own go.mod or in a tools/go.mod
// beside it, else "".
func staticcheckPath() string {
	for _, args := range [][]string{
		{"tool", "-n", "staticcheck"},
		{"tool", "-modfile=" + filepath.Join("..", "..", "tools", "go.mod"), "-n", "staticcheck"},
	} {
		if out, err := exec.Command("go", args...).Output(); err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	return ""
}

func newRunner(t *testing.T) *Runner {
	return &Runner{Dir: t.TempDir(), Worker: []string{os.Args[0]}, Staticcheck: staticcheckPath()}
}
