package check

import (
	"fmt"
	"strings"
	"testing"
)

// The counts of a search that stops early, at a violation or at
// MaxStates, must not depend on the number of workers, on their timing, or
// on whether commuting steps are left out. Found by an adversarial helper:
// the next batch's size came from the last batch's successor count, which
// leaving steps out lowers and which each worker's recent-successor filter
// makes depend on which worker expanded which chunk; a search stops only
// between batches, so the count at the stop moved with it, and with
// MaxStates one run reported the violation and the other did not.
func TestEarlyStopCountsAreDeterministic(t *testing.T) {
	m := loadText(t, "grid.yaml", `machine: GridU
enums:
  Phase: [Run]
fields:
  phase: {type: Phase, initial: Run}
  x: {type: uint, max: 63, initial: 0}
  y: {type: uint, max: 63, initial: 0}
  z: {type: uint, max: 63, initial: 0}
phase: phase
inputs:
  SetX: {hi: uint, lo: uint}
  SetY: {hi: uint, lo: uint}
  SetZ: {hi: uint, lo: uint}
  Poke: {}
transitions:
  - {name: TX, on: SetX, from: [Run], do: ["x := arg.hi * 8 + arg.lo"]}
  - {name: TY, on: SetY, from: [Run], do: ["y := arg.hi * 8 + arg.lo"]}
  - {name: TZ, on: SetZ, from: [Run], do: ["z := arg.hi * 8 + arg.lo"]}
  - name: Corner
    on: Poke
    from: [Run]
    guards:
      - at_corner: x == 15 && y == 15
    unreachable: x and y are never both 15
profiles:
  ci:
    domains: {uint: [0, 1, 2, 3, 4, 5, 6, 7]}
`)
	for _, maxStates := range []uint64{0, 5000} {
		type outcome struct {
			distinct  uint64
			violation string
			limited   bool
		}
		var first *outcome
		var firstName string
		for _, workers := range []int{1, 2} {
			for _, all := range []bool{false, true} {
				for rep := 0; rep < 2; rep++ {
					res, err := Run(m, m.Profile("ci"), Options{Workers: workers, AllSteps: all, MaxStates: maxStates})
					if err != nil {
						t.Fatal(err)
					}
					o := &outcome{distinct: res.Distinct, limited: res.Limited}
					if res.Violation != nil {
						var b strings.Builder
						WriteTrace(&b, m, res.Violation)
						o.violation = b.String()
					}
					name := fmt.Sprintf("max states %d, %d workers, all steps %v, run %d", maxStates, workers, all, rep+1)
					if first == nil {
						first, firstName = o, name
						continue
					}
					if *o != *first {
						t.Errorf("%s: %+v; %s: %+v", name, *o, firstName, *first)
					}
				}
			}
		}
	}
}
