package compat

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

// TestCollectionTypeChanges: a set or map field whose element, key or value
// type or capacity changes is migrated by the rule of MigrateStateJSON, not
// copied as it is. compat used to compare only the kinds (set = set), so it
// called these changes safe and read enum elements by index (found by an
// adversarial tester).
func TestCollectionTypeChanges(t *testing.T) {
	for _, c := range []struct {
		name, old, from, to string
		decode              bool // a reachable old state does not decode
		anyFinding          bool // some finding is expected
	}{
		{"enum value removed", "palette.yaml", "Color: [Red, Green, Blue]", "Color: [Red, Green]", true, true},
		{"capacity lowered", "palette.yaml", `"set<Color, 3>"`, `"set<Color, 2>"`, true, true},
		{"enum reordered", "palette.yaml", "Color: [Red, Green, Blue]", "Color: [Blue, Green, Red]", false, false},
		{"capacity raised", "palette.yaml", `"set<Color, 3>"`, `"set<Color, 4>"`, false, false},
		{"map value type changed", "jobs.yaml", `"map<Job, uint, 2>"`, `"map<Job, bool, 2>"`, true, true},
		{"map capacity lowered", "jobs.yaml", `"map<Job, uint, 2>"`, `"map<Job, uint, 1>"`, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := "testdata/collections/" + c.old
			old := load(t, path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			src := string(data)
			if !strings.Contains(src, c.from) {
				t.Fatalf("%q is not in %s", c.from, path)
			}
			text := strings.Replace(src, c.from, c.to, 1)
			if c.to == `"map<Job, bool, 2>"` {
				text = strings.NewReplacer("get(tries, arg.j, 0) + 1", "true", "bounds: {tries: 3}", "bounds: {}").Replace(text)
			}
			nw, err := validate.Parse("new.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			decode := false
			for _, f := range res.Findings {
				decode = decode || f.Kind == KindDecode && f.Severity == SeverityError
			}
			if decode != c.decode || (len(res.Findings) > 0) != c.anyFinding {
				t.Errorf("decode error %v (want %v), findings %d (want some: %v): %s", decode, c.decode, len(res.Findings), c.anyFinding, res.Summary())
			}
			// The fast migration agrees with MigrateStateJSON on every
			// state the old spec reaches.
			mg := newMigrator(old, nw)
			for _, s := range reachable(t, old) {
				got, gerr := mg.migrate(s)
				js, err := old.StateJSON(s)
				if err != nil {
					t.Fatal(err)
				}
				want, werr := nw.MigrateStateJSON(js)
				if (gerr != nil) != (werr != nil) || (werr == nil && !slices.Equal(got, want)) {
					t.Errorf("%s: migrator %v %v, JSON %v %v", js, got, gerr, want, werr)
				}
			}
		})
	}
}

// reachable returns the states m reaches in at most 4 steps of its ci
// profile's input values, by the interpreter.
func reachable(t *testing.T, m *model.Machine) []model.State {
	t.Helper()
	ivs, err := m.InputValues(m.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	var out []model.State
	seen := map[string]bool{}
	level := []model.State{m.Initial()}
	for depth := 0; depth <= 4 && len(level) > 0; depth++ {
		var next []model.State
		for _, s := range level {
			js, err := m.StateJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if seen[string(js)] {
				continue
			}
			seen[string(js)] = true
			out = append(out, s)
			for _, iv := range ivs {
				for _, tr := range m.Transitions {
					if tr.Input != iv.Input {
						continue
					}
					if ok, err := m.Enabled(tr, s, iv.Args); err != nil || !ok {
						continue
					}
					if n, _, err := m.Fire(tr, s, iv.Args); err == nil {
						next = append(next, n)
					}
				}
			}
		}
		level = next
	}
	return out
}

// TestDepthProfile: compat explores the old spec as dslgen check does, to
// the old profile's depth: the states first reached in depth steps are
// checked but not expanded. It used to ignore depth: and run forever on an
// unbounded counter (found by an adversarial tester).
func TestDepthProfile(t *testing.T) {
	spec := `machine: Dep
enums:
  Phase: [Run]
fields:
  phase: {type: Phase, initial: Run}
  n: {type: uint, initial: 0}
phase: phase
inputs:
  Inc: {}
transitions:
  - name: Up
    on: Inc
    from: [Run]
    do:
      - n := n + 1
invariants:
  small: n <= LIMIT
profiles:
  ci:
    depth: 3
`
	old, err := validate.Parse("old.yaml", []byte(strings.Replace(spec, "LIMIT", "10", 1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit    string
		findings int
	}{{"10", 0}, {"3", 0}, {"2", 1}} {
		nw, err := validate.Parse("new.yaml", []byte(strings.Replace(spec, "LIMIT", c.limit, 1)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := Run(ctx, old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
		cancel()
		if err != nil {
			t.Fatalf("limit %s: %v", c.limit, err)
		}
		if res.States != 4 || res.Depth != 3 || res.Limited || len(res.Findings) != c.findings {
			t.Errorf("limit %s: %s (%d findings); want 4 old states to depth 3 and %d findings", c.limit, res.Summary(), len(res.Findings), c.findings)
		}
	}
}

// TestMapValueAboveNewBound: a migrated map whose uint value is above the
// new profile's bound is stepped exactly (by the interpreter), not with the
// compiled program's saturated code of it. The old spec reaches tries =
// {a: 3}; the new one refuses Close there (a stable input), which compat
// missed when the new profile bounded tries at 1: the code of 3 saturated
// to 2 and the guard read 2 < 3 (found by an adversarial tester).
func TestMapValueAboveNewBound(t *testing.T) {
	res := runPair(t, "testdata/collections/tries.yaml", "testdata/collections/tries_new.yaml")
	found := false
	for _, f := range res.Findings {
		found = found || f.Kind == KindBehaviour && f.Severity == SeverityError && strings.Contains(f.Message, "Close")
	}
	if !found {
		t.Errorf("no behaviour error for Close: %s", res.Summary())
		for _, f := range res.Findings {
			t.Log(f.Message)
		}
	}
}

// TestProfileErrorWithoutNewProfile: when the new spec has no profile of the
// old one's name, its inputs are fired with the default domains; an id
// parameter then has no domain, and the error says why the default profile
// was used (it used to name only "profile default", at 1:1).
func TestProfileErrorWithoutNewProfile(t *testing.T) {
	old := load(t, "testdata/collections/jobs.yaml")
	data, err := os.ReadFile("testdata/collections/jobs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(data)
	nw, err := validate.Parse("noprofile.yaml", []byte(src[:strings.Index(src, "profiles:")]))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), old, nw, old.Profile("ci"), nw.Profile("ci"), Options{})
	if !errors.Is(err, ErrProfile) || !strings.Contains(err.Error(), "new spec: it has no profile ci") || !strings.Contains(err.Error(), "Job") {
		t.Fatalf("got %v", err)
	}
}
