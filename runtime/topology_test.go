package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
)

// drainEffects consumes the executor's effects in the background.
func drainEffects(t *testing.T, exec *runtime.Executor) <-chan runtime.RuntimeEffect {
	out := make(chan runtime.RuntimeEffect, 64)
	go func() {
		for {
			select {
			case e := <-exec.Effects():
				out <- e
			case <-exec.Done():
				return
			}
		}
	}()
	return out
}

func TestLiveTopologyToRealtimeTarget(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelRealtime})
	effects := drainEffects(t, f.exec)
	old := f.attach()
	if old.Epoch != 1 {
		t.Fatalf("first epoch %d", old.Epoch)
	}
	params := json.RawMessage(`{"voice":"alto"}`)
	auth, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{ProviderParams: params})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing else minted: the new epoch is the old one + 2 (one burnt by
	// the detach).
	if auth.SessionID != sid || auth.Epoch != old.Epoch+2 {
		t.Fatalf("new authority %+v", auth)
	}
	snap := f.snapshot()
	st := snap.State
	if st.LiveTopologyPhase != gen.LiveTopologyPhaseIdle || st.RealtimeBindingState != gen.RealtimeBindingStateBindingNotReady ||
		st.RealtimeNextAuthorityEpoch != 4 || st.RealtimeReattachRequired {
		t.Fatalf("state %+v", st)
	}
	if snap.Identity == nil || string(snap.Identity.ProviderParams) != string(params) || snap.SurfaceStatus != runtime.SurfaceResolved {
		t.Fatalf("caches %+v", snap)
	}
	if status, _ := f.cp.RealtimeAttachmentStatus(sid); status != runtime.AttachmentBindingNotReady {
		t.Fatalf("status %v", status)
	}
	// The old authority is dead.
	expectKind(t, f.cp.PublishRealtimeAttachmentSignal(old, runtime.AttachmentBindingReady), runtime.KindValidation)
	if err := f.cp.PublishRealtimeAttachmentSignal(auth, runtime.AttachmentBindingReady); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-effects:
		if e.Kind != gen.RuntimeEffectKindCancelAfterBoundary || e.Reason != runtime.BoundaryCancelReason {
			t.Fatalf("effect %+v", e)
		}
	case <-time.After(time.Second):
		t.Fatal("executor was not asked to cancel after the boundary")
	}
	if hv := f.hostView(); string(hv.DurableIdentity.ProviderParams) != string(params) || hv.Persists != 1 {
		t.Fatalf("host %+v", hv)
	}
}

func TestLiveTopologyToNonRealtimeTarget(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelRealtime})
	drainEffects(t, f.exec)
	old := f.attach()
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	expectKind(t, err, runtime.KindValidation, runtime.ErrCompletedDetached)
	snap := f.snapshot()
	if snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle || snap.State.RealtimeBindingAuthorityEpoch.Present {
		t.Fatalf("state %+v", snap.State)
	}
	if snap.Identity == nil || snap.Identity.Model != memhost.ModelTextLarge || snap.SurfaceStatus != runtime.SurfaceResolved {
		t.Fatalf("caches %+v", snap)
	}
	if status, _ := f.cp.RealtimeAttachmentStatus(sid); status != runtime.AttachmentUnattached {
		t.Fatalf("status %v", status)
	}
	// The session's model no longer supports realtime.
	_, err = f.cp.AttachLive(sid)
	expectKind(t, err, runtime.KindValidation)
}

func TestLiveTopologyRefusedBeforeAnything(t *testing.T) {
	t.Run("stale epoch", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		old := f.attach()
		if err := f.cp.DetachLive(sid); err != nil {
			t.Fatal(err)
		}
		cur := f.attach()
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
		expectKind(t, err, runtime.KindValidation, gen.ErrRejected)
		var gr *gen.GuardRejectedError
		if !errors.As(err, &gr) || gr.Guard != "authority_matches_current" {
			t.Fatalf("err %v", err)
		}
		if len(f.host.Calls()) != 0 {
			t.Fatal("host called")
		}
		if a, _ := f.cp.CurrentRealtimeAttachmentAuthority(sid); a == nil || *a != cur {
			t.Fatalf("authority %v", a)
		}
	})
	t.Run("not bound", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), runtime.Authority{SessionID: sid, Epoch: 1}, runtime.ReconfigureRequest{})
		expectKind(t, err, runtime.KindValidation)
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), runtime.Authority{SessionID: "x", Epoch: 1}, runtime.ReconfigureRequest{})
		expectKind(t, err, runtime.KindNotReady)
	})
	t.Run("reconfigure already in progress", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		drainEffects(t, f.exec)
		old := f.attach()
		entered, release := make(chan struct{}), make(chan struct{})
		f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
			if m == memhost.MethodHydrate {
				close(entered)
				<-release
			}
			return nil
		})
		done := make(chan error, 1)
		go func() {
			_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
			done <- err
		}()
		<-entered
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
		var gr *gen.GuardRejectedError
		if !errors.As(err, &gr) || gr.Guard != "topology_idle" {
			t.Fatalf("second reconfigure: %v", err)
		}
		// Realtime binding is blocked while the topology is busy...
		_, err = f.cp.ReplaceRealtimeAttachment(sid)
		expectKind(t, err, runtime.KindValidation)
		expectKind(t, f.cp.PublishRealtimeAttachmentSignal(old, runtime.AttachmentBindingReady), runtime.KindValidation)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// checkAborted checks the outcome of a live reconfigure aborted before
// detach: topology Idle, the old authority still valid, identity kept.
func checkAborted(t *testing.T, f *fixture, old runtime.Authority, prevModel string) {
	t.Helper()
	snap := f.snapshot()
	if snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
		t.Fatalf("topology %v", snap.State.LiveTopologyPhase)
	}
	if a, _ := f.cp.CurrentRealtimeAttachmentAuthority(sid); a == nil || *a != old {
		t.Fatalf("old authority lost: %v", a)
	}
	if snap.State.RealtimeReattachRequired {
		t.Fatal("reattach required after an abort")
	}
	if snap.Identity != nil && snap.Identity.Model != prevModel {
		t.Fatalf("identity changed to %v", snap.Identity)
	}
	if hv := f.hostView(); !hv.Live || hv.LiveIdentity.Model != prevModel || hv.Persists != 0 {
		t.Fatalf("host changed: %+v", hv)
	}
	// The old authority still works.
	if err := f.cp.PublishRealtimeAttachmentSignal(old, runtime.AttachmentBindingReady); err != nil {
		t.Fatalf("old authority unusable: %v", err)
	}
}

// checkFailedPastDetach checks the outcome of a live reconfigure that failed
// after detach: topology Idle, reattach required, LLM state unresolved.
func checkFailedPastDetach(t *testing.T, f *fixture, old runtime.Authority, discardFails bool) {
	t.Helper()
	snap := f.snapshot()
	st := snap.State
	if st.LiveTopologyPhase != gen.LiveTopologyPhaseIdle || !st.RealtimeReattachRequired ||
		st.RealtimeBindingAuthorityEpoch.Present || st.RealtimeNextAuthorityEpoch != old.Epoch+3 {
		t.Fatalf("state %+v", st)
	}
	if snap.Identity != nil || snap.Surface != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved {
		t.Fatalf("caches %+v", snap)
	}
	if !snap.Visibility.Equal(runtimeDefaultVisibility) {
		t.Fatalf("visibility %+v", snap.Visibility)
	}
	if status, _ := f.cp.RealtimeAttachmentStatus(sid); status != runtime.AttachmentReattachRequired {
		t.Fatalf("status %v", status)
	}
	if hv := f.hostView(); hv.Live == !discardFails {
		t.Fatalf("host live = %v, discard fails = %v", hv.Live, discardFails)
	}
	expectKind(t, f.cp.PublishRealtimeAttachmentSignal(old, runtime.AttachmentBindingReady), runtime.KindValidation)
}

func TestLiveTopologyHostFailures(t *testing.T) {
	tests := []struct {
		name         string
		faults       map[memhost.Method]memhost.Fault
		pastDetach   bool
		discardFails bool
	}{
		{"hydrate fails", map[memhost.Method]memhost.Fault{memhost.MethodHydrate: {}}, false, false},
		{"resolve fails", map[memhost.Method]memhost.Fault{memhost.MethodResolve: {}}, false, false},
		{"apply identity fails", map[memhost.Method]memhost.Fault{memhost.MethodApplyIdentity: {}}, true, false},
		{"apply visibility fails", map[memhost.Method]memhost.Fault{memhost.MethodApplyVisibility: {}}, true, false},
		{"persist fails", map[memhost.Method]memhost.Fault{memhost.MethodPersist: {}}, true, false},
		{"persist and discard fail", map[memhost.Method]memhost.Fault{memhost.MethodPersist: {}, memhost.MethodDiscard: {}}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{model: memhost.ModelRealtime})
			drainEffects(t, f.exec)
			old := f.attach()
			for m, fault := range tc.faults {
				f.host.InjectFault(m, fault)
			}
			_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
			if !errors.Is(err, memhost.ErrInjectedFault) {
				t.Fatalf("err %v", err)
			}
			if tc.pastDetach {
				expectKind(t, err, runtime.KindInternal)
				checkFailedPastDetach(t, f, old, tc.discardFails)
			} else {
				checkAborted(t, f, old, memhost.ModelRealtime)
			}
		})
	}
}

func TestLiveTopologyKeepsItsHostWhenUninstalled(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	old := f.attach()
	// Uninstall the host once the flow has prepared, before detach: the
	// flow finishes on the host it started with.
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodResolve {
			f.cp.SetHost(nil)
		}
		return nil
	})
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	expectKind(t, err, runtime.KindValidation, runtime.ErrCompletedDetached)
	if hv := f.hostView(); hv.DurableIdentity.Model != memhost.ModelTextLarge {
		t.Fatalf("host %+v", hv)
	}
}

func TestLiveTopologyNoHost(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	old := f.attach()
	f.cp.SetHost(nil)
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
	expectKind(t, err, runtime.KindInternal, runtime.ErrHostNotConfigured)
	f.cp.SetHost(f.host)
	checkAborted(t, f, old, memhost.ModelRealtime)
}

// TestLiveTopologyWaitsForBoundary runs a turn that is not at a safe
// boundary; the executor reacts to the cancel-after-boundary effect by
// driving the turn to DrainingBoundary, which wakes the reconfigure.
func TestLiveTopologyWaitsForBoundary(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	old := f.attach()
	f.startTurn("r1")
	reacted := make(chan time.Time, 1)
	go func() {
		select {
		case e := <-f.exec.Effects():
			if e.Kind != gen.RuntimeEffectKindCancelAfterBoundary {
				t.Errorf("effect %+v", e)
			}
			time.Sleep(20 * time.Millisecond) // the turn takes a while
			if ok, err := f.exec.CheckpointCancelAfterBoundary("r1"); !ok || err != nil {
				t.Errorf("checkpoint: %v %v", ok, err)
			}
			reacted <- time.Now()
			if _, err := f.exec.Apply(gen.LLMReturnedTerminal{}); err != nil {
				t.Error(err)
			}
		case <-f.exec.Done():
		}
	}()
	auth, err := f.cp.ReconfigureLiveTopology(ctxTimeout(t, 5*time.Second), old, runtime.ReconfigureRequest{})
	if err != nil {
		t.Fatal(err)
	}
	at := <-reacted
	if lag := time.Since(at); lag > 500*time.Millisecond {
		t.Fatalf("reconfigure finished %v after the boundary", lag)
	}
	st := f.snapshot().State
	if st.TurnPhase != gen.TurnPhaseDrainingBoundary || !st.CancelAfterBoundary || st.LifecyclePhase != gen.LifecyclePhaseRunning {
		t.Fatalf("turn %v cancel %v phase %v", st.TurnPhase, st.CancelAfterBoundary, st.LifecyclePhase)
	}
	if auth.Epoch != old.Epoch+2 {
		t.Fatalf("epoch %d", auth.Epoch)
	}
}

func TestLiveTopologyBoundaryDeadline(t *testing.T) {
	const deadline = 40 * time.Millisecond
	f := newFixture(t, fixtureOpts{cpOpts: []runtime.Option{runtime.WithBoundaryDeadline(deadline)}})
	drainEffects(t, f.exec)
	old := f.attach()
	f.startTurn("r1") // CallingLLM; nobody drives it
	start := time.Now()
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	elapsed := time.Since(start)
	expectKind(t, err, runtime.KindInternal, runtime.ErrBoundaryTimeout, gen.ErrRejected)
	var gr *gen.GuardRejectedError
	if !errors.As(err, &gr) || gr.Guard != "turn_at_safe_boundary" {
		t.Fatalf("err %v", err)
	}
	if elapsed < deadline || elapsed > deadline+time.Second {
		t.Fatalf("gave up after %v", elapsed)
	}
	checkAborted(t, f, old, memhost.ModelRealtime)
	if f.host.CallCount(memhost.MethodApplyIdentity) != 0 {
		t.Fatal("identity applied without a boundary")
	}
}

func TestLiveTopologyContextCancelledWhileWaiting(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	old := f.attach()
	f.startTurn("r1")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := f.cp.ReconfigureLiveTopology(ctx, old, runtime.ReconfigureRequest{})
	expectKind(t, err, runtime.KindCanceled, context.Canceled)
	if errors.Is(err, runtime.ErrBoundaryTimeout) {
		t.Fatal("a cancellation is not a timeout")
	}
	checkAborted(t, f, old, memhost.ModelRealtime)
}

func TestLiveTopologyCancelDispatchFailures(t *testing.T) {
	t.Run("closed executor", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		old := f.attach()
		f.exec.Close()
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
			t.Fatalf("err %v", err)
		}
		if f.snapshot().State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
			t.Fatal("not aborted")
		}
		// The dead attachment was cleared: a new executor can attach.
		if _, err := f.cp.AttachExecutor(sid, runtime.ExecutorConfig{RuntimeID: "agent-2", FenceToken: 2}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("full effect channel", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{execCfg: runtime.ExecutorConfig{RuntimeID: "a", FenceToken: 1, EffectBuffer: 1}})
		old := f.attach()
		if err := f.cp.CancelAfterBoundary(context.Background(), sid); err != nil {
			t.Fatal(err)
		}
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
		expectKind(t, err, runtime.KindInternal)
		checkAborted(t, f, old, memhost.ModelRealtime)
	})
	t.Run("boundary handle fails", func(t *testing.T) {
		boom := errors.New("handle broken")
		f := newFixture(t, fixtureOpts{execCfg: runtime.ExecutorConfig{RuntimeID: "a", FenceToken: 1, Boundary: boundaryFunc(func(context.Context, string) error { return boom })}})
		old := f.attach()
		_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
		expectKind(t, err, runtime.KindInternal, boom)
		checkAborted(t, f, old, memhost.ModelRealtime)
	})
}

func TestLiveTopologySessionNotAttached(t *testing.T) {
	// A Stopped session still has its binding; prepare refuses it.
	f := newFixture(t, fixtureOpts{})
	old := f.attach()
	if err := f.exec.Exit(); err != nil {
		t.Fatal(err)
	}
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{})
	var nr *runtime.NotReadyError
	if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseStopped {
		t.Fatalf("err %v", err)
	}
	if f.snapshot().State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
		t.Fatal("not aborted")
	}
}

func TestLiveTopologyDestroyedPastDetach(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	drainEffects(t, f.exec)
	old := f.attach()
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodPersist {
			_, _ = f.cp.Apply(sid, gen.Destroy{})
		}
		return nil
	})
	_, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{Model: memhost.ModelTextLarge})
	expectKind(t, err, runtime.KindInternal, gen.ErrRejected)
	snap := f.snapshot()
	if snap.Identity != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved || f.hostView().Live {
		t.Fatalf("not discarded and unresolved: %+v", snap)
	}
}

type boundaryFunc func(ctx context.Context, reason string) error

func (f boundaryFunc) CancelAfterBoundary(ctx context.Context, reason string) error {
	return f(ctx, reason)
}
