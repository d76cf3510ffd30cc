package generated

import (
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/bench/gen"
	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// TestEnumsMatch checks that Snapshot's ordinal conversions are right: every
// generated enum value has the name of the realtime value of the same
// ordinal, and the enums have the same size.
func TestEnumsMatch(t *testing.T) {
	check := func(enum string, gen []string, rt func(uint8) string, rtLen int) {
		t.Helper()
		if len(gen) != rtLen {
			t.Errorf("%s: generated has %d values, realtime %d", enum, len(gen), rtLen)
		}
		for i, name := range gen {
			if got := rt(uint8(i)); got != name {
				t.Errorf("%s value %d: generated %q, realtime %q", enum, i, name, got)
			}
		}
	}
	names := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	lp := realtimegen.LifecyclePhaseValues()
	check("LifecyclePhase", names(len(lp), func(i int) string { return lp[i].String() }),
		func(v uint8) string { return realtime.LifecyclePhase(v).String() }, 2)
	tp := realtimegen.TurnPhaseValues()
	check("TurnPhase", names(len(tp), func(i int) string { return tp[i].String() }),
		func(v uint8) string { return realtime.TurnPhase(v).String() }, 4)
	bs := realtimegen.RealtimeBindingStateValues()
	check("RealtimeBindingState", names(len(bs), func(i int) string { return bs[i].String() }),
		func(v uint8) string { return realtime.BindingState(v).String() }, 4)
	lt := realtimegen.LiveTopologyPhaseValues()
	check("LiveTopologyPhase", names(len(lt), func(i int) string { return lt[i].String() }),
		func(v uint8) string { return realtime.TopologyPhase(v).String() }, 5)
	for i, v := range lp {
		if uint8(v) != uint8(i) {
			t.Errorf("LifecyclePhase %v has ordinal %d, want %d", v, v, i)
		}
	}
	for i, v := range tp {
		if uint8(v) != uint8(i) {
			t.Errorf("TurnPhase %v has ordinal %d, want %d", v, v, i)
		}
	}
	for i, v := range bs {
		if uint8(v) != uint8(i) {
			t.Errorf("RealtimeBindingState %v has ordinal %d, want %d", v, v, i)
		}
	}
	for i, v := range lt {
		if uint8(v) != uint8(i) {
			t.Errorf("LiveTopologyPhase %v has ordinal %d, want %d", v, v, i)
		}
	}
}

// TestInputNames checks that Step converts every realtime input to the
// generated input of the same name: a missing case would pass a nil input,
// which Step refuses with an error Classify does not know.
func TestInputNames(t *testing.T) {
	for k := 0; k < realtime.NumKinds; k++ {
		kind := realtime.Kind(k)
		if !slices.Contains(realtimegen.InputNames(), kind.String()) {
			t.Errorf("the generated package has no input %v", kind)
		}
		m := New()
		if o := m.Classify(m.Step(realtime.Input{Kind: kind})); strings.HasPrefix(o.Guard, "unexpected") {
			t.Errorf("%v: %v", kind, o.Guard)
		}
	}
}
