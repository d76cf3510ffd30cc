package compat

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

func load(t *testing.T, path string) *model.Machine {
	t.Helper()
	m, err := validate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runPair(t *testing.T, oldPath, newPath string) *Result {
	t.Helper()
	old, nw := load(t, oldPath), load(t, newPath)
	res, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFindingKinds: each spec pair of testdata produces exactly the finding
// it was written for, at the right severity, with a shortest trace in the
// old spec to a state that shows it; the compatible evolutions produce none.
func TestFindingKinds(t *testing.T) {
	for _, c := range []struct {
		spec     string
		kind     Kind
		severity Severity
		count    int
		depth    int // the trace's length in steps
	}{
		{"decode.yaml", KindDecode, SeverityError, 3, 2},
		{"invariant.yaml", KindInvariant, SeverityError, 2, 4},
		{"behaviour.yaml", KindBehaviour, SeverityWarning, 3, 2},
		{"behaviour_stable.yaml", KindBehaviour, SeverityError, 3, 2},
		{"deadend.yaml", KindDeadEnd, SeverityError, 4, 1},
		{"unreached.yaml", KindUnreached, SeverityWarning, 2, 4},
		{"decode_fixed.yaml", "", "", 0, 0},
		{"deadend_fixed.yaml", "", "", 0, 0},
		{"evolved.yaml", "", "", 0, 0},
		{"lamp_v1.yaml", "", "", 0, 0},
	} {
		t.Run(c.spec, func(t *testing.T) {
			res := runPair(t, "testdata/lamp_v1.yaml", filepath.Join("testdata", c.spec))
			if res.States != 9 || res.Limited {
				t.Errorf("explored %d old states (limited %v), want all 9", res.States, res.Limited)
			}
			if c.kind == "" {
				if len(res.Findings) != 0 {
					t.Fatalf("want no finding, got %q", res.Findings[0].Message)
				}
				return
			}
			if len(res.Findings) != 1 {
				t.Fatalf("want exactly one finding, got %d: %s", len(res.Findings), res.Summary())
			}
			f := res.Findings[0]
			if f.Kind != c.kind || f.Severity != c.severity || f.Count != c.count || len(f.Trace)-1 != c.depth {
				t.Errorf("got %s %s count %d depth %d, want %s %s count %d depth %d: %s",
					f.Kind, f.Severity, f.Count, len(f.Trace)-1, c.kind, c.severity, c.count, c.depth, f.Message)
			}
			// The trace is a trace of the old spec and ends in the state
			// whose JSON the finding carries.
			if err := check.Replay(res.Old, f.Trace); err != nil {
				t.Error(err)
			}
			js, err := res.Old.StateJSON(f.Trace[len(f.Trace)-1].State)
			if err != nil || string(js) != string(f.OldJSON) {
				t.Errorf("the trace ends in %s, the finding's state is %s", js, f.OldJSON)
			}
		})
	}
}

// TestNoInput: an input the new spec removed, accepted by the old spec, is a
// behaviour change with no new input.
func TestNoInput(t *testing.T) {
	old := load(t, "testdata/lamp_v1.yaml")
	src, err := os.ReadFile("testdata/lamp_v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	nw, err := validate.Parse("nobreak.yaml", []byte(cut(t, string(src), "  Break: {}\n", "  - name: Smash\n    on: Break\n    from: [Off, On, Dim]\n    to: Broken\n")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Change != ChangeNoInput || res.Findings[0].Input.Input.Name != "Break" {
		t.Fatalf("want one no-input finding for Break: %s", res.Summary())
	}
}

func cut(t *testing.T, s string, parts ...string) string {
	t.Helper()
	for _, p := range parts {
		i := indexOf(s, p)
		if i < 0 {
			t.Fatalf("%q not in the spec", p)
		}
		s = s[:i] + s[i+len(p):]
	}
	return s
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestMigratorMatchesJSON: the fast migration of Run gives, on every state
// the old spec reaches and every value of each field's type, what
// model.Machine.MigrateStateJSON gives (the same state, or an error).
func TestMigratorMatchesJSON(t *testing.T) {
	old := load(t, "testdata/lamp_v1.yaml")
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Every combination of phase and level, reachable or not.
	var states []model.State
	for ph := range old.PhaseEnum().Values {
		for lv := uint64(0); lv <= 4; lv++ {
			states = append(states, model.State{model.EnumValue(ph), model.Uint(lv)})
		}
	}
	for _, f := range files {
		nw := load(t, f)
		mg := newMigrator(old, nw)
		for _, s := range states {
			got, gerr := mg.migrate(s)
			js, err := old.StateJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			want, werr := nw.MigrateStateJSON(js)
			if (gerr != nil) != (werr != nil) || (werr == nil && !equal(got, want)) {
				t.Errorf("%s: %s: migrator %v %v, JSON %v %v", f, js, got, gerr, want, werr)
			}
			if werr != nil && !errors.Is(werr, model.ErrBadJSON) {
				t.Errorf("%s: %s: the error %v does not match ErrBadJSON", f, js, werr)
			}
		}
	}
}

// TestMaxStates: the exploration stops at the limit and says so.
func TestMaxStates(t *testing.T) {
	old, nw := load(t, "testdata/lamp_v1.yaml"), load(t, "testdata/lamp_v1.yaml")
	res, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{MaxStates: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Limited || res.States != 3 {
		t.Fatalf("limited %v after %d states, want true after 3", res.Limited, res.States)
	}
}

// TestExamplePair: the vending v1/v2 pair of spec/examples/testdata has its
// deliberate incompatibility (a renamed phase value and field, no
// migration), and the fixed v2 none.
func TestExamplePair(t *testing.T) {
	const dir = "../spec/examples/testdata/"
	res := runPair(t, dir+"vending_v1.yaml", dir+"vending_v2.yaml")
	fields := map[string]bool{}
	for _, f := range res.Findings {
		if f.Kind != KindDecode {
			t.Errorf("unexpected %s finding: %s", f.Kind, f.Message)
		}
		fields[f.Field] = true
	}
	if !fields["phase"] || !fields["paid_total"] || res.Errors() != 2 {
		t.Errorf("want decode errors on phase and paid_total, got %s", res.Summary())
	}
	if res := runPair(t, dir+"vending_v1.yaml", dir+"vending_v2_fixed.yaml"); len(res.Findings) != 0 {
		t.Errorf("the fixed v2: %s: %s", res.Summary(), res.Findings[0].Message)
	}
}
