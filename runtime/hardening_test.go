package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
)

// noPanic runs fn and fails the test if it panics.
func noPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	var p any
	func() {
		defer func() { p = recover() }()
		fn()
	}()
	if p != nil {
		t.Fatalf("%s panicked: %v", what, p)
	}
}

// mustPanic runs fn and returns what it panicked with; it fails the test if
// fn returns normally.
func mustPanic(t *testing.T, what string, fn func()) (p any) {
	t.Helper()
	func() {
		defer func() { p = recover() }()
		fn()
	}()
	if p == nil {
		t.Fatalf("%s did not panic", what)
	}
	return p
}

// responsive fails the test unless the session can be read within a second
// (its mutex is not held) and its mutation gate is free (a hydration,
// which needs the gate, completes).
func (f *fixture) responsive() runtime.Snapshot {
	f.t.Helper()
	done := make(chan runtime.Snapshot, 1)
	go func() {
		snap, _ := f.cp.Snapshot(f.id)
		done <- snap
	}()
	select {
	case snap := <-done:
		return snap
	case <-time.After(time.Second):
		f.t.Fatal("session is wedged: its mutex is still held")
	}
	return runtime.Snapshot{}
}

// topologyIdle fails unless the live topology is back at Idle.
func (f *fixture) topologyIdle() runtime.Snapshot {
	f.t.Helper()
	snap := f.responsive()
	if err := snap.State.CheckInvariants(); err != nil {
		f.t.Fatalf("invariant broken: %v", err)
	}
	if snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
		f.t.Fatalf("live topology is %v, want Idle", snap.State.LiveTopologyPhase)
	}
	return snap
}

// panicOn makes the host panic on the first call of m.
func panicOn(h *memhost.Host, m memhost.Method) {
	var once atomic.Bool
	h.SetHook(func(_ context.Context, got memhost.Method, _ runtime.SessionID) error {
		if got == m && once.CompareAndSwap(false, true) {
			panic(fmt.Sprintf("host bug in %v", m))
		}
		return nil
	})
}

func TestHostPanicBeforeDetachAbortsTheTopology(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	panicOn(f.host, memhost.MethodHydrate)
	var err error
	noPanic(t, "ReconfigureLiveTopology", func() {
		_, err = f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	})
	expectKind(t, err, runtime.KindInternal, runtime.ErrHostPanic)
	f.topologyIdle()
	// The old authority is still valid and a later reconfigure works.
	if _, err := f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelRealtime}); err != nil {
		t.Fatal(err)
	}
}

func TestHostPanicAfterDetachFailsThePastDetachWay(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	panicOn(f.host, memhost.MethodApplyIdentity)
	var err error
	noPanic(t, "ReconfigureLiveTopology", func() {
		_, err = f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	})
	expectKind(t, err, runtime.KindInternal, runtime.ErrHostPanic)
	snap := f.topologyIdle()
	if !snap.State.RealtimeReattachRequired || snap.SurfaceStatus != runtime.SurfaceUnresolved {
		t.Fatalf("want a reattach and an unresolved cache, got %+v", snap)
	}
}

func TestHostPanicInReconfigureRollsBack(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	panicOn(f.host, memhost.MethodPersist)
	var err error
	noPanic(t, "ReconfigureSessionLLMIdentity", func() {
		_, err = f.cp.ReconfigureSessionLLMIdentity(context.Background(), f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	})
	expectKind(t, err, runtime.KindInternal, runtime.ErrHostPanic)
	if hv := f.hostView(); hv.LiveIdentity.Model != memhost.ModelRealtime {
		t.Fatalf("not rolled back: %+v", hv)
	}
	f.responsive()
	if _, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge}); err != nil {
		t.Fatal(err)
	}
}

func TestBoundaryHandlePanicAbortsTheTopology(t *testing.T) {
	f := newFixture(t, fixtureOpts{execCfg: runtime.ExecutorConfig{RuntimeID: "agent-1", FenceToken: 1, Boundary: panickyBoundary{}}})
	drainEffects(t, f.exec)
	auth := f.attach()
	var err error
	noPanic(t, "ReconfigureLiveTopology", func() {
		_, err = f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	})
	expectKind(t, err, runtime.KindInternal, runtime.ErrHostPanic)
	f.topologyIdle()
}

type panickyBoundary struct{}

func (panickyBoundary) CancelAfterBoundary(context.Context, string) error { panic("boundary bug") }

func TestObserverPanicRestoresTheTopologyAndRepanics(t *testing.T) {
	for _, input := range []string{"BeginLiveTopologyReconfigure", "MarkLiveTopologyDetached", "ApplyLiveTopologyIdentity", "CompleteLiveTopology"} {
		t.Run(input, func(t *testing.T) {
			var armed atomic.Bool
			obs := func(e runtime.StepEvent) {
				if armed.Load() && e.Input.InputName() == input && armed.CompareAndSwap(true, false) {
					panic("observer bug")
				}
			}
			f := newFixture(t, fixtureOpts{cpOpts: []runtime.Option{runtime.WithObserver(obs)}})
			drainEffects(t, f.exec)
			auth := f.attach()
			armed.Store(true)
			mustPanic(t, "ReconfigureLiveTopology", func() {
				_, _ = f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
			})
			f.topologyIdle()
			// The gate is free again: a non-live reconfigure goes through.
			ctx := ctxTimeout(t, time.Second)
			if _, err := f.cp.ReconfigureSessionLLMIdentity(ctx, f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWaitForPredicatePanicReleasesTheSession(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	mustPanic(t, "WaitFor", func() {
		_, _ = f.cp.WaitFor(context.Background(), f.id, func(gen.State) bool { panic("predicate bug") })
	})
	f.responsive()
}

func TestObserverPanicInCancelAfterBoundaryReleasesTheSession(t *testing.T) {
	var armed atomic.Bool
	obs := func(e runtime.StepEvent) {
		if _, ok := e.Input.(gen.CancelAfterBoundary); ok && armed.CompareAndSwap(true, false) {
			panic("observer bug")
		}
	}
	f := newFixture(t, fixtureOpts{cpOpts: []runtime.Option{runtime.WithObserver(obs)}})
	drainEffects(t, f.exec)
	armed.Store(true)
	mustPanic(t, "CancelAfterBoundary", func() { _ = f.cp.CancelAfterBoundary(context.Background(), f.id) })
	f.responsive()
}

func TestNilContextIsAValidationError(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	var nilCtx context.Context
	calls := map[string]func() error{
		"ReconfigureSessionLLMIdentity": func() error {
			_, err := f.cp.ReconfigureSessionLLMIdentity(nilCtx, f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
			return err
		},
		"ReconfigureLiveTopology": func() error {
			_, err := f.cp.ReconfigureLiveTopology(nilCtx, auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
			return err
		},
		"ApplyCapabilityDrivenRealtimeTransport": func() error {
			_, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(nilCtx, f.id)
			return err
		},
		"RealtimeBootstrapEligibility": func() error {
			_, err := f.cp.RealtimeBootstrapEligibility(nilCtx, f.id)
			return err
		},
		"CancelAfterBoundary": func() error { return f.cp.CancelAfterBoundary(nilCtx, f.id) },
		"WaitFor": func() error {
			_, err := f.cp.WaitFor(nilCtx, f.id, func(gen.State) bool { return false })
			return err
		},
		"Executor.WaitFor": func() error {
			_, err := f.exec.WaitFor(nilCtx, func(gen.State) bool { return false })
			return err
		},
	}
	for name, call := range calls {
		var err error
		noPanic(t, name, func() { err = call() })
		expectKind(t, err, runtime.KindValidation, runtime.ErrNilContext)
		f.topologyIdle()
	}
}

// unbound is a started turn's session in the middle of a live reconfigure
// that waits for the boundary, with the reconfigure running in the
// background.
func TestUnregisterWhileWaitingForTheBoundaryAbortsTheTopology(t *testing.T) {
	f := newFixture(t, fixtureOpts{cpOpts: []runtime.Option{runtime.WithBoundaryDeadline(time.Second)}})
	effects := drainEffects(t, f.exec)
	auth := f.attach()
	f.startTurn("run-1")
	done := make(chan error, 1)
	go func() {
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelRealtime})
		done <- err
	}()
	// Once the flow has asked the executor to stop the turn at its
	// boundary, it waits for the boundary. (Unregistering before that
	// request makes the request fail: the session is then not ready,
	// another path.)
	for asked := false; !asked; {
		select {
		case e := <-effects:
			asked = e.Kind == gen.RuntimeEffectKindCancelAfterBoundary
		case <-time.After(time.Second):
			t.Fatal("the flow did not ask the executor to stop at the boundary")
		}
	}
	if _, err := f.cp.Apply(f.id, gen.UnregisterSession{SessionID: f.id}); err != nil {
		t.Fatal(err)
	}
	// The flow gives up at once: the machine's refusal is not the turn's.
	select {
	case err := <-done:
		// Where the unregister lands decides the error. While the flow
		// waits for the boundary, the machine refuses the detach
		// (internal, wrapping gen.ErrRejected). Just before, between the
		// request to stop at the boundary and the wait, the flow finds the
		// session neither attached nor running (not ready in Idle): the
		// test cannot see when the flow enters the wait.
		if runtime.KindOf(err) == runtime.KindNotReady {
			expectKind(t, err, runtime.KindNotReady, runtime.ErrNotReady)
		} else {
			expectKind(t, err, runtime.KindInternal, gen.ErrRejected)
		}
		if errors.Is(err, runtime.ErrBoundaryTimeout) {
			t.Fatalf("reported as a boundary timeout: %v", err)
		}
	case <-time.After(200 * time.Millisecond):
		t.Fatal("the flow kept waiting for a boundary on an unregistered session")
	}
	f.topologyIdle()
	if _, err := f.cp.Apply(f.id, gen.RegisterSession{SessionID: f.id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.Apply(f.id, gen.PrepareBindings{AgentRuntimeID: "agent-1", FenceToken: 2}); err != nil {
		t.Fatal(err)
	}
	// The prior binding survived the abort; a replacement can be attached.
	if _, err := f.cp.ReplaceRealtimeAttachment(f.id); err != nil {
		t.Fatal(err)
	}
}

func TestUnregisterPastDetachFailsTheTopology(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	var once atomic.Bool
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodApplyIdentity && once.CompareAndSwap(false, true) {
			if _, err := f.cp.Apply(f.id, gen.UnregisterSession{SessionID: f.id}); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), auth, runtime.ReconfigureRequest{Model: memhost.ModelRealtime})
	if err == nil {
		t.Fatal("reconfigure succeeded on an unregistered session")
	}
	snap := f.topologyIdle()
	if !snap.State.RealtimeReattachRequired {
		t.Fatalf("want a reattach, got %+v", snap.State)
	}
	if _, err := f.cp.Apply(f.id, gen.RegisterSession{SessionID: f.id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.Apply(f.id, gen.PrepareBindings{AgentRuntimeID: "agent-1", FenceToken: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.AttachLive(f.id); err != nil {
		t.Fatal(err)
	}
}

func TestRemovedSessionFlowDoesNotActOnItsSuccessor(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	var (
		once      atomic.Bool
		successor sync.WaitGroup
	)
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m != memhost.MethodApplyIdentity || !once.CompareAndSwap(false, true) {
			return nil
		}
		// The session is removed and created again under the same id while
		// the flow is in a host call; the successor checks its eligibility.
		if err := f.cp.RemoveSession(f.id); err != nil {
			t.Error(err)
		}
		if err := f.cp.CreateSession(f.id); err != nil {
			t.Error(err)
		}
		successor.Add(1)
		started := make(chan struct{})
		go func() {
			defer successor.Done()
			close(started)
			_, _ = f.cp.RealtimeBootstrapEligibility(context.Background(), f.id)
		}()
		<-started
		time.Sleep(50 * time.Millisecond)
		return nil
	})
	_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
	expectKind(t, err, runtime.KindNotReady, runtime.ErrSessionRemoved)
	successor.Wait()
	f.host.SetHook(nil)
	// Whatever the host holds now, the successor's view agrees with it.
	hv := f.hostView()
	m, _ := f.host.Model(hv.LiveIdentity.Model)
	_, eligErr := f.cp.RealtimeBootstrapEligibility(context.Background(), f.id)
	if (eligErr == nil) != m.Surface.Realtime {
		t.Fatalf("host live model %s (realtime %v) but eligibility says %v", hv.LiveIdentity.Model, m.Surface.Realtime, eligErr)
	}
	if _, err := f.cp.AttachExecutor(f.id, runtime.ExecutorConfig{RuntimeID: "agent-2", FenceToken: 1}); err != nil {
		t.Fatal(err)
	}
	a, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	if (a != nil) != m.Surface.Realtime {
		t.Fatalf("host live model %s (realtime %v) but the transport attached: %v", hv.LiveIdentity.Model, m.Surface.Realtime, a)
	}
	// The removed session's flow made no host call after its removal.
	for _, c := range f.host.Calls() {
		if c.Method == memhost.MethodPersist || c.Method == memhost.MethodApplyVisibility || c.Method == memhost.MethodDiscard {
			t.Fatalf("stale flow called %v on the successor", c.Method)
		}
	}
}

func TestConcurrentCapabilityTransportMintsOneAuthority(t *testing.T) {
	// The race window is small; a spin barrier starts the callers together
	// and many trials give it a chance.
	const callers = 4
	for trial := 0; trial < 40; trial++ {
		f := newFixture(t, fixtureOpts{})
		f.warmCache()
		var (
			wg      sync.WaitGroup
			minted  atomic.Int32
			arrived atomic.Int32
		)
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				arrived.Add(1)
				for arrived.Load() < callers { //nolint:revive // spin: start together
				}
				a, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), f.id)
				if err != nil {
					t.Error(err)
				}
				if a != nil {
					minted.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := minted.Load(); n != 1 {
			t.Fatalf("trial %d: %d authorities minted for one unbound session", trial, n)
		}
	}
}

func TestCancelPastDetachStillCompletes(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodApplyIdentity {
			cancel() // the caller gives up right after detach
		}
		return nil
	})
	next, err := f.cp.ReconfigureLiveTopology(ctx, auth, runtime.ReconfigureRequest{Model: memhost.ModelRealtime})
	if err != nil {
		t.Fatalf("cancelled past detach: %v", err)
	}
	snap := f.topologyIdle()
	if snap.State.RealtimeReattachRequired || next.Epoch == 0 {
		t.Fatalf("binding lost: %+v", snap.State)
	}
}

func TestEligibilityToleratesARefusedSyncOnADestroyedMachine(t *testing.T) {
	f := newFixture(t, fixtureOpts{noExecutor: true})
	// A model without a profile: the hydration is cached as unresolved,
	// the revision counter now covers the host's revisions.
	f.host.AddSession(f.id, runtime.LLMIdentity{Model: "unknown-model", Provider: runtime.ProviderOpenAI}, visibilityFor(t, memhost.ModelRealtime))
	f.warmCache()
	if _, err := f.cp.Apply(f.id, gen.Destroy{}); err != nil {
		t.Fatal(err)
	}
	f.host.AddSession(f.id, identityOf(t, memhost.ModelRealtime), visibilityFor(t, memhost.ModelRealtime))
	if _, err := f.cp.RealtimeBootstrapEligibility(context.Background(), f.id); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledContextIsMatchableAndOfOneClass(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	auth := f.attach()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	errs := map[string]error{}
	_, errs["ReconfigureSessionLLMIdentity"] = f.cp.ReconfigureSessionLLMIdentity(ctx, f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	_, errs["ReconfigureLiveTopology"] = f.cp.ReconfigureLiveTopology(ctx, auth, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	_, errs["ApplyCapabilityDrivenRealtimeTransport"] = f.cp.ApplyCapabilityDrivenRealtimeTransport(ctx, f.id)
	_, errs["RealtimeBootstrapEligibility"] = f.cp.RealtimeBootstrapEligibility(ctx, f.id)
	_, errs["WaitFor"] = f.cp.WaitFor(ctx, f.id, func(gen.State) bool { return false })
	// A cancellation in a host call, after the gate was taken.
	ctx2, cancel2 := context.WithCancel(context.Background())
	f.host.SetHook(func(hctx context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodResolve {
			cancel2()
			<-hctx.Done()
			return hctx.Err()
		}
		return nil
	})
	_, errs["ReconfigureSessionLLMIdentity/host"] = f.cp.ReconfigureSessionLLMIdentity(ctx2, f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	for name, err := range errs {
		expectKind(t, err, runtime.KindCanceled, context.Canceled, runtime.ErrCanceled)
		for _, other := range []error{runtime.ErrInternal, runtime.ErrValidation, runtime.ErrNotReady} {
			if errors.Is(err, other) {
				t.Errorf("%s: %v also matches %v", name, err, other)
			}
		}
	}
	f.topologyIdle()
}

func TestErrorClassesAreExclusive(t *testing.T) {
	cp := runtime.New()
	if err := cp.CreateSession(sid); err != nil {
		t.Fatal(err)
	}
	_, err := cp.RealtimeBootstrapEligibility(context.Background(), sid)
	expectKind(t, err, runtime.KindValidation, runtime.ErrHostNotConfigured)
	if errors.Is(err, runtime.ErrInternal) {
		t.Fatalf("%v matches ErrInternal too", err)
	}

	// A failed rollback is an *InternalError carrying a *RollbackError.
	f := newFixture(t, fixtureOpts{})
	f.host.Fail(memhost.MethodApplyIdentity)
	_, err = f.cp.ReconfigureSessionLLMIdentity(context.Background(), f.id, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	var ie *runtime.InternalError
	var rb *runtime.RollbackError
	if !errors.As(err, &ie) || !errors.As(err, &rb) {
		t.Fatalf("%T %v: want an *InternalError carrying a *RollbackError", err, err)
	}

	// NotReadyError names a lifecycle phase.
	err = cp.CancelAfterBoundary(context.Background(), sid)
	var nr *runtime.NotReadyError
	if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
		t.Fatalf("%v", err)
	}
}
