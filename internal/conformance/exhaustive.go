package conformance

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// Stats counts what Exhaustive compared.
type Stats struct {
	// States is the number of reachable states visited.
	States int
	// Pairs is the number of (state, input value) pairs compared.
	Pairs int
	// Accepted, Rejected and BoundErrors split Pairs by the interpreter's
	// answer.
	Accepted, Rejected, BoundErrors int
}

// ExhaustiveOptions configures Exhaustive.
type ExhaustiveOptions struct {
	// Reach limits the enumeration: MaxStates fails the comparison when the
	// profile has more reachable states, so that a profile that grows is
	// noticed rather than slowing the tests down; MaxDepth compares only the
	// states within that many steps of the initial state (all of them).
	Reach check.ReachOptions
	// Step, when set, replaces Generated.Step (to plant a difference).
	Step func(state, input any) (next, effects any, err error)
}

// Exhaustive enumerates every state the checker explores under profile p
// (check.Program.Reachable: the initial state and every successor within
// the profile's bounds) and, in each, every input value the profile fires
// (model.Machine.InputValues), and compares three answers: the checker's
// (check.Program.Successor), the interpreter's (model.Machine.Step) and the
// generated package's Step. It compares the kind of answer (accepted,
// rejected, bound error), the successor state, and the transition that
// fired or failed; between the generated code and the interpreter also the
// error text and the effects. It returns the first difference.
func Exhaustive(m *model.Machine, p *model.Profile, g Generated, opt ExhaustiveOptions) (Stats, error) {
	var st Stats
	prog, err := check.Compile(m, p)
	if err != nil {
		return st, err
	}
	step := g.Step
	if opt.Step != nil {
		step = opt.Step
	}
	br, err := newBridge(m, g)
	if err != nil {
		return st, err
	}
	ivs := prog.Inputs()
	gins := make([]any, len(ivs))
	for i, iv := range ivs {
		raw, err := m.InputJSON(iv)
		if err != nil {
			return st, err
		}
		if gins[i], err = g.DecodeInput(raw); err != nil {
			return st, fmt.Errorf("generated DecodeInput(%s): %w", raw, err)
		}
	}
	err = prog.Reachable(opt.Reach, func(s model.State, _ int) error {
		st.States++
		gs, err := br.toGen(s)
		if err != nil {
			return err
		}
		for i, iv := range ivs {
			st.Pairs++
			if err := comparePair(m, prog, br, step, s, gs, i, iv, gins[i], &st); err != nil {
				return fmt.Errorf("in state %s, input %s: %w", formatState(m, s), model.FormatInput(iv), err)
			}
		}
		return nil
	})
	return st, err
}

// answer kinds.
const (
	kindAccepted = "accepted"
	kindRejected = "rejected"
	kindBound    = "bound error"
)

func errKind(err error) string {
	switch err.(type) {
	case nil:
		return kindAccepted
	case *model.BoundError:
		return kindBound
	}
	return kindRejected
}

func comparePair(m *model.Machine, prog *check.Program, br *bridge, step func(state, input any) (any, any, error),
	s model.State, gs any, i int, iv model.InputValue, gin any, st *Stats) error {
	next, fx, merr := m.Step(s, iv)
	gnext, gfx, gerr := step(gs, gin)
	cs, err := prog.Successor(s, i)
	if err != nil {
		return err
	}
	kind := errKind(merr)
	switch kind {
	case kindAccepted:
		st.Accepted++
	case kindBound:
		st.BoundErrors++
	default:
		st.Rejected++
	}

	// The generated code against the interpreter: error text, state, effects.
	if (merr == nil) != (gerr == nil) || merr != nil && br.text(merr) != br.text(gerr) {
		return fmt.Errorf("errors differ: interpreter %v, generated %v", merr, gerr)
	}
	if merr == nil {
		if same, err := br.sameState(gnext, next); err != nil || !same {
			gn, err2 := br.toModel(gnext)
			if err2 != nil {
				return err2
			}
			return fmt.Errorf("successors differ: interpreter %s, generated %s", formatState(m, next), formatState(m, gn))
		}
		gf, err := br.effects(gfx)
		if err != nil {
			return err
		}
		if !effectsEqual(fx, gf) {
			return fmt.Errorf("effects differ: interpreter %s, generated %s", formatEffects(fx), formatEffects(gf))
		}
	}

	// The checker against the interpreter: kind, transition, successor.
	ckind := ""
	switch cs.Outcome {
	case check.OutcomeFired:
		ckind = kindAccepted
	case check.OutcomeBoundError:
		ckind = kindBound
	case check.OutcomeRejected:
		ckind = kindRejected
	case check.OutcomeNondeterministic:
		return fmt.Errorf("the checker finds %s and %s both enabled", cs.Transition.Name, cs.Other.Name)
	}
	if ckind != kind {
		return fmt.Errorf("the checker says %s (%v), the interpreter %s (%v)", ckind, cs.Transition, kind, merr)
	}
	switch kind {
	case kindAccepted:
		if t := firstEnabled(m, s, iv); t != cs.Transition {
			return fmt.Errorf("the checker fires %s, the interpreter %s", cs.Transition.Name, t.Name)
		}
		if !statesEqual(cs.State, next) {
			return fmt.Errorf("successors differ: interpreter %s, checker %s", formatState(m, next), formatState(m, cs.State))
		}
	case kindBound:
		be := merr.(*model.BoundError)
		if be.Transition != cs.Transition.Name {
			return fmt.Errorf("bound error in %s for the interpreter, in %s for the checker", be.Transition, cs.Transition.Name)
		}
	}
	return nil
}

// firstEnabled is the transition the interpreter fires: the first candidate
// allowed in the phase whose guards hold.
func firstEnabled(m *model.Machine, s model.State, iv model.InputValue) *model.Transition {
	for _, t := range m.Candidates(iv.Input) {
		if ok, err := m.Enabled(t, s, iv.Args); err == nil && ok {
			return t
		}
	}
	return nil
}

func effectsEqual(a, b []model.EffectValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Effect != b[i].Effect || !statesEqual(a[i].Fields, b[i].Fields) {
			return false
		}
	}
	return true
}

// text returns err.Error(), cached: the generated package's errors are
// shared values, and the interpreter's are compared by their fields.
func (b *bridge) text(err error) string {
	var key any = err
	switch e := err.(type) {
	case *model.GuardRejectedError:
		key = *e
	case *model.NoTransitionError:
		key = *e
	case *model.BoundError:
		key = *e
	}
	if !reflect.TypeOf(key).Comparable() {
		return err.Error()
	}
	if t, ok := b.texts[key]; ok {
		return t
	}
	t := err.Error()
	b.texts[key] = t
	return t
}

func statesEqual(a, b []model.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func formatState(m *model.Machine, s model.State) string {
	parts := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		parts[i] = f.Name + "=" + model.FormatValue(f.Type, s[i])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func formatEffects(fx []model.EffectValue) string {
	var b strings.Builder
	for _, e := range fx {
		b.WriteString(e.Effect.Name)
		b.WriteByte('{')
		for j, f := range e.Effect.Fields {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name + ": " + model.FormatValue(f.Type, e.Fields[j]))
		}
		b.WriteString("} ")
	}
	return b.String()
}

// bridge converts between the interpreter's values and a generated
// package's, by reflection over the generated types (their JSON tags are
// the spec's names), which is much cheaper than a JSON round trip.
type bridge struct {
	m         *model.Machine
	stateType reflect.Type
	// stateFields maps each spec field to its Go struct field index.
	stateFields []int
	// payloads caches, per effect payload type, the spec effect and the Go
	// field index of each of its fields.
	payloads map[reflect.Type]payloadInfo
	// atIndex is the method index of (*Effects).At, -1 until known.
	atIndex int
	// texts caches error texts (see text).
	texts map[any]string
}

type payloadInfo struct {
	effect *model.Effect
	fields []int
}

func newBridge(m *model.Machine, g Generated) (*bridge, error) {
	t := reflect.TypeOf(g.Initial())
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("generated State is a %v, want a struct", t.Kind())
	}
	idx, err := jsonFields(t, len(m.Fields), func(name string) (int, bool) {
		f := m.Field(name)
		if f == nil {
			return 0, false
		}
		return f.Index, true
	})
	if err != nil {
		return nil, fmt.Errorf("generated State: %w", err)
	}
	for i, f := range m.Fields {
		if f.Type.Kind != model.KindOption {
			continue
		}
		ot := t.Field(idx[i]).Type
		if ot.Kind() != reflect.Struct || ot.NumField() != 2 || ot.Field(optValue).Name != "Value" || ot.Field(optPresent).Name != "Present" {
			return nil, fmt.Errorf("generated State.%s: %v is not an Option{Value, Present}", t.Field(idx[i]).Name, ot)
		}
	}
	return &bridge{m: m, stateType: t, stateFields: idx, payloads: map[reflect.Type]payloadInfo{}, texts: map[any]string{}, atIndex: -1}, nil
}

// jsonFields maps n spec names (looked up by index) to the Go fields of t
// carrying them as JSON tags.
func jsonFields(t reflect.Type, n int, index func(string) (int, bool)) ([]int, error) {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	for k := 0; k < t.NumField(); k++ {
		name, _, _ := strings.Cut(t.Field(k).Tag.Get("json"), ",")
		if i, ok := index(name); ok {
			out[i] = k
		}
	}
	for i, k := range out {
		if k < 0 {
			return nil, fmt.Errorf("no Go field for spec field number %d", i)
		}
	}
	return out, nil
}

func (b *bridge) toGen(s model.State) (any, error) {
	v := reflect.New(b.stateType).Elem()
	for i, f := range b.m.Fields {
		if err := setValue(v.Field(b.stateFields[i]), f.Type, s[i]); err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return v.Interface(), nil
}

// sameState reports whether a generated state equals an interpreter state,
// without building either form from the other.
func (b *bridge) sameState(gs any, s model.State) (bool, error) {
	v := reflect.ValueOf(gs)
	if v.Type() != b.stateType {
		return false, fmt.Errorf("generated Step returned a %v, want %v", v.Type(), b.stateType)
	}
	for i, f := range b.m.Fields {
		if getValue(v.Field(b.stateFields[i]), f.Type) != s[i] {
			return false, nil
		}
	}
	return true, nil
}

func (b *bridge) toModel(gs any) (model.State, error) {
	v := reflect.ValueOf(gs)
	if v.Type() != b.stateType {
		return nil, fmt.Errorf("generated Step returned a %v, want %v", v.Type(), b.stateType)
	}
	s := make(model.State, len(b.m.Fields))
	for i, f := range b.m.Fields {
		s[i] = getValue(v.Field(b.stateFields[i]), f.Type)
	}
	return s, nil
}

// effects reads a generated Effects value (through its Len and At methods,
// and each Effect's Payload) into the interpreter's form.
func (b *bridge) effects(gfx any) ([]model.EffectValue, error) {
	l, ok := gfx.(interface{ Len() int })
	if !ok {
		return nil, fmt.Errorf("generated Effects %T has no Len", gfx)
	}
	n := l.Len()
	if n == 0 {
		return nil, nil
	}
	ev := reflect.ValueOf(gfx)
	p := reflect.New(ev.Type())
	p.Elem().Set(ev)
	if b.atIndex < 0 {
		at, ok := p.Type().MethodByName("At")
		if !ok {
			return nil, fmt.Errorf("generated Effects %v has no At", ev.Type())
		}
		b.atIndex = at.Index
	}
	atM := p.Method(b.atIndex)
	var out []model.EffectValue
	for i := 0; i < n; i++ {
		e, ok := atM.Call([]reflect.Value{reflect.ValueOf(i)})[0].Interface().(interface{ Payload() any })
		if !ok {
			return nil, fmt.Errorf("generated Effect has no Payload")
		}
		payload := reflect.ValueOf(e.Payload())
		info, ok := b.payloads[payload.Type()]
		if !ok {
			var eff *model.Effect
			for _, e := range b.m.Effects {
				if e.Name == payload.Type().Name() {
					eff = e
				}
			}
			if eff == nil {
				return nil, fmt.Errorf("generated effect payload %v names no effect of the spec", payload.Type())
			}
			idx, err := jsonFields(payload.Type(), len(eff.Fields), func(name string) (int, bool) {
				for j, f := range eff.Fields {
					if f.Name == name {
						return j, true
					}
				}
				return 0, false
			})
			if err != nil {
				return nil, fmt.Errorf("generated effect %s: %w", eff.Name, err)
			}
			info = payloadInfo{effect: eff, fields: idx}
			b.payloads[payload.Type()] = info
		}
		vals := make([]model.Value, len(info.effect.Fields))
		for j, f := range info.effect.Fields {
			vals[j] = getValue(payload.Field(info.fields[j]), f.Type)
		}
		out = append(out, model.EffectValue{Effect: info.effect, Fields: vals})
	}
	return out, nil
}

// The fields of a generated Option[T]: Value, then Present (newBridge
// checks this on the State's option fields).
const (
	optValue   = 0
	optPresent = 1
)

func setValue(v reflect.Value, t *model.Type, x model.Value) error {
	switch t.Kind {
	case model.KindOption:
		v.Field(optPresent).SetBool(x.Some)
		if x.Some {
			return setValue(v.Field(optValue), t.Elem, x.Unwrap())
		}
		return nil
	case model.KindBool:
		v.SetBool(x.Bool())
	case model.KindUint, model.KindEnum:
		v.SetUint(x.N)
	case model.KindID:
		v.SetString(x.S)
	case model.KindSet, model.KindMap:
		// The generated collections keep their fields unexported: go
		// through their JSON form, which validates.
		b, err := model.ValueJSON(t, x)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v.Addr().Interface())
	default:
		return fmt.Errorf("unknown type %v", t)
	}
	return nil
}

func getValue(v reflect.Value, t *model.Type) model.Value {
	switch t.Kind {
	case model.KindOption:
		if !v.Field(optPresent).Bool() {
			return model.None()
		}
		return model.SomeOf(getValue(v.Field(optValue), t.Elem))
	case model.KindBool:
		return model.Bool(v.Bool())
	case model.KindUint, model.KindEnum:
		return model.Uint(v.Uint())
	case model.KindID:
		return model.ID(v.String())
	case model.KindSet, model.KindMap:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			panic(err)
		}
		x, err := model.ParseValueJSON(t, b)
		if err != nil {
			panic(fmt.Sprintf("conformance: generated %v: %v", t, err))
		}
		return x
	}
	return model.Value{}
}
