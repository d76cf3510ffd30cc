package runtime

import (
	"context"
	"reflect"
	"sync"

	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// Host is the LLM side of a session as the control plane sees it (upstream
// SessionLLMReconfigureHost, machine-facts §5). Implementations must be safe
// for concurrent use and should honour ctx cancellation. Errors are passed
// through to the caller of the flow; return the typed errors of this
// package (for example a *ValidationError for an unknown model) so callers
// can classify them.
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
