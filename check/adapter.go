package check

import (
	"fmt"

	"github.com/meerkat-go/dslmachine/check/explore"
	"github.com/meerkat-go/dslmachine/model"
)

// exploreModel presents a compiled program to the exploration engine
// (package explore): a state is the layout's packed words, an action is an
// index into program.inputs.
type exploreModel struct {
	pr *program
	// cands[phase][input] are the candidate transitions of an input value
	// in a phase; acts[phase] the input values that have some.
	cands [][][]*trans
	acts  [][]int32
	// invsOf[t] are the invariants that read a field transition t writes.
	invsOf [][]int
}

func newExploreModel(pr *program) *exploreModel {
	em := &exploreModel{pr: pr}
	for _, cases := range pr.byPhase {
		row := make([][]*trans, len(pr.inputs))
		var acts []int32
		for _, pc := range cases {
			row[pc.input] = pc.cands
			acts = append(acts, int32(pc.input))
		}
		em.cands = append(em.cands, row)
		em.acts = append(em.acts, acts)
	}
	m := pr.m
	reads := make([][]bool, len(m.Invariants))
	for i, inv := range m.Invariants {
		reads[i] = make([]bool, len(m.Fields))
		readFields(inv.Expr, reads[i])
	}
	for _, tr := range pr.trans {
		var list []int
		for i := range m.Invariants {
			for _, f := range tr.written {
				if reads[i][f] {
					list = append(list, i)
					break
				}
			}
		}
		em.invsOf = append(em.invsOf, list)
	}
	return em
}

// readFields marks in seen the fields an expression reads.
func readFields(x model.Expr, seen []bool) {
	switch x := x.(type) {
	case *model.FieldRef:
		seen[x.Field.Index] = true
	case *model.SomeExpr:
		readFields(x.X, seen)
	case *model.UnwrapOr:
		readFields(x.X, seen)
		readFields(x.Default, seen)
	case *model.Not:
		readFields(x.X, seen)
	case *model.Cond:
		readFields(x.Cond, seen)
		readFields(x.Then, seen)
		readFields(x.Else, seen)
	case *model.InList:
		readFields(x.X, seen)
		for _, y := range x.List {
			readFields(y, seen)
		}
	case *model.Binary:
		readFields(x.X, seen)
		readFields(x.Y, seen)
	}
}

func (em *exploreModel) Words() int       { return em.pr.lay.words }
func (em *exploreModel) Actions() int     { return len(em.pr.inputs) }
func (em *exploreModel) Transitions() int { return len(em.pr.trans) }

// Initial packs the initial state. Run has already checked its invariants
// and that it lies within the bounds.
func (em *exploreModel) Initial(dst []uint64) (bool, error) {
	lay := em.pr.lay
	sl := make([]uint64, len(em.pr.m.Fields))
	lay.slots(em.pr.m.Initial(), sl)
	if !lay.encode(sl, dst) {
		return false, fmt.Errorf("check: the initial state does not fit its layout")
	}
	return lay.inBounds(sl), nil
}

func (em *exploreModel) NewExpander() explore.Expander {
	n := len(em.pr.m.Fields)
	return &expander{em: em, cur: make([]uint64, n), next: make([]uint64, n), inv: make([]uint64, n)}
}

// expander runs the compiled transitions for one worker.
type expander struct {
	em             *exploreModel
	src            []uint64 // the loaded packed state
	cur, next, inv []uint64 // slots: loaded state, successor, invariant scratch
	phase          uint64
	env            env
}

func (x *expander) Load(s []uint64) []int32 {
	pr := x.em.pr
	x.src = s
	pr.lay.decode(s, x.cur)
	copy(x.next, x.cur)
	x.phase = x.cur[pr.phase]
	return x.em.acts[x.phase]
}

func (x *expander) Fire(a int32, dst []uint64) explore.Outcome {
	em := x.em
	pr := em.pr
	cands := em.cands[x.phase][a]
	x.env.s, x.env.a = x.cur, pr.inputs[a].args
	first, second := pickEnabled(&x.env, cands, nil)
	switch {
	case first == nil:
		return explore.Outcome{Kind: explore.Rejected}
	case second != nil:
		return explore.Outcome{Kind: explore.Nondeterministic, Transition: int32(first.idx), Other: int32(second.idx)}
	case first.t.Unreachable != "":
		return explore.Outcome{Kind: explore.Unreachable, Transition: int32(first.idx)}
	}
	x.env.s = x.next
	ok := first.fire(&x.env)
	x.env.s = x.cur
	o := x.store(first, ok, dst)
	for _, f := range first.written {
		x.next[f] = x.cur[f]
	}
	return o
}

// store classifies the successor in x.next of a fired transition and packs
// it into dst.
func (x *expander) store(first *trans, ok bool, dst []uint64) explore.Outcome {
	pr := x.em.pr
	t := int32(first.idx)
	if !ok {
		return explore.Outcome{Kind: explore.BoundError, Transition: t}
	}
	for _, b := range first.bounds {
		if x.next[b.field] > b.max {
			// Like TLC, which checks the invariants of a successor before
			// dropping it for violating the CONSTRAINT.
			return explore.Outcome{Kind: explore.OutOfBounds, Transition: t, Invariant: int32(x.violated(x.next, t))}
		}
	}
	copy(dst, x.src)
	lay := pr.lay
	for _, f := range first.written {
		if !lay.put(dst, f, x.next[f]) {
			panic(fmt.Sprintf("check: transition %s writes a value of %s that does not fit the state layout", first.t.Name, pr.m.Fields[f].Name))
		}
	}
	return explore.Outcome{Kind: explore.Fired, Transition: t}
}

func (x *expander) Violated(s []uint64, t int32) int {
	x.em.pr.lay.decode(s, x.inv)
	return x.violated(x.inv, t)
}

// violated checks the invariants of slots sl reached by transition t (-1:
// all of them).
func (x *expander) violated(sl []uint64, t int32) int {
	pr := x.em.pr
	if pr.invs == nil || t < 0 {
		return pr.invariant(sl)
	}
	e := &x.env
	saved := e.s
	e.s = sl
	k := -1
	for _, i := range x.em.invsOf[t] {
		if pr.invs[i](e) == 0 || e.bad {
			e.bad = false
			k = i
			break
		}
	}
	e.s = saved
	return k
}
