package check

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
)

// runEmitted generates m's package into a temporary module, adds the
// emitted test and runs it; it returns whether go test passed and its output.
func runEmitted(t *testing.T, goBin string, m *model.Machine, pkg string, test []byte) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	src, err := gocode.Generate(m, gocode.Options{Package: pkg})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"go.mod":                 []byte("module example.com/" + pkg + "\n\ngo 1.23\n"),
		gocode.FileName(m):       src,
		"counterexample_test.go": test,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// TestEmittedTestsCanPass: the test emitted for a nondeterminism finding
// (check/testdata/overlap.yaml) and for an unreachable transition that fires
// (check/testdata/unreachable.yaml) fails on the broken spec and passes on
// the spec fixed so that the finding is gone, although every step of the
// trace is still accepted (the emitted test once asserted that the last
// input is refused, which no fix makes true).
func TestEmittedTestsCanPass(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four generated packages")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	for _, c := range []struct {
		spec, pkg  string
		kind       Kind
		fix        [][2]string // replacements that fix the spec
		failOutput string
	}{
		{spec: "testdata/overlap.yaml", pkg: "overlap", kind: KindNondeterminism,
			fix:        [][2]string{{"raises_from_above: arg.n > 0 && level > 0", "raises_from_above: arg.n > 0 && level >= 2"}},
			failOutput: "transitions LowRaise and HighRaise are both enabled for input Raise{n: 1}"},
		{spec: "testdata/unreachable.yaml", pkg: "counter", kind: KindUnreachable,
			fix: [][2]string{{"below_two: count < 2", "below_two: count < 5"}, {"at_two: count >= 2", "at_two: count >= 5"},
				{"bounds: {count: 5}", "bounds: {count: 4}"}},
			failOutput: "transition Reset is marked unreachable but fires"},
	} {
		t.Run(c.pkg, func(t *testing.T) {
			data, err := os.ReadFile(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			broken := load(t, c.spec)
			res := run(t, broken, "ci", Options{Workers: 2})
			if res.Violation == nil || res.Violation.Kind != c.kind {
				t.Fatalf("want a %s finding: %s", c.kind, res.Summary())
			}
			var test bytes.Buffer
			if err := WriteTest(&test, broken, res.Profile, res.Violation, TestOptions{Package: c.pkg, Spec: c.spec}); err != nil {
				t.Fatal(err)
			}
			text := string(data)
			for _, r := range c.fix {
				if !strings.Contains(text, r[0]) {
					t.Fatalf("spec lacks %q", r[0])
				}
				text = strings.ReplaceAll(text, r[0], r[1])
			}
			fixed := loadText(t, filepath.Base(c.spec), text)
			if fres := run(t, fixed, "ci", Options{Workers: 2}); fres.Violation != nil {
				t.Fatalf("the fixed spec still fails: %s", fres.Summary())
			}
			// Every step of the trace but the last is still accepted by the
			// fixed spec, so the emitted test must decide by what it checks at
			// the end, not by a rejection.
			s := fixed.Initial()
			for i, st := range res.Violation.Trace[1:] {
				in := model.InputValue{Input: fixed.Input(st.Input.Input.Name), Args: st.Input.Args}
				n, _, err := fixed.Step(s, in)
				if err != nil {
					t.Fatalf("the fixed spec rejects step %d of the trace (%v): the test would not show anything", i+1, err)
				}
				s = n
			}

			ok, out := runEmitted(t, goBin, broken, c.pkg, test.Bytes())
			if ok || !strings.Contains(out, c.failOutput) {
				t.Errorf("broken spec: go test passed=%v, want a failure with %q:\n%s", ok, c.failOutput, out)
			}
			ok, out = runEmitted(t, goBin, fixed, c.pkg, test.Bytes())
			if !ok || strings.Contains(out, "is now rejected") {
				t.Errorf("fixed spec: go test passed=%v, want a pass without a rejected step:\n%s", ok, out)
			}
		})
	}
}

// TestEmittedTestCollectionParams: a counterexample whose inputs carry sets
// and maps (internal/conformance/testdata/collparams.yaml with an invariant
// that the trace breaks) becomes a test that builds those arguments with
// the generated types' With, compiles, and fails with the invariant.
func TestEmittedTestCollectionParams(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a generated package")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	data, err := os.ReadFile("../internal/conformance/testdata/collparams.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "invariants:\n", "invariants:\n  few_names: size(names) < 2 || size(done) < 2\n", 1)
	m := loadText(t, "collparams.yaml", text)
	res := run(t, m, "ci", Options{Workers: 1})
	if res.Violation == nil || res.Violation.Invariant != "few_names" {
		t.Fatalf("want a violation of few_names: %s", res.Summary())
	}
	var test bytes.Buffer
	if err := WriteTest(&test, m, res.Profile, res.Violation, TestOptions{Package: "collparams", Spec: "collparams.yaml"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(test.String(), ".With(") {
		t.Fatalf("the emitted test builds no collection:\n%s", test.String())
	}
	ok, out := runEmitted(t, goBin, m, "collparams", test.Bytes())
	if ok || !strings.Contains(out, "few_names") {
		t.Errorf("go test passed=%v, want a failure naming few_names:\n%s\n%s", ok, out, test.String())
	}
}
