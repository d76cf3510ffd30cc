package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/meerkat-go/dslmachine/gen"
)

// DefaultEffectBuffer is the default capacity of an executor's effect
// channel.
const DefaultEffectBuffer = 16

// BoundaryCancelReason is the reason the control plane gives when it asks an
// executor to cancel at the next turn boundary.
const BoundaryCancelReason = "boundary cancel"

// ErrExecutorClosed is wrapped by the error of an operation on a closed
// Executor, and by the error of AttachExecutor when a live executor is
// already attached (as ErrExecutorAttached).
var (
	ErrExecutorClosed   = errors.New("executor is closed")
	ErrExecutorAttached = errors.New("an executor is already attached")
)

// RuntimeEffect is an instruction the control plane dispatches to a
// session's executor on its effect channel.
type RuntimeEffect struct {
	// Kind says what to do.
	Kind gen.RuntimeEffectKind
	// Reason is a free-form explanation.
	Reason string
}

// BoundaryHandle lets the control plane reach a running turn directly (the
// live boundary handle of upstream's executor attachment).
type BoundaryHandle interface {
	// CancelAfterBoundary asks the running turn to cancel at its next
	// boundary.
	CancelAfterBoundary(ctx context.Context, reason string) error
}

// ExecutorConfig describes an executor attaching to a session.
type ExecutorConfig struct {
	// RuntimeID identifies the executor's agent runtime.
	RuntimeID gen.AgentRuntimeID
	// FenceToken is the executor's fence token.
	FenceToken uint64
	// EffectBuffer is the effect channel's capacity; 0 selects
	// DefaultEffectBuffer.
	EffectBuffer int
	// Boundary is the live boundary handle, if the executor has one.
	Boundary BoundaryHandle
}

// Executor is the executor-facing handle of a session: the agent loop uses
// it to receive runtime effects and to drive runs and turns through the
// session's machine. It is safe for concurrent use.
type Executor struct {
	cp       *ControlPlane
	s        *session
	effects  chan RuntimeEffect
	boundary BoundaryHandle

	closeOnce sync.Once
	done      chan struct{}
}

// live reports whether the executor is attached and not closed; a nil
// executor is not live.
func (e *Executor) live() bool {
	if e == nil {
		return false
	}
	select {
	case <-e.done:
		return false
	default:
		return true
	}
}

// AttachExecutor attaches an executor to the session. It applies
// PrepareBindings (binding the runtime id and fence token, and moving an
// Idle session to Attached) and EnsureSessionWithExecutor atomically, and
// installs the executor's effect channel and boundary handle. A refusal by
// the machine is a *NotReadyError naming the phase; a live executor already
// attached is a *ValidationError wrapping ErrExecutorAttached (a closed one
// is replaced).
func (cp *ControlPlane) AttachExecutor(id SessionID, cfg ExecutorConfig) (*Executor, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return nil, err
	}
	buf := cfg.EffectBuffer
	if buf <= 0 {
		buf = DefaultEffectBuffer
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return nil, errGone()
	}
	if s.exec.live() {
		return nil, Validationf("attach executor to session %s: %w", id, ErrExecutorAttached)
	}
	next := s.state
	var steps []StepEvent
	for _, in := range []gen.Input{
		gen.PrepareBindings{AgentRuntimeID: cfg.RuntimeID, FenceToken: cfg.FenceToken},
		gen.EnsureSessionWithExecutor{},
	} {
		before := next
		var err error
		var fx gen.Effects
		if next, fx, err = gen.Step(next, in); err != nil {
			if errors.Is(err, gen.ErrRejected) {
				return nil, NotReady(s.state.LifecyclePhase)
			}
			return nil, Internalf("attach executor to session %s: %w", id, err)
		}
		steps = append(steps, StepEvent{Session: id, Generation: s.generation, Input: in, Before: before, After: next, Effects: fx})
	}
	if err := next.CheckInvariants(); err != nil {
		return nil, Internalf("attach executor to session %s: %w", id, err)
	}
	s.commitLocked(next)
	e := &Executor{
		cp:       cp,
		s:        s,
		effects:  make(chan RuntimeEffect, buf),
		boundary: cfg.Boundary,
		done:     make(chan struct{}),
	}
	s.exec = e
	if s.observe != nil {
		for _, ev := range steps {
			s.observe(ev)
		}
	}
	return e, nil
}

// SessionID returns the session the executor is attached to.
func (e *Executor) SessionID() SessionID { return e.s.id }

// Effects returns the channel on which the control plane dispatches
// runtime effects. It is never closed; select on Done as well.
func (e *Executor) Effects() <-chan RuntimeEffect { return e.effects }

// Done is closed when the executor is closed.
func (e *Executor) Done() <-chan struct{} { return e.done }

// Close closes the executor: it stops receiving effects and no longer
// counts as a live attachment. The machine state is not changed (use Exit
// for that). The control plane clears the dead attachment the next time it
// tries to dispatch to it. Close is idempotent.
func (e *Executor) Close() { e.closeOnce.Do(func() { close(e.done) }) }

// Exit reports that the executor exited: it applies RuntimeExecutorExited
// (the session becomes Stopped), detaches the executor and closes it.
func (e *Executor) Exit() error {
	defer e.Close()
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exec == e {
		s.exec = nil
	}
	_, err := s.stepLocked(gen.RuntimeExecutorExited{})
	return err
}

// Apply applies an input to the session's machine on behalf of the
// executor, with the semantics of ControlPlane.Apply. It fails with a
// *ValidationError wrapping ErrExecutorClosed once the executor is closed.
func (e *Executor) Apply(in gen.Input) (gen.Effects, error) {
	if !e.live() {
		return gen.Effects{}, Validationf("session %s: %w", e.s.id, ErrExecutorClosed)
	}
	if in == nil {
		return gen.Effects{}, Validationf("apply to session %s: nil input", e.s.id)
	}
	return e.s.apply(in)
}

// State returns the session's current machine state.
func (e *Executor) State() gen.State {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	return e.s.state
}

// WaitFor blocks until pred holds for the session's machine state; see
// ControlPlane.WaitFor.
func (e *Executor) WaitFor(ctx context.Context, pred func(gen.State) bool) (gen.State, error) {
	return e.cp.WaitFor(ctx, e.s.id, pred)
}

// CheckpointCancelAfterBoundary is the executor's cancel checkpoint: it
// records the intent to cancel run at its next boundary
// (RequestCancelAfterBoundary) if run is the session's current run, the
// intent is not recorded yet, and the turn is between ApplyingPrimitive and
// ErrorRecovery. It reports whether it recorded the intent.
func (e *Executor) CheckpointCancelAfterBoundary(run gen.RunID) (bool, error) {
	if !e.live() {
		return false, Validationf("session %s: %w", e.s.id, ErrExecutorClosed)
	}
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	if st.CurrentRunID != gen.Some(run) || st.CancelAfterBoundary {
		return false, nil
	}
	switch st.TurnPhase {
	case gen.TurnPhaseApplyingPrimitive, gen.TurnPhaseCallingLLM, gen.TurnPhaseWaitingForOps,
		gen.TurnPhaseDrainingBoundary, gen.TurnPhaseExtracting, gen.TurnPhaseErrorRecovery:
	default:
		return false, nil
	}
	if _, err := s.stepLocked(gen.RequestCancelAfterBoundary{}); err != nil {
		return false, err
	}
	return true, nil
}

// clearExecutor forgets exec if it is still the session's attachment.
func (s *session) clearExecutor(exec *Executor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exec == exec {
		s.exec = nil
	}
}

// CancelAfterBoundary asks the session's executor to cancel its run at the
// next turn boundary (upstream cancel_after_boundary_inner):
//
//  1. It applies CancelAfterBoundary; a refusal (the session is neither
//     Attached nor Running) is a *NotReadyError naming the phase.
//  2. If the executor has a live boundary handle, it calls it; a failure
//     is an *InternalError (wrapping ErrHostPanic if the handle panicked),
//     or a *CanceledError if ctx ended.
//  3. It sends the effect on the executor's effect channel without
//     blocking: no executor is a *NotReadyError naming the phase, a full
//     channel is an *InternalError, and a closed executor is cleared from
//     the session and reported as not ready in Idle.
//
// The CancelAfterBoundary transition records nothing in the state, so a
// dispatch failure leaves nothing to undo.
func (cp *ControlPlane) CancelAfterBoundary(ctx context.Context, id SessionID) error {
	if err := checkContext(ctx, "cancel after boundary"); err != nil {
		return err
	}
	s, err := cp.lookup(id)
	if err != nil {
		return err
	}
	return cp.cancelAfterBoundary(ctx, s)
}

// cancelStep applies CancelAfterBoundary and returns its effects, the
// phase and the executor attachment.
func (s *session) cancelStep() (gen.Effects, gen.LifecyclePhase, *Executor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fx, err := s.stepLocked(gen.CancelAfterBoundary{Reason: BoundaryCancelReason})
	return fx, s.state.LifecyclePhase, s.exec, err
}

func (cp *ControlPlane) cancelAfterBoundary(ctx context.Context, s *session) error {
	fx, phase, exec, err := s.cancelStep()
	if err != nil {
		if errors.Is(err, ErrNotReady) {
			return err
		}
		return NotReady(phase)
	}
	effect := RuntimeEffect{Kind: gen.RuntimeEffectKindCancelAfterBoundary, Reason: BoundaryCancelReason}
	for e := range fx.All() {
		if fact, ok := e.AsRuntimeEffectFact(); ok {
			effect = RuntimeEffect{Kind: fact.Kind, Reason: string(fact.Reason)}
		}
	}
	if exec.live() && exec.boundary != nil {
		err := protect("boundary handle CancelAfterBoundary", func() error {
			return exec.boundary.CancelAfterBoundary(ctx, effect.Reason)
		})
		if err != nil {
			return classifyHostError(ctx, fmt.Sprintf("session %s: failed to apply live boundary cancel", s.id), err)
		}
	}
	if exec == nil {
		return NotReady(phase)
	}
	if !exec.live() {
		s.clearExecutor(exec)
		return NotReady(gen.LifecyclePhaseIdle)
	}
	select {
	case exec.effects <- effect:
		return nil
	default:
		return Internalf("session %s: executor effect channel is full", s.id)
	}
}
