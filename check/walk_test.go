package check

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// The incremental checks rest on two static analyses: an invariant is
// re-checked only after a transition that writes a field model.MarkReads finds
// in it, and a guard readsArgs finds no argument in is evaluated once per
// state and input. Property: on random codes, changing any field outside
// model.MarkReads never changes an invariant's value, and changing the
// arguments never changes an argument-free guard's, for every spec in the
// repository.
func TestStaticAnalysesAreSound(t *testing.T) {
	paths, _ := filepath.Glob("../spec/examples/*.yaml")
	paths = append(paths, "../spec/machine.yaml")
	r := rand.New(rand.NewPCG(1, 2))
	for _, path := range paths {
		m := load(t, path)
		n := len(m.Fields)
		// A collection expression needs the profile's layout (its codes).
		pr, err := newProgram(m, m.Profile("ci"), false)
		if err != nil {
			t.Fatal(err)
		}
		randCodes := func(dst []uint64) {
			for i := range dst {
				dst[i] = r.Uint64N(4)
			}
		}
		for _, inv := range m.Invariants {
			reads := make([]bool, n)
			model.MarkReads(inv.Expr, reads)
			f := pr.compileExpr(inv.Expr)
			for range 200 {
				a := make([]uint64, n)
				randCodes(a)
				b := append([]uint64(nil), a...)
				for i := range b {
					if !reads[i] {
						b[i] = r.Uint64N(4)
					}
				}
				ea, eb := env{s: a}, env{s: b}
				if va, vb := f(&ea), f(&eb); va != vb || ea.bad != eb.bad {
					t.Fatalf("%s: invariant %s depends on a field model.MarkReads misses", path, inv.Name)
				}
			}
		}
		for _, tr := range m.Transitions {
			for _, g := range tr.Guards {
				if readsArgs(g.Expr) {
					continue
				}
				f := pr.compileExpr(g.Expr)
				for range 50 {
					s := make([]uint64, n)
					randCodes(s)
					a1, a2 := make([]uint64, len(tr.Input.Params)), make([]uint64, len(tr.Input.Params))
					randCodes(a1)
					randCodes(a2)
					e1, e2 := env{s: s, a: a1}, env{s: s, a: a2}
					if v1, v2 := f(&e1), f(&e2); v1 != v2 || e1.bad != e2.bad {
						t.Fatalf("%s: guard of %s reads an argument readsArgs misses", path, tr.Name)
					}
				}
			}
		}
	}
}
