package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// session is one runtime session entry: its generated machine state behind
// its own lock, the cached LLM state, the tool visibility owner, the
// executor attachment and the mutation gate.
type session struct {
	id SessionID
	// generation numbers the incarnations of an id: CreateSession gives
	// every session a generation greater than any before it.
	generation uint64

	// gate serializes the host-calling flows of this session id (upstream
	// mutation_gate). It is a one-slot semaphore so that acquiring it can
	// honour a context. It is never taken while mu is held. A session
	// created again under the id of a removed one shares the removed
	// one's gate while a flow of the removed one still holds it, so the
	// successor's host calls never interleave with a stale flow's.
	gate chan struct{}

	mu      sync.Mutex
	removed bool
	state   gen.State
	version uint64        // committed state changes
	changed chan struct{} // closed (and replaced) on every state change

	identity   *LLMIdentity
	surface    *CapabilitySurface
	status     CapabilitySurfaceStatus
	visibility visibility.State

	exec *Executor // executor attachment; nil when none

	observe func(StepEvent) // nil, or the control plane's observer
}

// newSession builds a session whose machine has booted into Idle and has
// recorded its session id, as the upstream runtime builds its entries.
func newSession(id SessionID, generation uint64, gate chan struct{}) (*session, []StepEvent, error) {
	st := gen.Initial()
	var boot []StepEvent
	for _, in := range []gen.Input{gen.Initialize{}, gen.RegisterSession{SessionID: id}} {
		next, fx, err := gen.Step(st, in)
		if err != nil {
			return nil, nil, Internalf("create session %s: %w", id, err)
		}
		boot = append(boot, StepEvent{Session: id, Generation: generation, Input: in, Before: st, After: next, Effects: fx})
		st = next
	}
	if gate == nil {
		gate = make(chan struct{}, 1)
	}
	return &session{
		id:         id,
		generation: generation,
		gate:       gate,
		state:      st,
		changed:    make(chan struct{}),
	}, boot, nil
}

// lockGate acquires the session's mutation gate, or fails with a
// *CanceledError when ctx ends first, or a not-ready error when the session
// was removed. The returned function releases it.
func (s *session) lockGate(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, canceled(fmt.Sprintf("waiting for the mutation gate of session %s", s.id), err)
	}
	select {
	case s.gate <- struct{}{}:
	case <-ctx.Done():
		return nil, canceled(fmt.Sprintf("waiting for the mutation gate of session %s", s.id), ctx.Err())
	}
	if s.isRemoved() {
		<-s.gate
		return nil, errGone()
	}
	return func() { <-s.gate }, nil
}

// canceled returns the *CanceledError for op.
func canceled(op string, err error) error { return &CanceledError{Op: op, Err: err} }

// isRemoved reports whether the session was removed.
func (s *session) isRemoved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removed
}

// errGone is the error for an operation on a missing or removed session.
func errGone() error { return &NotReadyError{State: StateDestroyed, Err: ErrSessionRemoved} }

// stepLocked applies in to the machine and commits the result. It returns
// the generated machine's error unchanged when the input is refused, an
// internal error when the result would violate an invariant (the state is
// then left unchanged), and a not-ready error when the session was removed.
// s.mu must be held.
func (s *session) stepLocked(in gen.Input) (gen.Effects, error) {
	if s.removed {
		return gen.Effects{}, errGone()
	}
	next, fx, err := gen.Step(s.state, in)
	if err != nil {
		return gen.Effects{}, err
	}
	if err := next.CheckInvariants(); err != nil {
		return gen.Effects{}, Internalf("input %s would break the machine: %w", in.InputName(), err)
	}
	before := s.state
	s.commitLocked(next)
	if s.observe != nil {
		s.observe(StepEvent{Session: s.id, Generation: s.generation, Input: in, Before: before, After: next, Effects: fx})
	}
	return fx, nil
}

// commitLocked installs next and wakes every waiter if the state changed.
// s.mu must be held.
func (s *session) commitLocked(next gen.State) {
	if next == s.state {
		return
	}
	s.state = next
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
}

// apply locks the session and applies in.
func (s *session) apply(in gen.Input) (gen.Effects, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stepLocked(in)
}

// applyValidated applies in and maps a refusal to a *ValidationError
// naming what was attempted.
func (s *session) applyValidated(what string, in gen.Input) (gen.Effects, error) {
	fx, err := s.apply(in)
	if err != nil && errors.Is(err, gen.ErrRejected) {
		return fx, Validationf("%s: %w", what, err)
	}
	return fx, err
}

// phase returns the lifecycle phase, or a not-ready error for a removed
// session.
func (s *session) phase() (gen.LifecyclePhase, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return 0, errGone()
	}
	return s.state.LifecyclePhase, nil
}

// requireAttachedOrRunning is the phase check of the LLM reconfigure flows.
func (s *session) requireAttachedOrRunning() error {
	p, err := s.phase()
	if err != nil {
		return err
	}
	if p != gen.LifecyclePhaseAttached && p != gen.LifecyclePhaseRunning {
		return NotReady(p)
	}
	return nil
}

// setCached overwrites the cached LLM state; a removed session is silently
// ignored (upstream set_cached_session_llm_state).
func (s *session) setCached(identity *LLMIdentity, surface *CapabilitySurface, status CapabilitySurfaceStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return
	}
	s.setCachedLocked(identity, surface, status)
}

func (s *session) setCachedLocked(identity *LLMIdentity, surface *CapabilitySurface, status CapabilitySurfaceStatus) {
	if identity != nil {
		c := identity.Clone()
		identity = &c
	}
	s.identity = identity
	s.surface = cloneSurface(surface)
	s.status = status
}

// cached returns copies of the cached LLM state.
func (s *session) cached() (*LLMIdentity, *CapabilitySurface, CapabilitySurfaceStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return nil, nil, SurfaceUnresolved, errGone()
	}
	var id *LLMIdentity
	if s.identity != nil {
		c := s.identity.Clone()
		id = &c
	}
	return id, cloneSurface(s.surface), s.status, nil
}

// cacheHydrated installs a host's hydrated state: it replaces the
// visibility state and caches identity, surface and status (upstream
// cache_hydrated_session_llm_state).
func (s *session) cacheHydrated(h HydratedSessionLLMState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return errGone()
	}
	if err := s.replaceVisibilityLocked(h.CurrentVisibilityState); err != nil {
		return Internalf("cache hydrated llm state of session %s: %w", s.id, err)
	}
	id := h.CurrentIdentity
	s.setCachedLocked(&id, h.CurrentCapabilitySurface, h.CapabilitySurfaceStatus)
	return nil
}

// replaceVisibility installs v as the session's visibility state; errors
// are internal.
func (s *session) replaceVisibility(v visibility.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return errGone()
	}
	if err := s.replaceVisibilityLocked(v); err != nil {
		return Internalf("replace visibility state of session %s: %w", s.id, err)
	}
	return nil
}

// replaceVisibilityLocked validates v, fires SyncVisibilityRevisions with
// its revisions, deferred names and their authorities (v.SyncInput), and
// installs it (upstream replace_visibility_state). A refusal by the machine
// (a guard rejection, or no transition in the current phase, e.g.
// Destroyed) is tolerated only when the machine's revision counter already
// covers both revisions and the machine already holds v's deferred names
// and authorities: the install then changes nothing the machine holds.
// Any other refusal (a re-install of covered revisions with other deferred
// names, a requested deferred name without a witness or whose witness has
// no identity) is returned. s.mu must be held.
func (s *session) replaceVisibilityLocked(v visibility.State) error {
	if err := v.Validate(); err != nil {
		return err
	}
	_, err := s.stepLocked(v.SyncInput())
	if err != nil {
		covered := s.state.NextStagedVisibilityRevision >= v.ActiveRevision &&
			s.state.NextStagedVisibilityRevision >= v.StagedRevision
		if !errors.Is(err, gen.ErrRejected) || !covered || !v.MatchesMachine(s.state) {
			return fmt.Errorf("sync visibility revisions: %w", err)
		}
	}
	s.visibility = v.Clone()
	return nil
}

// waitUntil blocks until try succeeds, ctx ends or deadline fires (a nil
// deadline never fires). try runs with s.mu held (released even if try
// panics); when it fails, waitUntil sleeps until the session's state
// changes (there is no polling). It returns try's last error together with
// the reason the wait ended: nil when try succeeded, ctx.Err(), errGone()
// or errWaitDeadline.
func (s *session) waitUntil(ctx context.Context, deadline <-chan time.Time, try func() error) (lastErr, waitErr error) {
	for {
		var changed <-chan struct{}
		var removed bool
		changed, removed, lastErr = s.tryLocked(try)
		if lastErr == nil {
			return nil, nil
		}
		if removed {
			return lastErr, errGone()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return lastErr, ctx.Err()
		case <-deadline:
			return lastErr, errWaitDeadline
		}
	}
}

// tryLocked runs try with s.mu held and returns the channel that the next
// state change closes, whether the session was removed, and try's error.
func (s *session) tryLocked(try func() error) (<-chan struct{}, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return s.changed, true, errGone()
	}
	err := try()
	return s.changed, false, err
}

// errWaitDeadline reports that waitUntil's deadline passed.
var errWaitDeadline = errors.New("deadline passed")
