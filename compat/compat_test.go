package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
			if (gerr != nil) != (werr != nil) || (werr == nil && !slices.Equal(got, want)) {
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
	if sum := res.Summary(); !strings.Contains(sum, ": incomplete") || strings.Contains(sum, " ok") {
		t.Errorf("the summary of a limited run does not say incomplete: %s", sum)
	}
	var b strings.Builder
	if err := WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"status":"incomplete"`) {
		t.Errorf("the JSON summary of a limited run: %s", b.String())
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
	if !fields["phase"] || !fields["paid_total"] || !fields["paid_out"] || res.Errors() != 3 {
		t.Errorf("want decode errors on phase, paid_total (missing) and paid_out (unknown), got %s", res.Summary())
	}
	for _, f := range res.Findings {
		if f.Field != "phase" && f.Count != res.States {
			t.Errorf("field %s: %d old states, want every one, %d", f.Field, f.Count, res.States)
		}
	}
	if res := runPair(t, dir+"vending_v1.yaml", dir+"vending_v2_fixed.yaml"); len(res.Findings) != 0 {
		t.Errorf("the fixed v2: %s: %s", res.Summary(), res.Findings[0].Message)
	}
}

// TestNondeterminism: an input value that enables two transitions is an
// error finding, of the old spec or of the new one, and the exploration of
// a nondeterministic old spec follows the first transition in source order
// (as the generated Step does), so it reaches the states beyond it.
func TestNondeterminism(t *testing.T) {
	const dir = "testdata/outsider/"
	for _, c := range []struct {
		old, new, spec, first, other string
	}{
		{"nondet_old.yaml", "queue_v1.yaml", "old", "Halt2", "Halt"},
		{"queue_v1.yaml", "nondet_new.yaml", "new", "Park", "Halt"},
	} {
		t.Run(c.old+"->"+c.new, func(t *testing.T) {
			res := runPair(t, dir+c.old, dir+c.new)
			var nd *Finding
			for _, f := range res.Findings {
				if f.Kind == KindNondeterministic {
					nd = f
				}
			}
			if nd == nil || nd.Severity != SeverityError || res.Errors() == 0 {
				t.Fatalf("no nondeterminism error: %s", res.Summary())
			}
			first := nd.OldTransition
			if c.spec == "new" {
				first = nd.NewTransition
			}
			if first == nil || first.Name != c.first || nd.Other.Name != c.other || !strings.Contains(nd.Message, c.spec+" spec") {
				t.Errorf("got %q", nd.Message)
			}
			if err := check.Replay(res.Old, nd.Trace); err != nil && c.spec == "new" {
				t.Error(err)
			}
		})
	}
	// The old spec's Stop in Idle fires Halt2 (to Busy): every state of the
	// deterministic v1 is reached, and Halt's Stopped is not.
	old, nw := load(t, dir+"nondet_old.yaml"), load(t, dir+"queue_v1.yaml")
	res, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := check.Compile(nw, nw.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	err = prog.Reachable(check.ReachOptions{}, func(s model.State, _ int) error {
		if nw.PhaseEnum().Values[s[nw.Phase.Index].N] != "Stopped" {
			want++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.States != want {
		t.Errorf("explored %d old states, want %d (v1's but Stopped)", res.States, want)
	}
}

// TestBehaviourCount: a behaviour finding counts the old states that show
// it, not the input values: the interpreter's count of the reachable old
// states where some value of the input leads elsewhere than the migration
// of the old successor.
func TestBehaviourCount(t *testing.T) {
	const dir = "testdata/outsider/"
	res := runPair(t, dir+"door_v1.yaml", dir+"door_fails.yaml")
	if len(res.Findings) != 1 || res.Findings[0].Change != ChangeElsewhere {
		t.Fatalf("want one leads-elsewhere finding: %s", res.Summary())
	}
	f := res.Findings[0]
	old, nw := res.Old, res.New
	prog, err := check.Compile(old, res.OldProfile)
	if err != nil {
		t.Fatal(err)
	}
	ivs, err := old.InputValues(res.OldProfile)
	if err != nil {
		t.Fatal(err)
	}
	migrate := func(s model.State) model.State {
		js, err := old.StateJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := nw.MigrateStateJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	want := 0
	err = prog.Reachable(check.ReachOptions{}, func(s model.State, _ int) error {
		for _, iv := range ivs {
			if iv.Input.Name != f.Input.Input.Name {
				continue
			}
			next, _, err := old.Step(s, iv)
			if err != nil {
				continue
			}
			niv := model.InputValue{Input: nw.Input(iv.Input.Name), Args: iv.Args}
			got, _, err := nw.Step(migrate(s), niv)
			if err == nil && !slices.Equal(got, migrate(next)) {
				want++
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.Count != want {
		t.Errorf("count %d, want %d old states", f.Count, want)
	}
}

// TestDecodeEveryProblem: a state that does not decode for several reasons
// shows every one, each finding counting every old state that has its
// problem (the interpreter's count over the reachable old states), and a
// renamed_from typo shows the old field left over as unknown.
func TestDecodeEveryProblem(t *testing.T) {
	const dir = "testdata/outsider/"
	src, err := os.ReadFile(dir + "order_gift_wrap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	typo, err := validate.Parse("typo.yaml", []byte(strings.Replace(string(src), "renamed_from: items", "renamed_from: itemz", 1)))
	if err != nil {
		t.Fatal(err)
	}
	old := load(t, dir+"order_v1.yaml")
	prog, err := check.Compile(old, old.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	// count counts the reachable old states where pred holds.
	count := func(pred func(s model.State) bool) int {
		n := 0
		if err := prog.Reachable(check.ReachOptions{}, func(s model.State, _ int) error {
			if pred(s) {
				n++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	all := count(func(model.State) bool { return true })
	items := old.Field("items").Index
	for _, c := range []struct {
		name string
		nw   *model.Machine
		want map[string]int // field -> old states
	}{
		{"two new fields", load(t, dir+"order_gift_wrap.yaml"), map[string]int{"gift": all, "wrap": all}},
		{"new field and lower max", load(t, dir+"order_max_gift.yaml"),
			map[string]int{"gift": all, "count": count(func(s model.State) bool { return s[items].N > 3 })}},
		{"renamed_from typo", typo, map[string]int{"gift": all, "wrap": all, "count": all, "items": all}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(context.Background(), old, c.nw, old.Profile("ci"), c.nw.Profile("ci"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, f := range res.Findings {
				if f.Kind == KindDecode {
					got[f.Field] += f.Count
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("decode findings (field: old states) %v, want %v", got, c.want)
			}
		})
	}
}

// TestDecodeGrouped: a tightened max is one finding for the field, not one
// per value above it, with a shortest trace to the first such state.
func TestDecodeGrouped(t *testing.T) {
	const dir = "testdata/outsider/"
	res := runPair(t, dir+"queue_n.yaml", dir+"queue_n_max.yaml")
	var decode []*Finding
	for _, f := range res.Findings {
		if f.Kind == KindDecode {
			decode = append(decode, f)
		}
	}
	if len(decode) != 1 {
		t.Fatalf("want one decode finding, got %d: %s", len(decode), res.Summary())
	}
	f := decode[0]
	if f.Field != "done" || !strings.Contains(f.Message, "above its new max 2") || f.Count < 2 {
		t.Errorf("got %q (%d old states)", f.Message, f.Count)
	}
	if err := check.Replay(res.Old, f.Trace); err != nil {
		t.Error(err)
	}
	if s := f.Trace[len(f.Trace)-1].State; s[res.Old.Field("done").Index].N != 3 {
		t.Errorf("the first state above the max has done = %d, want 3", s[res.Old.Field("done").Index].N)
	}
}

// TestProgress: a long exploration prints progress lines, and a cancelled
// context stops it.
func TestProgress(t *testing.T) {
	m := load(t, "testdata/outsider/queue_huge.yaml")
	var b strings.Builder
	res, err := Run(context.Background(), m, m, m.Profile("huge"), m.Profile("huge"),
		Options{MaxStates: 5000, Progress: &b, ProgressEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Limited || !strings.HasPrefix(b.String(), "progress: ") || !strings.Contains(b.String(), "old states explored") {
		t.Errorf("limited %v, progress %q", res.Limited, b.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, m, m, m.Profile("huge"), m.Profile("huge"), Options{MaxStates: 5000}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

// TestEmittedTestNames: the emitted tests of different findings have
// different function names, each a TestCompat identifier naming its kind.
func TestEmittedTestNames(t *testing.T) {
	seen := map[string]string{}
	for _, spec := range []string{"decode.yaml", "invariant.yaml", "behaviour.yaml", "behaviour_stable.yaml", "deadend.yaml"} {
		res := runPair(t, "testdata/lamp_v1.yaml", filepath.Join("testdata", spec))
		for _, f := range res.Findings {
			var b strings.Builder
			if err := WriteTest(&b, res, f, TestOptions{Package: "lamp"}); err != nil {
				t.Fatal(err)
			}
			name := TestName(f)
			if !strings.Contains(b.String(), "func "+name+"(t *testing.T)") || !strings.HasPrefix(name, "TestCompat") {
				t.Errorf("%s: the test is not named %s", spec, name)
			}
			if prev, dup := seen[name]; dup {
				t.Errorf("%s and %s: the same test name %s", prev, spec, name)
			}
			seen[name] = spec
		}
	}
	if _, ok := seen[""]; ok || len(seen) < 5 {
		t.Errorf("names: %v", seen)
	}
}

// TestNewFieldNotCompared: a new field (with a default) that a stable input
// now writes is no behaviour change: only the fields the old spec has are
// compared. A change of an old field by the same input still is.
func TestNewFieldNotCompared(t *testing.T) {
	const dir = "testdata/outsider/"
	res := runPair(t, dir+"order_v1.yaml", dir+"order_gift_stable.yaml")
	if len(res.Findings) != 0 {
		t.Fatalf("want no finding: %s: %s", res.Summary(), res.Findings[0].Message)
	}
	src, err := os.ReadFile(dir + "order_gift_stable.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "      - gift := true\n") {
		t.Fatal("the spec changed")
	}
	both, err := validate.Parse("both.yaml", []byte(strings.Replace(string(src), "      - gift := true\n", "      - gift := true\n      - count := 0\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	old := load(t, dir+"order_v1.yaml")
	res, err = Run(context.Background(), old, both, old.Profile("ci"), both.Profile("ci"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors() == 0 {
		t.Fatalf("a stable input that now resets count: %s", res.Summary())
	}
	for _, f := range res.Findings {
		if f.Kind == KindBehaviour && !strings.HasSuffix(f.Message, "differ in count") {
			t.Errorf("got %q", f.Message)
		}
	}
}

// TestProfileError: a profile that cannot be explored is a *ProfileError at
// the profile's position that matches ErrProfile.
func TestProfileError(t *testing.T) {
	old, nw := load(t, "testdata/outsider/login_v1.yaml"), load(t, "testdata/outsider/login_kick_nodomain.yaml")
	_, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
	var pe *ProfileError
	if !errors.Is(err, ErrProfile) || !errors.As(err, &pe) || pe.Spec != "new" || pe.Pos != nw.Profile("ci").Pos {
		t.Fatalf("got %v", err)
	}
}

// TestRemovedFields: a dropped field is a decode error (unknown) until the
// new spec lists it in removed_fields; then the old states decode, by the
// fast migrator and by MigrateStateJSON alike.
func TestRemovedFields(t *testing.T) {
	const dir = "testdata/outsider/"
	res := runPair(t, dir+"order_paid.yaml", dir+"order_drop_paid.yaml")
	if len(res.Findings) != 1 || res.Findings[0].Field != "paid" || res.Findings[0].Count != res.States {
		t.Fatalf("want paid unknown in every old state: %s", res.Summary())
	}
	res = runPair(t, dir+"order_paid.yaml", dir+"order_drop_paid_fixed.yaml")
	if len(res.Findings) != 0 {
		t.Fatalf("with removed_fields: %s: %s", res.Summary(), res.Findings[0].Message)
	}
	mg := newMigrator(res.Old, res.New)
	prog, err := check.Compile(res.Old, res.OldProfile)
	if err != nil {
		t.Fatal(err)
	}
	err = prog.Reachable(check.ReachOptions{}, func(s model.State, _ int) error {
		js, err := res.Old.StateJSON(s)
		if err != nil {
			return err
		}
		want, err := res.New.MigrateStateJSON(js)
		if err != nil {
			return err
		}
		if got, err := mg.migrate(s); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: migrator %v %v, MigrateStateJSON %v", js, got, err, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
