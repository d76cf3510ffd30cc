package bench_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// allGuards returns every guard name of spec/realtime.yaml.
func allGuards() []string {
	return []string{
		"no_topology_reconfigure_in_progress",
		"authority_matches_current",
		"valid_next_state",
		"topology_idle",
		"topology_reconfiguring",
		"turn_at_safe_boundary",
		"topology_detached",
		"host_identity_applied",
		"host_visibility_applied",
		"topology_past_detach",
		"turn_resettable",
		"turn_calling_llm",
		"turn_draining_boundary",
		"turn_terminal",
	}
}

// stepResult is everything observable about one step.
type stepResult struct {
	outcome  realtime.Outcome
	snapshot realtime.Snapshot
	effects  []realtime.Effect
}

func step(m realtime.Machine, in realtime.Input) stepResult {
	err := m.Step(in)
	return stepResult{outcome: m.Classify(err), snapshot: m.Snapshot(), effects: m.AppendEffects(nil)}
}

func (r stepResult) String() string {
	return fmt.Sprintf("%v -> %v effects %v", r.outcome, r.snapshot, r.effects)
}

func (r stepResult) equal(o stepResult) bool {
	return r.outcome == o.outcome && r.snapshot == o.snapshot && slices.Equal(r.effects, o.effects)
}

// shifted returns s with every epoch moved on by d.
func shifted(s realtime.Snapshot, d uint64) realtime.Snapshot {
	s.NextEpoch += d
	if s.HasEpoch {
		s.Epoch += d
	}
	return s
}

// TestCycles checks every implementation against the outcome that each step
// of each benchmark cycle prescribes, and checks that a repetition of a cycle
// brings the machine back to the same state with its epochs shifted by the
// cycle's stride, so that a benchmark that repeats a cycle measures what the
// cycle says.
func TestCycles(t *testing.T) {
	const repetitions = 4
	for _, c := range realtime.Cycles() {
		for _, impl := range impls() {
			t.Run(c.Name+"/"+impl.Name, func(t *testing.T) {
				m := impl.New()
				if got := m.Snapshot(); got != realtime.Initial() {
					t.Fatalf("initial snapshot %v, want %v", got, realtime.Initial())
				}
				for _, in := range c.Setup {
					if err := m.Step(in); err != nil {
						t.Fatalf("setup %v: %v", in, err)
					}
				}
				cur := c.Cursor()
				var ends []realtime.Snapshot
				for r := 0; r < repetitions; r++ {
					for i := range c.Steps {
						s := cur.NextStep()
						before := m.Snapshot()
						got := step(m, s.Input)
						if got.outcome != s.Want {
							t.Fatalf("repetition %d step %d %v from %v: %v, want %v", r, i, s.Input, before, got.outcome, s.Want)
						}
						if !got.outcome.Accepted && (got.snapshot != before || len(got.effects) != 0) {
							t.Fatalf("repetition %d step %d %v: rejected step changed %v to %v, effects %v", r, i, s.Input, before, got.snapshot, got.effects)
						}
						if err := got.snapshot.CheckInvariants(); err != nil {
							t.Fatalf("repetition %d step %d %v: %v", r, i, s.Input, err)
						}
					}
					ends = append(ends, m.Snapshot())
				}
				for r := 1; r < len(ends); r++ {
					if want := shifted(ends[r-1], c.EpochStride); ends[r] != want {
						t.Fatalf("cycle is not periodic: repetition %d ends in %v, want %v", r, ends[r], want)
					}
				}
			})
		}
	}
}

// TestAgreementOnCycles steps all implementations through each cycle in
// lockstep and compares every outcome, snapshot and effect list.
func TestAgreementOnCycles(t *testing.T) {
	for _, c := range realtime.Cycles() {
		t.Run(c.Name, func(t *testing.T) {
			var inputs []realtime.Input
			inputs = append(inputs, c.Setup...)
			cur := c.Cursor()
			for range 3 * len(c.Steps) {
				inputs = append(inputs, cur.Next())
			}
			checkAgreement(t, inputs)
		})
	}
}

// checkAgreement steps a fresh machine of every implementation through
// inputs and fails at the first step where one differs from the first
// implementation.
func checkAgreement(t *testing.T, inputs []realtime.Input) {
	t.Helper()
	all := impls()
	machines := make([]realtime.Machine, len(all))
	for i, impl := range all {
		machines[i] = impl.New()
	}
	for n, in := range inputs {
		ref := step(machines[0], in)
		for i := 1; i < len(machines); i++ {
			if got := step(machines[i], in); !got.equal(ref) {
				t.Fatalf("step %d %v:\n  %-10s %v\n  %-10s %v", n, in, all[0].Name, ref, all[i].Name, got)
			}
		}
	}
}

// randomInput draws an input whose arguments are likely to matter: the
// current epoch, a neighbour of it, the next one to be minted, or 0.
func randomInput(r *rand.Rand, s realtime.Snapshot) realtime.Input {
	in := realtime.Input{Kind: realtime.Kind(r.IntN(realtime.NumKinds))}
	if in.HasEpoch() {
		candidates := []uint64{s.Epoch, s.Epoch + 1, s.Epoch - 1, s.NextEpoch, 0}
		if s.HasEpoch {
			// Favour the current epoch so that guards past the authority
			// check get exercised.
			candidates = append(candidates, s.Epoch, s.Epoch, s.Epoch)
		}
		in.AuthorityEpoch = candidates[r.IntN(len(candidates))]
	}
	if in.Kind == realtime.PublishRealtimeSignal {
		in.NextBindingState = realtime.BindingState(r.IntN(4))
	}
	return in
}

// TestAgreementRandom steps all implementations through random input
// sequences in lockstep, comparing every outcome, snapshot and effect list,
// and checks that the sequences accepted every input and hit every guard
// and the no-transition rejection, so that agreement is not vacuous.
func TestAgreementRandom(t *testing.T) {
	const (
		seeds  = 200
		length = 300
	)
	all := impls()
	acceptedKinds := make(map[realtime.Kind]int)
	rejectedBy := make(map[string]int)
	noTransition := 0
	for seed := uint64(1); seed <= seeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		machines := make([]realtime.Machine, len(all))
		for i, impl := range all {
			machines[i] = impl.New()
		}
		var trace []realtime.Input
		for n := 0; n < length; n++ {
			in := randomInput(r, machines[0].Snapshot())
			trace = append(trace, in)
			ref := step(machines[0], in)
			if err := ref.snapshot.CheckInvariants(); err != nil {
				t.Fatalf("seed %d step %d %v: %s: %v", seed, n, in, all[0].Name, err)
			}
			for i := 1; i < len(machines); i++ {
				if got := step(machines[i], in); !got.equal(ref) {
					t.Fatalf("seed %d step %d %v (last inputs %v):\n  %-10s %v\n  %-10s %v",
						seed, n, in, trace[max(0, len(trace)-12):], all[0].Name, ref, all[i].Name, got)
				}
			}
			switch {
			case ref.outcome.Accepted:
				acceptedKinds[in.Kind]++
			case ref.outcome.NoTransition:
				noTransition++
			default:
				rejectedBy[ref.outcome.Guard]++
			}
		}
	}
	for k := 0; k < realtime.NumKinds; k++ {
		if acceptedKinds[realtime.Kind(k)] == 0 {
			t.Errorf("no random sequence accepted %v", realtime.Kind(k))
		}
	}
	for _, g := range allGuards() {
		if rejectedBy[g] == 0 {
			t.Errorf("no random sequence was rejected by guard %s", g)
		}
	}
	for g := range rejectedBy {
		if !slices.Contains(allGuards(), g) {
			t.Errorf("rejections by unknown guard %q", g)
		}
	}
	if noTransition == 0 {
		t.Errorf("no random sequence hit a phase without a transition")
	}
	t.Logf("accepted per input %v; rejections per guard %v; no transition %d", acceptedKinds, rejectedBy, noTransition)
}

// TestFacts replays the walk-throughs of machine facts §3 and §4 on every
// implementation.
func TestFacts(t *testing.T) {
	in := func(k realtime.Kind) realtime.Input { return realtime.Input{Kind: k} }
	begin := func(e uint64) realtime.Input {
		return realtime.Input{Kind: realtime.BeginLiveTopologyReconfigure, AuthorityEpoch: e}
	}
	publish := func(e uint64, s realtime.BindingState) realtime.Input {
		return realtime.Input{Kind: realtime.PublishRealtimeSignal, AuthorityEpoch: e, NextBindingState: s}
	}
	type check struct {
		in      realtime.Input
		outcome realtime.Outcome
		want    func(realtime.Snapshot) bool
		effects []realtime.Effect
	}
	ok := realtime.Outcome{Accepted: true}
	rotated := func(e uint64) []realtime.Effect {
		return []realtime.Effect{{Kind: realtime.RealtimeBindingRotated, AuthorityEpoch: e}}
	}
	topo := []realtime.Effect{{Kind: realtime.LiveTopologyPhaseChanged}}
	epochIs := func(e, next uint64, b realtime.BindingState, reattach bool) func(realtime.Snapshot) bool {
		return func(s realtime.Snapshot) bool {
			return s.HasEpoch == (e != 0) && s.Epoch == e && s.NextEpoch == next && s.Binding == b && s.Reattach == reattach
		}
	}
	scenarios := map[string][]check{
		// §4 epoch walk-through: a completed live reconfigure with nothing
		// else minting returns the old epoch + 2.
		"complete": {
			{in(realtime.BeginRealtimeBinding), ok, epochIs(1, 2, realtime.BindingNotReady, false), rotated(1)},
			{begin(1), ok, func(s realtime.Snapshot) bool { return s.Topology == realtime.Reconfiguring && s.Epoch == 1 }, topo},
			{in(realtime.BeginRealtimeBinding), realtime.Outcome{Guard: "no_topology_reconfigure_in_progress"}, epochIs(1, 2, realtime.BindingNotReady, false), nil},
			{in(realtime.MarkLiveTopologyDetached), ok, epochIs(0, 3, realtime.Unbound, false), topo},
			{in(realtime.ApplyLiveTopologyIdentity), ok, nil, topo},
			{in(realtime.ApplyLiveTopologyVisibility), ok, nil, topo},
			{in(realtime.CompleteLiveTopology), ok, func(s realtime.Snapshot) bool { return s.Topology == realtime.TopologyIdle }, topo},
			{publish(1, realtime.BindingReady), realtime.Outcome{Guard: "authority_matches_current"}, nil, nil},
			{in(realtime.BeginRealtimeBinding), ok, epochIs(3, 4, realtime.BindingNotReady, false), rotated(3)},
		},
		// §4: a failure after detach leaves epoch none, next 4, reattach.
		"fail": {
			{in(realtime.BeginRealtimeBinding), ok, nil, rotated(1)},
			{begin(1), ok, nil, topo},
			{in(realtime.AbortLiveTopologyBeforeDetach), realtime.Outcome{Accepted: true}, epochIs(1, 2, realtime.BindingNotReady, false), topo},
			{begin(1), ok, nil, topo},
			{in(realtime.FailLiveTopologyAfterDetach), realtime.Outcome{Guard: "topology_past_detach"}, nil, nil},
			{in(realtime.MarkLiveTopologyDetached), ok, nil, topo},
			{in(realtime.AbortLiveTopologyBeforeDetach), realtime.Outcome{Guard: "topology_reconfiguring"}, nil, nil},
			{in(realtime.FailLiveTopologyAfterDetach), ok, epochIs(0, 4, realtime.Unbound, true), topo},
			{in(realtime.BeginRealtimeBinding), ok, epochIs(4, 5, realtime.BindingNotReady, false), rotated(4)},
		},
		// §4: detach is not blocked by topology, and MarkDetached needs no
		// binding; the turn gates MarkDetached.
		"detach during reconfigure": {
			{in(realtime.BeginRealtimeBinding), ok, nil, rotated(1)},
			{begin(1), ok, nil, topo},
			{in(realtime.StartConversationRun), ok, func(s realtime.Snapshot) bool {
				return s.Lifecycle == realtime.Running && s.Turn == realtime.CallingLLM
			}, nil},
			{in(realtime.DetachRealtimeBinding), ok, epochIs(0, 3, realtime.Unbound, false), nil},
			{in(realtime.RequireRealtimeReattach), ok, epochIs(0, 4, realtime.Unbound, true), nil},
			{in(realtime.MarkLiveTopologyDetached), realtime.Outcome{Guard: "turn_at_safe_boundary"}, nil, nil},
			{in(realtime.LLMReturnedTerminal), ok, nil, nil},
			{in(realtime.ServiceTurnCommitted), realtime.Outcome{Guard: "turn_terminal"}, nil, nil},
			{in(realtime.MarkLiveTopologyDetached), ok, epochIs(0, 5, realtime.Unbound, false), topo},
		},
		// §3: Publish checks authority, then topology, then the next state,
		// and never rotates the epoch.
		"publish": {
			{publish(1, realtime.BindingReady), realtime.Outcome{Guard: "authority_matches_current"}, nil, nil},
			{in(realtime.RequireRealtimeReattach), ok, epochIs(0, 2, realtime.Unbound, true), nil},
			{in(realtime.ReplaceRealtimeBinding), ok, epochIs(2, 3, realtime.ReplacementPending, false), rotated(2)},
			{publish(2, realtime.Unbound), realtime.Outcome{Guard: "valid_next_state"}, nil, nil},
			{publish(2, realtime.BindingReady), ok, epochIs(2, 3, realtime.BindingReady, false), nil},
			{in(realtime.BoundaryComplete), realtime.Outcome{NoTransition: true}, nil, nil},
			{begin(2), ok, nil, topo},
			{publish(3, realtime.BindingReady), realtime.Outcome{Guard: "authority_matches_current"}, nil, nil},
			{publish(2, realtime.Unbound), realtime.Outcome{Guard: "no_topology_reconfigure_in_progress"}, nil, nil},
		},
	}
	for name, checks := range scenarios {
		for _, impl := range impls() {
			t.Run(name+"/"+impl.Name, func(t *testing.T) {
				m := impl.New()
				for i, c := range checks {
					got := step(m, c.in)
					if got.outcome != c.outcome {
						t.Fatalf("step %d %v: %v, want %v", i, c.in, got.outcome, c.outcome)
					}
					if c.want != nil && !c.want(got.snapshot) {
						t.Fatalf("step %d %v: unexpected state %v", i, c.in, got.snapshot)
					}
					if !slices.Equal(got.effects, c.effects) {
						t.Fatalf("step %d %v: effects %v, want %v", i, c.in, got.effects, c.effects)
					}
				}
			})
		}
	}
}
