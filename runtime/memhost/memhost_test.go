package memhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

const sid runtime.SessionID = "s1"

func textSmall() runtime.LLMIdentity {
	return runtime.LLMIdentity{Model: ModelTextSmall, Provider: runtime.ProviderGemini}
}

func newHost(t *testing.T) *Host {
	t.Helper()
	h := New()
	h.AddSession(sid, textSmall(), visibility.State{CapabilityBaseFilter: visibility.Deny(visibility.ViewImageToolName), ActiveRevision: 1})
	return h
}

func TestCatalog(t *testing.T) {
	h := New()
	tests := []struct {
		model            string
		realtime, images bool
	}{
		{ModelRealtime, true, true},
		{ModelTextLarge, false, true},
		{ModelTextSmall, false, false},
	}
	for _, tc := range tests {
		m, ok := h.Model(tc.model)
		if !ok {
			t.Fatalf("%s missing from the catalog", tc.model)
		}
		if m.Surface.Realtime != tc.realtime || m.Surface.ImageToolResults != tc.images {
			t.Errorf("%s: realtime %v images %v", tc.model, m.Surface.Realtime, m.Surface.ImageToolResults)
		}
	}
	if _, ok := h.Model("nope"); ok {
		t.Fatal("unknown model found")
	}
	custom := New(WithCatalog(Model{Name: "x", Provider: "p"}), WithBaseToolNames("a"))
	if _, ok := custom.Model(ModelRealtime); ok {
		t.Fatal("WithCatalog kept the default catalog")
	}
	custom.AddSession(sid, runtime.LLMIdentity{Model: "x", Provider: "p"}, visibility.State{})
	hs, err := custom.HydrateSessionLLMState(context.Background(), sid)
	if err != nil || !hs.BaseToolNames.Equal(visibility.NewNameSet("a")) || hs.CapabilitySurfaceStatus != runtime.SurfaceResolved {
		t.Fatalf("custom host hydrate: %+v, %v", hs, err)
	}
	if got := len(Methods()); got != 6 {
		t.Fatalf("%d methods", got)
	}
	if MethodPersist.String() != "PersistLiveSession" || Method(9).String() != "Method(9)" {
		t.Fatal("Method.String")
	}
}

func TestHydrate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		identity   runtime.LLMIdentity
		wantStatus runtime.CapabilitySurfaceStatus
		wantSurf   bool
	}{
		{"catalog model", textSmall(), runtime.SurfaceResolved, true},
		{"realtime model", runtime.LLMIdentity{Model: ModelRealtime, Provider: runtime.ProviderOpenAI}, runtime.SurfaceResolved, true},
		{"model without a profile", runtime.LLMIdentity{Model: "legacy-1", Provider: "acme"}, runtime.SurfaceUnresolved, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			vis := visibility.State{ActiveFilter: visibility.Deny("shell"), ActiveRevision: 4}
			h.AddSession(sid, tc.identity, vis)
			got, err := h.HydrateSessionLLMState(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			if !got.CurrentIdentity.Equal(tc.identity) || !got.CurrentVisibilityState.Equal(vis) {
				t.Errorf("hydrated %+v", got)
			}
			if got.CapabilitySurfaceStatus != tc.wantStatus || (got.CurrentCapabilitySurface != nil) != tc.wantSurf {
				t.Errorf("status %v surface %v", got.CapabilitySurfaceStatus, got.CurrentCapabilitySurface)
			}
			if !got.BaseToolNames.Equal(DefaultBaseToolNames()) || !got.BaseToolNames.Has(visibility.ViewImageToolName) {
				t.Errorf("base tools %v", got.BaseToolNames)
			}
			got.BaseToolNames.Add("mutated")
			again, _ := h.HydrateSessionLLMState(ctx, sid)
			if again.BaseToolNames.Has("mutated") {
				t.Error("hydrate shares the base tool set")
			}
		})
	}
	if _, err := New().HydrateSessionLLMState(ctx, "missing"); !errors.Is(err, runtime.ErrNotReady) {
		t.Fatalf("missing session: %v", err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	current := runtime.LLMIdentity{
		Model: ModelTextSmall, Provider: runtime.ProviderGemini,
		ProviderParams: json.RawMessage(`{"t":1}`),
		AuthBinding:    &runtime.AuthBindingRef{RealmID: "r", BindingID: "b"},
	}
	tests := []struct {
		name         string
		req          runtime.ReconfigureRequest
		wantModel    string
		wantProvider runtime.Provider
		wantRealtime bool
		wantParams   bool
		wantBinding  bool
		wantErr      error
	}{
		{"to realtime, provider inferred", runtime.ReconfigureRequest{Model: ModelRealtime},
			ModelRealtime, runtime.ProviderOpenAI, true, true, true, nil},
		{"to text-large with explicit provider", runtime.ReconfigureRequest{Model: ModelTextLarge, Provider: runtime.ProviderAnthropic},
			ModelTextLarge, runtime.ProviderAnthropic, false, true, true, nil},
		{"same model, clear params and binding", runtime.ReconfigureRequest{ClearProviderParams: true, ClearAuthBinding: true},
			ModelTextSmall, runtime.ProviderGemini, false, false, false, nil},
		{"unknown model", runtime.ReconfigureRequest{Model: "gpt-9"}, "", "", false, false, false, runtime.ErrValidation},
		{"wrong provider", runtime.ReconfigureRequest{Model: ModelRealtime, Provider: runtime.ProviderGemini}, "", "", false, false, false, runtime.ErrValidation},
		{"provider only, mismatching current model", runtime.ReconfigureRequest{Provider: runtime.ProviderOpenAI}, "", "", false, false, false, runtime.ErrValidation},
		{"set and clear", runtime.ReconfigureRequest{ProviderParams: json.RawMessage(`{}`), ClearProviderParams: true}, "", "", false, false, false, runtime.ErrValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New()
			got, err := h.ResolveTargetSessionLLMIdentity(ctx, tc.req, current)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var ve *runtime.ValidationError
				if !errors.As(err, &ve) || ve.Reason == "" {
					t.Fatalf("want a ValidationError with a reason, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id := got.TargetIdentity
			if id.Model != tc.wantModel || id.Provider != tc.wantProvider ||
				(id.ProviderParams != nil) != tc.wantParams || (id.AuthBinding != nil) != tc.wantBinding {
				t.Errorf("target %+v", id)
			}
			if got.TargetCapabilitySurface.Realtime != tc.wantRealtime {
				t.Errorf("surface %+v", got.TargetCapabilitySurface)
			}
		})
	}
}

func TestApplyPersistDiscard(t *testing.T) {
	ctx := context.Background()
	h := newHost(t)
	target := runtime.LLMIdentity{Model: ModelRealtime, Provider: runtime.ProviderOpenAI}
	next := visibility.State{ActiveRevision: 2}

	if err := h.ApplyLiveSessionLLMIdentity(ctx, sid, target); err != nil {
		t.Fatal(err)
	}
	if err := h.ApplyLiveSessionToolVisibilityState(ctx, sid, &next); err != nil {
		t.Fatal(err)
	}
	v, _ := h.Session(sid)
	if !v.LiveIdentity.Equal(target) || !v.LiveVisibility.Equal(next) || !v.DurableIdentity.Equal(textSmall()) {
		t.Fatalf("after apply: %+v", v)
	}
	if err := h.PersistLiveSession(ctx, sid); err != nil {
		t.Fatal(err)
	}
	v, _ = h.Session(sid)
	if !v.DurableIdentity.Equal(target) || !v.DurableVisibility.Equal(next) || v.Persists != 1 {
		t.Fatalf("after persist: %+v", v)
	}
	// Apply again without persisting, then discard: the durable state wins.
	if err := h.ApplyLiveSessionLLMIdentity(ctx, sid, textSmall()); err != nil {
		t.Fatal(err)
	}
	if err := h.ApplyLiveSessionToolVisibilityState(ctx, sid, nil); err != nil {
		t.Fatal(err)
	}
	if v, _ = h.Session(sid); !v.LiveVisibility.Equal(visibility.State{}) {
		t.Fatalf("nil visibility must install the default: %+v", v.LiveVisibility)
	}
	if err := h.DiscardLiveSession(ctx, sid); err != nil {
		t.Fatal(err)
	}
	if v, _ = h.Session(sid); v.Live || v.Discards != 1 {
		t.Fatalf("after discard: %+v", v)
	}
	hs, err := h.HydrateSessionLLMState(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if !hs.CurrentIdentity.Equal(target) || !hs.CurrentVisibilityState.Equal(next) || !hs.CurrentCapabilitySurface.Realtime {
		t.Fatalf("hydrate after discard: %+v", hs)
	}
	if v, _ = h.Session(sid); !v.Live {
		t.Fatal("hydrate did not revive the session")
	}
	// The host keeps its own copies.
	next.ActiveRevision = 99
	if v, _ = h.Session(sid); v.LiveVisibility.ActiveRevision != 2 {
		t.Fatal("host aliases the caller's visibility state")
	}
	for _, m := range []Method{MethodApplyIdentity, MethodApplyVisibility, MethodPersist, MethodDiscard} {
		if err := call(ctx, h, m, "missing"); !errors.Is(err, runtime.ErrNotReady) {
			t.Errorf("%v on a missing session: %v", m, err)
		}
	}
	h.RemoveSession(sid)
	if _, ok := h.Session(sid); ok {
		t.Fatal("RemoveSession kept the session")
	}
}

// call invokes method m with plausible arguments.
func call(ctx context.Context, h *Host, m Method, id runtime.SessionID) error {
	switch m {
	case MethodHydrate:
		_, err := h.HydrateSessionLLMState(ctx, id)
		return err
	case MethodResolve:
		_, err := h.ResolveTargetSessionLLMIdentity(ctx, runtime.ReconfigureRequest{Model: ModelTextLarge}, textSmall())
		return err
	case MethodApplyIdentity:
		return h.ApplyLiveSessionLLMIdentity(ctx, id, textSmall())
	case MethodApplyVisibility:
		return h.ApplyLiveSessionToolVisibilityState(ctx, id, &visibility.State{})
	case MethodPersist:
		return h.PersistLiveSession(ctx, id)
	case MethodDiscard:
		return h.DiscardLiveSession(ctx, id)
	}
	panic(fmt.Sprint("unknown method ", m))
}

func TestFaultEachMethodInTurn(t *testing.T) {
	ctx := context.Background()
	for _, failing := range Methods() {
		t.Run(failing.String(), func(t *testing.T) {
			h := newHost(t)
			h.Fail(failing)
			for _, m := range Methods() {
				err := call(ctx, h, m, sid)
				if m == failing {
					if !errors.Is(err, ErrInjectedFault) || !errors.Is(err, runtime.ErrInternal) {
						t.Errorf("%v: err = %v, want the injected fault", m, err)
					}
				} else if err != nil {
					t.Errorf("%v: unexpected error %v", m, err)
				}
			}
			if n := h.CallCount(failing); n != 1 {
				t.Errorf("call count %d", n)
			}
			calls := h.Calls()
			if len(calls) != len(Methods()) || calls[failing].Err == nil {
				t.Errorf("call log %+v", calls)
			}
			h.ClearFault(failing)
			if err := call(ctx, h, failing, sid); err != nil {
				t.Errorf("after ClearFault: %v", err)
			}
		})
	}
}

func TestFaultSkipTimesAndCustomError(t *testing.T) {
	ctx := context.Background()
	custom := runtime.Validationf("host says no")
	tests := []struct {
		name  string
		fault Fault
		want  []bool // per call: fails?
	}{
		{"always", Fault{}, []bool{true, true, true}},
		{"second call only", Fault{Skip: 1, Times: 1}, []bool{false, true, false, false}},
		{"first two", Fault{Times: 2}, []bool{true, true, false}},
		{"after two", Fault{Skip: 2}, []bool{false, false, true, true}},
		{"custom error", Fault{Err: custom, Times: 1}, []bool{true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t)
			h.InjectFault(MethodApplyIdentity, tc.fault)
			for i, wantFail := range tc.want {
				err := h.ApplyLiveSessionLLMIdentity(ctx, sid, textSmall())
				if (err != nil) != wantFail {
					t.Fatalf("call %d: err = %v, want failure %v", i, err, wantFail)
				}
				if err != nil && tc.fault.Err != nil && err != tc.fault.Err {
					t.Fatalf("call %d: err = %v, want the custom error", i, err)
				}
			}
		})
	}
	h := newHost(t)
	for _, m := range Methods() {
		h.Fail(m)
	}
	h.ClearFaults()
	for _, m := range Methods() {
		if err := call(ctx, h, m, sid); err != nil {
			t.Errorf("after ClearFaults, %v: %v", m, err)
		}
	}
	h.ResetCalls()
	if len(h.Calls()) != 0 {
		t.Error("ResetCalls kept calls")
	}
}

func TestContextAndHook(t *testing.T) {
	h := newHost(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, m := range Methods() {
		if err := call(ctx, h, m, sid); !errors.Is(err, context.Canceled) {
			t.Errorf("%v with a cancelled context: %v", m, err)
		}
	}

	// A hook that blocks until the context ends.
	h.SetHook(func(ctx context.Context, m Method, _ runtime.SessionID) error {
		if m != MethodPersist {
			return nil
		}
		<-ctx.Done()
		return ctx.Err()
	})
	tctx, tcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer tcancel()
	if err := h.PersistLiveSession(tctx, sid); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked persist: %v", err)
	}
	if v, _ := h.Session(sid); v.Persists != 0 {
		t.Fatal("a failed persist counted")
	}
	if err := h.ApplyLiveSessionLLMIdentity(context.Background(), sid, textSmall()); err != nil {
		t.Fatalf("hook must not affect other methods: %v", err)
	}

	// A hook error fails the call and is wrapped.
	sentinel := errors.New("hook says no")
	h.SetHook(func(context.Context, Method, runtime.SessionID) error { return sentinel })
	if err := h.DiscardLiveSession(context.Background(), sid); !errors.Is(err, sentinel) {
		t.Fatalf("hook error: %v", err)
	}
	h.SetHook(nil)
	if err := h.DiscardLiveSession(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := New()
	const sessions, workers, rounds = 8, 8, 50
	for i := range sessions {
		h.AddSession(runtime.SessionID(fmt.Sprint("s", i)), textSmall(), visibility.State{})
	}
	h.InjectFault(MethodPersist, Fault{Skip: 10, Times: 20})
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				id := runtime.SessionID(fmt.Sprint("s", (w+r)%sessions))
				m := Methods()[(w*rounds+r)%len(Methods())]
				err := call(ctx, h, m, id)
				if err != nil && !errors.Is(err, ErrInjectedFault) {
					t.Errorf("%v: %v", m, err)
				}
				h.Session(id)
			}
		}()
	}
	wg.Wait()
	if got := len(h.Calls()); got != workers*rounds {
		t.Fatalf("%d calls logged, want %d", got, workers*rounds)
	}
	failed := 0
	for _, c := range h.Calls() {
		if c.Err != nil {
			failed++
		}
	}
	if persists := h.CallCount(MethodPersist); failed != min(20, max(0, persists-10)) {
		t.Fatalf("%d failures for %d persists", failed, persists)
	}
}
