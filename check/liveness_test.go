package check

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
)

// loadVariant loads check/testdata/liveness.yaml with text replaced.
func loadVariant(t *testing.T, replace ...string) *model.Machine {
	t.Helper()
	src, err := os.ReadFile("testdata/liveness.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("variant: %q not in the spec", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	m, err := model.Parse("liveness.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkLasso asserts that a liveness violation is a real behaviour: the
// interpreter replays it, the property's From holds somewhere and To holds
// nowhere from there on, the cycle closes, and every fairness declaration is
// met on the cycle (its action is taken in it, or disabled in one of its
// states; for strong fairness, disabled in all of them).
func checkLasso(t *testing.T, m *model.Machine, v *Violation) {
	t.Helper()
	if err := Replay(m, v.Trace); err != nil {
		t.Fatalf("the lasso's stem does not replay: %v", err)
	}
	prop := m.Property(v.Property)
	start := -1
	for i, st := range v.Trace {
		if start < 0 && (prop.From == nil || model.Holds(prop.From, st.State)) && !model.Holds(prop.To, st.State) {
			start = i
		}
		if start >= 0 && model.Holds(prop.To, st.State) {
			t.Fatalf("state %d satisfies leads_to after the From state %d", i+1, start+1)
		}
	}
	if start < 0 || start > v.LoopTo {
		t.Fatalf("no From state before the cycle (start %d, loop to %d)", start, v.LoopTo)
	}
	last := v.Trace[len(v.Trace)-1].State
	cycle := v.Trace[v.LoopTo:]
	if v.Loop != nil {
		n, _, err := m.Step(last, *v.Loop.Input)
		if err != nil || !statesEqual(n, v.Trace[v.LoopTo].State) {
			t.Fatalf("the closing step %s does not lead back to state %d: %v", model.FormatInput(*v.Loop.Input), v.LoopTo+1, err)
		}
	} else if v.LoopTo != len(v.Trace)-1 {
		t.Fatalf("a stuttering lasso must loop on its last state")
	}
	taken := map[*model.Transition]bool{}
	for _, st := range v.Trace[v.LoopTo+1:] {
		taken[st.Transition] = true
	}
	if v.Loop != nil {
		taken[v.Loop.Transition] = true
	}
	ivs, _ := m.InputValues(nil)
	enabled := func(f *model.Fairness, s model.State) bool {
		for _, iv := range ivs {
			for _, tr := range f.Transitions {
				if tr.Input != iv.Input || !tr.Allows(int(s[m.Phase.Index].N)) {
					continue
				}
				if ok, err := m.Enabled(tr, s, iv.Args); ok && err == nil {
					if n, _, err := m.Fire(tr, s, iv.Args); err == nil && !statesEqual(n, s) {
						return true
					}
				}
			}
		}
		return false
	}
	for _, f := range m.Fairness {
		took := false
		for _, tr := range f.Transitions {
			took = took || taken[tr]
		}
		if took {
			continue
		}
		disabledSome, disabledAll := false, true
		for _, st := range cycle {
			if enabled(f, st.State) {
				disabledAll = false
			} else {
				disabledSome = true
			}
		}
		if f.Kind == model.Weak && !disabledSome || f.Kind == model.Strong && !disabledAll {
			t.Errorf("the cycle is not %s fair to %s", f.Kind, f.Name)
		}
	}
}

func TestLivenessHoldsUnderStrongFairness(t *testing.T) {
	m := loadVariant(t)
	res, err := CheckLiveness(m, m.Profile("ci"), LivenessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil || res.Properties != 2 || res.States != 8 {
		t.Fatalf("%s: %+v", res.Summary(), res.Violation)
	}
}

func TestLivenessViolations(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace []string
		prop    string
		stutter bool
		steps   int // length of the stem
	}{
		// Without fairness for Grant, the request may wait forever.
		{"no fairness", []string{"  strong: [Grant]\n", ""}, "request_granted", true, 1},
		// Weakly fair Grant: withdrawing and asking again forever is fair,
		// since Grant is disabled in Idle.
		{"weak", []string{"  strong: [Grant]\n", "", "[Release, Request]", "[Release, Request, Grant]"}, "request_granted", false, 2},
		// Without fairness for Release, the machine may stay Granted.
		{"release unfair", []string{"[Release, Request]", "[Request]"}, "back_to_idle", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadVariant(t, tc.replace...)
			res, err := CheckLiveness(m, m.Profile("ci"), LivenessOptions{})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Violation
			if v == nil || v.Kind != KindLiveness || v.Property != tc.prop {
				t.Fatalf("want %s violated, got %v (%s)", tc.prop, v, res.Summary())
			}
			if (v.Loop == nil) != tc.stutter {
				t.Errorf("stuttering lasso = %v, want %v", v.Loop == nil, tc.stutter)
			}
			if len(v.Trace)-1 != tc.steps {
				var b bytes.Buffer
				WriteTrace(&b, m, v)
				t.Errorf("trace has %d steps, want %d:\n%s", len(v.Trace)-1, tc.steps, b.String())
			}
			checkLasso(t, m, v)
		})
	}
}

func TestLivenessTraceOutput(t *testing.T) {
	m := loadVariant(t, "  strong: [Grant]\n", "", "[Release, Request]", "[Release, Request, Grant]")
	res, err := CheckLiveness(m, m.Profile("ci"), LivenessOptions{})
	if err != nil || res.Violation == nil {
		t.Fatalf("%v %v", err, res)
	}
	var b bytes.Buffer
	WriteTrace(&b, m, res.Violation)
	want := `Error: liveness property request_granted is violated.
Error: The behavior up to this point is:
State 1: <Initial predicate>
/\ phase = Idle
/\ grants = 0
State 2: <Request: transition Ask>
/\ phase = Requested
State 3: <Withdraw: transition GiveUp>
/\ phase = Idle
Back to state 2: <Request: transition Ask>
`
	if b.String() != want {
		t.Errorf("trace:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteJSON(&b, m, m.Profile("ci"), res.Violation); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"kind": "liveness"`, `"property": "request_granted"`, `"loop_to": 2`, `"transition": "Ask"`} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("JSON lacks %s:\n%s", s, b.String())
		}
	}
}

// The emitted lasso test runs the generated package's Step through the
// lasso and asks LassoViolates about the states: it fails against the
// broken spec, and passes against the fixed one although every step of the
// lasso is still accepted there (the fix is the fairness, not a guard).
func TestEmittedLassoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two generated packages")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	brokenSrc := strings.Replace(mustRead(t, "testdata/liveness.yaml"), "  strong: [Grant]\n", "", 1)
	broken, err := model.Parse("grant.yaml", []byte(brokenSrc))
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckLiveness(broken, broken.Profile("ci"), LivenessOptions{})
	if err != nil || res.Violation == nil {
		t.Fatalf("no violation: %v %v", err, res)
	}
	var test bytes.Buffer
	if err := WriteTest(&test, broken, res.Profile, res.Violation, TestOptions{Package: "grant", Spec: "grant.yaml", SpecPath: "grant.yaml"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec   string
		fails  bool
		expect string
	}{
		{brokenSrc, true, "liveness property request_granted is violated: the lasso of 1 steps is still a fair behaviour"},
		{mustRead(t, "testdata/liveness.yaml"), false, "the cycle is not strongly fair to Grant"},
	} {
		m, err := model.Parse("grant.yaml", []byte(c.spec))
		if err != nil {
			t.Fatal(err)
		}
		src, err := gocode.Generate(m, gocode.Options{Package: "grant"})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		files := map[string][]byte{
			"go.mod":                 []byte("module example.com/grant\n\ngo 1.23\n\nrequire github.com/meerkat-go/dslmachine v0.0.0\n\nreplace github.com/meerkat-go/dslmachine => " + root + "\n"),
			"go.sum":                 sum,
			"grant.yaml":             []byte(c.spec),
			gocode.FileName(m):       src,
			"counterexample_test.go": test.Bytes(),
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(goBin, "test", "-count=1", "-v", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOSUMDB=off")
		out, err := cmd.CombinedOutput()
		if c.fails != (err != nil) {
			t.Errorf("go test failed=%v, want %v:\n%s", err != nil, c.fails, out)
		}
		if !strings.Contains(string(out), c.expect) {
			t.Errorf("go test output lacks %q:\n%s", c.expect, out)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestITF: a lasso in ITF lists the variables, every state with its index,
// input and transition, values in the TLA+ encoding, and the loop index.
func TestITF(t *testing.T) {
	m := loadVariant(t, "  strong: [Grant]\n", "", "[Release, Request]", "[Release, Request, Grant]")
	res, err := CheckLiveness(m, m.Profile("ci"), LivenessOptions{})
	if err != nil || res.Violation == nil {
		t.Fatalf("%v %v", err, res)
	}
	var b bytes.Buffer
	if err := WriteITF(&b, m, m.Profile("ci"), res.Violation); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vars   []string         `json:"vars"`
		States []map[string]any `json:"states"`
		Loop   *int             `json:"loop"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if strings.Join(doc.Vars, ",") != "phase,grants" || len(doc.States) != 3 || doc.Loop == nil || *doc.Loop != 1 {
		t.Fatalf("ITF:\n%s", b.String())
	}
	s1 := doc.States[1]
	meta := s1["#meta"].(map[string]any)
	if s1["phase"] != "Requested" || meta["transition"] != "Ask" || meta["index"] != 1.0 {
		t.Errorf("state 1: %v", s1)
	}
	if g := s1["grants"].(map[string]any); g["#bigint"] != "0" {
		t.Errorf("grants: %v", s1["grants"])
	}
}

// TestProfileSelectsProperties: a profile's liveness list limits the
// properties checked; an empty list checks none.
func TestProfileSelectsProperties(t *testing.T) {
	m := loadVariant(t, "  strong: [Grant]\n", "", "profiles:\n  ci: {}", "profiles:\n  ci: {}\n  idle_only:\n    liveness: [back_to_idle]\n  no_props:\n    liveness: []")
	for _, c := range []struct {
		profile string
		props   int
		fails   bool
	}{{"ci", 2, true}, {"idle_only", 1, false}, {"no_props", 0, false}} {
		res, err := CheckLiveness(m, m.Profile(c.profile), LivenessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Properties != c.props || (res.Violation != nil) != c.fails {
			t.Errorf("%s: %s", c.profile, res.Summary())
		}
	}
	if _, err := model.Parse("x.yaml", []byte(strings.Replace(mustRead(t, "testdata/liveness.yaml"), "  ci: {}", "  ci: {liveness: [nope]}", 1))); err == nil || !strings.Contains(err.Error(), "unknown liveness property nope in profile ci") {
		t.Errorf("unknown property: %v", err)
	}
}
