package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// Defaults of the control plane's configuration.
const (
	// DefaultBoundaryDeadline bounds the wait for a safe turn boundary in a
	// live topology reconfigure, as upstream does.
	DefaultBoundaryDeadline = time.Second
	// DefaultCleanupTimeout bounds the host calls a flow makes to clean up
	// after a failure (rollback and discard); they run even when the
	// caller's context has ended.
	DefaultCleanupTimeout = 5 * time.Second
)

// ControlPlane is the Meerkat session control plane: a registry of
// sessions, each with its generated machine state behind its own lock, its
// cached LLM state and its tool visibility state, plus the flows that drive
// them through the Host. Sessions are independent. All methods are safe for
// concurrent use. Create one with New.
type ControlPlane struct {
	host             hostSlot
	boundaryDeadline time.Duration
	cleanupTimeout   time.Duration
	observer         func(StepEvent)

	mu       sync.RWMutex
	sessions map[SessionID]*session
	// generation is the last session generation handed out.
	generation uint64
	// heldGates are the mutation gates of removed sessions whose flows
	// still held them at removal; a session created again under the same
	// id takes the gate over.
	heldGates map[SessionID]chan struct{}
}

// Option configures a ControlPlane.
type Option func(*ControlPlane)

// WithHost installs the host at construction; see SetHost.
func WithHost(h Host) Option { return func(cp *ControlPlane) { cp.host.set(h) } }

// StepEvent is one input that a session's machine accepted, as seen by an
// observer installed with WithObserver.
type StepEvent struct {
	// Session names the session.
	Session SessionID
	// Generation is the session's incarnation: it grows each time a session
	// is created, so a session removed and created again under the same id
	// is told apart from its predecessor.
	Generation uint64
	// Input is the accepted input.
	Input gen.Input
	// Before and After are the machine states around the step.
	Before, After gen.State
	// Effects are the effects the step emitted.
	Effects gen.Effects
}

// WithObserver installs fn, which is called for every input that a
// session's machine accepts, in commit order for that session, starting with
// the Initialize and RegisterSession that CreateSession applies. It runs
// synchronously with the session locked: it must be quick and must not call
// back into the ControlPlane. Use it for tracing, metrics or audit logs. A
// panic in fn is re-raised to the caller of the operation after the
// session has been unlocked and restored (see the package documentation).
func WithObserver(fn func(StepEvent)) Option {
	return func(cp *ControlPlane) { cp.observer = fn }
}

// WithBoundaryDeadline sets how long a live topology reconfigure waits for
// the session's turn to reach a safe boundary (default
// DefaultBoundaryDeadline). A non-positive value selects the default.
func WithBoundaryDeadline(d time.Duration) Option {
	return func(cp *ControlPlane) {
		if d > 0 {
			cp.boundaryDeadline = d
		}
	}
}

// WithCleanupTimeout sets the bound on cleanup host calls (default
// DefaultCleanupTimeout). A non-positive value selects the default.
func WithCleanupTimeout(d time.Duration) Option {
	return func(cp *ControlPlane) {
		if d > 0 {
			cp.cleanupTimeout = d
		}
	}
}

// New returns a control plane with no sessions, configured by opts.
func New(opts ...Option) *ControlPlane {
	cp := &ControlPlane{
		boundaryDeadline: DefaultBoundaryDeadline,
		cleanupTimeout:   DefaultCleanupTimeout,
		sessions:         make(map[SessionID]*session),
		heldGates:        make(map[SessionID]chan struct{}),
	}
	for _, o := range opts {
		o(cp)
	}
	return cp
}

// SetHost installs the host used by the LLM flows; nil uninstalls it. A
// flow that needs the host while none is installed fails with an
// *InternalError wrapping ErrHostNotConfigured.
func (cp *ControlPlane) SetHost(h Host) { cp.host.set(h) }

// getHost returns the installed host or the not-configured error.
func (cp *ControlPlane) getHost() (Host, error) { return cp.host.get() }

// cleanupContext returns a context for the host calls a flow makes past its
// point of no return (completion and cleanup): it keeps ctx's values but
// not its cancellation, and is bounded by the cleanup timeout.
func (cp *ControlPlane) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cp.cleanupTimeout)
}

// checkContext refuses a nil context with a *ValidationError.
func checkContext(ctx context.Context, op string) error {
	if ctx == nil {
		return Validationf("%s: %w", op, ErrNilContext)
	}
	return nil
}

// lookup returns the session, or a not-ready error naming StateDestroyed.
func (cp *ControlPlane) lookup(id SessionID) (*session, error) {
	cp.mu.RLock()
	s, ok := cp.sessions[id]
	cp.mu.RUnlock()
	if !ok {
		return nil, errGone()
	}
	return s, nil
}

// CreateSession creates a session: its machine is booted into Idle and has
// recorded the session id (RegisterSession), every other field at its
// initial value; its LLM state is unresolved and its visibility state is
// the default. It gets a generation greater than that of every session
// created before (see Snapshot.Generation). Creating an existing session is
// a *ValidationError.
//
// A session created under the id of a removed one is a new session: no
// flow still running on the removed one acts on it. Such a flow makes no
// further machine step and no further host call once it sees the removal
// (it fails with a *NotReadyError wrapping ErrSessionRemoved), and the new
// session's host-calling flows wait until it has ended, so that they never
// interleave with its last host call.
func (cp *ControlPlane) CreateSession(id SessionID) error {
	if id == "" {
		return Validationf("create session: empty session id")
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if _, ok := cp.sessions[id]; ok {
		return Validationf("create session: session %s already exists", id)
	}
	gate := cp.heldGates[id]
	delete(cp.heldGates, id)
	s, boot, err := newSession(id, cp.generation+1, gate)
	if err != nil {
		return err
	}
	cp.generation++
	s.observe = cp.observer
	cp.sessions[id] = s
	if s.observe != nil {
		// The machine's first steps (Initialize, RegisterSession) are steps
		// like any other: an observer that records sessions sees them.
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ev := range boot {
			s.observe(ev)
		}
	}
	return nil
}

// RemoveSession forgets a session. Its executor attachment is closed and
// every waiter on it is woken; later operations on it fail as not ready in
// StateDestroyed, wrapping ErrSessionRemoved, and flows still running on it
// are fenced (see CreateSession). Removing an unknown session is a
// not-ready error.
func (cp *ControlPlane) RemoveSession(id SessionID) error {
	cp.mu.Lock()
	s, ok := cp.sessions[id]
	delete(cp.sessions, id)
	if ok {
		// Forget the gates that their stale flows have released since.
		for gid, g := range cp.heldGates {
			if len(g) == 0 {
				delete(cp.heldGates, gid)
			}
		}
		if len(s.gate) != 0 {
			cp.heldGates[id] = s.gate
		}
	}
	cp.mu.Unlock()
	if !ok {
		return errGone()
	}
	s.mu.Lock()
	s.removed = true
	exec := s.exec
	s.exec = nil
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if exec != nil {
		exec.Close()
	}
	return nil
}

// Sessions returns the ids of all sessions, sorted.
func (cp *ControlPlane) Sessions() []SessionID {
	cp.mu.RLock()
	out := make([]SessionID, 0, len(cp.sessions))
	for id := range cp.sessions {
		out = append(out, id)
	}
	cp.mu.RUnlock()
	slices.Sort(out)
	return out
}

// Apply applies one input to the session's machine and commits the result
// atomically. It returns the emitted effects, or the generated machine's
// error unchanged (a *gen.GuardRejectedError or *gen.NoTransitionError,
// both matching gen.ErrRejected, or a *gen.BoundError) with the state
// untouched. A missing session is a *NotReadyError in StateDestroyed; a
// step whose result would break an invariant is refused with an
// *InternalError.
func (cp *ControlPlane) Apply(id SessionID, in gen.Input) (gen.Effects, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return gen.Effects{}, err
	}
	if in == nil {
		return gen.Effects{}, Validationf("apply to session %s: nil input", id)
	}
	return s.apply(in)
}

// Snapshot is a consistent copy of one session.
type Snapshot struct {
	// SessionID names the session.
	SessionID SessionID
	// State is the generated machine state.
	State gen.State
	// Version counts the committed state changes; it grows by at least one
	// with every change.
	Version uint64
	// Generation tells this session apart from other sessions created
	// under the same id: every CreateSession hands out a greater one. Host
	// calls carry it in their context (see SessionRefFromContext).
	Generation uint64
	// Identity is the cached LLM identity; nil when unresolved.
	Identity *LLMIdentity
	// Surface is the cached capability surface; nil when unknown.
	Surface *CapabilitySurface
	// SurfaceStatus is the cached capability surface status.
	SurfaceStatus CapabilitySurfaceStatus
	// Visibility is the session's tool visibility state.
	Visibility visibility.State
	// ExecutorAttached reports whether a live executor is attached.
	ExecutorAttached bool
}

// Snapshot returns a consistent copy of the session.
func (cp *ControlPlane) Snapshot(id SessionID) (Snapshot, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return Snapshot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return Snapshot{}, errGone()
	}
	snap := Snapshot{
		SessionID:        id,
		State:            s.state,
		Version:          s.version,
		Generation:       s.generation,
		Surface:          cloneSurface(s.surface),
		SurfaceStatus:    s.status,
		Visibility:       s.visibility.Clone(),
		ExecutorAttached: s.exec.live(),
	}
	if s.identity != nil {
		c := s.identity.Clone()
		snap.Identity = &c
	}
	return snap, nil
}

// WaitFor blocks until pred holds for the session's machine state and
// returns that state. It is woken by the session's state changes (it does
// not poll) and gives up when ctx ends, returning a *CanceledError wrapping
// ctx's error, or when the session is removed. pred runs with the session
// locked and must not call back into the control plane; if it panics, the
// session is unlocked and the panic propagates to the caller. A nil ctx or
// pred is a *ValidationError.
func (cp *ControlPlane) WaitFor(ctx context.Context, id SessionID, pred func(gen.State) bool) (gen.State, error) {
	if err := checkContext(ctx, "wait for session "+string(id)); err != nil {
		return gen.State{}, err
	}
	if pred == nil {
		return gen.State{}, Validationf("wait for session %s: nil predicate", id)
	}
	s, err := cp.lookup(id)
	if err != nil {
		return gen.State{}, err
	}
	var st gen.State
	errNo := errors.New("predicate false")
	_, waitErr := s.waitUntil(ctx, nil, func() error {
		st = s.state
		if pred(st) {
			return nil
		}
		return errNo
	})
	if waitErr != nil && !errors.Is(waitErr, ErrNotReady) {
		waitErr = canceled(fmt.Sprintf("wait for session %s", id), waitErr)
	}
	return st, waitErr
}
