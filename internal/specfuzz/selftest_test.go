package specfuzz

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// turnstile is the minimal spec of docs/DSL.md: valid, and clean through
// every stage on today's main.
const turnstile = `machine: Turnstile
doc: A coin-operated turnstile.
enums:
  Phase: [Locked, Unlocked]
fields:
  phase: {type: Phase, initial: Locked}
  coins: {type: uint, max: 100, initial: 0}
phase: phase
inputs:
  Coin: {}
  Push: {}
effects:
  Opened: {coins: uint}
transitions:
  - name: InsertCoin
    on: Coin
    from: [Locked]
    to: Unlocked
    guards:
      - not_full: coins < 100
    do:
      - coins := coins + 1
    emit:
      - Opened: {coins: coins}
  - name: PassThrough
    on: Push
    from: [Unlocked]
    to: Locked
invariants:
  coins_bounded: coins <= 100
profiles:
  ci:
    bounds: {coins: 3}
`

// TestPipelineCatchesCorruptedCode feeds the pipeline one good spec four
// times, three of them with a generated file corrupted so that exactly one
// Go stage must fail, and checks that each failure is reported at its stage
// and nowhere else.
func TestPipelineCatchesCorruptedCode(t *testing.T) {
	want := map[string]string{"c_clean": "", "c_build": StageBuild, "c_vet": StageVet, "c_conform": StageConform}
	var cases []Case
	for _, name := range []string{"c_clean", "c_build", "c_vet", "c_conform"} {
		cases = append(cases, Case{Name: name, YAML: []byte(turnstile)})
	}
	rn := newRunner(t)
	rn.Corrupt = func(name string, src []byte) []byte {
		switch name {
		case "c_build":
			return append(src, "\nvar _ = notDeclaredAnywhere\n"...)
		case "c_vet":
			return append(src, "\nfunc zzSelf() { x := 1; x = x; _ = x }\n"...)
		case "c_conform":
			return bytes.Replace(src, []byte("in this phase"), []byte("in this phase!"), 1)
		}
		return src
	}
	out, err := rn.Run(cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		var stages []string
		for _, f := range o.Failures {
			stages = append(stages, f.Stage)
			t.Logf("%s: %s", o.Case.Name, f)
		}
		got := strings.Join(stages, ",")
		if got != want[o.Case.Name] {
			t.Errorf("%s: failures at %q, want exactly %q", o.Case.Name, got, want[o.Case.Name])
		}
	}
}

// TestPipelineCatchesBadRejections checks the loader stage: a rejection is
// fine when the same spec with safe names loads, and a failure when that
// one is rejected too (a generator or loader bug).
func TestPipelineCatchesBadRejections(t *testing.T) {
	reserved := strings.Replace(turnstile, "Push", "stay", -1)
	broken := strings.Replace(turnstile, "coins < 100", "coins < Locked", 1)
	cases := []Case{
		{Name: "r_name", YAML: []byte(reserved), Sanitized: []byte(turnstile)},
		{Name: "r_other", YAML: []byte(reserved), Sanitized: []byte(broken)},
	}
	rn := newRunner(t)
	rn.NoBuild = true
	out, err := rn.Run(cases)
	if err != nil {
		t.Fatal(err)
	}
	if r := out[0].Rec; r.Loaded || len(r.Rejected) == 0 || len(out[0].Failures) > 0 {
		t.Errorf("a spec rejected for a name: loaded %v, rejected %q, failures %v", r.Loaded, r.Rejected, out[0].Failures)
	}
	if f := out[1].Failures; len(f) != 1 || f[0].Stage != StageSanitized {
		t.Errorf("a spec whose safe-name version is rejected: failures %v, want one at %s", f, StageSanitized)
	}
}

// TestStageTimeout checks that a hung stage is reported, not waited for.
func TestStageTimeout(t *testing.T) {
	r := &Record{}
	block := make(chan struct{})
	defer close(block)
	if stage(r, StageTLA, 50*time.Millisecond, func() { <-block }) {
		t.Fatal("a blocked stage was reported as finished")
	}
	if !r.Timeout || len(r.Failures) != 1 || r.Failures[0].Stage != StageTLA {
		t.Fatalf("record after a timeout: %+v", r)
	}
	if stage(r, StageGraph, time.Second, func() { panic("boom") }); len(r.Failures) != 2 || !strings.Contains(r.Failures[1].Msg, "panic: boom") {
		t.Fatalf("a panicking stage: %+v", r.Failures)
	}
}

// TestReferenceAgreesOnExamples runs the checker comparison on the
// repository's example specs: the reference exploration must agree with
// check on specs known to be good, or its findings on random specs mean
// nothing.
func TestReferenceAgreesOnExamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "spec", "examples", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no example specs")
	}
	for _, f := range files {
		m, err := model.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		r := &Record{}
		if msg := checkAgainstReference(m, r); msg != "" {
			t.Errorf("%s: %s", f, msg)
		}
		if r.Stats == "" {
			t.Errorf("%s: the checker did not run", f)
		}
		t.Logf("%s: %s", filepath.Base(f), r.Stats)
	}
}

// TestCheckComparisonCatchesDifferences doctors a real checker result in
// the ways a buggy checker could differ from the reference exploration,
// and checks that each difference is reported.
func TestCheckComparisonCatchesDifferences(t *testing.T) {
	m, err := model.Parse("turnstile.yaml", []byte(turnstile))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Profile("ci")
	ref, err := explore(m, p)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *check.Result {
		res, err := check.Run(m, p, check.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if msg := compareVerdicts(m, fresh(), ref); msg != "" {
		t.Fatalf("an honest checker run differs from the reference: %s", msg)
	}
	doctor := map[string]func(*check.Result){
		"distinct states": func(r *check.Result) { r.Distinct++ },
		"coverage":        func(r *check.Result) { r.Covered[0] = !r.Covered[0] },
		"invariant": func(r *check.Result) {
			r.Violation = &check.Violation{Kind: check.KindInvariant, Invariant: "coins_bounded"}
		},
	}
	for name, f := range doctor {
		res := fresh()
		f(res)
		if msg := compareVerdicts(m, res, ref); msg == "" {
			t.Errorf("a checker result with a wrong %s was not reported", name)
		} else {
			t.Logf("%s: %s", name, msg)
		}
	}
}
