package runtime

import (
	"context"
	"errors"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// preparedReconfigure is the prepared ReconfigureSessionLLMIdentity command:
// the hydrated ("previous") values and the resolved and derived targets.
type preparedReconfigure struct {
	previousIdentity   LLMIdentity
	previousVisibility visibility.State
	previousSurface    *CapabilitySurface
	previousStatus     CapabilitySurfaceStatus
	targetIdentity     LLMIdentity
	targetSurface      CapabilitySurface
	nextVisibility     visibility.State
	visibilityDelta    visibility.Delta
}

// prepareReconfigure hydrates, caches, resolves and derives (upstream
// prepare_reconfigure_session_llm_command).
func (cp *ControlPlane) prepareReconfigure(ctx context.Context, hc hostCaller, s *session, req ReconfigureRequest) (preparedReconfigure, error) {
	if err := s.requireAttachedOrRunning(); err != nil {
		return preparedReconfigure{}, err
	}
	hydrated, err := hc.hydrate(ctx)
	if err != nil {
		return preparedReconfigure{}, err
	}
	if err := s.cacheHydrated(hydrated); err != nil {
		return preparedReconfigure{}, err
	}
	resolved, err := hc.resolve(ctx, req, hydrated.CurrentIdentity)
	if err != nil {
		return preparedReconfigure{}, err
	}
	next, delta := DeriveReconfiguredVisibilityState(hydrated.CurrentVisibilityState, resolved.TargetCapabilitySurface, hydrated.BaseToolNames)
	return preparedReconfigure{
		previousIdentity:   hydrated.CurrentIdentity,
		previousVisibility: hydrated.CurrentVisibilityState,
		previousSurface:    hydrated.CurrentCapabilitySurface,
		previousStatus:     hydrated.CapabilitySurfaceStatus,
		targetIdentity:     resolved.TargetIdentity,
		targetSurface:      resolved.TargetCapabilitySurface,
		nextVisibility:     next,
		visibilityDelta:    delta,
	}, nil
}

// ReconfigureSessionLLMIdentity switches a session that is not live
// (Attached or Running, no realtime topology change) to another LLM
// identity. The whole flow runs under the session's mutation gate:
//
//  1. Prepare: the host hydrates the session's LLM state, which is cached
//     (replacing the visibility state); the host resolves the target; the
//     next visibility state is derived. A failure here changes nothing on
//     the host and is returned.
//  2. The ReconfigureSessionLLMIdentity input is applied as a permission
//     check (registered and bound); a refusal is a *ValidationError.
//  3. The host applies the target identity, then the next visibility state,
//     and persists. A failure of any of the three (including a failed
//     identity apply, which may have left the host half-way) is rolled
//     back: the previous identity and visibility are re-applied and the
//     original error is returned; if the rollback fails too, the live
//     session is discarded, the cached LLM state becomes unresolved and the
//     result is an *InternalError carrying a *RollbackError. The rollback's
//     host calls run on their own context (bounded by WithCleanupTimeout),
//     so they happen even when ctx has ended.
//  4. The next visibility state is installed and the target is cached as
//     resolved.
//
// If the session is removed while the flow runs, the flow stops at its next
// step without touching the host again (no rollback either: the id may
// already name a new session) and returns a *NotReadyError wrapping
// ErrSessionRemoved.
//
// A missing host is an *InternalError wrapping ErrHostNotConfigured; a
// session in another phase is a *NotReadyError; a context that ends before
// step 3 is a *CanceledError; a nil context is a *ValidationError.
func (cp *ControlPlane) ReconfigureSessionLLMIdentity(ctx context.Context, id SessionID, req ReconfigureRequest) (ReconfigureReport, error) {
	if err := checkContext(ctx, "reconfigure session llm identity"); err != nil {
		return ReconfigureReport{}, err
	}
	s, err := cp.lookup(id)
	if err != nil {
		return ReconfigureReport{}, err
	}
	hc, err := cp.hostFor(s)
	if err != nil {
		return ReconfigureReport{}, err
	}
	release, err := s.lockGate(ctx)
	if err != nil {
		return ReconfigureReport{}, err
	}
	defer release()

	cmd, err := cp.prepareReconfigure(ctx, hc, s, req)
	if err != nil {
		return ReconfigureReport{}, err
	}

	// Permission check. The transition records nothing, so there is no
	// snapshot to restore on failure; restoring one would clobber state
	// changes that other inputs made while the host was being called.
	if _, err := s.applyValidated("reconfigure_session_llm_identity", gen.ReconfigureSessionLLMIdentity{}); err != nil {
		return ReconfigureReport{}, err
	}
	return cp.reconfigureInner(ctx, hc, s, cmd)
}

// reconfigureInner is the body of the reconfigure command, from the host's
// identity apply on.
func (cp *ControlPlane) reconfigureInner(ctx context.Context, hc hostCaller, s *session, cmd preparedReconfigure) (_ ReconfigureReport, err error) {
	if err := s.requireAttachedOrRunning(); err != nil {
		return ReconfigureReport{}, err
	}
	target := cmd.targetSurface
	capabilityDelta := NewCapabilityDelta(cmd.previousSurface, &target)

	// From here the host may hold the target. An observer that panics
	// before the target is installed leaves the caches on the previous
	// identity: discard the live session before the panic goes on.
	installed := false
	defer func() {
		if r := recover(); r != nil {
			if !installed {
				ignorePanics(func() { cp.discardUnresolved(ctx, hc, s) })
			}
			panic(r)
		}
	}()

	// Upstream returns a failed identity apply without rollback, so a host
	// that failed half way could be left on the new identity while the
	// caches say the old one. Here it is rolled back like the later failures.
	if err := hc.applyIdentity(ctx, cmd.targetIdentity); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, hc, s, cmd, err)
	}
	if err := hc.applyVisibility(ctx, cmd.nextVisibility); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, hc, s, cmd, err)
	}
	if err := hc.persist(ctx); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, hc, s, cmd, err)
	}
	if err := s.replaceVisibility(cmd.nextVisibility); err != nil {
		if errors.Is(err, ErrSessionRemoved) {
			return ReconfigureReport{}, err
		}
		cp.discardUnresolved(ctx, hc, s)
		return ReconfigureReport{}, Internalf("llm reconfiguration of session %s was persisted but could not be installed; the live session was discarded: %w", s.id, err)
	}
	s.setCached(&cmd.targetIdentity, &target, SurfaceResolved)
	installed = true
	return ReconfigureReport{
		PreviousIdentity:    cmd.previousIdentity.Clone(),
		NewIdentity:         cmd.targetIdentity.Clone(),
		CapabilityDelta:     capabilityDelta,
		ToolVisibilityDelta: cmd.visibilityDelta,
		RollbackOccurred:    false,
	}, nil
}

// rollbackReconfigure restores the previous identity and visibility on the
// host after original failed. The host calls run on a cleanup context, so
// they happen even when ctx has ended. The machine's visibility owner is
// not touched: it still holds the previous state. A removed session is not
// rolled back (its id may name a new session already).
func (cp *ControlPlane) rollbackReconfigure(ctx context.Context, hc hostCaller, s *session, cmd preparedReconfigure, original error) error {
	if errors.Is(original, ErrSessionRemoved) {
		return original
	}
	cctx, cancel := cp.cleanupContext(ctx)
	defer cancel()
	rollbackErr := hc.applyIdentity(cctx, cmd.previousIdentity)
	if rollbackErr == nil {
		rollbackErr = hc.applyVisibility(cctx, cmd.previousVisibility)
	}
	if errors.Is(rollbackErr, ErrSessionRemoved) {
		return rollbackErr
	}
	if rollbackErr == nil {
		s.setCached(&cmd.previousIdentity, cmd.previousSurface, cmd.previousStatus)
		return original
	}
	_ = hc.discard(cctx)
	s.setCached(nil, nil, SurfaceUnresolved)
	return rollbackFailed(original, rollbackErr)
}

// discardUnresolved discards the live session (ignoring the result) and
// marks the cached LLM state unresolved.
func (cp *ControlPlane) discardUnresolved(ctx context.Context, hc hostCaller, s *session) {
	cctx, cancel := cp.cleanupContext(ctx)
	_ = hc.discard(cctx)
	cancel()
	s.setCached(nil, nil, SurfaceUnresolved)
}

// ignorePanics runs fn and swallows a panic: it is used for the cleanup a
// flow does before it re-raises a panic of an observer.
func ignorePanics(fn func()) {
	defer func() { _ = recover() }()
	fn()
}
