package shipped

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/internal/specfuzz"
	"github.com/meerkat-go/dslmachine/validate"
)

// randomMaxStates skips a random spec's profile whose space is larger:
// the closure engine is run first to find out.
const randomMaxStates = 20_000

// TestShippedAgreesOnRandomSpecs is the cross-check of the two exploration
// paths on specs nobody wrote: random specs from internal/specfuzz (valid
// by construction), on each of their profiles, explored by the generated
// package in the helper program (with every hit of Expand's memo confirmed
// by firing the step again) and by the closures, state for state. Every
// other spec has its invariants dropped, so that the memo's keys are the
// transitions' own reads.
// SHIPPED_RANDOM_N sets how many specs (default 40) and SHIPPED_RANDOM_SEED
// the seed (default 1).
func TestShippedAgreesOnRandomSpecs(t *testing.T) {
	n := envInt(t, "SHIPPED_RANDOM_N", 40)
	seed := envInt(t, "SHIPPED_RANDOM_SEED", 1)
	gen := specfuzz.PlainSpecGen()
	dir := t.TempDir()
	var targets []*target
	names := map[*target]string{}
	yamls := map[*target][]byte{}
	for i := range n {
		s := gen.Example(seed*1_000_003 + i)
		if i%2 == 1 {
			// Without invariants, Expand's memo keys on the candidate
			// transitions' own reads alone (an invariant's reads join the
			// key when a candidate writes a field it reads).
			s.Invariants = nil
		}
		f := filepath.Join(dir, fmt.Sprintf("s%03d.yaml", i))
		if err := os.WriteFile(f, s.YAML(), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := validate.Load(f)
		if err != nil {
			t.Fatalf("spec %d of seed %d does not validate: %v\n%s", i, seed, err, s.YAML())
		}
		for _, p := range profilesOf(f, m) {
			if p == nil || check.CheckInputLimits(m, p, check.Options{}) != nil {
				continue
			}
			r, err := check.Run(m, p, check.Options{Workers: 1, MaxStates: randomMaxStates})
			if err != nil || r.Limited {
				continue // refused by either engine, or too large for a test
			}
			tg, err := newTarget(m, p, "", f)
			if err != nil {
				t.Fatalf("spec %d profile %s: %v\n%s", i, p.Name, err, s.YAML())
			}
			targets = append(targets, tg)
			names[tg] = fmt.Sprintf("s%03d/%s", i, p.Name)
			yamls[tg] = s.YAML()
		}
	}
	if len(targets) < n/2 {
		t.Fatalf("only %d of %d random specs have a profile to compare", len(targets), n)
	}
	bin := buildBundle(t, targets)
	for _, tg := range targets {
		t.Run(names[tg], func(t *testing.T) {
			for _, d := range compare(t, tg, bin) {
				t.Error(d)
			}
			if t.Failed() {
				t.Logf("spec:\n%s", yamls[tg])
			}
		})
	}
}

// envInt reads an integer from the environment, def when unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return x
}
