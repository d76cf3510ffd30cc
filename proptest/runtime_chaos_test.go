package proptest

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// This file is the chaos test of the runtime: no reference model, only
// properties that must survive anything a host, an observer or a caller can
// do. Host calls panic, fail, block until their context ends, cancel the
// caller, or unregister, remove or re-create their own session; contexts are
// nil, already cancelled or short-lived; observers and WaitFor predicates
// panic; several flows run at once on one session. After every action, with
// no flow running any more: the machine invariants hold, the live topology
// is Idle, no session mutex or mutation gate is held, no goroutine is left
// behind, every host call was made for the current generation of its
// session, no host panic escaped, and every error is of exactly one class.

// chaosSessions is the number of session ids of the chaos test.
const chaosSessions = 2

// chaosBoundary is how long a live reconfigure waits for a safe boundary.
const chaosBoundary = 5 * time.Millisecond

// chaosCleanup bounds the host calls past the point of no return: a host
// call that blocks there waits this long.
const chaosCleanup = 40 * time.Millisecond

// chaosGiveUp is how long a caller waits for a blocked host call before it
// gives up (cancels its context).
const chaosGiveUp = time.Millisecond

// chaosWedge is how long the checks wait for something that must happen at
// once before they call the session wedged.
const chaosWedge = 2 * time.Second

// chaosKind is what one host call does besides its own work.
type chaosKind uint8

const (
	chaosNone       chaosKind = iota
	chaosError                // fail with an error of no category
	chaosPanic                // panic
	chaosBlock                // block until the call's context ends
	chaosCancel               // cancel the caller's context, then carry on
	chaosUnregister           // unregister the session, then carry on
	chaosRemove               // remove the session, then carry on
	chaosRecreate             // remove and create the session again, then carry on
	nChaosKinds
)

var chaosNames = [...]string{"none", "error", "panic", "block", "cancel", "unregister", "remove", "recreate"}

func (k chaosKind) String() string { return chaosNames[k] }

// hostPanic is what a chaos host call panics with.
type hostPanic struct{ call string }

// observerPanic is what the chaos observer and predicates panic with.
type observerPanic struct{}

// chaosPlan is the chaos of one flow call: what its n-th host call does.
// It travels in the call's context (cleanup contexts keep it).
type chaosPlan struct {
	faults map[int]chaosKind
	cancel context.CancelFunc
	sess   int

	mu sync.Mutex
	n  int
}

type chaosPlanKey struct{}

// next returns what the next host call does.
func (p *chaosPlan) next() chaosKind {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.faults[p.n]
	p.n++
	return k
}

// chaosHarness is the system under test.
type chaosHarness struct {
	cp   *runtime.ControlPlane
	host *memhost.Host

	// armed counts down the observer's steps; it panics at the one that
	// brings it to zero.
	armed atomic.Int64
	// minted counts the authorities the capability-driven transport minted.
	minted atomic.Int32

	mu    sync.Mutex
	stale []string // host calls made for another generation than the current
}

func newChaosHarness() *chaosHarness {
	h := &chaosHarness{host: memhost.New()}
	h.cp = runtime.New(
		runtime.WithHost(chaosHost{h: h}),
		runtime.WithBoundaryDeadline(chaosBoundary),
		runtime.WithCleanupTimeout(chaosCleanup),
		runtime.WithObserver(func(runtime.StepEvent) {
			if h.armed.Load() > 0 && h.armed.Add(-1) == 0 {
				panic(observerPanic{})
			}
		}),
	)
	return h
}

func chaosID(i int) runtime.SessionID { return runtime.SessionID(fmt.Sprintf("c%d", i)) }

// create creates session i (the host keeps its data across re-creation)
// and attaches an executor.
func (h *chaosHarness) create(i int) {
	id := chaosID(i)
	if _, known := h.host.Session(id); !known {
		h.host.AddSession(id, runtime.LLMIdentity{Model: memhost.ModelRealtime, Provider: runtime.ProviderOpenAI}, visibility.State{})
	}
	if h.cp.CreateSession(id) == nil {
		_, _ = h.cp.AttachExecutor(id, runtime.ExecutorConfig{RuntimeID: agentID(i), FenceToken: 1, EffectBuffer: 256})
	}
}

// chaos runs the host-call chaos k of a call of session ref.ID.
func (h *chaosHarness) chaos(ctx context.Context, call string, k chaosKind, plan *chaosPlan) error {
	id := chaosID(plan.sess)
	switch k {
	case chaosError:
		return fmt.Errorf("chaos: %s failed", call)
	case chaosPanic:
		panic(hostPanic{call})
	case chaosBlock:
		// The caller gives up soon; past the point of no return the flow
		// no longer listens to it, and the call waits for the cleanup
		// timeout instead.
		time.AfterFunc(chaosGiveUp, plan.cancel)
		<-ctx.Done()
		return fmt.Errorf("chaos: %s blocked: %w", call, ctx.Err())
	case chaosCancel:
		plan.cancel()
	case chaosUnregister:
		_, _ = h.cp.Apply(id, gen.UnregisterSession{SessionID: id})
	case chaosRemove:
		_ = h.cp.RemoveSession(id)
	case chaosRecreate:
		_ = h.cp.RemoveSession(id)
		h.create(plan.sess)
	}
	return nil
}

// before runs before every host call: the generation check, then the
// call's chaos.
func (h *chaosHarness) before(ctx context.Context, call string) error {
	ref, ok := runtime.SessionRefFromContext(ctx)
	if !ok {
		h.recordStale(call + ": no session ref in the context")
	} else if snap, err := h.cp.Snapshot(ref.ID); err != nil || snap.Generation != ref.Generation {
		h.recordStale(fmt.Sprintf("%s for %s generation %d: current generation %d (%v)", call, ref.ID, ref.Generation, snap.Generation, err))
	}
	plan, _ := ctx.Value(chaosPlanKey{}).(*chaosPlan)
	if plan == nil {
		return nil
	}
	return h.chaos(ctx, call, plan.next(), plan)
}

func (h *chaosHarness) recordStale(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stale = append(h.stale, s)
}

// chaosHost is the chaos harness's Host: the reference host behind the
// chaos of each call.
type chaosHost struct{ h *chaosHarness }

func (c chaosHost) HydrateSessionLLMState(ctx context.Context, id runtime.SessionID) (runtime.HydratedSessionLLMState, error) {
	if err := c.h.before(ctx, "hydrate"); err != nil {
		return runtime.HydratedSessionLLMState{}, err
	}
	return c.h.host.HydrateSessionLLMState(ctx, id)
}

func (c chaosHost) ResolveTargetSessionLLMIdentity(ctx context.Context, req runtime.ReconfigureRequest, cur runtime.LLMIdentity) (runtime.ResolvedTarget, error) {
	if err := c.h.before(ctx, "resolve"); err != nil {
		return runtime.ResolvedTarget{}, err
	}
	return c.h.host.ResolveTargetSessionLLMIdentity(ctx, req, cur)
}

func (c chaosHost) ApplyLiveSessionLLMIdentity(ctx context.Context, id runtime.SessionID, identity runtime.LLMIdentity) error {
	if err := c.h.before(ctx, "apply identity"); err != nil {
		return err
	}
	return c.h.host.ApplyLiveSessionLLMIdentity(ctx, id, identity)
}

func (c chaosHost) ApplyLiveSessionToolVisibilityState(ctx context.Context, id runtime.SessionID, state *visibility.State) error {
	if err := c.h.before(ctx, "apply visibility"); err != nil {
		return err
	}
	return c.h.host.ApplyLiveSessionToolVisibilityState(ctx, id, state)
}

func (c chaosHost) PersistLiveSession(ctx context.Context, id runtime.SessionID) error {
	if err := c.h.before(ctx, "persist"); err != nil {
		return err
	}
	return c.h.host.PersistLiveSession(ctx, id)
}

func (c chaosHost) DiscardLiveSession(ctx context.Context, id runtime.SessionID) error {
	if err := c.h.before(ctx, "discard"); err != nil {
		return err
	}
	return c.h.host.DiscardLiveSession(ctx, id)
}

// flowKind is a flow of the control plane that takes a context.
type flowKind uint8

const (
	flowReconfigure flowKind = iota
	flowLive
	flowTransport
	flowEligibility
	flowCancelAfterBoundary
	flowWaitFor
	nFlowKinds
)

var flowNames = [...]string{"ReconfigureSessionLLMIdentity", "ReconfigureLiveTopology", "ApplyCapabilityDrivenRealtimeTransport",
	"RealtimeBootstrapEligibility", "CancelAfterBoundary", "WaitFor"}

// ctxKind is the caller's context.
type ctxKind uint8

const (
	ctxPlain     ctxKind = iota // cancelled only by the chaos
	ctxNil                      // nil
	ctxCancelled                // cancelled before the call
	ctxShort                    // a deadline of a few hundred microseconds
	nCtxKinds
)

var ctxNames = [...]string{"plain", "nil", "cancelled", "short"}

// flowCall is one drawn flow call.
type flowCall struct {
	flow     flowKind
	sess     int
	ctx      ctxKind
	model    string
	faults   map[int]chaosKind
	observer int64 // the observer panics at this step of the call (0: never)
	predBomb bool  // a WaitFor predicate panics
}

func (f flowCall) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(c%d, ctx %s", flowNames[f.flow], f.sess, ctxNames[f.ctx])
	if f.flow == flowReconfigure || f.flow == flowLive {
		fmt.Fprintf(&b, ", %s", f.model)
	}
	for i := range 8 {
		if k := f.faults[i]; k != chaosNone {
			fmt.Fprintf(&b, ", host call %d: %v", i, k)
		}
	}
	if f.observer > 0 {
		fmt.Fprintf(&b, ", observer panics at step %d", f.observer)
	}
	if f.predBomb {
		b.WriteString(", predicate panics")
	}
	b.WriteString(")")
	return b.String()
}

// hostBroke reports whether the call's chaos includes a host failure or a
// change of the session under the flow (not just a cancellation).
func (f flowCall) hostBroke() bool {
	for _, k := range f.faults {
		if k != chaosNone && k != chaosCancel {
			return true
		}
	}
	return false
}

// drawFlow draws a flow call. Serial calls are deterministic (their
// contexts end only when cancelled or when a blocked host call waits for
// the deadline), and may also draw the chaos that changes the session under
// the flow and observer panics; concurrent calls may have a short deadline.
func drawFlow(t *rapid.T, serial bool) flowCall {
	f := flowCall{
		flow:   flowKind(rapid.IntRange(0, int(nFlowKinds)-1).Draw(t, "flow")),
		sess:   rapid.IntRange(0, chaosSessions-1).Draw(t, "session"),
		ctx:    ctxKind(rapid.IntRange(0, int(nCtxKinds)-1).Draw(t, "ctx")),
		model:  rapid.SampledFrom([]string{memhost.ModelRealtime, memhost.ModelTextLarge, memhost.ModelTextSmall}).Draw(t, "model"),
		faults: map[int]chaosKind{},
	}
	if serial && f.ctx == ctxShort {
		// A deadline that may strike anywhere makes a serial call depend on
		// timing, which defeats shrinking; it is for concurrent calls.
		f.ctx = ctxPlain
	}
	maxKind := int(chaosCancel)
	if serial {
		maxKind = int(nChaosKinds) - 1
	}
	for range rapid.IntRange(0, 2).Draw(t, "faults") {
		at := rapid.IntRange(0, 7).Draw(t, "host call")
		f.faults[at] = chaosKind(rapid.IntRange(1, maxKind).Draw(t, "chaos"))
	}
	if serial {
		f.observer = int64(rapid.IntRange(0, 8).Draw(t, "observer panic step"))
		f.predBomb = f.flow == flowWaitFor && rapid.Bool().Draw(t, "predicate panics")
	}
	return f
}

// runFlow performs the call and checks its error and panic.
func (h *chaosHarness) runFlow(f flowCall) (problem string, err error) {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan := &chaosPlan{faults: f.faults, cancel: cancel, sess: f.sess}
	ctx := context.WithValue(base, chaosPlanKey{}, plan)
	switch f.ctx {
	case ctxNil:
		ctx = nil
	case ctxCancelled:
		cancel()
	case ctxShort:
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, 300*time.Microsecond)
		defer c2()
	}
	id := chaosID(f.sess)
	req := runtime.ReconfigureRequest{Model: f.model}
	if f.observer > 0 {
		h.armed.Store(f.observer)
		defer h.armed.Store(0)
	}
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		switch f.flow {
		case flowReconfigure:
			_, err = h.cp.ReconfigureSessionLLMIdentity(ctx, id, req)
		case flowLive:
			var a *runtime.Authority
			if a, err = h.cp.CurrentRealtimeAttachmentAuthority(id); err != nil || a == nil {
				a = &runtime.Authority{SessionID: id, Epoch: 1}
			}
			_, err = h.cp.ReconfigureLiveTopology(ctx, *a, req)
		case flowTransport:
			var a *runtime.Authority
			if a, err = h.cp.ApplyCapabilityDrivenRealtimeTransport(ctx, id); a != nil {
				h.minted.Add(1)
			}
		case flowEligibility:
			_, err = h.cp.RealtimeBootstrapEligibility(ctx, id)
		case flowCancelAfterBoundary:
			err = h.cp.CancelAfterBoundary(ctx, id)
		case flowWaitFor:
			_, err = h.cp.WaitFor(ctx, id, func(st gen.State) bool {
				if f.predBomb {
					panic(observerPanic{})
				}
				return st.LiveTopologyPhase == gen.LiveTopologyPhaseIdle
			})
		}
	}()
	switch panicked.(type) {
	case nil:
	case observerPanic:
	default:
		return fmt.Sprintf("%v escaped the runtime: %v", f, panicked), nil
	}
	if err == nil {
		return "", nil
	}
	classes := 0
	for _, s := range []error{runtime.ErrNotReady, runtime.ErrValidation, runtime.ErrInternal, runtime.ErrCanceled} {
		if errors.Is(err, s) {
			classes++
		}
	}
	if classes != 1 || runtime.KindOf(err) == runtime.KindOther {
		return fmt.Sprintf("%v: error %q (%T) is of %d classes, kind %v", f, err, err, classes, runtime.KindOf(err)), err
	}
	if runtime.KindOf(err) == runtime.KindCanceled && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("%v: cancellation %q does not match the context's error", f, err), err
	}
	if (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) && runtime.KindOf(err) != runtime.KindCanceled {
		return fmt.Sprintf("%v: a context error comes back as %v: %q", f, runtime.KindOf(err), err), err
	}
	if errors.Is(err, runtime.ErrFailedAfterDetach) && !f.hostBroke() {
		return fmt.Sprintf("%v: failed past detach although only the caller gave up: %q", f, err), err
	}
	if f.ctx == ctxNil && !errors.Is(err, runtime.ErrNilContext) {
		return fmt.Sprintf("%v: nil context gave %q", f, err), err
	}
	return "", err
}

// chaosMachine is one case of the chaos test.
type chaosMachine struct {
	h        *chaosHarness
	baseline int // goroutines when the case started
	log      []string
}

// settle waits until the goroutines are back at the baseline.
func (cm *chaosMachine) settle() error {
	deadline := time.Now().Add(chaosWedge)
	for {
		n := goruntime.NumGoroutine()
		if n <= cm.baseline {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines left behind", n-cm.baseline)
		}
		time.Sleep(time.Millisecond)
	}
}

// within runs fn and reports whether it returned within chaosWedge.
func within(fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return true
	case <-time.After(chaosWedge):
		return false
	}
}

// check checks the properties that hold after every action.
func (cm *chaosMachine) check(t *rapid.T) {
	fail := func(format string, args ...any) {
		t.Fatalf("%s\nafter:\n%s", fmt.Sprintf(format, args...), strings.Join(cm.log, "\n"))
	}
	h := cm.h
	if err := cm.settle(); err != nil {
		fail("%v", err)
	}
	for i := range chaosSessions {
		id := chaosID(i)
		var snap runtime.Snapshot
		var err error
		if !within(func() { snap, err = h.cp.Snapshot(id) }) {
			fail("%s: session mutex held", id)
		}
		if err != nil {
			continue
		}
		if err := snap.State.CheckInvariants(); err != nil {
			fail("%s: invariant broken: %v", id, err)
		}
		if snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
			fail("%s: live topology left in %v", id, snap.State.LiveTopologyPhase)
		}
		if snap.SurfaceStatus == runtime.SurfaceResolved {
			hv, _ := h.host.Session(id)
			if !hv.Live || snap.Identity == nil || !hv.LiveIdentity.Equal(*snap.Identity) {
				fail("%s: cached %v as resolved, the host has live=%v %v", id, snap.Identity, hv.Live, hv.LiveIdentity)
			}
		}
		// The mutation gate is free: a probe reconfigure gets past it (it
		// fails later, the target model being unknown).
		ctx, cancel := context.WithTimeout(context.Background(), chaosWedge)
		_, perr := h.cp.ReconfigureSessionLLMIdentity(ctx, id, runtime.ReconfigureRequest{Model: "no-such-model"})
		cancel()
		if runtime.KindOf(perr) == runtime.KindCanceled {
			fail("%s: mutation gate held: %v", id, perr)
		}
	}
	h.mu.Lock()
	stale := h.stale
	h.mu.Unlock()
	if len(stale) > 0 {
		fail("host calls for another session generation: %v", stale)
	}
}

// do runs one serial flow call.
func (cm *chaosMachine) do(t *rapid.T, f flowCall) {
	var (
		err     error
		problem string
	)
	if !within(func() { problem, err = cm.h.runFlow(f) }) {
		t.Fatalf("%v wedged\nafter:\n%s", f, strings.Join(cm.log, "\n"))
	}
	cm.log = append(cm.log, fmt.Sprintf("%v -> %v", f, err))
	if problem != "" {
		t.Fatalf("%s\nafter:\n%s", problem, strings.Join(cm.log, "\n"))
	}
}

func (cm *chaosMachine) actions() map[string]func(*rapid.T) {
	h := cm.h
	return map[string]func(*rapid.T){
		"": cm.check,
		"flow": func(t *rapid.T) {
			cm.do(t, drawFlow(t, true))
		},
		"concurrent flows": func(t *rapid.T) {
			calls := make([]flowCall, rapid.IntRange(2, 3).Draw(t, "goroutines"))
			for i := range calls {
				calls[i] = drawFlow(t, false)
				calls[i].sess = 0
			}
			if rapid.Bool().Draw(t, "unbind first") {
				err := h.cp.DetachLive(chaosID(0))
				cm.log = append(cm.log, fmt.Sprintf("detach live c0 -> %v", err))
			}
			live := false
			for _, f := range calls {
				live = live || f.flow == flowLive
			}
			h.minted.Store(0)
			problems := make([]string, len(calls))
			errs := make([]error, len(calls))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, f := range calls {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					problems[i], errs[i] = h.runFlow(f)
				}()
			}
			close(start)
			if !within(wg.Wait) {
				t.Fatalf("concurrent flows %v wedged", calls)
			}
			for i, f := range calls {
				cm.log = append(cm.log, fmt.Sprintf("  || %v -> %v", f, errs[i]))
			}
			if n := h.minted.Load(); n > 1 && !live {
				t.Fatalf("concurrent capability-driven transports minted %d authorities\nafter:\n%s", n, strings.Join(cm.log, "\n"))
			}
			for _, p := range problems {
				if p != "" {
					t.Fatalf("%s\nafter:\n%s", p, strings.Join(cm.log, "\n"))
				}
			}
		},
		"create": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			h.create(i)
			cm.log = append(cm.log, fmt.Sprintf("create c%d", i))
		},
		"remove": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			err := h.cp.RemoveSession(chaosID(i))
			cm.log = append(cm.log, fmt.Sprintf("remove c%d -> %v", i, err))
		},
		"register": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			id := chaosID(i)
			_, err := h.cp.Apply(id, gen.RegisterSession{SessionID: id})
			if err == nil {
				_, err = h.cp.AttachExecutor(id, runtime.ExecutorConfig{RuntimeID: agentID(i), FenceToken: 1, EffectBuffer: 256})
			}
			cm.log = append(cm.log, fmt.Sprintf("register c%d -> %v", i, err))
		},
		"attach live": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			_, err := h.cp.AttachLive(chaosID(i))
			cm.log = append(cm.log, fmt.Sprintf("attach live c%d -> %v", i, err))
		},
		"destroy": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			_, err := h.cp.Apply(chaosID(i), gen.Destroy{})
			cm.log = append(cm.log, fmt.Sprintf("destroy c%d -> %v", i, err))
		},
		"turn": func(t *rapid.T) {
			i := rapid.IntRange(0, chaosSessions-1).Draw(t, "session")
			k := rapid.SampledFrom(progressTurns()).Draw(t, "turn input")
			_, err := h.cp.Apply(chaosID(i), k.input(runID(0)))
			cm.log = append(cm.log, fmt.Sprintf("turn c%d %v -> %v", i, k, err))
		},
	}
}

// TestRuntimeChaos is the chaos property: see the top of this file.
func TestRuntimeChaos(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cm := &chaosMachine{h: newChaosHarness()}
		for i := range chaosSessions {
			cm.h.create(i)
			if _, err := cm.h.cp.AttachLive(chaosID(i)); err != nil {
				t.Fatal(err)
			}
		}
		cm.baseline = goruntime.NumGoroutine()
		t.Repeat(cm.actions())
	})
}
