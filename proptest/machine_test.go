package proptest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/internal/conformance"
	"github.com/meerkat-go/dslmachine/model"
)

// genCollections lets cmp compare (and print) the generated collection
// types of gen.State, whose fields are unexported: they compare with ==.
var genCollections = cmpopts.EquateComparable(gen.OperationIDSet8{}, gen.ToolNameSet4{}, gen.ToolNameToOptionWitnessMap4{})

func loadSpec(t testing.TB, rel string) *model.Machine {
	t.Helper()
	m, err := model.Load(filepath.Join("..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// drawValue draws a value of a type from a small domain, so that guards both
// pass and fail; uint values sometimes come from the state, so that equality
// guards (epochs, revisions) can hold.
func drawValue(t *rapid.T, ty *model.Type, s model.State, label string) model.Value {
	switch ty.Kind {
	case model.KindBool:
		return model.Bool(rapid.Bool().Draw(t, label))
	case model.KindUint:
		if rapid.IntRange(0, 2).Draw(t, label+"/from-state") == 0 {
			v := s[rapid.IntRange(0, len(s)-1).Draw(t, label+"/field")]
			return model.Uint(v.N + uint64(rapid.IntRange(0, 1).Draw(t, label+"/plus")))
		}
		return model.Uint(uint64(rapid.IntRange(0, 3).Draw(t, label)))
	case model.KindEnum:
		return model.EnumValue(rapid.IntRange(0, len(ty.Enum.Values)-1).Draw(t, label))
	case model.KindID:
		return model.ID(rapid.SampledFrom([]string{"a", "b"}).Draw(t, label))
	case model.KindOption:
		if rapid.Bool().Draw(t, label+"/none") {
			return model.None()
		}
		return model.SomeOf(drawValue(t, ty.Elem, s, label))
	case model.KindSet:
		elems := make([]model.Value, rapid.IntRange(0, int(min(ty.Cap, 3))).Draw(t, label+"/size"))
		for i := range elems {
			elems[i] = drawValue(t, ty.Elem, s, fmt.Sprintf("%s/%d", label, i))
		}
		return model.SetOf(elems...)
	case model.KindMap:
		kv := make([]model.Value, 2*rapid.IntRange(0, int(min(ty.Cap, 3))).Draw(t, label+"/size"))
		for i := 0; i < len(kv); i += 2 {
			kv[i] = drawValue(t, ty.Key, s, fmt.Sprintf("%s/key%d", label, i/2))
			kv[i+1] = drawValue(t, ty.Elem, s, fmt.Sprintf("%s/value%d", label, i/2))
		}
		return model.MapOf(kv...)
	}
	t.Fatalf("unknown type %v", ty)
	return model.Value{}
}

// drawInput draws any input with arguments; it is often rejected.
func drawInput(t *rapid.T, m *model.Machine, s model.State) model.InputValue {
	in := m.Inputs[rapid.IntRange(0, len(m.Inputs)-1).Draw(t, "input")]
	args := make([]model.Value, len(in.Params))
	for i, p := range in.Params {
		args[i] = drawValue(t, p.Type, s, in.Name+"."+p.Name)
	}
	return model.InputValue{Input: in, Args: args}
}

// drawAccepted draws inputs until one is accepted by the interpreter (at most
// 32 draws), so that histories go deep.
func drawAccepted(t *rapid.T, m *model.Machine, s model.State) model.InputValue {
	var in model.InputValue
	for try := 0; try < 32; try++ {
		in = drawInput(t, m, s)
		if _, _, err := m.Step(s, in); err == nil {
			return in
		}
	}
	return in
}

// TestGeneratedMatchesInterpreter applies random input sequences to the
// generated package and to the model/ interpreter side by side, for
// spec/machine.yaml and every example spec. After every step the states, the
// effects, the errors (including the refusing guard's name), the invariant
// verdicts and the State JSON round trip must agree.
func TestGeneratedMatchesInterpreter(t *testing.T) {
	for _, c := range conformance.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			m := loadSpec(t, c.Spec)
			rapid.Check(t, func(t *rapid.T) {
				p, err := conformance.NewPair(m, c.Generated)
				if err != nil {
					t.Fatal(err)
				}
				apply := func(in model.InputValue) {
					if _, err := p.Apply(in); err != nil {
						t.Fatal(err)
					}
				}
				t.Repeat(map[string]func(*rapid.T){
					"any input": func(t *rapid.T) { apply(drawInput(t, m, p.MS)) },
					"accepted input": func(t *rapid.T) {
						apply(drawAccepted(t, m, p.MS))
					},
					"": func(t *rapid.T) {
						if err := m.CheckInvariants(p.MS); err != nil {
							t.Fatalf("after %v: %v", p.Log, err)
						}
					},
				})
			})
		})
	}
}

// TestInvariantsOverLongHistories drives the generated Meerkat machine
// through long random histories (bursts of accepted inputs, and realtime
// mint cycles that push epochs far past the model-checking bounds) and checks
// every invariant and the State JSON round trip after every step.
func TestInvariantsOverLongHistories(t *testing.T) {
	m := loadSpec(t, "spec/machine.yaml")
	c := conformance.Cases()[0]
	maxEpoch := uint64(0)
	longest := 0
	rapid.Check(t, func(t *rapid.T) {
		p, err := conformance.NewPair(m, c.Generated)
		if err != nil {
			t.Fatal(err)
		}
		steps := 0
		apply := func(in model.InputValue) {
			if _, err := p.Apply(in); err != nil {
				t.Fatal(err)
			}
			steps++
		}
		t.Repeat(map[string]func(*rapid.T){
			"burst": func(t *rapid.T) {
				for i := 0; i < 10; i++ {
					apply(drawAccepted(t, m, p.MS))
				}
			},
			"mint cycle": func(t *rapid.T) {
				// Attach and detach repeatedly: every cycle mints an epoch.
				n := rapid.IntRange(1, 20).Draw(t, "cycles")
				for i := 0; i < n; i++ {
					apply(model.InputValue{Input: m.Input("BeginRealtimeBinding")})
					apply(model.InputValue{Input: m.Input("DetachRealtimeBinding")})
				}
			},
			"any input": func(t *rapid.T) { apply(drawInput(t, m, p.MS)) },
			"": func(t *rapid.T) {
				s := p.GS.(gen.State)
				if err := s.CheckInvariants(); err != nil {
					t.Fatalf("after %v: %v", p.Log, err)
				}
				back, err := p.G.UnmarshalState(mustJSON(t, s))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(s, back, genCollections); diff != "" {
					t.Fatalf("State JSON round trip is not the identity (-want +got):\n%s", diff)
				}
				maxEpoch = max(maxEpoch, s.RealtimeNextAuthorityEpoch)
			},
		})
		longest = max(longest, steps)
	})
	t.Logf("longest history: %d steps; largest next authority epoch: %d", longest, maxEpoch)
	if longest < 100 || maxEpoch < 10 {
		t.Fatalf("histories too short to mean anything: longest %d steps, epoch %d", longest, maxEpoch)
	}
}
