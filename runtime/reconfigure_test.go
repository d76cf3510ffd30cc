package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

func TestReconfigureSuccess(t *testing.T) {
	tests := []struct {
		name        string
		from, to    string
		wantBump    bool
		wantFilter  visibility.ToolFilter
		wantSurface func(runtime.CapabilitySurface) bool
	}{
		{"large to small hides view_image", memhost.ModelTextLarge, memhost.ModelTextSmall, true,
			visibility.Deny(visibility.ViewImageToolName), func(s runtime.CapabilitySurface) bool { return !s.ImageToolResults }},
		{"small to realtime shows view_image", memhost.ModelTextSmall, memhost.ModelRealtime, true,
			visibility.All(), func(s runtime.CapabilitySurface) bool { return s.Realtime }},
		{"realtime to large keeps view_image", memhost.ModelRealtime, memhost.ModelTextLarge, false,
			visibility.All(), func(s runtime.CapabilitySurface) bool { return !s.Realtime && s.ImageToolResults }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{model: tc.from})
			prev := identityOf(t, tc.from)
			target := identityOf(t, tc.to)
			report, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			if !report.PreviousIdentity.Equal(prev) || !report.NewIdentity.Equal(target) || report.RollbackOccurred {
				t.Fatalf("report identities %v -> %v", report.PreviousIdentity, report.NewIdentity)
			}
			if !report.CapabilityDelta.Changed || report.CapabilityDelta.Previous == nil || !tc.wantSurface(*report.CapabilityDelta.Current) {
				t.Fatalf("capability delta %+v", report.CapabilityDelta)
			}
			d := report.ToolVisibilityDelta
			if d.RevisionBumped != tc.wantBump || d.CommittedVisibleSetChanged != tc.wantBump || !d.CurrentCapabilityBaseFilter.Equal(tc.wantFilter) {
				t.Fatalf("visibility delta %+v", d)
			}
			snap := f.snapshot()
			if snap.Identity == nil || !snap.Identity.Equal(target) || snap.SurfaceStatus != runtime.SurfaceResolved || !tc.wantSurface(*snap.Surface) {
				t.Fatalf("caches %+v", snap)
			}
			if !snap.Visibility.CapabilityBaseFilter.Equal(tc.wantFilter) {
				t.Fatalf("visibility %+v", snap.Visibility)
			}
			wantRev := uint64(1)
			if tc.wantBump {
				wantRev = 2
			}
			if snap.Visibility.ActiveRevision != wantRev || snap.State.NextStagedVisibilityRevision < wantRev {
				t.Fatalf("revisions: state %d, counter %d", snap.Visibility.ActiveRevision, snap.State.NextStagedVisibilityRevision)
			}
			hv := f.hostView()
			if !hv.LiveIdentity.Equal(target) || !hv.DurableIdentity.Equal(target) || !hv.DurableVisibility.Equal(snap.Visibility) || hv.Persists != 1 {
				t.Fatalf("host %+v", hv)
			}
			if snap.State.LifecyclePhase != gen.LifecyclePhaseAttached {
				t.Fatalf("phase %v", snap.State.LifecyclePhase)
			}
		})
	}
}

func TestReconfigureMergesRequest(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelTextSmall})
	binding := &runtime.AuthBindingRef{RealmID: "realm", BindingID: "b1"}
	report, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{
		ProviderParams: json.RawMessage(`{"temperature":0.5}`), AuthBinding: binding,
	})
	if err != nil {
		t.Fatal(err)
	}
	if report.NewIdentity.Model != memhost.ModelTextSmall || report.NewIdentity.AuthBinding == nil || string(report.NewIdentity.ProviderParams) != `{"temperature":0.5}` {
		t.Fatalf("new identity %+v", report.NewIdentity)
	}
	if report.CapabilityDelta.Changed {
		t.Fatal("same model: the capability delta must not change")
	}
}

func TestReconfigurePreconditions(t *testing.T) {
	t.Run("no host", func(t *testing.T) {
		cp := runtime.New()
		_ = cp.CreateSession(sid)
		_, err := cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: "x"})
		expectKind(t, err, runtime.KindInternal, runtime.ErrHostNotConfigured)
		if err.Error() != "session llm reconfigure host is not configured" {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), "other", runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != runtime.StateDestroyed {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("idle session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
			t.Fatalf("err %v", err)
		}
		if len(f.host.Calls()) != 0 {
			t.Fatal("host called for a session that is not ready")
		}
	})
	t.Run("runtime not bound", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		if _, err := f.cp.Apply(sid, gen.EnsureSessionWithExecutor{}); err != nil {
			t.Fatal(err)
		}
		_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
		expectKind(t, err, runtime.KindValidation, gen.ErrRejected)
		var gr *gen.GuardRejectedError
		if !errors.As(err, &gr) || gr.Guard != "runtime_is_bound" {
			t.Fatalf("err %v", err)
		}
		if f.host.CallCount(memhost.MethodApplyIdentity) != 0 {
			t.Fatal("identity applied despite the refusal")
		}
	})
	t.Run("unknown model", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{model: memhost.ModelTextSmall})
		_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: "gpt-9"})
		expectKind(t, err, runtime.KindValidation)
		snap := f.snapshot()
		if snap.Identity == nil || snap.Identity.Model != memhost.ModelTextSmall || snap.SurfaceStatus != runtime.SurfaceResolved {
			t.Fatalf("caches after a refused target: %+v", snap)
		}
	})
}

// outcome of a failed reconfigure, as seen from caches and host.
type outcome int

const (
	onPrevious outcome = iota // caches and host on the previous identity
	unresolved                // live session discarded, caches unresolved
	untouched                 // nothing was cached yet
)

func TestReconfigureHostFailures(t *testing.T) {
	const from, to = memhost.ModelTextLarge, memhost.ModelTextSmall
	other := errors.New("other failure")
	tests := []struct {
		name         string
		faults       map[memhost.Method]memhost.Fault
		wantRollback bool // *RollbackError
		want         outcome
		wantCalls    map[memhost.Method]int
	}{
		{"hydrate fails", map[memhost.Method]memhost.Fault{memhost.MethodHydrate: {}}, false, untouched,
			map[memhost.Method]int{memhost.MethodResolve: 0}},
		{"resolve fails", map[memhost.Method]memhost.Fault{memhost.MethodResolve: {}}, false, onPrevious,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 0}},
		// Upstream returns here without rollback; the runtime rolls back.
		{"apply identity fails: rolled back", map[memhost.Method]memhost.Fault{memhost.MethodApplyIdentity: {Times: 1}}, false, onPrevious,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 1, memhost.MethodPersist: 0, memhost.MethodDiscard: 0}},
		{"apply identity fails, rollback identity fails", map[memhost.Method]memhost.Fault{memhost.MethodApplyIdentity: {}}, true, unresolved,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 0, memhost.MethodDiscard: 1}},
		{"apply visibility fails: rolled back", map[memhost.Method]memhost.Fault{memhost.MethodApplyVisibility: {Times: 1}}, false, onPrevious,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 2, memhost.MethodPersist: 0, memhost.MethodDiscard: 0}},
		{"persist fails: rolled back", map[memhost.Method]memhost.Fault{memhost.MethodPersist: {}}, false, onPrevious,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 2, memhost.MethodDiscard: 0}},
		{"apply visibility fails, rollback identity fails", map[memhost.Method]memhost.Fault{
			memhost.MethodApplyVisibility: {}, memhost.MethodApplyIdentity: {Skip: 1, Err: other}}, true, unresolved,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 1, memhost.MethodDiscard: 1}},
		{"persist fails, rollback visibility fails", map[memhost.Method]memhost.Fault{
			memhost.MethodPersist: {}, memhost.MethodApplyVisibility: {Skip: 1, Err: other}}, true, unresolved,
			map[memhost.Method]int{memhost.MethodApplyIdentity: 2, memhost.MethodApplyVisibility: 2, memhost.MethodDiscard: 1}},
		{"persist fails, rollback and discard fail", map[memhost.Method]memhost.Fault{
			memhost.MethodPersist: {}, memhost.MethodApplyIdentity: {Skip: 1, Err: other}, memhost.MethodDiscard: {}}, true, unresolved,
			map[memhost.Method]int{memhost.MethodDiscard: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{model: from})
			prev := identityOf(t, from)
			prevVis := visibilityFor(t, from)
			for m, fault := range tc.faults {
				f.host.InjectFault(m, fault)
			}
			before := f.snapshot()
			_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: to})
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, memhost.ErrInjectedFault) {
				t.Fatalf("error %v does not wrap the injected fault", err)
			}
			var rb *runtime.RollbackError
			if got := errors.As(err, &rb); got != tc.wantRollback {
				t.Fatalf("rollback error = %v (%v), want %v", got, err, tc.wantRollback)
			}
			if tc.wantRollback {
				if !errors.Is(rb.Original, memhost.ErrInjectedFault) || !errors.Is(err, runtime.ErrInternal) {
					t.Fatalf("rollback error %v", err)
				}
			}
			snap := f.snapshot()
			hv := f.hostView()
			switch tc.want {
			case untouched:
				if snap.Identity != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved || !snap.Visibility.Equal(before.Visibility) {
					t.Fatalf("caches changed: %+v", snap)
				}
				if !hv.LiveIdentity.Equal(prev) {
					t.Fatalf("host identity %v", hv.LiveIdentity)
				}
			case onPrevious:
				if snap.Identity == nil || !snap.Identity.Equal(prev) || snap.SurfaceStatus != runtime.SurfaceResolved || !snap.Visibility.Equal(prevVis) {
					t.Fatalf("caches not on the previous identity: %+v", snap)
				}
				if !hv.Live || !hv.LiveIdentity.Equal(prev) || !hv.LiveVisibility.Equal(prevVis) || !hv.DurableIdentity.Equal(prev) {
					t.Fatalf("host not on the previous identity: %+v", hv)
				}
			case unresolved:
				if snap.Identity != nil || snap.Surface != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved {
					t.Fatalf("caches not unresolved: %+v", snap)
				}
				_, discardFails := tc.faults[memhost.MethodDiscard]
				if hv.Live != discardFails {
					t.Fatalf("host session live = %v, want %v", hv.Live, discardFails)
				}
				if !hv.DurableIdentity.Equal(prev) {
					t.Fatalf("durable identity changed: %v", hv.DurableIdentity)
				}
			}
			for m, n := range tc.wantCalls {
				if got := f.host.CallCount(m); got != n {
					t.Errorf("%v called %d times, want %d", m, got, n)
				}
			}
			if snap.State.LifecyclePhase != gen.LifecyclePhaseAttached || snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
				t.Fatalf("machine moved: %v %v", snap.State.LifecyclePhase, snap.State.LiveTopologyPhase)
			}
		})
	}
}

func TestReconfigureRollbackSurvivesCancelledContext(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelTextLarge})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodPersist {
			cancel()
		}
		return nil
	})
	_, err := f.cp.ReconfigureSessionLLMIdentity(ctx, sid, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	var rb *runtime.RollbackError
	if errors.As(err, &rb) {
		t.Fatalf("rollback should have succeeded on the cleanup context: %v", err)
	}
	if hv := f.hostView(); !hv.LiveIdentity.Equal(identityOf(t, memhost.ModelTextLarge)) {
		t.Fatalf("host not rolled back: %v", hv.LiveIdentity)
	}
}

func TestReconfigureSessionDestroyedDuringPersist(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelTextLarge})
	f.host.SetHook(func(_ context.Context, m memhost.Method, _ runtime.SessionID) error {
		if m == memhost.MethodPersist {
			if _, err := f.cp.Apply(sid, gen.Destroy{}); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	_, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{Model: memhost.ModelTextSmall})
	expectKind(t, err, runtime.KindInternal, gen.ErrRejected)
	snap := f.snapshot()
	if snap.Identity != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved {
		t.Fatalf("caches %+v", snap)
	}
	if hv := f.hostView(); hv.Live || hv.Discards != 1 {
		t.Fatalf("host %+v", hv)
	}
}

func TestReconfigureConcurrentSerializes(t *testing.T) {
	f := newFixture(t, fixtureOpts{model: memhost.ModelTextLarge})
	models := []string{memhost.ModelTextSmall, memhost.ModelTextLarge, memhost.ModelRealtime}
	const workers = 12
	var wg sync.WaitGroup
	reports := make([]runtime.ReconfigureReport, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.cp.ReconfigureSessionLLMIdentity(context.Background(), sid, runtime.ReconfigureRequest{
				Model: models[w%len(models)], ProviderParams: json.RawMessage(fmt.Sprintf(`{"w":%d}`, w)),
			})
			if err != nil {
				t.Error(err)
			}
			reports[w] = r
		}()
	}
	wg.Wait()
	// The reconfigures form one chain: every previous identity is the new
	// identity of exactly one other report, or the initial identity.
	news := map[string]int{}
	for _, r := range reports {
		news[string(r.NewIdentity.ProviderParams)]++
	}
	initial := 0
	for _, r := range reports {
		if r.PreviousIdentity.ProviderParams == nil {
			initial++
			continue
		}
		if news[string(r.PreviousIdentity.ProviderParams)] != 1 {
			t.Fatalf("report starts from %s, which no other reconfigure produced", r.PreviousIdentity.ProviderParams)
		}
	}
	if initial != 1 {
		t.Fatalf("%d reconfigures started from the initial identity", initial)
	}
	snap := f.snapshot()
	hv := f.hostView()
	if !snap.Identity.Equal(hv.DurableIdentity) || !snap.Visibility.Equal(hv.DurableVisibility) || hv.Persists != workers {
		t.Fatalf("caches %v vs host %v", snap.Identity, hv.DurableIdentity)
	}
}
