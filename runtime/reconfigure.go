package runtime

import (
	"context"

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
// prepare_reconfigure_session_llm_command; machine-facts §8.1 A).
func (cp *ControlPlane) prepareReconfigure(ctx context.Context, host Host, s *session, req ReconfigureRequest) (preparedReconfigure, error) {
	if err := s.requireAttachedOrRunning(); err != nil {
		return preparedReconfigure{}, err
	}
	hydrated, err := host.HydrateSessionLLMState(ctx, s.id)
	if err != nil {
		return preparedReconfigure{}, err
	}
	hydrated = hydrated.Clone()
	if err := s.cacheHydrated(hydrated); err != nil {
		return preparedReconfigure{}, err
	}
	resolved, err := host.ResolveTargetSessionLLMIdentity(ctx, req, hydrated.CurrentIdentity.Clone())
	if err != nil {
		return preparedReconfigure{}, err
	}
	next, delta := DeriveReconfiguredVisibilityState(hydrated.CurrentVisibilityState, resolved.TargetCapabilitySurface, hydrated.BaseToolNames)
	return preparedReconfigure{
		previousIdentity:   hydrated.CurrentIdentity,
		previousVisibility: hydrated.CurrentVisibilityState,
		previousSurface:    hydrated.CurrentCapabilitySurface,
		previousStatus:     hydrated.CapabilitySurfaceStatus,
		targetIdentity:     resolved.TargetIdentity.Clone(),
		targetSurface:      resolved.TargetCapabilitySurface.Clone(),
		nextVisibility:     next,
		visibilityDelta:    delta,
	}, nil
}

// ReconfigureSessionLLMIdentity switches a session that is not live
// (Attached or Running, no realtime topology change) to another LLM
// identity (machine-facts §8.1). The whole flow runs under the session's
// mutation gate:
//
//  1. Prepare: the host hydrates the session's LLM state, which is cached
//     (replacing the visibility state); the host resolves the target; the
//     next visibility state is derived.
//  2. The ReconfigureSessionLLMIdentity input is applied as a permission
//     check (registered and bound); a refusal is a *ValidationError.
//  3. The host applies the target identity (a failure is returned as is),
//     then the next visibility state and persists; a failure of either is
//     rolled back: the previous identity and visibility are re-applied and
//     the original error is returned, or, if that fails too, the live
//     session is discarded, the cached LLM state becomes unresolved and a
//     *RollbackError is returned.
//  4. The next visibility state is installed and the target is cached as
//     resolved. If installing fails (the session was destroyed meanwhile),
//     the live session is discarded and the LLM state becomes unresolved
//     (upstream left the caches on the previous identity while the host had
//     persisted the target).
//
// A missing host is an *InternalError wrapping ErrHostNotConfigured; a
// session in another phase is a *NotReadyError.
func (cp *ControlPlane) ReconfigureSessionLLMIdentity(ctx context.Context, id SessionID, req ReconfigureRequest) (ReconfigureReport, error) {
	host, err := cp.getHost()
	if err != nil {
		return ReconfigureReport{}, err
	}
	s, err := cp.lookup(id)
	if err != nil {
		return ReconfigureReport{}, err
	}
	release, err := s.lockGate(ctx)
	if err != nil {
		return ReconfigureReport{}, err
	}
	defer release()

	cmd, err := cp.prepareReconfigure(ctx, host, s, req)
	if err != nil {
		return ReconfigureReport{}, err
	}

	// Permission check. The transition records nothing, so there is no
	// snapshot to restore on failure; restoring one would clobber state
	// changes that other inputs made while the host was being called.
	if _, err := s.applyValidated("reconfigure_session_llm_identity", gen.ReconfigureSessionLLMIdentity{}); err != nil {
		return ReconfigureReport{}, err
	}
	return cp.reconfigureInner(ctx, s, cmd)
}

// reconfigureInner is the body of the reconfigure command (machine-facts
// §8.1 B.3).
func (cp *ControlPlane) reconfigureInner(ctx context.Context, s *session, cmd preparedReconfigure) (ReconfigureReport, error) {
	host, err := cp.getHost()
	if err != nil {
		return ReconfigureReport{}, err
	}
	if err := s.requireAttachedOrRunning(); err != nil {
		return ReconfigureReport{}, err
	}
	target := cmd.targetSurface
	capabilityDelta := NewCapabilityDelta(cmd.previousSurface, &target)

	// Upstream returns a failed identity apply without rollback, so a host
	// that failed half way could be left on the new identity while the
	// caches say the old one. Here it is rolled back like the later failures.
	if err := host.ApplyLiveSessionLLMIdentity(ctx, s.id, cmd.targetIdentity.Clone()); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, host, s, cmd, err)
	}
	next := cmd.nextVisibility.Clone()
	if err := host.ApplyLiveSessionToolVisibilityState(ctx, s.id, &next); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, host, s, cmd, err)
	}
	if err := host.PersistLiveSession(ctx, s.id); err != nil {
		return ReconfigureReport{}, cp.rollbackReconfigure(ctx, host, s, cmd, err)
	}
	if err := s.replaceVisibility(cmd.nextVisibility); err != nil {
		cp.discardUnresolved(ctx, host, s)
		return ReconfigureReport{}, Internalf("llm reconfiguration of session %s was persisted but could not be installed; the live session was discarded: %w", s.id, err)
	}
	s.setCached(&cmd.targetIdentity, &target, SurfaceResolved)
	return ReconfigureReport{
		PreviousIdentity:    cmd.previousIdentity.Clone(),
		NewIdentity:         cmd.targetIdentity.Clone(),
		CapabilityDelta:     capabilityDelta,
		ToolVisibilityDelta: cmd.visibilityDelta,
		RollbackOccurred:    false,
	}, nil
}

// rollbackReconfigure restores the previous identity and visibility on the
// host after original failed (machine-facts §5 rollback rules). The host
// calls run on a cleanup context, so they happen even when ctx has ended.
// The machine's visibility owner is not touched: it still holds the
// previous state.
func (cp *ControlPlane) rollbackReconfigure(ctx context.Context, host Host, s *session, cmd preparedReconfigure, original error) error {
	cctx, cancel := cp.cleanupContext(ctx)
	defer cancel()
	rollbackErr := host.ApplyLiveSessionLLMIdentity(cctx, s.id, cmd.previousIdentity.Clone())
	if rollbackErr == nil {
		prev := cmd.previousVisibility.Clone()
		rollbackErr = host.ApplyLiveSessionToolVisibilityState(cctx, s.id, &prev)
	}
	if rollbackErr == nil {
		s.setCached(&cmd.previousIdentity, cmd.previousSurface, cmd.previousStatus)
		return original
	}
	_ = host.DiscardLiveSession(cctx, s.id)
	s.setCached(nil, nil, SurfaceUnresolved)
	return &RollbackError{Original: original, Rollback: rollbackErr}
}

// discardUnresolved discards the live session (ignoring the result) and
// marks the cached LLM state unresolved.
func (cp *ControlPlane) discardUnresolved(ctx context.Context, host Host, s *session) {
	if host != nil {
		cctx, cancel := cp.cleanupContext(ctx)
		_ = host.DiscardLiveSession(cctx, s.id)
		cancel()
	}
	s.setCached(nil, nil, SurfaceUnresolved)
}
