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
	invReads := make([]bool, nF)
	for _, inv := range m.Invariants {
		model.MarkReads(inv.Expr, invReads)
	}
	reads := make([][]bool, len(m.Transitions))
	writes := make([][]bool, len(m.Transitions))
	rechecks := make([]bool, len(m.Transitions))
	for ti, t := range m.Transitions {
		reads[ti] = make([]bool, nF)
		for _, f := range m.ReadFields(t) {
			reads[ti][f] = true
		}
		for _, f := range m.ConditionalWrites(t) {
			reads[ti][f] = true
		}
		writes[ti] = make([]bool, nF)
		for _, f := range m.WrittenFields(t) {
			writes[ti][f] = true
			rechecks[ti] = rechecks[ti] || invReads[f]
		}
	}
	overlap := func(a, b []bool) bool {
		for i := range a {
			if a[i] && b[i] {
				return true
			}
		}
		return false
	}
	out := make([][][]bool, nPhases)
	for ph := range nPhases {
		// Per input, the union of its candidates' reads (inR; inRI with
		// the invariants' when a candidate rechecks them) and writes.
		inR := make([][]bool, len(m.Inputs))
		inRI := make([][]bool, len(m.Inputs))
		inW := make([][]bool, len(m.Inputs))
		for _, in := range m.Inputs {
			inR[in.Index], inRI[in.Index], inW[in.Index] = make([]bool, nF), make([]bool, nF), make([]bool, nF)
		}
		has := make([]bool, len(m.Inputs))
		for ti, t := range m.Transitions {
			if !t.Allows(ph) {
				continue
			}
			i := t.Input.Index
			has[i] = true
			for f := range nF {
				inR[i][f] = inR[i][f] || reads[ti][f]
				inRI[i][f] = inRI[i][f] || reads[ti][f] || rechecks[ti] && invReads[f]
				inW[i][f] = inW[i][f] || writes[ti][f]
			}
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
				w = append([]bool(nil), w...)
				w[m.Phase.Index] = false
			}
			if w[m.Phase.Index] {
				continue
			}
			a := t.Input.Index
			var row []bool
			for _, in := range m.Inputs {
				i := in.Index
				if !has[i] || overlap(w, inRI[i]) || overlap(inW[i], inR[a]) || overlap(w, inW[i]) {
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
