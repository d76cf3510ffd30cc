package check

import "github.com/meerkat-go/dslmachine/model"

// CommutingInputs returns, per phase (an index into the phase enum's
// values) and transition, which inputs (by Input.Index) commute with the
// transition in a state of that phase the transition reached; nil where
// none does. The row of a phase is nil for a transition not allowed in it,
// and for one that moves to it (the phase it came from is not known).
//
// An input I commutes with transition t, allowed in phase ph, when, with
// I's candidates those of its transitions allowed in ph:
//
//   - no field t writes is read by a candidate of I (its guards, update
//     values, conditions and emits, the phase, and the fields a candidate
//     writes only under a condition, which keep their value otherwise),
//     nor, when a candidate of I writes a field some invariant reads, by
//     an invariant: then every value of I has in t's successor the outcome
//     it has in t's source state, out-of-bounds invariants included;
//   - no field a candidate of I writes is read by a candidate of t's input:
//     then t's input value fires t again, to the same values, after it;
//   - t and the candidates of I write disjoint fields, so that the two
//     orders reach the same state.
//
// Every transition that moves to a phase writes the phase, which every
// candidate reads, so only transitions that stay in their phase (no `to`,
// or a `to` that is their only `from`) commute with anything. The exploration uses this to leave out firings whose
// successor the breadth-first search reaches anyway from an earlier state
// (see explore.Expander.Load and docs/CHECKING.md).
func CommutingInputs(m *model.Machine) [][][]bool {
	nPhases := len(m.PhaseEnum().Values)
	nF := len(m.Fields)
	nW := (nF + 63) / 64
	// Field sets are bit sets of nW words, cut from one array.
	var pool []uint64
	set := func(fields ...[]int) []uint64 {
		if len(pool) < nW {
			pool = make([]uint64, 64*nW)
		}
		b := pool[:nW:nW]
		pool = pool[nW:]
		for _, fs := range fields {
			for _, f := range fs {
				b[f/64] |= 1 << (f % 64)
			}
		}
		return b
	}
	overlap := func(a, b []uint64) bool {
		for i := range a {
			if a[i]&b[i] != 0 {
				return true
			}
		}
		return false
	}
	or := func(dst, src []uint64) {
		for i := range dst {
			dst[i] |= src[i]
		}
	}
	inv := make([]bool, nF)
	for _, x := range m.Invariants {
		model.MarkReads(x.Expr, inv)
	}
	var invFields []int
	for f, r := range inv {
		if r {
			invFields = append(invFields, f)
		}
	}
	invReads := set(invFields)
	phase := set([]int{m.Phase.Index})
	reads := make([][]uint64, len(m.Transitions))
	writes := make([][]uint64, len(m.Transitions))
	for ti, t := range m.Transitions {
		reads[ti] = set(m.ReadFields(t), m.ConditionalWrites(t))
		writes[ti] = set(m.WrittenFields(t))
	}
	out := make([][][]bool, nPhases)
	for ph := range nPhases {
		// Per input, the union of its candidates' reads (inR; inRI with
		// the invariants' when a candidate writes a field one reads) and
		// writes; nil for an input without candidates in the phase.
		inR := make([][]uint64, len(m.Inputs))
		inRI := make([][]uint64, len(m.Inputs))
		inW := make([][]uint64, len(m.Inputs))
		for ti, t := range m.Transitions {
			if !t.Allows(ph) {
				continue
			}
			i := t.Input.Index
			if inR[i] == nil {
				inR[i], inRI[i], inW[i] = set(), set(), set()
			}
			or(inR[i], reads[ti])
			or(inRI[i], reads[ti])
			if overlap(writes[ti], invReads) {
				or(inRI[i], invReads)
			}
			or(inW[i], writes[ti])
		}
		out[ph] = make([][]bool, len(m.Transitions))
		for ti, t := range m.Transitions {
			if !t.Allows(ph) {
				continue
			}
			// A transition allowed only in the phase it goes to writes the
			// phase's own value: it leaves the phase as it is. (Allowed in
			// other phases too, it may have come from one of them: the
			// search looks the row up by the phase of the state reached.)
			w := writes[ti]
			if t.To == ph && len(t.From) == 1 {
				w = append([]uint64(nil), w...)
				w[m.Phase.Index/64] &^= 1 << (m.Phase.Index % 64)
			}
			if overlap(w, phase) {
				continue
			}
			a := t.Input.Index
			var row []bool
			for _, in := range m.Inputs {
				i := in.Index
				if inR[i] == nil || overlap(w, inRI[i]) || overlap(inW[i], inR[a]) || overlap(w, inW[i]) {
					continue
				}
				if row == nil {
					row = make([]bool, len(m.Inputs))
				}
				row[i] = true
			}
			out[ph][ti] = row
		}
	}
	return out
}
