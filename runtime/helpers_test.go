package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

const sid runtime.SessionID = "s1"

// identityOf returns the catalog identity of a model.
func identityOf(t testing.TB, model string) runtime.LLMIdentity {
	t.Helper()
	m, ok := memhost.New().Model(model)
	if !ok {
		t.Fatalf("model %s not in the catalog", model)
	}
	return runtime.LLMIdentity{Model: m.Name, Provider: m.Provider}
}

// visibilityFor returns a visibility state consistent with the model.
func visibilityFor(t testing.TB, model string) visibility.State {
	t.Helper()
	m, _ := memhost.New().Model(model)
	return visibility.State{
		CapabilityBaseFilter: visibility.CapabilityBaseFilterForImageToolResults(m.Surface.ImageToolResults),
		ActiveRevision:       1,
		StagedRevision:       1,
	}
}

// fixture is one session on a control plane backed by a memhost.
type fixture struct {
	t    testing.TB
	cp   *runtime.ControlPlane
	host *memhost.Host
	id   runtime.SessionID
	exec *runtime.Executor
}

type fixtureOpts struct {
	model      string
	noExecutor bool
	cpOpts     []runtime.Option
	execCfg    runtime.ExecutorConfig
}

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	if o.model == "" {
		o.model = memhost.ModelRealtime
	}
	host := memhost.New()
	host.AddSession(sid, identityOf(t, o.model), visibilityFor(t, o.model))
	cp := runtime.New(append([]runtime.Option{runtime.WithHost(host)}, o.cpOpts...)...)
	if err := cp.CreateSession(sid); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, cp: cp, host: host, id: sid}
	if !o.noExecutor {
		if o.execCfg.RuntimeID == "" {
			o.execCfg.RuntimeID = "agent-1"
			o.execCfg.FenceToken = 1
		}
		exec, err := cp.AttachExecutor(sid, o.execCfg)
		if err != nil {
			t.Fatal(err)
		}
		f.exec = exec
		t.Cleanup(exec.Close)
	}
	return f
}

func (f *fixture) snapshot() runtime.Snapshot {
	f.t.Helper()
	snap, err := f.cp.Snapshot(f.id)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := snap.State.CheckInvariants(); err != nil {
		f.t.Fatalf("invariant broken: %v", err)
	}
	return snap
}

func (f *fixture) hostView() memhost.SessionView {
	f.t.Helper()
	v, ok := f.host.Session(f.id)
	if !ok {
		f.t.Fatal("host lost the session")
	}
	return v
}

// attach binds a realtime transport and returns its authority.
func (f *fixture) attach() runtime.Authority {
	f.t.Helper()
	a, err := f.cp.AttachLive(f.id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// hydrate caches the host's state in the control plane (via bootstrap
// eligibility's or transport's hydration) without other effects.
func (f *fixture) warmCache() {
	f.t.Helper()
	_, _ = f.cp.RealtimeBootstrapEligibility(context.Background(), f.id)
}

// mustApply applies inputs through the executor.
func (f *fixture) mustApply(ins ...gen.Input) {
	f.t.Helper()
	for _, in := range ins {
		if _, err := f.exec.Apply(in); err != nil {
			f.t.Fatalf("apply %s: %v", in.InputName(), err)
		}
	}
}

// startTurn starts a conversation run and brings it to CallingLLM (not a
// safe boundary).
func (f *fixture) startTurn(run gen.RunID) {
	f.t.Helper()
	f.mustApply(
		gen.StartConversationRun{RunID: run, PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation},
		gen.PrimitiveApplied{},
	)
}

// expectKind checks the error's category and, optionally, a cause.
func expectKind(t testing.TB, err error, kind runtime.Kind, causes ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %v error, got nil", kind)
	}
	if got := runtime.KindOf(err); got != kind {
		t.Fatalf("error %q: kind %v, want %v", err, got, kind)
	}
	for _, c := range causes {
		if !errors.Is(err, c) {
			t.Fatalf("error %q does not wrap %v", err, c)
		}
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var runtimeDefaultVisibility = visibility.State{}
