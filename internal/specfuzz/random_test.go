package specfuzz

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// specBatch is how many specs one go build compiles.
const specBatch = 100

// TestRandomSpecs runs SPECFUZZ_N random specs through the whole pipeline
// and fails on every distinct failure, with a shrunk spec for each.
func TestRandomSpecs(t *testing.T) {
	n := envInt(t, "SPECFUZZ_N", defaultSpecs)
	seed := envInt(t, "SPECFUZZ_SEED", 1)
	start := time.Now()
	gen := SpecGen()
	if os.Getenv("SPECFUZZ_PLAIN") != "" {
		gen = PlainSpecGen()
	}
	specs := make([]*Spec, n)
	cases := make([]Case, n)
	for i := range n {
		specs[i] = gen.Example(seed*1_000_003 + i)
		cases[i] = Case{Name: fmt.Sprintf("s%05d", i), YAML: specs[i].YAML(), Sanitized: specs[i].Sanitized()}
	}
	rn := newRunner(t)
	rn.Log = t.Logf
	// Batches bound the size of the scratch module of one go build.
	var out []*Outcome
	for lo := 0; lo < n; lo += specBatch {
		o, err := rn.Run(cases[lo:min(lo+specBatch, n)])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o...)
	}
	sum := Summarize(out)
	t.Logf("seed %d, %v:\n%s", seed, time.Since(start).Round(time.Millisecond), sum)
	if sum.Failed == 0 {
		return
	}
	sigs := make([]string, 0, len(sum.BySignature))
	for sig := range sum.BySignature {
		sigs = append(sigs, sig)
	}
	sort.Strings(sigs)
	byName := map[string]int{}
	for i, c := range cases {
		byName[c.Name] = i
	}
	budget := envInt(t, "SPECFUZZ_SHRINK", 1)
	shrinkTime := time.Duration(envInt(t, "SPECFUZZ_SHRINK_SECONDS", 20)) * time.Second
	save := os.Getenv("SPECFUZZ_SAVE")
	for k, sig := range sigs {
		i := byName[sum.BySignature[sig][0]]
		if k >= budget {
			t.Errorf("%s\nspec %s (not shrunk):\n%s", sig, cases[i].Name, cases[i].YAML)
			continue
		}
		// A fresh copy: Shrink changes the spec, and specs can share a
		// first failing spec.
		min, f := Shrink(rn, gen.Example(seed*1_000_003+i), sig, shrinkTime)
		t.Errorf("%s\nshrunk spec (from %s): %s\n%s", sig, cases[i].Name, f, min)
		if save != "" {
			if err := os.MkdirAll(save, 0o755); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(filepath.Join(save, fmt.Sprintf("seed%d_%s.yaml", seed, cases[i].Name)), min, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestOneSpec reruns spec number SPECFUZZ_ONE of seed SPECFUZZ_SEED (as
// numbered by TestRandomSpecs: s00042 is 42) and shrinks each of its
// failures (SPECFUZZ_SHRINK_SECONDS each), printing, and with SPECFUZZ_SAVE
// saving, the shrunk specs. Without SPECFUZZ_ONE it is skipped.
func TestOneSpec(t *testing.T) {
	if os.Getenv("SPECFUZZ_ONE") == "" {
		t.Skip("SPECFUZZ_ONE is not set")
	}
	i := envInt(t, "SPECFUZZ_ONE", 0)
	seed := envInt(t, "SPECFUZZ_SEED", 1)
	gen := SpecGen()
	if os.Getenv("SPECFUZZ_PLAIN") != "" {
		gen = PlainSpecGen()
	}
	s := gen.Example(seed*1_000_003 + i)
	rn := newRunner(t)
	out, err := rn.Run([]Case{{Name: fmt.Sprintf("s%05d", i), YAML: s.YAML(), Sanitized: s.Sanitized()}})
	if err != nil {
		t.Fatal(err)
	}
	shrinkTime := time.Duration(envInt(t, "SPECFUZZ_SHRINK_SECONDS", 60)) * time.Second
	for k, f := range out[0].Failures {
		min, mf := Shrink(rn, gen.Example(seed*1_000_003+i), f.Signature(), shrinkTime)
		t.Errorf("%s\nshrunk spec: %s\n%s", f.Signature(), mf, min)
		if dir := os.Getenv("SPECFUZZ_SAVE"); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d_s%05d_%d.yaml", seed, i, k)), min, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}
