package proptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"slices"
	"sync"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// This file is the system side of the runtime tests: a fault-injecting Host
// around the reference host, an executor boundary handle that can fail too, a
// harness that performs an op on a real ControlPlane, and observations of the
// runtime and host that compare with the model's.

// planKey is the context key of a call's fault plan.
type planKey struct{}

// callRecord is one host (or boundary handle) call seen by a fault plan.
type callRecord struct {
	Name   string
	Failed bool // the call returned an error (injected or the host's own)
}

// callPlan is the fault plan of one runtime call. It travels in the ctx the
// call passes to the host (cleanup contexts keep it), so that concurrent
// calls each see their own plan.
type callPlan struct {
	mask  uint16
	mu    sync.Mutex
	n     int
	calls []callRecord
}

// withPlan returns a context carrying a fresh plan with the fault mask.
func withPlan(ctx context.Context, mask uint16) (context.Context, *callPlan) {
	p := &callPlan{mask: mask}
	return context.WithValue(ctx, planKey{}, p), p
}

// begin numbers a call and reports the injected fault, if the plan has one
// for it.
func (p *callPlan) begin(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.n
	p.n++
	if p.mask>>n&1 == 1 {
		return runtime.Internalf("proptest: injected fault in %s (call %d)", name, n)
	}
	return nil
}

// end records the call's outcome.
func (p *callPlan) end(name string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, callRecord{Name: name, Failed: err != nil})
}

// log returns the calls made so far.
func (p *callPlan) log() []callRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// planned runs one call under the plan in ctx (if any): an injected fault
// fails it before it reaches the host, so a failed call has no effect. It
// yields the processor first, to vary interleavings in concurrent tests.
func planned(ctx context.Context, name string, f func() error) error {
	goruntime.Gosched()
	p, _ := ctx.Value(planKey{}).(*callPlan)
	if p == nil {
		return f()
	}
	err := p.begin(name)
	if err == nil {
		err = f()
	}
	p.end(name, err)
	return err
}

// Names of the calls a plan records.
const (
	callHydrate  = "hydrate"
	callResolve  = "resolve"
	callIdentity = "apply identity"
	callVis      = "apply visibility"
	callPersist  = "persist"
	callDiscard  = "discard"
	callBoundary = "boundary cancel"
)

// faultHost is a runtime.Host whose every method consults the calling
// flow's fault plan before delegating to the reference host.
type faultHost struct{ inner *memhost.Host }

var _ runtime.Host = faultHost{}

// HydrateSessionLLMState implements runtime.Host under the caller's fault plan.
func (h faultHost) HydrateSessionLLMState(ctx context.Context, id runtime.SessionID) (out runtime.HydratedSessionLLMState, err error) {
	err = planned(ctx, callHydrate, func() error {
		out, err = h.inner.HydrateSessionLLMState(ctx, id)
		return err
	})
	return out, err
}

// ResolveTargetSessionLLMIdentity implements runtime.Host under the caller's fault plan.
func (h faultHost) ResolveTargetSessionLLMIdentity(ctx context.Context, req runtime.ReconfigureRequest, cur runtime.LLMIdentity) (out runtime.ResolvedTarget, err error) {
	err = planned(ctx, callResolve, func() error {
		out, err = h.inner.ResolveTargetSessionLLMIdentity(ctx, req, cur)
		return err
	})
	return out, err
}

// ApplyLiveSessionLLMIdentity implements runtime.Host under the caller's fault plan.
func (h faultHost) ApplyLiveSessionLLMIdentity(ctx context.Context, id runtime.SessionID, identity runtime.LLMIdentity) error {
	return planned(ctx, callIdentity, func() error { return h.inner.ApplyLiveSessionLLMIdentity(ctx, id, identity) })
}

// ApplyLiveSessionToolVisibilityState implements runtime.Host under the caller's fault plan.
func (h faultHost) ApplyLiveSessionToolVisibilityState(ctx context.Context, id runtime.SessionID, state *visibility.State) error {
	return planned(ctx, callVis, func() error { return h.inner.ApplyLiveSessionToolVisibilityState(ctx, id, state) })
}

// PersistLiveSession implements runtime.Host under the caller's fault plan.
func (h faultHost) PersistLiveSession(ctx context.Context, id runtime.SessionID) error {
	return planned(ctx, callPersist, func() error { return h.inner.PersistLiveSession(ctx, id) })
}

// DiscardLiveSession implements runtime.Host under the caller's fault plan.
func (h faultHost) DiscardLiveSession(ctx context.Context, id runtime.SessionID) error {
	return planned(ctx, callDiscard, func() error { return h.inner.DiscardLiveSession(ctx, id) })
}

// boundaryHandle is the executors' live boundary handle; its one method is a
// call of the plan like the host's.
type boundaryHandle struct{}

// CancelAfterBoundary implements runtime.BoundaryHandle under the caller's
// fault plan; it has no other effect.
func (boundaryHandle) CancelAfterBoundary(ctx context.Context, reason string) error {
	return planned(ctx, callBoundary, func() error { return nil })
}

// harness is the real system: a control plane on the fault-injecting host,
// and the test's handles on the sessions' executors.
type harness struct {
	cp   *runtime.ControlPlane
	host *memhost.Host
	buf  int // executor effect buffer

	// plantAbortBug makes reconfigureLive emulate a runtime that forgets to
	// abort the live topology reconfigure when preparing it fails (see
	// runtime_planted_test.go). It is only ever set by that test.
	plantAbortBug bool

	mu    sync.Mutex
	execs [nSess]*runtime.Executor

	// rec records every accepted machine step into recorded, in the format
	// dslgen validate-trace reads.
	rec      *runtime.Recorder
	recorded *bytes.Buffer
}

// newHarness returns a harness whose executors have buf effect slots and
// whose live reconfigures wait at most boundary for a safe boundary.
func newHarness(buf int, boundary time.Duration) *harness {
	host := memhost.New()
	recorded := &bytes.Buffer{}
	rec := runtime.NewRecorder(recorded)
	return &harness{
		cp: runtime.New(runtime.WithHost(faultHost{inner: host}), runtime.WithBoundaryDeadline(boundary),
			runtime.WithObserver(rec.Observe)),
		host:     host,
		buf:      buf,
		rec:      rec,
		recorded: recorded,
	}
}

// exec returns the test's handle on session i's executor, or nil.
func (h *harness) exec(i int) *runtime.Executor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.execs[i]
}

// setExec records the handle on session i's executor.
func (h *harness) setExec(i int, e *runtime.Executor) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.execs[i] = e
}

// outcome is what a call on the real system returned.
type outcome struct {
	res result
	err error
	// presented is the authority epoch a live reconfigure presented.
	presented uint64
	// calls are the host and boundary handle calls the call made.
	calls []callRecord
}

// outcomeFor is the outcome of a call that returned only err.
func outcomeFor(err error) outcome { return outcome{res: result{Out: outcomeOf(err)}, err: err} }

// run performs o on the real system, under o's fault plan.
func (h *harness) run(o op) outcome {
	ctx, plan := withPlan(context.Background(), o.Faults)
	out := h.run1(ctx, plan, o)
	out.calls = plan.log()
	return out
}

// run1 performs o with the context carrying its plan.
func (h *harness) run1(ctx context.Context, plan *callPlan, o op) outcome {
	id := sessionID(o.S)
	switch o.Kind {
	case opRegister:
		err := h.cp.CreateSession(id)
		if err == nil {
			h.host.AddSession(id, o.Reg.concrete(), o.RegVis.concrete())
			h.setExec(o.S, nil)
		}
		return outcomeFor(err)

	case opRemove:
		err := h.cp.RemoveSession(id)
		if err == nil {
			h.setExec(o.S, nil)
		}
		return outcomeFor(err)

	case opAttachExecutor:
		e, err := h.cp.AttachExecutor(id, runtime.ExecutorConfig{
			RuntimeID: agentID(o.S), FenceToken: 1, EffectBuffer: h.buf, Boundary: boundaryHandle{},
		})
		if err == nil {
			h.setExec(o.S, e)
		}
		return outcomeFor(err)

	case opExit, opCloseExecutor, opDrain, opTurn, opCheckpoint:
		e := h.exec(o.S)
		if e == nil {
			return outcome{res: result{Out: outSkipped}}
		}
		switch o.Kind {
		case opExit:
			return outcomeFor(e.Exit())
		case opCloseExecutor:
			e.Close()
			return outcomeFor(nil)
		case opDrain:
			for {
				select {
				case <-e.Effects():
					continue
				default:
				}
				return outcomeFor(nil)
			}
		case opTurn:
			_, err := e.Apply(o.Turn.input(runID(o.Run)))
			return outcomeFor(err)
		default:
			_, err := e.CheckpointCancelAfterBoundary(runID(o.Run))
			return outcomeFor(err)
		}

	case opCancelAfterBoundary:
		return outcomeFor(h.cp.CancelAfterBoundary(ctx, id))

	case opAttachLive:
		a, err := h.cp.AttachLive(id)
		out := outcomeFor(err)
		out.res.Epoch = a.Epoch
		return out

	case opDetachLive:
		return outcomeFor(h.cp.DetachLive(id))

	case opRequireReattach:
		return outcomeFor(h.cp.RequireRealtimeAttachmentReattach(id))

	case opPublishReady:
		a, err := h.cp.CurrentRealtimeAttachmentAuthority(id)
		if err != nil {
			return outcomeFor(err)
		}
		if a == nil {
			return outcome{res: result{Out: outSkipped}}
		}
		return outcomeFor(h.cp.PublishRealtimeAttachmentSignal(*a, runtime.AttachmentBindingReady))

	case opReconfigure:
		_, err := h.cp.ReconfigureSessionLLMIdentity(ctx, id, o.Req.concrete())
		return outcomeFor(err)

	case opLiveReconfigure:
		return h.reconfigureLive(ctx, plan, o)

	case opTransport:
		a, err := h.cp.ApplyCapabilityDrivenRealtimeTransport(ctx, id)
		out := outcomeFor(err)
		if a != nil {
			out.res.Epoch = a.Epoch
		}
		return out

	case opEligibility:
		el, err := h.cp.RealtimeBootstrapEligibility(ctx, id)
		out := outcomeFor(err)
		if err == nil {
			out.res.Chan = el.Channel.State
		}
		return out
	}
	panic(fmt.Sprintf("unknown op %v", o.Kind))
}

// reconfigureLive presents the session's current authority (or a
// never-minted one) to ReconfigureLiveTopology.
func (h *harness) reconfigureLive(ctx context.Context, plan *callPlan, o op) outcome {
	id := sessionID(o.S)
	var epoch uint64
	if o.Stale {
		snap, err := h.cp.Snapshot(id)
		if err != nil {
			return outcomeFor(err)
		}
		epoch = snap.State.RealtimeNextAuthorityEpoch
	} else {
		a, err := h.cp.CurrentRealtimeAttachmentAuthority(id)
		if err != nil {
			return outcomeFor(err)
		}
		if a == nil {
			return outcome{res: result{Out: outSkipped}}
		}
		epoch = a.Epoch
	}
	a, err := h.cp.ReconfigureLiveTopology(ctx, runtime.Authority{SessionID: id, Epoch: epoch}, o.Req.concrete())
	if err != nil && h.plantAbortBug && preparationFailed(plan.log()) {
		// The planted bug: a runtime that returns a preparation failure
		// without applying AbortLiveTopologyBeforeDetach leaves the topology
		// in Reconfiguring. Re-entering Reconfiguring with the still valid
		// authority reproduces exactly that state.
		_, _ = h.cp.Apply(id, gen.BeginLiveTopologyReconfigure{AuthorityEpoch: epoch})
	}
	out := outcomeFor(err)
	out.res.Epoch = a.Epoch
	out.presented = epoch
	return out
}

// preparationFailed reports whether a live reconfigure's calls ended with a
// failed hydrate or resolve, i.e. its preparation failed.
func preparationFailed(calls []callRecord) bool {
	if len(calls) == 0 {
		return false
	}
	last := calls[len(calls)-1]
	return last.Failed && (last.Name == callHydrate || last.Name == callResolve)
}

// obsSess is what can be observed of one session, in the model's terms.
type obsSess struct {
	Exists   bool
	State    gen.State
	HasID    bool
	ID       ident
	Surface  string
	Resolved bool
	Vis      vis
	VisOdd   string // a visibility state outside the model's domain, as JSON
	ExecLive bool
	Pending  int
}

// obs is an observation of the whole system.
type obs struct {
	Sess     [nSess]obsSess
	Host     [nSess]hostSess
	HostOdd  string // host state outside the model's domain
	Sessions []runtime.SessionID
}

// equal reports whether two observations are the same.
func (o *obs) equal(p *obs) bool {
	return o.Sess == p.Sess && o.Host == p.Host && o.HostOdd == p.HostOdd && slices.Equal(o.Sessions, p.Sessions)
}

// observe projects the model onto an observation.
func (m *refModel) observe() obs {
	var o obs
	for i := range m.Sess {
		s := &m.Sess[i]
		o.Host[i] = m.Host[i]
		if !s.Exists {
			continue
		}
		o.Sessions = append(o.Sessions, sessionID(i))
		o.Sess[i] = obsSess{
			Exists: true, State: s.St,
			HasID: s.HasID, ID: s.ID, Surface: s.Surface, Resolved: s.Resolved,
			Vis: s.Vis, ExecLive: s.live(), Pending: s.Pending,
		}
	}
	return o
}

// surfaceName returns the catalog model whose surface s is, "" for nil, or
// the surface as JSON when it is no catalog surface.
func surfaceName(s *runtime.CapabilitySurface) string {
	if s == nil {
		return ""
	}
	for _, m := range memhost.DefaultCatalog() {
		if m.Surface.Equal(*s) {
			return m.Name
		}
	}
	b, _ := json.Marshal(s)
	return "?" + string(b)
}

// visOf converts a visibility state to the model's form; the second result
// is the state as JSON when it is outside the model's domain.
func visOf(s visibility.State) (vis, string) {
	v := vis{CapDeny: !s.CapabilityBaseFilter.Equal(visibility.All()), Active: s.ActiveRevision, Staged: s.StagedRevision}
	if v.concrete().Equal(s) {
		return v, ""
	}
	b, _ := json.Marshal(s)
	return vis{}, string(b)
}

// observe observes the real system.
func (h *harness) observe() obs {
	var o obs
	o.Sessions = h.cp.Sessions()
	if len(o.Sessions) == 0 {
		o.Sessions = nil
	}
	for i := range nSess {
		id := sessionID(i)
		if hv, known := h.host.Session(id); known {
			lv, odd1 := visOf(hv.LiveVisibility)
			dv, odd2 := visOf(hv.DurableVisibility)
			o.Host[i] = hostSess{
				Known: true, Live: hv.Live,
				LiveID: identOf(hv.LiveIdentity), LiveVis: lv,
				DurID: identOf(hv.DurableIdentity), DurVis: dv,
				Persists: hv.Persists, Discards: hv.Discards,
			}
			o.HostOdd += odd1 + odd2
		}
		snap, err := h.cp.Snapshot(id)
		if err != nil {
			continue
		}
		v, odd := visOf(snap.Visibility)
		s := obsSess{
			Exists: true, State: snap.State,
			Surface: surfaceName(snap.Surface), Resolved: snap.SurfaceStatus == runtime.SurfaceResolved,
			Vis: v, VisOdd: odd, ExecLive: snap.ExecutorAttached,
		}
		if snap.Identity != nil {
			s.HasID, s.ID = true, identOf(*snap.Identity)
		}
		if e := h.exec(i); e != nil {
			s.Pending = len(e.Effects())
		}
		o.Sess[i] = s
	}
	return o
}

// checkSystem checks what must hold of the real system after every call,
// whatever the model says: the machine invariants, the live topology back
// at Idle, and no split brain between the cache and the host (a resolved
// cached identity and visibility are exactly what the host has live; a
// discarded host session is never cached as resolved).
func checkSystem(o *obs) error {
	for i := range nSess {
		s := &o.Sess[i]
		if !s.Exists {
			continue
		}
		if err := s.State.CheckInvariants(); err != nil {
			return fmt.Errorf("s%d: machine invariant broken: %w", i, err)
		}
		if s.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
			return fmt.Errorf("s%d: live topology left in %v", i, s.State.LiveTopologyPhase)
		}
		if s.Resolved {
			hs := &o.Host[i]
			if !hs.Live || !s.HasID || s.ID != hs.LiveID || s.Vis != hs.LiveVis || s.VisOdd != "" {
				return fmt.Errorf("s%d: cached LLM state %+v / %+v is resolved but the host has live=%v %+v / %+v",
					i, s.ID, s.Vis, hs.Live, hs.LiveID, hs.LiveVis)
			}
		}
	}
	if !slices.IsSorted(o.Sessions) || len(slices.Compact(slices.Clone(o.Sessions))) != len(o.Sessions) {
		return fmt.Errorf("session list %v is not a sorted set", o.Sessions)
	}
	return nil
}
