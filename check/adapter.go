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
	// groups[phase] are the phase's input values grouped by input (they
	// share the candidate transitions), in order.
	groups [][]group
	// commutes[phase][t][input] says whether the input commutes with
	// transition t in the phase (CommutingInputs).
	commutes [][][]bool
}

// group is the input values of one input in one phase.
type group struct {
	input int // the input's index
	cands []*trans
	cases []phaseCase
}

// chosen is a group whose candidates' argument-free guards were evaluated
// in the loaded state: mask has bit i set when candidate i's hold (all
// ones beyond 64 candidates). cases are the group's input values to fire.
type chosen struct {
	g     *group
	mask  uint64
	cases []phaseCase
}

func newExploreModel(pr *program) *exploreModel {
	em := &exploreModel{pr: pr, commutes: CommutingInputs(pr.m)}
	for _, cases := range pr.byPhase {
		var gs []group
		for i, pc := range cases {
			if i > 0 && pr.inputs[pc.input].iv.Input == pr.inputs[cases[i-1].input].iv.Input && pc.input == cases[i-1].input+1 {
				gs[len(gs)-1].cases = gs[len(gs)-1].cases[:len(gs[len(gs)-1].cases)+1]
				continue
			}
			gs = append(gs, group{input: pr.inputs[pc.input].iv.Input.Index, cands: pc.cands, cases: cases[i : i+1]})
		}
		em.groups = append(em.groups, gs)
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
		model.MarkReads(inv.Expr, reads[i])
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
	sel            []chosen // the loaded state's groups with a candidate left
	acts           []int32  // their input values
	g, k           int      // the group and case Fire expects next
	env            env
}

func (x *expander) Load(s []uint64, via explore.Step) []int32 {
	pr := x.em.pr
	x.src = s
	pr.lay.decode(s, x.cur)
	copy(x.next, x.cur)
	x.phase = x.cur[pr.phase]
	// The guards that read no argument have one value for all the input
	// values of an input: evaluate them once, and offer no input value of
	// an input whose every candidate they rule out.
	x.sel, x.acts, x.g, x.k = x.sel[:0], x.acts[:0], 0, 0
	x.env.s, x.env.a = x.cur, nil
	gs := x.em.groups[x.phase]
	// The inputs that commute with the step that reached s: their values
	// below via's action are left out (see explore.Expander.Load).
	var commutes []bool
	if via.Action >= 0 {
		commutes = x.em.commutes[x.phase][via.Transition]
	}
	for i := range gs {
		g := &gs[i]
		cases := g.cases
		if commutes != nil && commutes[g.input] {
			for len(cases) > 0 && cases[0].input < int(via.Action) {
				cases = cases[1:]
			}
			if len(cases) == 0 {
				continue
			}
		}
		mask := ^uint64(0)
		for ci, tr := range g.cands {
			if ci < 64 && tr.static != nil && !tr.static(&x.env) {
				mask &^= 1 << ci
			}
		}
		if mask == 0 || len(g.cands) < 64 && mask&(1<<len(g.cands)-1) == 0 {
			continue
		}
		x.sel = append(x.sel, chosen{g: g, mask: mask, cases: cases})
		for _, pc := range cases {
			x.acts = append(x.acts, int32(pc.input))
		}
	}
	return x.acts
}

func (x *expander) Fire(a int32, dst []uint64) explore.Outcome {
	em := x.em
	pr := em.pr
	x.env.s, x.env.a = x.cur, pr.inputs[a].args
	var first, second *trans
	if x.g < len(x.sel) && x.sel[x.g].cases[x.k].input == int(a) {
		// The usual order, Load's: only the dynamic guards are left.
		c := &x.sel[x.g]
		if x.k++; x.k == len(c.cases) {
			x.g, x.k = x.g+1, 0
		}
		first, second = pickDyn(&x.env, c.g.cands, c.mask)
	} else {
		first, second = pickEnabled(&x.env, em.cands[x.phase][a], nil)
	}
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

// pickDyn is pickEnabled for candidates whose argument-free guards were
// evaluated already: those in mask held.
func pickDyn(e *env, cands []*trans, mask uint64) (first, second *trans) {
	for i, tr := range cands {
		if i < 64 && mask&(1<<i) == 0 {
			continue
		}
		if i >= 64 && tr.static != nil && !tr.static(e) {
			continue
		}
		if !tr.dyn(e) {
			continue
		}
		if first == nil {
			first = tr
		} else if second == nil {
			second = tr
		}
	}
	return first, second
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
		if b.exceeds(x.next[b.field]) {
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
