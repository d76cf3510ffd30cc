package runtime_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"pgregory.net/rapid"
)

// TestBarrierOrderAndRepetition is the bug: the executor registers
// barrier operations and later reports them finished, naming them in
// another order and repeating some. The machine must accept the report
// (set equality) and the turn must reach a safe boundary. With the barrier
// held as an opaque encoding of the set, [c, c] or [b, a] was refused and
// the turn went back to calling the LLM.
func TestBarrierOrderAndRepetition(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		alphabet := []gen.OperationID{"a", "b", "c", "d"}
		registered := rapid.SliceOfN(rapid.SampledFrom(alphabet), 1, 6).Draw(rt, "registered")
		// The report: a permutation of the registered ids, each repeated
		// 1 to 3 times.
		var report []gen.OperationID
		for _, i := range rapid.Permutation(indexes(len(registered))).Draw(rt, "order") {
			for range rapid.IntRange(1, 3).Draw(rt, fmt.Sprintf("copies%d", i)) {
				report = append(report, registered[i])
			}
		}
		f := newFixture(t, fixtureOpts{})
		f.startTurn("r1")
		if _, err := f.exec.RegisterPendingOps(registered...); err != nil {
			rt.Fatalf("register %v: %v", registered, err)
		}
		if _, err := f.exec.OpsBarrierSatisfied(report...); err != nil {
			rt.Fatalf("register %v, report %v: %v", registered, report, err)
		}
		f.mustApply(gen.ToolCallsResolved{})
		if st := f.exec.State(); st.TurnPhase != gen.TurnPhaseDrainingBoundary || !st.BarrierSatisfied || st.BarrierOperationIDs.Len() != 0 {
			rt.Fatalf("after the barrier: turn %v, satisfied %v, ids %d", st.TurnPhase, st.BarrierSatisfied, st.BarrierOperationIDs.Len())
		}
	})
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestBarrierOtherSetRefused: a report that names a different set of
// operations (one missing, or one more) is refused by matching_barrier_ids
// and leaves the barrier open.
func TestBarrierOtherSetRefused(t *testing.T) {
	for _, report := range [][]gen.OperationID{{"a"}, {"a", "b", "c"}, {}, {"b", "c"}} {
		f := newFixture(t, fixtureOpts{})
		f.startTurn("r1")
		if _, err := f.exec.RegisterPendingOps("b", "a", "a"); err != nil {
			t.Fatal(err)
		}
		_, err := f.exec.OpsBarrierSatisfied(report...)
		var gr *gen.GuardRejectedError
		if !errors.As(err, &gr) || gr.Guard != "matching_barrier_ids" {
			t.Fatalf("report %v: %v, want a refusal by matching_barrier_ids", report, err)
		}
		if st := f.exec.State(); st.BarrierSatisfied || st.BarrierOperationIDs.Len() != 2 {
			t.Fatalf("report %v: barrier changed: %+v", report, st.BarrierOperationIDs)
		}
	}
}

// TestBarrierEmptyIsSatisfied: registering no barrier operations satisfies
// the barrier at once (upstream: barrier_satisfied := ids = ∅).
func TestBarrierEmptyIsSatisfied(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.startTurn("r1")
	if _, err := f.exec.RegisterPendingOps(); err != nil {
		t.Fatal(err)
	}
	if st := f.exec.State(); !st.BarrierSatisfied || st.TurnPhase != gen.TurnPhaseWaitingForOps {
		t.Fatalf("empty barrier: satisfied %v, turn %v", st.BarrierSatisfied, st.TurnPhase)
	}
}

// TestBarrierCapacity: more distinct operations than a barrier holds is a
// validation error matching gen.ErrBound, and the machine is not stepped;
// repetitions do not count.
func TestBarrierCapacity(t *testing.T) {
	// The capacity: what a set takes before With refuses.
	var full runtime.OperationIDs
	var ids []gen.OperationID
	for {
		id := gen.OperationID(fmt.Sprintf("op%02d", len(ids)/2))
		next, ok := full.With(id)
		if !ok {
			break
		}
		full = next
		ids = append(ids, id, id)
	}
	set, err := runtime.NewOperationIDs(ids...)
	if err != nil || set != full || full.Len() < 2 {
		t.Fatalf("%d distinct ids, each twice: %d, %v", full.Len(), set.Len(), err)
	}
	f := newFixture(t, fixtureOpts{})
	f.startTurn("r1")
	before := f.exec.State()
	_, err = f.exec.RegisterPendingOps(append(ids, "one more")...)
	expectKind(t, err, runtime.KindValidation, gen.ErrBound)
	if f.exec.State() != before {
		t.Fatal("the machine was stepped")
	}
}
