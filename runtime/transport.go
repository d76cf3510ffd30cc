package runtime

import (
	"context"
	"errors"

	"github.com/meerkat-go/dslmachine/gen"
)

// hydrateAndCache hydrates the session's LLM state through the host and
// caches it, under the session's mutation gate so that it cannot interleave
// with a reconfigure.
func (cp *ControlPlane) hydrateAndCache(ctx context.Context, hc hostCaller, s *session) (HydratedSessionLLMState, error) {
	release, err := s.lockGate(ctx)
	if err != nil {
		return HydratedSessionLLMState{}, err
	}
	defer release()
	hydrated, err := hc.hydrate(ctx)
	if err != nil {
		return HydratedSessionLLMState{}, err
	}
	if err := s.cacheHydrated(hydrated); err != nil {
		return HydratedSessionLLMState{}, err
	}
	return hydrated, nil
}

// ApplyCapabilityDrivenRealtimeTransport makes the session's realtime
// transport follow its model's capability: the caller never decides
// whether to attach. The capability surface is the cached one when it is
// resolved; otherwise the host hydrates it (and it is cached). An unknown
// surface does nothing. Then, atomically with the attachment status read:
//
//   - realtime model, not bound: AttachLive, returning the new authority;
//   - realtime model, already bound: nothing (an existing authority is not
//     rotated, even when several calls race on an unbound session: one of
//     them attaches, the others see it bound);
//   - model without realtime, bound: DetachLive;
//   - model without realtime, not bound: nothing.
//
// "Bound" means the attachment status is BindingNotReady, BindingReady or
// ReplacementPending. The result is nil whenever no new authority was
// minted. A missing session is not ready in StateDestroyed; a missing host,
// when hydration is needed, is an *InternalError; a context that ends
// during the hydration is a *CanceledError; a nil ctx is a
// *ValidationError.
func (cp *ControlPlane) ApplyCapabilityDrivenRealtimeTransport(ctx context.Context, id SessionID) (*Authority, error) {
	if err := checkContext(ctx, "apply capability driven realtime transport"); err != nil {
		return nil, err
	}
	s, err := cp.lookup(id)
	if err != nil {
		return nil, err
	}
	_, surface, status, err := s.cached()
	if err != nil {
		return nil, err
	}
	if surface == nil || status != SurfaceResolved {
		hc, err := cp.hostFor(s)
		if err != nil {
			return nil, err
		}
		hydrated, err := cp.hydrateAndCache(ctx, hc, s)
		if err != nil {
			return nil, err
		}
		if hydrated.CurrentCapabilitySurface == nil {
			return nil, nil
		}
		surface = hydrated.CurrentCapabilitySurface
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return nil, errGone()
	}
	switch bound := attachmentStatusOf(s.state).IsBound(); {
	case surface.Realtime && !bound:
		a, err := s.bindLocked("attach_live", gen.BeginRealtimeBinding{})
		if err != nil {
			return nil, err
		}
		return &a, nil
	case !surface.Realtime && bound:
		if _, err := s.stepLocked(gen.DetachRealtimeBinding{}); err != nil {
			if errors.Is(err, gen.ErrRejected) {
				return nil, Validationf("detach_live: %w", err)
			}
			return nil, err
		}
		return nil, nil
	default:
		return nil, nil
	}
}

// RealtimeBootstrapEligibility decides whether the session may open a
// realtime channel. It fails closed: an unknown or unresolved capability
// is a *ValidationError, never an implicit yes. The cached identity and
// surface are used when they are resolved; otherwise the host hydrates
// them (a hydration error is returned in its category; a missing host is a
// *ValidationError wrapping ErrHostNotConfigured). A model without
// realtime is a *ValidationError. No binding is required: the proof
// carries the current channel status. A nil ctx is a *ValidationError.
func (cp *ControlPlane) RealtimeBootstrapEligibility(ctx context.Context, id SessionID) (BootstrapEligibility, error) {
	if err := checkContext(ctx, "realtime bootstrap eligibility"); err != nil {
		return BootstrapEligibility{}, err
	}
	s, err := cp.lookup(id)
	if err != nil {
		return BootstrapEligibility{}, err
	}
	identity, surface, status, err := s.cached()
	if err != nil {
		return BootstrapEligibility{}, err
	}
	if identity == nil || surface == nil || status != SurfaceResolved {
		hc, err := cp.hostFor(s)
		if err != nil {
			return BootstrapEligibility{}, Validationf("realtime bootstrap eligibility is unresolved for session %s: %w", id, ErrHostNotConfigured)
		}
		hydrated, err := cp.hydrateAndCache(ctx, hc, s)
		if err != nil {
			return BootstrapEligibility{}, err
		}
		if hydrated.CurrentCapabilitySurface == nil || hydrated.CapabilitySurfaceStatus != SurfaceResolved {
			return BootstrapEligibility{}, Validationf("realtime bootstrap eligibility is unresolved for provider '%s' model '%s'",
				hydrated.CurrentIdentity.Provider, hydrated.CurrentIdentity.Model)
		}
		identity, surface = &hydrated.CurrentIdentity, hydrated.CurrentCapabilitySurface
	}
	if !surface.Realtime {
		return BootstrapEligibility{}, Validationf("session model '%s' does not support realtime; reconfigure to a realtime-capable model before opening realtime", identity.Model)
	}
	st, err := s.snapshotState()
	if err != nil {
		return BootstrapEligibility{}, err
	}
	return BootstrapEligibility{Channel: ProjectChannelStatus(attachmentStatusOf(st), reconnectProgressOf(st))}, nil
}
