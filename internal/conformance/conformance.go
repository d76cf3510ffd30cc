// Package conformance runs a generated machine package and the model/
// interpreter side by side and reports the first difference in state,
// effects or error. The two are compared through their JSON forms, so the
// harness works for any spec.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"

	"github.com/meerkat-go/dslmachine/model"
)

// Generated adapts one generated package to untyped calls.
type Generated struct {
	// Initial returns the package's Initial() state.
	Initial func() any
	// Step calls the package's Step with a state and a decoded input.
	Step func(state, input any) (next, effects any, err error)
	// DecodeInput calls the package's DecodeInput.
	DecodeInput func([]byte) (any, error)
	// CheckInvariants calls State.CheckInvariants.
	CheckInvariants func(state any) error
	// UnmarshalState decodes a State from JSON.
	UnmarshalState func([]byte) (any, error)
}

// Pair holds the interpreter's state and the generated package's state for
// one machine, and steps both together.
type Pair struct {
	M   *model.Machine
	G   Generated
	MS  model.State
	GS  any
	Log []string // the inputs applied so far, for failure messages
}

// NewPair starts both sides at their initial states and checks that these agree.
func NewPair(m *model.Machine, g Generated) (*Pair, error) {
	p := &Pair{M: m, G: g, MS: m.Initial(), GS: g.Initial()}
	return p, p.compareStates()
}

// Apply steps both sides with one input and returns an error describing the
// first difference (nil when they agree). Accepted reports whether the
// interpreter accepted the input.
func (p *Pair) Apply(in model.InputValue) (accepted bool, err error) {
	p.Log = append(p.Log, model.FormatInput(in))
	raw, err := p.M.InputJSON(in)
	if err != nil {
		return false, err
	}
	gin, err := p.G.DecodeInput(raw)
	if err != nil {
		return false, fmt.Errorf("generated DecodeInput(%s): %w", raw, err)
	}
	mn, mfx, merr := p.M.Step(p.MS, in)
	gn, gfx, gerr := p.G.Step(p.GS, gin)
	if (merr == nil) != (gerr == nil) || merr != nil && merr.Error() != gerr.Error() {
		return false, fmt.Errorf("after %v: errors differ: interpreter %v, generated %v", p.Log, merr, gerr)
	}
	if merr == nil {
		mj, err := p.M.EffectsJSON(mfx)
		if err != nil {
			return false, err
		}
		if mfx == nil {
			mj = []byte("[]")
		}
		gj, err := json.Marshal(gfx)
		if err != nil {
			return false, err
		}
		if err := sameJSON(mj, gj); err != nil {
			return false, fmt.Errorf("after %v: effects differ: %w", p.Log, err)
		}
	}
	p.MS, p.GS = mn, gn
	if err := p.compareStates(); err != nil {
		return false, err
	}
	mInv, gInv := p.M.CheckInvariants(p.MS), p.G.CheckInvariants(p.GS)
	if fmt.Sprint(mInv) != fmt.Sprint(gInv) {
		return false, fmt.Errorf("after %v: invariant checks differ: interpreter %v, generated %v", p.Log, mInv, gInv)
	}
	return merr == nil, nil
}

func (p *Pair) compareStates() error {
	mj, err := p.M.StateJSON(p.MS)
	if err != nil {
		return err
	}
	gj, err := json.Marshal(p.GS)
	if err != nil {
		return err
	}
	if err := sameJSON(mj, gj); err != nil {
		return fmt.Errorf("after %v: states differ: %w", p.Log, err)
	}
	// The generated State's JSON round trip is the identity.
	back, err := p.G.UnmarshalState(gj)
	if err != nil {
		return fmt.Errorf("after %v: generated state does not decode: %w", p.Log, err)
	}
	if !reflect.DeepEqual(back, p.GS) {
		return fmt.Errorf("after %v: generated state JSON round trip changed it: %#v -> %#v", p.Log, p.GS, back)
	}
	return nil
}

func sameJSON(a, b []byte) error {
	var x, y any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if err := da.Decode(&x); err != nil {
		return err
	}
	if err := db.Decode(&y); err != nil {
		return err
	}
	if !reflect.DeepEqual(x, y) {
		return fmt.Errorf("interpreter %s, generated %s", a, b)
	}
	return nil
}

// RandomValue draws a value of a type.
func RandomValue(r *rand.Rand, t *model.Type, s model.State) model.Value {
	switch t.Kind {
	case model.KindBool:
		return model.Bool(r.IntN(2) == 1)
	case model.KindUint:
		// Sometimes reuse a number from the state so equality guards can pass.
		if r.IntN(3) == 0 && len(s) > 0 {
			v := s[r.IntN(len(s))]
			if !v.Some && v.S == "" {
				return model.Uint(v.N + uint64(r.IntN(2)))
			}
		}
		// Small numbers, so that guards both pass and fail.
		return model.Uint(uint64(r.IntN(4)))
	case model.KindEnum:
		return model.EnumValue(r.IntN(len(t.Enum.Values)))
	case model.KindID:
		return model.ID([]string{"a", "b"}[r.IntN(2)])
	case model.KindOption:
		if r.IntN(3) == 0 {
			return model.None()
		}
		return model.SomeOf(RandomValue(r, t.Elem, s))
	case model.KindSet:
		var es []model.Value
		for i, n := 0, r.IntN(int(t.Cap)+1); i < n; i++ {
			es = append(es, RandomValue(r, t.Elem, s))
		}
		return model.SetOf(es...)
	case model.KindMap:
		var kv []model.Value
		for i, n := 0, r.IntN(int(t.Cap)+1); i < n; i++ {
			kv = append(kv, RandomValue(r, t.Key, s), RandomValue(r, t.Elem, s))
		}
		return model.MapOf(kv...)
	}
	return model.Value{}
}

// RandomInput draws an input with random arguments.
func RandomInput(r *rand.Rand, m *model.Machine, s model.State) model.InputValue {
	in := m.Inputs[r.IntN(len(m.Inputs))]
	args := make([]model.Value, len(in.Params))
	for i, p := range in.Params {
		args[i] = RandomValue(r, p.Type, s)
	}
	return model.InputValue{Input: in, Args: args}
}

// Walk runs a random trace of n steps on a pair. It prefers inputs the
// machine accepts (so the walk goes deep) but mixes in rejected ones. It
// returns the number of accepted inputs, or the first difference.
func Walk(p *Pair, r *rand.Rand, n int) (accepted int, err error) {
	for step := 0; step < n; step++ {
		if p.M.IsTerminal(int(p.MS[p.M.Phase.Index].N)) {
			// Nothing leaves a terminal phase: start again from the initial state.
			p.MS, p.GS = p.M.Initial(), p.G.Initial()
			p.Log = append(p.Log, "<restart>")
		}
		in := RandomInput(r, p.M, p.MS)
		if r.IntN(4) != 0 {
			// Look for an accepted input among a few draws.
			for try := 0; try < 64; try++ {
				if _, _, err := p.M.Step(p.MS, in); err == nil {
					break
				}
				in = RandomInput(r, p.M, p.MS)
			}
		}
		ok, err := p.Apply(in)
		if err != nil {
			return accepted, err
		}
		if ok {
			accepted++
		}
	}
	return accepted, nil
}
