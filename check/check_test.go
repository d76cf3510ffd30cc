package check

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
)

func load(t *testing.T, path string) *model.Machine {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// loadText loads a spec from text (written to a temporary file).
func loadText(t *testing.T, name, text string) *model.Machine {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, path)
}

func run(t *testing.T, m *model.Machine, profile string, opt Options) *Result {
	t.Helper()
	var p *model.Profile
	if profile != "" {
		if p = m.Profile(profile); p == nil {
			t.Fatalf("%s has no profile %s", m.Name, profile)
		}
	}
	res, err := Run(m, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// inputs lists a trace's inputs as the checker prints them.
func inputs(tr []Step) []string {
	var out []string
	for _, s := range tr[1:] {
		out = append(out, model.FormatInput(*s.Input))
	}
	return out
}

// machineWithout returns spec/machine.yaml with one line of one transition
// removed (the spec stays in sync with the real one).
func machineWithout(t *testing.T, transition, line string) string {
	t.Helper()
	src, err := os.ReadFile("../spec/machine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "  - name: "+transition+"\n")
	if start < 0 {
		t.Fatalf("no transition %s in spec/machine.yaml", transition)
	}
	end := start + strings.Index(s[start+1:], "  - name: ") + 1
	block := s[start:end]
	cut := strings.Replace(block, line+"\n", "", 1)
	if cut == block {
		t.Fatalf("transition %s has no line %q", transition, line)
	}
	return s[:start] + cut + s[end:]
}

// withInvariant adds an invariant to a spec's text.
func withInvariant(t *testing.T, spec, name, expr string) string {
	t.Helper()
	i := strings.Index(spec, "\ninvariants:\n")
	if i < 0 {
		t.Fatal("spec has no invariants section")
	}
	i += len("\ninvariants:\n")
	return spec[:i] + "  " + name + ": " + expr + "\n" + spec[i:]
}

func TestExamplesAgree(t *testing.T) {
	files, _ := filepath.Glob("../spec/examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example specs")
	}
	for _, f := range files {
		m := load(t, f)
		for _, p := range m.Profiles {
			t.Run(filepath.Base(f)+"/"+p.Name, func(t *testing.T) {
				var results []*Result
				for _, opt := range []Options{{Workers: 1}, {Workers: 3}, {Workers: 2, Interp: true}} {
					results = append(results, run(t, m, p.Name, opt))
				}
				a := results[0]
				if p.Name == "ci" && (a.Violation != nil || !a.Complete) {
					t.Fatalf("%s: %v", a.Summary(), a.Violation.Message())
				}
				for _, b := range results[1:] {
					if a.Distinct != b.Distinct || a.Fired != b.Fired || a.Depth != b.Depth || a.OutOfBounds != b.OutOfBounds || !reflect.DeepEqual(a.Covered, b.Covered) {
						t.Errorf("runs disagree:\n%s\n%s", a.Summary(), b.Summary())
					}
				}
				if c, n := a.Coverage(); p.Name == "ci" && c != n {
					t.Errorf("ci coverage %d/%d", c, n)
				}
			})
		}
	}
}

func TestMachineTLCProfile(t *testing.T) {
	m := load(t, "../spec/machine.yaml")
	res := run(t, m, "tlc", Options{})
	if res.Violation != nil {
		t.Fatalf("%s\n%s", res.Summary(), res.Violation.Message())
	}
	if c, n := res.Coverage(); c != n || n < 30 {
		t.Errorf("coverage %d/%d", c, n)
	}
	if res.Distinct < 100000 {
		t.Errorf("tlc profile unexpectedly small: %s", res.Summary())
	}
}

// The guard no_topology_reconfigure_in_progress on BeginRealtimeBinding is
// what keeps a fresh binding out of a detached live reconfigure.
func TestMissingTopologyGuard(t *testing.T) {
	spec := machineWithout(t, "BeginRealtimeBinding", "      - no_topology_reconfigure_in_progress")
	m := loadText(t, "machine.yaml", spec)
	for _, workers := range []int{1, 2} {
		res := run(t, m, "ci_realtime", Options{Workers: workers})
		v := res.Violation
		if v == nil || v.Kind != KindInvariant {
			t.Fatalf("want an invariant violation, got %s", res.Summary())
		}
		if v.Invariant != "topology_past_detach_implies_unbound" {
			t.Errorf("invariant %s, want topology_past_detach_implies_unbound", v.Invariant)
		}
		want := []string{"Initialize", "RegisterSession{session_id: \"s1\"}", "BeginRealtimeBinding",
			"BeginLiveTopologyReconfigure{authority_epoch: 1}", "MarkLiveTopologyDetached", "BeginRealtimeBinding"}
		if got := inputs(v.Trace); !reflect.DeepEqual(got, want) {
			t.Errorf("trace %q, want %q", got, want)
		}
		if len(v.Trace) != 7 {
			t.Errorf("trace has %d states, want 7", len(v.Trace))
		}
		if err := Replay(m, v.Trace); err != nil {
			t.Error(err)
		}
	}
}

func TestOverlapIsNondeterminism(t *testing.T) {
	m := load(t, "testdata/overlap.yaml")
	for _, workers := range []int{1, 2} {
		res := run(t, m, "ci", Options{Workers: workers})
		v := res.Violation
		if v == nil || v.Kind != KindNondeterminism {
			t.Fatalf("want nondeterminism, got %s", res.Summary())
		}
		if !reflect.DeepEqual(v.Transitions, []string{"LowRaise", "HighRaise"}) {
			t.Errorf("transitions %v", v.Transitions)
		}
		if got := model.FormatInput(*v.Input); got != "Raise{n: 1}" {
			t.Errorf("input %s", got)
		}
		if got := inputs(v.Trace); !reflect.DeepEqual(got, []string{"Press", "Raise{n: 1}"}) {
			t.Errorf("trace %q", got)
		}
		want := "nondeterminism: transitions LowRaise and HighRaise are both enabled for input Raise{n: 1}"
		if v.Message() != want {
			t.Errorf("message %q", v.Message())
		}
	}
}

func TestDeadTransitionIsCoverage(t *testing.T) {
	m := load(t, "testdata/deadcode.yaml")
	res := run(t, m, "ci", Options{})
	v := res.Violation
	if v == nil || v.Kind != KindCoverage {
		t.Fatalf("want a coverage finding, got %s", res.Summary())
	}
	if !reflect.DeepEqual(v.Transitions, []string{"Overheat"}) {
		t.Errorf("never enabled: %v, want [Overheat] (Unused is marked unreachable)", v.Transitions)
	}
	if c, n := res.Coverage(); c != 3 || n != 4 {
		t.Errorf("coverage %d/%d, want 3/4", c, n)
	}
	if res.Distinct != 8 || res.Depth != 5 {
		t.Errorf("%s", res.Summary())
	}
}

func TestUnreachableThatFires(t *testing.T) {
	m := load(t, "testdata/unreachable.yaml")
	res := run(t, m, "ci", Options{})
	v := res.Violation
	if v == nil || v.Kind != KindUnreachable || v.Transitions[0] != "Reset" {
		t.Fatalf("want Reset reported, got %s", res.Summary())
	}
	if len(v.Trace) != 4 || v.Trace[3].Transition.Name != "Reset" || v.Trace[3].State[1].N != 0 {
		t.Errorf("trace %v", inputs(v.Trace))
	}
}

// Bounds work like a TLC CONSTRAINT: a successor above a bound is neither
// counted nor explored nor checked.
func TestBoundsPrune(t *testing.T) {
	spec := `machine: Count
enums:
  Phase: [On]
fields:
  phase: {type: Phase, initial: On}
  n: {type: uint, initial: 0}
  m: {type: option<uint>, initial: none}
phase: phase
inputs:
  Inc: {}
  Set: {v: uint}
transitions:
  - name: Inc
    on: Inc
    from: [On]
    do:
      - n := n + 1
  - name: Set
    on: Set
    from: [On]
    do:
      - m := some(arg.v)
invariants:
  small: n < 5
profiles:
  ci:
    bounds: {n: 3, m: 1}
    domains:
      uint: [0, 1, 2]
  tight:
    bounds: {n: 2}
    domains:
      uint: [0]
`
	m := loadText(t, "count.yaml", spec)
	res := run(t, m, "ci", Options{AllSteps: true})
	// n in 0..3, m in {none, some(0), some(1)}: 12 states; n = 4 and
	// m = some(2) are pruned.
	if res.Violation != nil || res.Distinct != 12 || res.Depth != 4 {
		t.Fatalf("%s", res.Summary())
	}
	// 12 states x (Inc + 3 Set values) steps; Inc from n = 3 and Set 2
	// leave the bounds.
	if res.Fired != 48 || res.OutOfBounds != 3+12 {
		t.Errorf("%s", res.Summary())
	}
	res = run(t, m, "tight", Options{})
	if res.Distinct != 6 {
		t.Errorf("%s", res.Summary())
	}

	// A successor outside the bounds is not counted or explored, but its
	// invariants are checked, as TLC does before it applies a CONSTRAINT.
	m = loadText(t, "count4.yaml", strings.Replace(spec, "small: n < 5", "small: n < 4", 1))
	res = run(t, m, "ci", Options{})
	v := res.Violation
	if v == nil || v.Kind != KindInvariant || v.Invariant != "small" || len(v.Trace) != 5 {
		t.Fatalf("want invariant small broken by the out-of-bounds n = 4 after 4 steps: %s", res.Summary())
	}
	if got := v.Trace[4].State[m.Field("n").Index]; got != model.Uint(4) {
		t.Fatalf("last state has n = %v, want 4", got)
	}
}

// The ci profiles walk the whole live-topology path and rotate the
// authority at least twice: adding an invariant that forbids the end of the
// path, or a third epoch, must make them fail.
func TestCIProfilesReach(t *testing.T) {
	src, err := os.ReadFile("../spec/machine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ profile, inv, expr string }{
		{"ci", "witness_topology_completes", `"!(live_topology_phase == LiveTopologyPhase.HostVisibilityApplied)"`},
		{"ci_realtime", "witness_topology_completes", `"!(live_topology_phase == LiveTopologyPhase.HostVisibilityApplied)"`},
		{"ci_realtime", "witness_two_rotations", `"realtime_binding_authority_epoch != some(3)"`},
	}
	for _, c := range cases {
		m := loadText(t, "machine.yaml", withInvariant(t, string(src), c.inv, c.expr))
		res := run(t, m, c.profile, Options{})
		if res.Violation == nil || res.Violation.Invariant != c.inv {
			t.Errorf("%s: %s is not reached: %s", c.profile, c.inv, res.Summary())
			continue
		}
		t.Logf("%s: %s reached in %d steps: %v", c.profile, c.inv, len(res.Violation.Trace)-1, inputs(res.Violation.Trace))
	}
}

func TestJSONTrace(t *testing.T) {
	m := load(t, "testdata/overlap.yaml")
	res := run(t, m, "ci", Options{})
	var b bytes.Buffer
	if err := WriteJSON(&b, m, res.Profile, res.Violation); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Kind        string
		Transitions []string
		Input       struct {
			Input string
			Args  map[string]any
		}
		Steps []struct {
			Step       int
			Input      *struct{ Input string }
			Transition string
			Changed    map[string]any
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != "nondeterminism" || got.Input.Input != "Raise" || got.Input.Args["n"] != 1.0 || len(got.Steps) != 3 {
		t.Fatalf("%s", b.String())
	}
	if got.Steps[0].Input != nil || got.Steps[0].Changed["phase"] != "Off" || got.Steps[2].Changed["level"] != 1.0 || len(got.Steps[2].Changed) != 1 {
		t.Errorf("%s", b.String())
	}
}

func TestTextTrace(t *testing.T) {
	m := load(t, "testdata/unreachable.yaml")
	res := run(t, m, "ci", Options{})
	var b bytes.Buffer
	WriteTrace(&b, m, res.Violation)
	want := `Error: transition Reset is marked unreachable but fires.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\ phase = Counting
/\ count = 0
State 2: <Tick: transition Count>
/\ count = 1
State 3: <Tick: transition Count>
/\ count = 2
State 4: <Tick: transition Reset>
/\ count = 0
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// The emitted regression test compiles against the generated package and
// fails with the invariant while the bug is there; against the fixed spec
// it passes, because the trace is rejected.
func TestEmittedTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two generated packages")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	broken := loadText(t, "machine.yaml", machineWithout(t, "BeginRealtimeBinding", "      - no_topology_reconfigure_in_progress"))
	res := run(t, broken, "ci_realtime", Options{})
	if res.Violation == nil {
		t.Fatal("no violation")
	}
	var test bytes.Buffer
	if err := WriteTest(&test, broken, res.Profile, res.Violation, TestOptions{Package: "gen", Spec: "machine.yaml"}); err != nil {
		t.Fatal(err)
	}
	fixed := load(t, "../spec/machine.yaml")
	for _, c := range []struct {
		m      *model.Machine
		fails  bool
		expect string
	}{
		{broken, true, "invariant topology_past_detach_implies_unbound violated"},
		{fixed, false, "is now rejected"},
	} {
		dir := t.TempDir()
		src, err := gocode.Generate(c.m, gocode.Options{Package: "gen"})
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{
			"go.mod":                 []byte("module example.com/gen\n\ngo 1.22\n"),
			gocode.FileName(c.m):     src,
			"counterexample_test.go": test.Bytes(),
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
		if c.fails != (err != nil) {
			t.Errorf("go test failed=%v, want %v:\n%s", err != nil, c.fails, out)
		}
		if !strings.Contains(string(out), c.expect) {
			t.Errorf("go test output lacks %q:\n%s", c.expect, out)
		}
	}
}
