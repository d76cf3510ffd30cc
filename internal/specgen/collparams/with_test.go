package collparams

import (
	"testing"

	"pgregory.net/rapid"
)

// TestWithRefusesOutOfRangeEnums: With builds only values of a
// collection's type. An enum element, key or value out of its enum's range
// is refused (ok false, the collection unchanged), as a none option holding
// a value would be, so that no set or map built with With carries a value
// Step would have to refuse; an in-range one fits while the capacity allows.
func TestWithRefusesOutOfRangeEnums(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		tool := Tool(rapid.Uint8().Draw(rt, "tool"))
		witness := Witness(rapid.Uint8().Draw(rt, "witness"))
		validTool, validWitness := tool < 3, witness < 2

		s, ok := ToolSet2{}.With(tool)
		if ok != validTool {
			rt.Fatalf("ToolSet2.With(%d): ok %v, want %v", tool, ok, validTool)
		}
		if !ok && s != (ToolSet2{}) {
			rt.Fatalf("ToolSet2.With(%d) refused but changed the set", tool)
		}
		if ok && !s.Has(tool) {
			rt.Fatalf("ToolSet2.With(%d) accepted but the set lacks it", tool)
		}

		m, ok := ToolToWitnessMap2{}.With(tool, witness)
		if want := validTool && validWitness; ok != want {
			rt.Fatalf("ToolToWitnessMap2.With(%d, %d): ok %v, want %v", tool, witness, ok, want)
		}
		if !ok && m != (ToolToWitnessMap2{}) {
			rt.Fatalf("ToolToWitnessMap2.With(%d, %d) refused but changed the map", tool, witness)
		}
		if ok {
			if got, in := m.Get(tool); !in || got != witness {
				rt.Fatalf("ToolToWitnessMap2.With(%d, %d) accepted but Get gives %d, %v", tool, witness, got, in)
			}
		}
	})
}
