package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// Errors that the live topology flow wraps, for errors.Is.
var (
	// ErrBoundaryTimeout is wrapped by the internal error returned when the
	// session's turn did not reach a safe boundary before the deadline.
	ErrBoundaryTimeout = errors.New("timed out waiting for live topology boundary")
	// ErrCompletedDetached is wrapped by the validation error returned when
	// a live topology reconfigure completed onto a model without realtime
	// support: the new identity is in effect, but no realtime binding can
	// be minted for it.
	ErrCompletedDetached = errors.New("live topology reconfigure completed detached")
	// ErrFailedAfterDetach is wrapped by the internal error returned when a
	// live topology reconfigure failed past its point of no return: the
	// binding is gone, a reattach is required and the session's LLM state
	// is unresolved.
	ErrFailedAfterDetach = errors.New("live topology reconfigure failed after detach")
)

// ReconfigureLiveTopology switches a session with a live realtime binding
// to another LLM identity. The caller presents the binding's current
// authority; on success it gets a fresh one.
//
//  1. BeginLiveTopologyReconfigure is applied with the authority's epoch; a
//     stale epoch or a reconfigure already in progress is a
//     *ValidationError, with nothing to undo. The session's mutation gate is
//     then taken for the rest of the flow.
//  2. If an executor is attached, it is asked to cancel at the next turn
//     boundary (CancelAfterBoundary).
//  3. The reconfigure is prepared as in ReconfigureSessionLLMIdentity
//     (hydrate, cache, resolve, derive); the session must be Attached or
//     Running.
//  4. The flow waits until the machine accepts MarkLiveTopologyDetached,
//     which needs the turn at a safe boundary. The wait is woken by the
//     session's state changes and bounded by ctx and the boundary deadline
//     (WithBoundaryDeadline); a timeout is an *InternalError wrapping
//     ErrBoundaryTimeout, a context that ends a *CanceledError.
//
// A failure in steps 2 to 4 aborts (AbortLiveTopologyBeforeDetach): the
// topology is Idle again, the old authority is still valid and the session
// keeps its identity. The detach is the point of no return: the old
// authority is dead, and the rest of the flow no longer listens to ctx. Its
// host calls run on their own context, which keeps ctx's values and is
// bounded by WithCleanupTimeout, so a caller that gives up now does not
// throw the binding away.
//
//  5. The host applies the identity (ApplyLiveTopologyIdentity), then the
//     visibility and persists (ApplyLiveTopologyVisibility); the visibility
//     state is installed and the target cached; CompleteLiveTopology ends
//     the reconfigure.
//  6. A realtime-capable target is attached again (AttachLive) and the new
//     authority returned; otherwise the result is a *ValidationError
//     wrapping ErrCompletedDetached, with the new identity in effect.
//
// Any failure in step 5, including a refusal by the machine because the
// session changed under the flow (for example it was unregistered), fails
// past detach: the live session is discarded, the visibility state reset,
// the cached LLM state marked unresolved, and FailLiveTopologyAfterDetach
// applied (the topology is Idle and a reattach is required). The result is
// an *InternalError wrapping ErrFailedAfterDetach and the cause.
//
// If the session is removed while the flow runs, the flow stops at its next
// step, makes no further host call and returns a *NotReadyError wrapping
// ErrSessionRemoved. A nil ctx is a *ValidationError and changes nothing.
func (cp *ControlPlane) ReconfigureLiveTopology(ctx context.Context, auth Authority, req ReconfigureRequest) (Authority, error) {
	if err := checkContext(ctx, "reconfigure live topology"); err != nil {
		return Authority{}, err
	}
	s, err := cp.lookup(auth.SessionID)
	if err != nil {
		return Authority{}, err
	}

	// stage is how far the flow got; a panic (of an observer: host panics
	// are errors) restores the topology accordingly and then goes on.
	const (
		stageStart = iota
		stageBegun
		stageDetached
		stageDone
	)
	stage := stageStart
	var hc hostCaller
	defer func() {
		if r := recover(); r != nil {
			switch stage {
			case stageBegun:
				ignorePanics(func() { _, _ = s.apply(gen.AbortLiveTopologyBeforeDetach{}) })
			case stageDetached:
				ignorePanics(func() { _, _ = cp.failPastDetach(ctx, s, hc, errors.New("panic")) })
			}
			panic(r)
		}
	}()

	// An observer may panic once Begin has been committed.
	stage = stageBegun
	if _, err := s.applyValidated("begin_live_topology_reconfigure",
		gen.BeginLiveTopologyReconfigure{AuthorityEpoch: auth.Epoch}); err != nil {
		stage = stageStart
		return Authority{}, err
	}
	abort := func(err error) (Authority, error) {
		_, _ = s.apply(gen.AbortLiveTopologyBeforeDetach{})
		stage = stageDone
		return Authority{}, err
	}

	release, err := s.lockGate(ctx)
	if err != nil {
		return abort(err)
	}
	defer release()

	s.mu.Lock()
	hasExecutor := s.exec != nil
	s.mu.Unlock()
	if hasExecutor {
		if err := cp.cancelAfterBoundary(ctx, s); err != nil {
			return abort(err)
		}
	}

	hc, err = cp.hostFor(s)
	if err != nil {
		return abort(err)
	}
	cmd, err := cp.prepareReconfigure(ctx, hc, s, req)
	if err != nil {
		return abort(err)
	}

	// An observer may panic once the detach has been committed.
	stage = stageDetached
	if err := cp.waitDetached(ctx, s); err != nil {
		stage = stageBegun
		return abort(err)
	}

	// Past detach: the old authority is dead, and the caller's
	// cancellation no longer applies.
	cctx, cancel := cp.cleanupContext(ctx)
	defer cancel()
	fail := func(err error) (Authority, error) {
		out, ferr := cp.failPastDetach(ctx, s, hc, err)
		stage = stageDone
		return out, ferr
	}
	if err := hc.applyIdentity(cctx, cmd.targetIdentity); err != nil {
		return fail(err)
	}
	if err := s.applyPastDetach(gen.ApplyLiveTopologyIdentity{}); err != nil {
		return fail(err)
	}
	if err := hc.applyVisibility(cctx, cmd.nextVisibility); err != nil {
		return fail(err)
	}
	if err := hc.persist(cctx); err != nil {
		return fail(err)
	}
	if err := s.applyPastDetach(gen.ApplyLiveTopologyVisibility{}); err != nil {
		return fail(err)
	}
	if err := s.replaceVisibility(cmd.nextVisibility); err != nil {
		return fail(err)
	}
	target := cmd.targetSurface
	s.setCached(&cmd.targetIdentity, &target, SurfaceResolved)
	if err := s.applyPastDetach(gen.CompleteLiveTopology{}); err != nil {
		return fail(err)
	}
	stage = stageDone

	if target.Realtime {
		return cp.bindSession(s, "attach_live", gen.BeginRealtimeBinding{})
	}
	return Authority{}, Validationf("target model '%s' has no realtime capability; %w", cmd.targetIdentity.Model, ErrCompletedDetached)
}

// safeBoundaryGuard is the guard of MarkLiveTopologyDetached that waits for
// the turn to reach a safe boundary.
const safeBoundaryGuard = "turn_at_safe_boundary"

// applyPastDetach applies one of the inputs that follow the detach. The
// flow's own steps make them acceptable unless the session changed under
// the flow (it was unregistered, destroyed or removed); a refusal is
// reported with that explanation.
func (s *session) applyPastDetach(in gen.Input) error {
	_, err := s.apply(in)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrSessionRemoved):
		return err
	default:
		return fmt.Errorf("the session changed under the flow and its machine refused %s: %w", in.InputName(), err)
	}
}

// waitDetached applies MarkLiveTopologyDetached as soon as the machine
// accepts it. It sleeps on the session's state changes between attempts
// while the only refusal is the turn's safe-boundary guard, and gives up at
// the boundary deadline, when ctx ends, or at once when the machine refuses
// for another reason (the session changed under the flow, e.g. it was
// unregistered).
func (cp *ControlPlane) waitDetached(ctx context.Context, s *session) error {
	timer := time.NewTimer(cp.boundaryDeadline)
	defer timer.Stop()
	var refused error
	lastErr, waitErr := s.waitUntil(ctx, timer.C, func() error {
		_, err := s.stepLocked(gen.MarkLiveTopologyDetached{})
		var gr *gen.GuardRejectedError
		if err != nil && (!errors.As(err, &gr) || gr.Guard != safeBoundaryGuard) {
			refused = err
			return nil
		}
		return err
	})
	switch {
	case refused != nil:
		return Internalf("live topology reconfigure of session %s cannot detach: the session changed under the flow: %w", s.id, refused)
	case waitErr == nil:
		return nil
	case errors.Is(waitErr, errWaitDeadline):
		return Internalf("%w: %w", ErrBoundaryTimeout, lastErr)
	case errors.Is(waitErr, ErrNotReady):
		return waitErr
	default:
		return canceled(fmt.Sprintf("waiting for the live topology boundary of session %s (last refusal: %v)", s.id, lastErr), waitErr)
	}
}

// failPastDetach recovers from a failure after detach (upstream
// fail_live_topology_past_detach): discard the live session, reset the
// visibility state, mark the LLM state unresolved and apply
// FailLiveTopologyAfterDetach, so that the topology is Idle and a reattach
// is required. Every step's own failure is ignored. A removed session is
// left alone (its id may name a new session already) and reported as
// removed.
func (cp *ControlPlane) failPastDetach(ctx context.Context, s *session, hc hostCaller, original error) (Authority, error) {
	if errors.Is(original, ErrSessionRemoved) || s.isRemoved() {
		return Authority{}, errGone()
	}
	cp.discardUnresolved(ctx, hc, s)
	_ = s.replaceVisibility(visibility.State{})
	_, _ = s.apply(gen.FailLiveTopologyAfterDetach{})
	msg := fmt.Sprintf("live topology reconfigure of session %s failed after detach: %v", s.id, original)
	if k := KindOf(original); k == KindOther || k == KindInternal {
		return Authority{}, &InternalError{Msg: msg, Err: fmt.Errorf("%w: %w", ErrFailedAfterDetach, original)}
	}
	return Authority{}, &InternalError{Msg: msg, Err: ErrFailedAfterDetach}
}
