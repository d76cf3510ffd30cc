package runtime

import (
	"context"
	"errors"
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
)

// ReconfigureLiveTopology switches a session with a live realtime binding
// to another LLM identity (machine-facts §8.2). The caller presents the
// binding's current authority; on success it gets a fresh one.
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
//     ErrBoundaryTimeout, a cancelled ctx one wrapping ctx's error.
//
// A failure in steps 2 to 4 aborts (AbortLiveTopologyBeforeDetach): the
// topology is Idle again, the old authority is still valid and the session
// keeps its identity. From detach on, the old authority is dead:
//
//  5. The host applies the identity (ApplyLiveTopologyIdentity), then the
//     visibility and persists (ApplyLiveTopologyVisibility); the visibility
//     state is installed and the target cached; CompleteLiveTopology ends
//     the reconfigure.
//  6. A realtime-capable target is attached again (AttachLive) and the new
//     authority returned; otherwise the result is a *ValidationError
//     wrapping ErrCompletedDetached, with the new identity in effect.
//
// Any failure in step 5, including a machine refusal that upstream left
// with the topology stuck past detach, fails past detach: the live session
// is discarded, the visibility state reset, the cached LLM state marked
// unresolved, and FailLiveTopologyAfterDetach applied (the topology is Idle
// and a reattach is required). The result is an *InternalError wrapping the
// cause.
func (cp *ControlPlane) ReconfigureLiveTopology(ctx context.Context, auth Authority, req ReconfigureRequest) (Authority, error) {
	s, err := cp.lookup(auth.SessionID)
	if err != nil {
		return Authority{}, err
	}
	if _, err := s.applyValidated("begin_live_topology_reconfigure",
		gen.BeginLiveTopologyReconfigure{AuthorityEpoch: auth.Epoch}); err != nil {
		return Authority{}, err
	}
	abort := func(err error) (Authority, error) {
		_, _ = s.apply(gen.AbortLiveTopologyBeforeDetach{})
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

	host, err := cp.getHost()
	if err != nil {
		return abort(err)
	}
	cmd, err := cp.prepareReconfigure(ctx, host, s, req)
	if err != nil {
		return abort(err)
	}

	if err := cp.waitDetached(ctx, s); err != nil {
		return abort(err)
	}

	// Past detach: the old authority is dead.
	host, err = cp.getHost()
	if err != nil {
		return cp.failPastDetach(ctx, s, nil, err)
	}
	if err := host.ApplyLiveSessionLLMIdentity(ctx, s.id, cmd.targetIdentity.Clone()); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	if err := s.applyRegression(gen.ApplyLiveTopologyIdentity{}); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	next := cmd.nextVisibility.Clone()
	if err := host.ApplyLiveSessionToolVisibilityState(ctx, s.id, &next); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	if err := host.PersistLiveSession(ctx, s.id); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	if err := s.applyRegression(gen.ApplyLiveTopologyVisibility{}); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	if err := s.replaceVisibility(cmd.nextVisibility); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}
	target := cmd.targetSurface
	s.setCached(&cmd.targetIdentity, &target, SurfaceResolved)
	if err := s.applyRegression(gen.CompleteLiveTopology{}); err != nil {
		return cp.failPastDetach(ctx, s, host, err)
	}

	if target.Realtime {
		return cp.AttachLive(s.id)
	}
	return Authority{}, Validationf("target model '%s' has no realtime capability; %w", cmd.targetIdentity.Model, ErrCompletedDetached)
}

// applyRegression applies an input the flow's own earlier steps guarantee;
// a refusal is an internal guard regression.
func (s *session) applyRegression(in gen.Input) error {
	if _, err := s.apply(in); err != nil {
		return Internalf("DSL rejected %s (guard regression): %w", in.InputName(), err)
	}
	return nil
}

// waitDetached applies MarkLiveTopologyDetached as soon as the machine
// accepts it. It sleeps on the session's state changes between attempts,
// and gives up at the boundary deadline or when ctx ends.
func (cp *ControlPlane) waitDetached(ctx context.Context, s *session) error {
	timer := time.NewTimer(cp.boundaryDeadline)
	defer timer.Stop()
	lastErr, waitErr := s.waitUntil(ctx, timer.C, func() error {
		_, err := s.stepLocked(gen.MarkLiveTopologyDetached{})
		return err
	})
	switch {
	case waitErr == nil:
		return nil
	case errors.Is(waitErr, errWaitDeadline):
		return Internalf("%w: %w", ErrBoundaryTimeout, lastErr)
	case errors.Is(waitErr, ErrNotReady):
		return waitErr
	default:
		return Internalf("waiting for live topology boundary: %w (last refusal: %v)", waitErr, lastErr)
	}
}

// failPastDetach recovers from a failure after detach (upstream
// fail_live_topology_past_detach): discard the live session, reset the
// visibility state, mark the LLM state unresolved and apply
// FailLiveTopologyAfterDetach, so that the topology is Idle and a reattach
// is required. Every step's own failure is ignored.
func (cp *ControlPlane) failPastDetach(ctx context.Context, s *session, host Host, original error) (Authority, error) {
	cp.discardUnresolved(ctx, host, s)
	_ = s.replaceVisibility(visibility.State{})
	_, _ = s.apply(gen.FailLiveTopologyAfterDetach{})
	return Authority{}, Internalf("live topology reconfigure failed after detach: %w", original)
}
