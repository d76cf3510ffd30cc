package pipelinefuzz

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFuzzScriptFailsWithGoTest: scripts/fuzz.sh, which `make test` runs for
// every fuzz target, exits non-zero when go test fails, even after the
// fuzzer executed plenty of inputs. (It piped go test into tee and took
// tee's status, so a crash the fuzzer found passed CI.)
func TestFuzzScriptFailsWithGoTest(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip(err)
	}
	fakeGo := filepath.Join(t.TempDir(), "go")
	const script = "#!/bin/sh\necho 'fuzz: elapsed: 3s, execs: 99999 (33333/sec)'\necho '--- FAIL: FuzzX'\nexit 1\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, exit := range []int{1, 0} {
		if exit == 0 {
			const pass = "#!/bin/sh\necho 'fuzz: elapsed: 3s, execs: 99999 (33333/sec)'\necho PASS\n"
			if err := os.WriteFile(fakeGo, []byte(pass), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(sh, "../../scripts/fuzz.sh", "./x", "FuzzX", "1s", "100")
		cmd.Env = append(os.Environ(), "GO="+fakeGo)
		out, err := cmd.CombinedOutput()
		if exit == 1 && err == nil {
			t.Errorf("fuzz.sh exits 0 when go test fails:\n%s", out)
		}
		if exit == 0 && err != nil {
			t.Errorf("fuzz.sh fails when go test passes: %v\n%s", err, out)
		}
	}
}
