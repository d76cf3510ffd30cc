// Package memhost is an in-memory reference implementation of
// runtime.Host: a small model catalog, per-session live and durable LLM
// state, base tool names, a call log, and per-method fault injection so
// tests can make each host call fail in turn. It is safe for concurrent use.
package memhost

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// Names of the models in DefaultCatalog.
const (
	// ModelRealtime supports realtime and image tool results.
	ModelRealtime = "gpt-realtime"
	// ModelTextLarge supports image tool results but not realtime.
	ModelTextLarge = "text-large"
	// ModelTextSmall supports neither realtime nor image tool results.
	ModelTextSmall = "text-small"
)

// Model is a catalog entry: a model name, its provider and its capability
// surface.
type Model struct {
	// Name is the model name.
	Name string
	// Provider is the model's provider.
	Provider runtime.Provider
	// Surface is the model's capability surface.
	Surface runtime.CapabilitySurface
}

func timeout(secs uint64) *uint64 { return &secs }

// DefaultCatalog returns the reference catalog: ModelRealtime (realtime and
// image tool results), ModelTextLarge (image tool results, no realtime) and
// ModelTextSmall (neither).
func DefaultCatalog() []Model {
	return []Model{
		{
			Name:     ModelRealtime,
			Provider: runtime.ProviderOpenAI,
			Surface: runtime.CapabilitySurface{
				SupportsTemperature: true,
				Vision:              true,
				ImageInput:          true,
				ImageToolResults:    true,
				Realtime:            true,
				CallTimeoutSecs:     timeout(30),
			},
		},
		{
			Name:     ModelTextLarge,
			Provider: runtime.ProviderAnthropic,
			Surface: runtime.CapabilitySurface{
				SupportsTemperature: true,
				SupportsThinking:    true,
				SupportsReasoning:   true,
				Vision:              true,
				ImageInput:          true,
				ImageToolResults:    true,
				SupportsWebSearch:   true,
				CallTimeoutSecs:     timeout(120),
			},
		},
		{
			Name:     ModelTextSmall,
			Provider: runtime.ProviderGemini,
			Surface: runtime.CapabilitySurface{
				SupportsTemperature: true,
			},
		},
	}
}

// DefaultBaseToolNames returns the base tool names every session offers
// unless configured otherwise: search, shell and view_image.
func DefaultBaseToolNames() visibility.NameSet {
	return visibility.NewNameSet("search", "shell", visibility.ViewImageToolName)
}

// Method names one of the six Host methods.
type Method uint8

const (
	// MethodHydrate is HydrateSessionLLMState.
	MethodHydrate Method = iota
	// MethodResolve is ResolveTargetSessionLLMIdentity.
	MethodResolve
	// MethodApplyIdentity is ApplyLiveSessionLLMIdentity.
	MethodApplyIdentity
	// MethodApplyVisibility is ApplyLiveSessionToolVisibilityState.
	MethodApplyVisibility
	// MethodPersist is PersistLiveSession.
	MethodPersist
	// MethodDiscard is DiscardLiveSession.
	MethodDiscard
)

var methodNames = [...]string{
	MethodHydrate:         "HydrateSessionLlmState",
	MethodResolve:         "ResolveTargetSessionLlmIdentity",
	MethodApplyIdentity:   "ApplyLiveSessionLlmIdentity",
	MethodApplyVisibility: "ApplyLiveSessionToolVisibilityState",
	MethodPersist:         "PersistLiveSession",
	MethodDiscard:         "DiscardLiveSession",
}

// Methods returns the six methods in declaration order.
func Methods() []Method {
	out := make([]Method, len(methodNames))
	for i := range out {
		out[i] = Method(i)
	}
	return out
}

// String returns the Host method's name.
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// ErrInjectedFault is the cause of every default injected fault.
var ErrInjectedFault = errors.New("memhost: injected fault")

// Fault makes calls of one method fail. The first Skip calls after the
// fault is installed succeed; then Times calls fail (0 means every call
// from then on). Err is the error returned; nil means an
// *runtime.InternalError wrapping ErrInjectedFault.
type Fault struct {
	// Err is the error to return; nil selects the default.
	Err error
	// Skip is the number of calls that still succeed.
	Skip int
	// Times is the number of calls that fail; 0 means no limit.
	Times int
}

// Call records one host call.
type Call struct {
	// Method is the method called.
	Method Method
	// Session is the session argument (empty for Resolve).
	Session runtime.SessionID
	// Err is the error the call returned, if any.
	Err error
}

// Hook runs at the start of every host call, before fault injection, with
// the host's lock released. A non-nil error fails the call. Hooks let tests
// block a call (honouring ctx) or observe ordering.
type Hook func(ctx context.Context, m Method, session runtime.SessionID) error

// SessionView is a snapshot of one session held by the host.
type SessionView struct {
	// Live reports whether the session is live (not discarded).
	Live bool
	// LiveIdentity is the identity of the live session.
	LiveIdentity runtime.LLMIdentity
	// LiveVisibility is the visibility state of the live session.
	LiveVisibility visibility.State
	// DurableIdentity is the last persisted identity.
	DurableIdentity runtime.LLMIdentity
	// DurableVisibility is the last persisted visibility state.
	DurableVisibility visibility.State
	// Persists counts successful PersistLiveSession calls.
	Persists int
	// Discards counts successful DiscardLiveSession calls.
	Discards int
}

type session struct {
	live              bool
	liveIdentity      runtime.LLMIdentity
	liveVisibility    visibility.State
	durableIdentity   runtime.LLMIdentity
	durableVisibility visibility.State
	persists          int
	discards          int
}

type faultState struct {
	Fault
	seen   int // calls seen since the fault was installed
	failed int // calls failed
}

// Host is the in-memory reference host. Create one with New.
type Host struct {
	mu        sync.Mutex
	catalog   map[string]Model
	baseTools visibility.NameSet
	sessions  map[runtime.SessionID]*session
	faults    map[Method]*faultState
	calls     []Call
	hook      Hook
}

var _ runtime.Host = (*Host)(nil)

// Option configures a Host.
type Option func(*Host)

// WithCatalog replaces the default catalog with the given models.
func WithCatalog(models ...Model) Option {
	return func(h *Host) {
		h.catalog = make(map[string]Model, len(models))
		for _, m := range models {
			m.Surface = m.Surface.Clone()
			h.catalog[m.Name] = m
		}
	}
}

// WithBaseToolNames replaces the default base tool names.
func WithBaseToolNames(names ...gen.ToolName) Option {
	return func(h *Host) { h.baseTools = visibility.NewNameSet(names...) }
}

// New returns a host with DefaultCatalog and DefaultBaseToolNames, modified
// by the options. It holds no sessions.
func New(opts ...Option) *Host {
	h := &Host{
		sessions: make(map[runtime.SessionID]*session),
		faults:   make(map[Method]*faultState),
	}
	WithCatalog(DefaultCatalog()...)(h)
	h.baseTools = DefaultBaseToolNames()
	for _, o := range opts {
		o(h)
	}
	return h
}

// AddSession registers a live session with the given identity and
// visibility state, both also taken as its durable state. The identity's
// model need not be in the catalog: such a session hydrates with an
// unresolved capability surface. Adding an existing session replaces it.
func (h *Host) AddSession(id runtime.SessionID, identity runtime.LLMIdentity, state visibility.State) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions[id] = &session{
		live:              true,
		liveIdentity:      identity.Clone(),
		liveVisibility:    state.Clone(),
		durableIdentity:   identity.Clone(),
		durableVisibility: state.Clone(),
	}
}

// RemoveSession forgets a session entirely.
func (h *Host) RemoveSession(id runtime.SessionID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.sessions, id)
}

// Session returns a snapshot of the session, and false if it is unknown.
func (h *Host) Session(id runtime.SessionID) (SessionView, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.sessions[id]
	if !ok {
		return SessionView{}, false
	}
	return SessionView{
		Live:              s.live,
		LiveIdentity:      s.liveIdentity.Clone(),
		LiveVisibility:    s.liveVisibility.Clone(),
		DurableIdentity:   s.durableIdentity.Clone(),
		DurableVisibility: s.durableVisibility.Clone(),
		Persists:          s.persists,
		Discards:          s.discards,
	}, true
}

// Model returns the catalog entry for a model name.
func (h *Host) Model(name string) (Model, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.catalog[name]
	m.Surface = m.Surface.Clone()
	return m, ok
}

// InjectFault installs a fault on method m, replacing any previous one.
func (h *Host) InjectFault(m Method, f Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults[m] = &faultState{Fault: f}
}

// Fail makes every call of m fail with the default injected fault.
func (h *Host) Fail(m Method) { h.InjectFault(m, Fault{}) }

// ClearFault removes the fault on m.
func (h *Host) ClearFault(m Method) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.faults, m)
}

// ClearFaults removes every fault.
func (h *Host) ClearFaults() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.faults)
}

// SetHook installs a hook run at the start of every call; nil removes it.
func (h *Host) SetHook(hook Hook) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook = hook
}

// Calls returns a copy of the call log, oldest first.
func (h *Host) Calls() []Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Call(nil), h.calls...)
}

// CallCount returns how many times m was called.
func (h *Host) CallCount(m Method) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.calls {
		if c.Method == m {
			n++
		}
	}
	return n
}

// ResetCalls empties the call log.
func (h *Host) ResetCalls() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = nil
}

// begin runs the common prologue of a call: the context check, the hook
// and fault injection. On success it returns with h.mu held; on failure it
// returns the error with the call logged and h.mu released.
func (h *Host) begin(ctx context.Context, m Method, id runtime.SessionID) error {
	h.mu.Lock()
	hook := h.hook
	h.mu.Unlock()

	err := ctx.Err()
	if err == nil && hook != nil {
		err = hook(ctx, m, id)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		err = fmt.Errorf("memhost: %v: %w", m, err)
	}

	h.mu.Lock()
	if err == nil {
		if f, ok := h.faults[m]; ok {
			f.seen++
			if f.seen > f.Skip && (f.Times == 0 || f.failed < f.Times) {
				f.failed++
				err = f.Err
				if err == nil {
					err = runtime.Internalf("memhost: %v failed: %w", m, ErrInjectedFault)
				}
			}
		}
	}
	if err != nil {
		h.calls = append(h.calls, Call{Method: m, Session: id, Err: err})
		h.mu.Unlock()
		return err
	}
	return nil
}

// end logs the call's outcome and releases h.mu.
func (h *Host) end(m Method, id runtime.SessionID, err error) error {
	h.calls = append(h.calls, Call{Method: m, Session: id, Err: err})
	h.mu.Unlock()
	return err
}

// lookup returns the session or a not-ready error naming StateDestroyed.
// h.mu must be held.
func (h *Host) lookup(id runtime.SessionID) (*session, error) {
	s, ok := h.sessions[id]
	if !ok {
		return nil, fmt.Errorf("memhost: session %q: %w", id, runtime.NotReady(runtime.StateDestroyed))
	}
	return s, nil
}

// revive rebuilds a discarded session from its durable state. h.mu must be
// held.
func revive(s *session) {
	if !s.live {
		s.live = true
		s.liveIdentity = s.durableIdentity.Clone()
		s.liveVisibility = s.durableVisibility.Clone()
	}
}

// HydrateSessionLLMState implements runtime.Host. A discarded session is
// rebuilt from its durable state first. The surface is the catalog entry
// of the live identity's model; a model not in the catalog gives a nil
// surface and an unresolved status.
func (h *Host) HydrateSessionLLMState(ctx context.Context, id runtime.SessionID) (runtime.HydratedSessionLLMState, error) {
	if err := h.begin(ctx, MethodHydrate, id); err != nil {
		return runtime.HydratedSessionLLMState{}, err
	}
	s, err := h.lookup(id)
	if err != nil {
		return runtime.HydratedSessionLLMState{}, h.end(MethodHydrate, id, err)
	}
	revive(s)
	out := runtime.HydratedSessionLLMState{
		CurrentIdentity:        s.liveIdentity.Clone(),
		CurrentVisibilityState: s.liveVisibility.Clone(),
		BaseToolNames:          h.baseTools.Clone(),
	}
	if m, ok := h.catalog[s.liveIdentity.Model]; ok {
		surface := m.Surface.Clone()
		out.CurrentCapabilitySurface = &surface
		out.CapabilitySurfaceStatus = runtime.SurfaceResolved
	}
	return out, h.end(MethodHydrate, id, nil)
}

// ResolveTargetSessionLLMIdentity implements runtime.Host. It merges the
// request into the current identity (see runtime.ReconfigureRequest.Merge)
// and looks the target model up in the catalog. When the request names a
// model but no provider, the provider is the catalog's. An unknown model,
// or a provider that does not serve the model, is a *runtime.ValidationError.
func (h *Host) ResolveTargetSessionLLMIdentity(ctx context.Context, req runtime.ReconfigureRequest, current runtime.LLMIdentity) (runtime.ResolvedTarget, error) {
	if err := h.begin(ctx, MethodResolve, ""); err != nil {
		return runtime.ResolvedTarget{}, err
	}
	target, err := req.Merge(current)
	if err != nil {
		return runtime.ResolvedTarget{}, h.end(MethodResolve, "", err)
	}
	m, ok := h.catalog[target.Model]
	if !ok {
		return runtime.ResolvedTarget{}, h.end(MethodResolve, "",
			runtime.Validationf("unknown model '%s': no model profile in the catalog", target.Model))
	}
	switch {
	case req.Provider == "" && req.Model != "":
		target.Provider = m.Provider
	case target.Provider != m.Provider:
		return runtime.ResolvedTarget{}, h.end(MethodResolve, "",
			runtime.Validationf("provider '%s' does not serve model '%s' (its provider is '%s')", target.Provider, target.Model, m.Provider))
	}
	return runtime.ResolvedTarget{
		TargetIdentity:          target,
		TargetCapabilitySurface: m.Surface.Clone(),
	}, h.end(MethodResolve, "", nil)
}

// ApplyLiveSessionLLMIdentity implements runtime.Host: it replaces the live
// identity (reviving a discarded session first). It does not persist.
func (h *Host) ApplyLiveSessionLLMIdentity(ctx context.Context, id runtime.SessionID, identity runtime.LLMIdentity) error {
	if err := h.begin(ctx, MethodApplyIdentity, id); err != nil {
		return err
	}
	s, err := h.lookup(id)
	if err != nil {
		return h.end(MethodApplyIdentity, id, err)
	}
	revive(s)
	s.liveIdentity = identity.Clone()
	return h.end(MethodApplyIdentity, id, nil)
}

// ApplyLiveSessionToolVisibilityState implements runtime.Host: it replaces
// the live visibility state; nil installs the default state.
func (h *Host) ApplyLiveSessionToolVisibilityState(ctx context.Context, id runtime.SessionID, state *visibility.State) error {
	if err := h.begin(ctx, MethodApplyVisibility, id); err != nil {
		return err
	}
	s, err := h.lookup(id)
	if err != nil {
		return h.end(MethodApplyVisibility, id, err)
	}
	revive(s)
	if state == nil {
		s.liveVisibility = visibility.State{}
	} else {
		s.liveVisibility = state.Clone()
	}
	return h.end(MethodApplyVisibility, id, nil)
}

// PersistLiveSession implements runtime.Host: the live identity and
// visibility become the durable ones.
func (h *Host) PersistLiveSession(ctx context.Context, id runtime.SessionID) error {
	if err := h.begin(ctx, MethodPersist, id); err != nil {
		return err
	}
	s, err := h.lookup(id)
	if err != nil {
		return h.end(MethodPersist, id, err)
	}
	revive(s)
	s.durableIdentity = s.liveIdentity.Clone()
	s.durableVisibility = s.liveVisibility.Clone()
	s.persists++
	return h.end(MethodPersist, id, nil)
}

// DiscardLiveSession implements runtime.Host: the live session is dropped
// and will be rebuilt from the durable state on next use. Discarding an
// already discarded session succeeds.
func (h *Host) DiscardLiveSession(ctx context.Context, id runtime.SessionID) error {
	if err := h.begin(ctx, MethodDiscard, id); err != nil {
		return err
	}
	s, err := h.lookup(id)
	if err != nil {
		return h.end(MethodDiscard, id, err)
	}
	s.live = false
	s.liveIdentity = runtime.LLMIdentity{}
	s.liveVisibility = visibility.State{}
	s.discards++
	return h.end(MethodDiscard, id, nil)
}
