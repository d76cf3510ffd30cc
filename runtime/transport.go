package runtime

import (
	"context"
	"fmt"
)

// hydrateAndCache hydrates the session's LLM state through the host and
// caches it, under the session's mutation gate so that it cannot interleave
// with a reconfigure.
func (cp *ControlPlane) hydrateAndCache(ctx context.Context, host Host, s *session) (HydratedSessionLLMState, error) {
	release, err := s.lockGate(ctx)
	if err != nil {
		return HydratedSessionLLMState{}, err
	}
	defer release()
	hydrated, err := host.HydrateSessionLLMState(ctx, s.id)
	if err != nil {
		return HydratedSessionLLMState{}, err
	}
	hydrated = hydrated.Clone()
	if err := s.cacheHydrated(hydrated); err != nil {
		return HydratedSessionLLMState{}, err
	}
	return hydrated, nil
}

// ApplyCapabilityDrivenRealtimeTransport makes the session's realtime
// transport follow its model's capability (machine-facts §8.3): the caller
// never decides whether to attach. The capability surface is the cached one
// when it is resolved; otherwise the host hydrates it (and it is cached).
// An unknown surface does nothing. Then:
//
//   - realtime model, not bound: AttachLive, returning the new authority;
//   - realtime model, already bound: nothing (an existing authority is not
//     rotated);
//   - model without realtime, bound: DetachLive;
//   - model without realtime, not bound: nothing.
//
// "Bound" means the attachment status is BindingNotReady, BindingReady or
// ReplacementPending. The result is nil whenever no new authority was
// minted. A missing session is not ready in StateDestroyed; a missing host,
// when hydration is needed, is an *InternalError.
func (cp *ControlPlane) ApplyCapabilityDrivenRealtimeTransport(ctx context.Context, id SessionID) (*Authority, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return nil, err
	}
	_, surface, status, err := s.cached()
	if err != nil {
		return nil, err
	}
	if surface == nil || status != SurfaceResolved {
		host, err := cp.getHost()
		if err != nil {
			return nil, err
		}
		hydrated, err := cp.hydrateAndCache(ctx, host, s)
		if err != nil {
			return nil, err
		}
		if hydrated.CurrentCapabilitySurface == nil {
			return nil, nil
		}
		surface = hydrated.CurrentCapabilitySurface
	}
	att, err := cp.RealtimeAttachmentStatus(id)
	if err != nil {
		return nil, Internalf("read realtime attachment status of session %s: %w", id, err)
	}
	switch bound := att.IsBound(); {
	case surface.Realtime && !bound:
		a, err := cp.AttachLive(id)
		if err != nil {
			return nil, err
		}
		return &a, nil
	case !surface.Realtime && bound:
		return nil, cp.DetachLive(id)
	default:
		return nil, nil
	}
}

// RealtimeBootstrapEligibility decides whether the session may open a
// realtime channel (machine-facts §8.4). It fails closed: an unknown or
// unresolved capability is a *ValidationError, never an implicit yes. The
// cached identity and surface are used when they are resolved; otherwise
// the host hydrates them (a hydration error is returned unchanged, a
// missing host is a *ValidationError). A model without realtime is a
// *ValidationError. No binding is required: the proof carries the current
// channel status.
func (cp *ControlPlane) RealtimeBootstrapEligibility(ctx context.Context, id SessionID) (BootstrapEligibility, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return BootstrapEligibility{}, err
	}
	identity, surface, status, err := s.cached()
	if err != nil {
		return BootstrapEligibility{}, err
	}
	if identity == nil || surface == nil || status != SurfaceResolved {
		host, err := cp.getHost()
		if err != nil {
			return BootstrapEligibility{}, Validationf("realtime bootstrap eligibility is unresolved for session %s: %w", id, err)
		}
		hydrated, err := cp.hydrateAndCache(ctx, host, s)
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
	ch, err := cp.RealtimeChannelStatus(id)
	if err != nil {
		return BootstrapEligibility{}, fmt.Errorf("realtime bootstrap eligibility: %w", err)
	}
	return BootstrapEligibility{Channel: ch}, nil
}
