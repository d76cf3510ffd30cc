package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// Host is the LLM side of a session as the control plane sees it (upstream
// SessionLLMReconfigureHost). Implementations must be safe for concurrent
// use and should honour ctx cancellation. Typed errors of this package (for
// example a *ValidationError for an unknown model) are passed through to
// the caller of the flow; an error of no category becomes an
// *InternalError wrapping it, and a context error while the flow's context
// has ended a *CanceledError. A panic is recovered and becomes an
// *InternalError wrapping ErrHostPanic. Every call's context carries the
// SessionRef of the session it is made for (SessionRefFromContext).
type Host interface {
	// HydrateSessionLLMState reads the live session's identity, durable
	// visibility state (the default if absent), capability surface (nil
	// and Unresolved when no model profile is known) and base tool names.
	// A discarded session is rebuilt from its durable state.
	HydrateSessionLLMState(ctx context.Context, session SessionID) (HydratedSessionLLMState, error)
	// ResolveTargetSessionLLMIdentity merges the request into the current
	// identity (model, provider, provider params and auth binding,
	// honouring the Clear flags) and looks up the target's capability
	// surface. An unknown target model is a *ValidationError.
	ResolveTargetSessionLLMIdentity(ctx context.Context, request ReconfigureRequest, current LLMIdentity) (ResolvedTarget, error)
	// ApplyLiveSessionLLMIdentity hot-swaps the live session's client onto
	// the identity. It does not persist.
	ApplyLiveSessionLLMIdentity(ctx context.Context, session SessionID, identity LLMIdentity) error
	// ApplyLiveSessionToolVisibilityState sets the live session's tool
	// visibility state; nil resets it to the default.
	ApplyLiveSessionToolVisibilityState(ctx context.Context, session SessionID, state *visibility.State) error
	// PersistLiveSession persists the live session now.
	PersistLiveSession(ctx context.Context, session SessionID) error
	// DiscardLiveSession drops the live in-memory session, so that it is
	// rebuilt from the durable store on next use.
	DiscardLiveSession(ctx context.Context, session SessionID) error
}

// hostSlot holds the installed Host, if any. The zero value holds none.
type hostSlot struct {
	mu   sync.RWMutex
	host Host
}

// set installs h; nil, including a nil pointer or other nil value behind
// the interface, uninstalls the current host.
func (s *hostSlot) set(h Host) {
	if isNil(h) {
		h = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.host = h
}

// isNil reports whether h is nil or holds a nil pointer, map, slice, func,
// channel or interface.
func isNil(h Host) bool {
	if h == nil {
		return true
	}
	v := reflect.ValueOf(h)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	default:
		return false
	}
}

// get returns the installed host, or an *InternalError wrapping
// ErrHostNotConfigured when there is none.
func (s *hostSlot) get() (Host, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.host == nil {
		return nil, &InternalError{Err: ErrHostNotConfigured}
	}
	return s.host, nil
}

// SessionRef names one incarnation of a session: its id and its generation
// (see Snapshot.Generation). Every host call a flow makes carries the ref
// of the session it works for in its context; a host that keeps data by
// session id can use it to refuse a call made for an older incarnation.
type SessionRef struct {
	// ID is the session id.
	ID SessionID
	// Generation is the session's generation.
	Generation uint64
}

type sessionRefKey struct{}

// SessionRefFromContext returns the session ref carried by the context of a
// host call, and false when there is none (ResolveTargetSessionLLMIdentity
// carries the ref of the session being reconfigured too).
func SessionRefFromContext(ctx context.Context) (SessionRef, bool) {
	ref, ok := ctx.Value(sessionRefKey{}).(SessionRef)
	return ref, ok
}

// hostCaller makes the host calls of one flow on one session. Every call
// is fenced (a removed session makes none, and a call that returns after
// the session was removed reports the removal), carries the session's ref
// in its context, turns a panic into an *InternalError wrapping
// ErrHostPanic, and puts its error in exactly one category: a context error
// while ctx has ended is a *CanceledError, an error of no category an
// *InternalError, and a typed error is returned as it is.
type hostCaller struct {
	h Host
	s *session
}

// hostFor returns the host caller for s, or the error of a missing host.
func (cp *ControlPlane) hostFor(s *session) (hostCaller, error) {
	h, err := cp.getHost()
	if err != nil {
		return hostCaller{}, err
	}
	return hostCaller{h: h, s: s}, nil
}

// call runs fn, the host method named op, as described on hostCaller.
func (hc hostCaller) call(ctx context.Context, op string, fn func(context.Context) error) error {
	if hc.s.isRemoved() {
		return errGone()
	}
	ctx = context.WithValue(ctx, sessionRefKey{}, SessionRef{ID: hc.s.id, Generation: hc.s.generation})
	err := protect(op, func() error { return fn(ctx) })
	if hc.s.isRemoved() {
		return errGone()
	}
	return classifyHostError(ctx, op, err)
}

// protect runs fn and turns a panic into an *InternalError wrapping
// ErrHostPanic.
func protect(op string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &InternalError{Msg: fmt.Sprintf("%s panicked: %v", op, r), Err: ErrHostPanic}
		}
	}()
	return fn()
}

// classifyHostError puts a host call's error in one category.
func classifyHostError(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return canceled(fmt.Sprintf("%s (%v)", op, err), ctx.Err())
	case KindOf(err) == KindOther:
		return Internalf("%s failed: %w", op, err)
	default:
		return err
	}
}

func (hc hostCaller) hydrate(ctx context.Context) (HydratedSessionLLMState, error) {
	var out HydratedSessionLLMState
	err := hc.call(ctx, "host HydrateSessionLLMState", func(ctx context.Context) error {
		h, err := hc.h.HydrateSessionLLMState(ctx, hc.s.id)
		out = h.Clone()
		return err
	})
	return out, err
}

func (hc hostCaller) resolve(ctx context.Context, req ReconfigureRequest, current LLMIdentity) (ResolvedTarget, error) {
	var out ResolvedTarget
	err := hc.call(ctx, "host ResolveTargetSessionLLMIdentity", func(ctx context.Context) error {
		r, err := hc.h.ResolveTargetSessionLLMIdentity(ctx, req, current.Clone())
		out = ResolvedTarget{TargetIdentity: r.TargetIdentity.Clone(), TargetCapabilitySurface: r.TargetCapabilitySurface.Clone()}
		return err
	})
	return out, err
}

func (hc hostCaller) applyIdentity(ctx context.Context, identity LLMIdentity) error {
	return hc.call(ctx, "host ApplyLiveSessionLLMIdentity", func(ctx context.Context) error {
		return hc.h.ApplyLiveSessionLLMIdentity(ctx, hc.s.id, identity.Clone())
	})
}

func (hc hostCaller) applyVisibility(ctx context.Context, state visibility.State) error {
	return hc.call(ctx, "host ApplyLiveSessionToolVisibilityState", func(ctx context.Context) error {
		v := state.Clone()
		return hc.h.ApplyLiveSessionToolVisibilityState(ctx, hc.s.id, &v)
	})
}

func (hc hostCaller) persist(ctx context.Context) error {
	return hc.call(ctx, "host PersistLiveSession", func(ctx context.Context) error {
		return hc.h.PersistLiveSession(ctx, hc.s.id)
	})
}

func (hc hostCaller) discard(ctx context.Context) error {
	if hc.h == nil {
		return nil
	}
	return hc.call(ctx, "host DiscardLiveSession", func(ctx context.Context) error {
		return hc.h.DiscardLiveSession(ctx, hc.s.id)
	})
}
