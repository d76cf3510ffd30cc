package specfuzz

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"

	"github.com/meerkat-go/dslmachine/model"
)

// Vector is one step as the interpreter takes it: a state and an input (in
// the generated package's JSON forms) and the interpreter's outcome.
type Vector struct {
	State   json.RawMessage
	Input   json.RawMessage
	Err     string          // the error text, "" when accepted
	ErrKind string          // "rejected", "bound" or "" (see errKind)
	Next    json.RawMessage // the next state (the same state on error)
	Effects json.RawMessage // the effects ([] on error)
	// Invariant is the text of CheckInvariants on State ("" when it holds).
	Invariant string
	// Invalid is set when the interpreter's ValidateState refuses State
	// (an invariant fails, say): the generated State's JSON decoding must
	// refuse it too, and nothing is stepped.
	Invalid bool
}

// Vector counts per spec.
const (
	walks         = 3
	walkSteps     = 15
	randomStates  = 20
	acceptedTries = 20
)

// vectors returns the interpreter's initial state and test vectors from
// random walks (preferring accepted inputs) and from random states, and
// the first step on which Step disagrees with the counting contract.
func vectors(m *model.Machine, seed string) (json.RawMessage, []Vector, string) {
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	init, _ := m.StateJSON(m.Initial())
	var out []Vector
	disagree := ""
	check := func(s model.State, in model.InputValue) {
		if msg := stepMatchesContract(m, s, in); msg != "" && disagree == "" {
			st, _ := m.StateJSON(s)
			disagree = msg + " (in state " + string(st) + ")"
		}
	}
	for w := 0; w < walks; w++ {
		s := m.Initial()
		for i := 0; i < walkSteps; i++ {
			in := randomInput(r, m, s)
			for try := 0; try < acceptedTries && r.IntN(4) != 0; try++ {
				if _, _, err := m.Step(s, in); err == nil {
					break
				}
				in = randomInput(r, m, s)
			}
			check(s, in)
			v, next := vector(m, s, in)
			out = append(out, v)
			s = next
		}
	}
	for i := 0; i < randomStates; i++ {
		s := randomState(r, m)
		in := randomInput(r, m, s)
		check(s, in)
		v, _ := vector(m, s, in)
		out = append(out, v)
	}
	return init, out, disagree
}

func vector(m *model.Machine, s model.State, in model.InputValue) (Vector, model.State) {
	var v Vector
	v.State, _ = m.StateJSON(s)
	v.Input, _ = m.InputJSON(in)
	if err := m.CheckInvariants(s); err != nil {
		v.Invariant = err.Error()
	}
	v.Invalid = m.ValidateState(s) != nil
	next, fx, err := m.Step(s, in)
	if err != nil {
		v.Err, v.ErrKind = err.Error(), errKind(err)
	}
	v.Next, _ = m.StateJSON(next)
	v.Effects, _ = m.EffectsJSON(fx)
	return v, next
}

var idValues = []string{"", "a", "b"}

func randomUint(r *rand.Rand, s model.State) uint64 {
	switch r.IntN(6) {
	case 0:
		return specialUints[r.IntN(len(specialUints))]
	case 1:
		if len(s) > 0 {
			return s[r.IntN(len(s))].N + uint64(r.IntN(3)) - 1
		}
	}
	return uint64(r.IntN(4))
}

func randomValue(r *rand.Rand, t *model.Type, s model.State, max *uint64) model.Value {
	switch t.Kind {
	case model.KindBool:
		return model.Bool(r.IntN(2) == 1)
	case model.KindUint:
		n := randomUint(r, s)
		if max != nil && n > *max {
			n = *max - uint64(r.IntN(2))*min(*max, 1)
		}
		return model.Uint(n)
	case model.KindEnum:
		return model.EnumValue(r.IntN(len(t.Enum.Values)))
	case model.KindID:
		return model.ID(idValues[r.IntN(len(idValues))])
	case model.KindOption:
		if r.IntN(3) == 0 {
			return model.None()
		}
		return model.SomeOf(randomValue(r, t.Elem, s, max))
	case model.KindSet:
		var es []model.Value
		for i, n := 0, r.IntN(int(t.Cap)+1); i < n; i++ {
			es = append(es, randomValue(r, t.Elem, s, nil))
		}
		return model.SetOf(es...)
	case model.KindMap:
		var kv []model.Value
		for i, n := 0, r.IntN(int(t.Cap)+1); i < n; i++ {
			kv = append(kv, randomValue(r, t.Key, s, nil), randomValue(r, t.Elem, s, nil))
		}
		return model.MapOf(kv...)
	}
	return model.Value{}
}

func randomInput(r *rand.Rand, m *model.Machine, s model.State) model.InputValue {
	in := m.Inputs[r.IntN(len(m.Inputs))]
	args := make([]model.Value, len(in.Params))
	for i, p := range in.Params {
		args[i] = randomValue(r, p.Type, s, nil)
	}
	return model.InputValue{Input: in, Args: args}
}

// randomState draws a state with every field within its type and max.
func randomState(r *rand.Rand, m *model.Machine) model.State {
	s := m.Initial()
	for i, f := range m.Fields {
		if r.IntN(3) > 0 {
			s[i] = randomValue(r, f.Type, s, f.Max)
		}
	}
	return s
}

// errKind classifies an interpreter error as the generated package's
// ErrRejected and ErrBound do.
func errKind(err error) string {
	switch err.(type) {
	case *model.GuardRejectedError, *model.NoTransitionError:
		return "rejected"
	case *model.BoundError:
		return "bound"
	}
	return "other: " + err.Error()
}
