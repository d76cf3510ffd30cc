package realtime

// Step is one input of a cycle together with the outcome the spec
// prescribes for it.
type Step struct {
	// Input is the input, with the authority epochs of the cycle's first
	// repetition.
	Input Input
	// Want is the prescribed outcome.
	Want Outcome
}

// Cycle is a fixed input sequence that a machine can repeat forever. After
// its Setup, every repetition of Steps leaves the machine in the state it
// started from, except that the mint counter (and so every epoch minted
// later) has moved on by EpochStride; the authority_epoch arguments of the
// next repetition are therefore those of Steps plus EpochStride times the
// repetition number. A Cursor does that arithmetic.
type Cycle struct {
	// Name identifies the cycle in benchmark names.
	Name string
	// Setup is applied once to a fresh machine; every input of it is
	// accepted.
	Setup []Input
	// Steps is one repetition.
	Steps []Step
	// EpochStride is the number of epochs one repetition mints.
	EpochStride uint64
}

// Rejections returns how many steps of one repetition are rejected.
func (c *Cycle) Rejections() int {
	n := 0
	for _, s := range c.Steps {
		if !s.Want.Accepted {
			n++
		}
	}
	return n
}

// RejectionsIn returns how many of the first n steps of the repeated cycle
// are rejected.
func (c *Cycle) RejectionsIn(n int) int {
	full, rest := n/len(c.Steps), n%len(c.Steps)
	total := full * c.Rejections()
	for _, s := range c.Steps[:rest] {
		if !s.Want.Accepted {
			total++
		}
	}
	return total
}

// Cursor walks a cycle's steps forever.
type Cursor struct {
	steps  []Step
	stride uint64
	i      int
	offset uint64
}

// Cursor returns a cursor at the first step of the first repetition.
func (c *Cycle) Cursor() Cursor {
	return Cursor{steps: c.Steps, stride: c.EpochStride}
}

// Next returns the next input, with its authority epoch shifted for the
// current repetition, and advances.
func (c *Cursor) Next() Input {
	in := c.steps[c.i].Input
	in.AuthorityEpoch += c.offset
	c.i++
	if c.i == len(c.steps) {
		c.i = 0
		c.offset += c.stride
	}
	return in
}

// NextStep is Next that also returns the prescribed outcome.
func (c *Cursor) NextStep() Step {
	want := c.steps[c.i].Want
	return Step{Input: c.Next(), Want: want}
}

// Shorthands for the cycle tables.
func accepted() Outcome            { return Outcome{Accepted: true} }
func noTransition() Outcome        { return Outcome{NoTransition: true} }
func guard(name string) Outcome    { return Outcome{Guard: name} }
func in(k Kind) Input              { return Input{Kind: k} }
func ok(k Kind) Step               { return Step{Input: in(k), Want: accepted()} }
func okIn(in Input) Step           { return Step{Input: in, Want: accepted()} }
func no(k Kind, g string) Step     { return Step{Input: in(k), Want: guard(g)} }
func noIn(in Input, g string) Step { return Step{Input: in, Want: guard(g)} }
func publish(epoch uint64, next BindingState) Input {
	return Input{Kind: PublishRealtimeSignal, AuthorityEpoch: epoch, NextBindingState: next}
}
func beginTopology(epoch uint64) Input {
	return Input{Kind: BeginLiveTopologyReconfigure, AuthorityEpoch: epoch}
}

// AcceptedCycle is 25 inputs that are all accepted: a binding is attached and
// published ready, a turn runs to a boundary, a live reconfigure detaches and
// completes (the next attach gets the old epoch + 2), the binding is
// replaced, a second reconfigure is aborted before detach, the run commits,
// a third reconfigure fails after detach, and the binding is reattached and
// detached. It mints 9 epochs per repetition.
func AcceptedCycle() *Cycle {
	return &Cycle{
		Name: "accepted",
		Steps: []Step{
			ok(BeginRealtimeBinding),          // epoch 1, next 2
			okIn(publish(1, BindingReady)),    //
			ok(StartConversationRun),          // Running, CallingLLM
			ok(LLMReturnedTerminal),           // DrainingBoundary
			ok(BoundaryContinue),              // CallingLLM
			ok(LLMReturnedTerminal),           // DrainingBoundary
			okIn(beginTopology(1)),            // Reconfiguring
			ok(MarkLiveTopologyDetached),      // Detached, next 3
			ok(ApplyLiveTopologyIdentity),     //
			ok(ApplyLiveTopologyVisibility),   //
			ok(CompleteLiveTopology),          // Idle
			ok(BeginRealtimeBinding),          // epoch 3, next 4
			ok(ReplaceRealtimeBinding),        // epoch 4, next 5
			okIn(publish(4, BindingReady)),    //
			okIn(beginTopology(4)),            // Reconfiguring
			ok(AbortLiveTopologyBeforeDetach), // Idle, epoch 4 still valid
			okIn(publish(4, BindingNotReady)), //
			ok(BoundaryComplete),              // Completed
			ok(ServiceTurnCommitted),          // Attached
			okIn(beginTopology(4)),            // Reconfiguring
			ok(MarkLiveTopologyDetached),      // Detached, next 6
			ok(FailLiveTopologyAfterDetach),   // Idle, reattach, next 7
			ok(RequireRealtimeReattach),       // next 8
			ok(BeginRealtimeBinding),          // epoch 8, next 9
			ok(DetachRealtimeBinding),         // Unbound, next 10
		},
		EpochStride: 9,
	}
}

// RejectedCycle is 15 inputs that are all rejected by a guard, from a
// machine that is Running a turn in CallingLLM with a ready binding (epoch 1)
// and a live reconfigure in progress. 11 of the spec's 14 guards fail (all
// but valid_next_state, topology_reconfiguring and turn_calling_llm); the
// state never changes.
func RejectedCycle() *Cycle {
	return &Cycle{
		Name: "rejected",
		Setup: []Input{
			in(BeginRealtimeBinding),
			publish(1, BindingReady),
			in(StartConversationRun),
			beginTopology(1),
		},
		Steps: []Step{
			no(BeginRealtimeBinding, "no_topology_reconfigure_in_progress"),
			no(ReplaceRealtimeBinding, "no_topology_reconfigure_in_progress"),
			noIn(publish(1, BindingReady), "no_topology_reconfigure_in_progress"),
			noIn(publish(2, BindingReady), "authority_matches_current"),
			noIn(beginTopology(1), "topology_idle"),
			noIn(beginTopology(0), "authority_matches_current"),
			no(MarkLiveTopologyDetached, "turn_at_safe_boundary"),
			no(ApplyLiveTopologyIdentity, "topology_detached"),
			no(ApplyLiveTopologyVisibility, "host_identity_applied"),
			no(CompleteLiveTopology, "host_visibility_applied"),
			no(FailLiveTopologyAfterDetach, "topology_past_detach"),
			no(StartConversationRun, "turn_resettable"),
			no(BoundaryContinue, "turn_draining_boundary"),
			no(BoundaryComplete, "turn_draining_boundary"),
			no(ServiceTurnCommitted, "turn_terminal"),
		},
	}
}

// MixedCycle is 34 inputs, 21 accepted and 13 rejected (11 by a guard, 2
// because no transition listens to the input in the lifecycle phase): the
// accepted cycle's story with wrong inputs in between. It mints 9 epochs per
// repetition.
func MixedCycle() *Cycle {
	return &Cycle{
		Name: "mixed",
		Steps: []Step{
			{Input: in(LLMReturnedTerminal), Want: noTransition()}, // Attached
			ok(BeginRealtimeBinding),                               // epoch 1, next 2
			noIn(publish(1, Unbound), "valid_next_state"),
			okIn(publish(1, BindingReady)),
			noIn(beginTopology(0), "authority_matches_current"),
			ok(StartConversationRun), // Running, CallingLLM
			no(StartConversationRun, "turn_resettable"),
			ok(LLMReturnedTerminal), // DrainingBoundary
			ok(BoundaryContinue),    // CallingLLM
			okIn(beginTopology(1)),  // Reconfiguring
			no(MarkLiveTopologyDetached, "turn_at_safe_boundary"),
			no(BeginRealtimeBinding, "no_topology_reconfigure_in_progress"),
			ok(LLMReturnedTerminal),      // DrainingBoundary
			ok(MarkLiveTopologyDetached), // Detached, next 3
			no(AbortLiveTopologyBeforeDetach, "topology_reconfiguring"),
			ok(ApplyLiveTopologyIdentity),
			no(CompleteLiveTopology, "host_visibility_applied"),
			ok(ApplyLiveTopologyVisibility),
			ok(CompleteLiveTopology), // Idle
			noIn(publish(1, BindingReady), "authority_matches_current"),
			ok(BeginRealtimeBinding),   // epoch 3, next 4
			ok(ReplaceRealtimeBinding), // epoch 4, next 5
			ok(BoundaryComplete),       // Completed
			ok(ServiceTurnCommitted),   // Attached
			{Input: in(BoundaryContinue), Want: noTransition()},
			okIn(beginTopology(4)), // Reconfiguring
			noIn(beginTopology(4), "topology_idle"),
			no(ApplyLiveTopologyIdentity, "topology_detached"),
			ok(MarkLiveTopologyDetached),    // Detached, next 6
			ok(FailLiveTopologyAfterDetach), // Idle, reattach, next 7
			no(FailLiveTopologyAfterDetach, "topology_past_detach"),
			ok(RequireRealtimeReattach), // next 8
			ok(BeginRealtimeBinding),    // epoch 8, next 9
			ok(DetachRealtimeBinding),   // Unbound, next 10
		},
		EpochStride: 9,
	}
}

// Cycles returns the three benchmark cycles: accepted, rejected, mixed.
func Cycles() []*Cycle {
	return []*Cycle{AcceptedCycle(), RejectedCycle(), MixedCycle()}
}
