package runtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

func TestCapabilityDrivenRealtimeTransport(t *testing.T) {
	tests := []struct {
		name       string
		model      string
		bound      bool // attach before (while the surface is still unknown)
		warm       bool // cache the surface before
		wantAuth   bool
		wantStatus runtime.AttachmentStatus
	}{
		{"realtime, unbound: attach", memhost.ModelRealtime, false, false, true, runtime.AttachmentBindingNotReady},
		{"realtime, unbound, cached: attach", memhost.ModelRealtime, false, true, true, runtime.AttachmentBindingNotReady},
		{"realtime, bound: keep the authority", memhost.ModelRealtime, true, false, false, runtime.AttachmentBindingNotReady},
		{"no realtime, bound: detach", memhost.ModelTextLarge, true, false, false, runtime.AttachmentUnattached},
		{"no realtime, unbound: nothing", memhost.ModelTextSmall, false, true, false, runtime.AttachmentUnattached},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{model: tc.model})
			var before *runtime.Authority
			if tc.bound {
				a := f.attach()
				before = &a
			}
			if tc.warm {
				f.warmCache()
			}
			hydrates := f.host.CallCount(memhost.MethodHydrate)
			auth, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), sid)
			if err != nil {
				t.Fatal(err)
			}
			if (auth != nil) != tc.wantAuth {
				t.Fatalf("authority %v", auth)
			}
			if tc.warm && f.host.CallCount(memhost.MethodHydrate) != hydrates {
				t.Fatal("hydrated although the surface was cached")
			}
			if status, _ := f.cp.RealtimeAttachmentStatus(sid); status != tc.wantStatus {
				t.Fatalf("status %v, want %v", status, tc.wantStatus)
			}
			cur, _ := f.cp.CurrentRealtimeAttachmentAuthority(sid)
			if before != nil && tc.wantStatus.IsBound() && (cur == nil || *cur != *before) {
				t.Fatalf("authority rotated: %v -> %v", before, cur)
			}
			if snap := f.snapshot(); snap.SurfaceStatus != runtime.SurfaceResolved {
				t.Fatal("surface not cached")
			}
		})
	}
}

func TestCapabilityDrivenRealtimeTransportErrors(t *testing.T) {
	t.Run("model without a profile", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.host.AddSession(sid, runtime.LLMIdentity{Model: "legacy", Provider: "acme"}, visibility.State{})
		auth, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), sid)
		if err != nil || auth != nil {
			t.Fatalf("%v %v", auth, err)
		}
		if status, _ := f.cp.RealtimeAttachmentStatus(sid); status != runtime.AttachmentUnattached {
			t.Fatalf("status %v", status)
		}
	})
	t.Run("no host", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.cp.SetHost(nil)
		_, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), sid)
		expectKind(t, err, runtime.KindInternal, runtime.ErrHostNotConfigured)
	})
	t.Run("hydrate fails", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.host.Fail(memhost.MethodHydrate)
		_, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), sid)
		expectKind(t, err, runtime.KindInternal, memhost.ErrInjectedFault)
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), "x")
		expectKind(t, err, runtime.KindNotReady)
	})
	t.Run("no executor", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		_, err := f.cp.ApplyCapabilityDrivenRealtimeTransport(context.Background(), sid)
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
			t.Fatalf("err %v", err)
		}
	})
}

func TestRealtimeBootstrapEligibility(t *testing.T) {
	t.Run("realtime model, hydrated", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		proof, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		if err != nil {
			t.Fatal(err)
		}
		if proof.Channel.State != runtime.ChannelClosed {
			t.Fatalf("channel %+v", proof.Channel)
		}
		if snap := f.snapshot(); snap.SurfaceStatus != runtime.SurfaceResolved || snap.Identity == nil {
			t.Fatal("hydrated state not cached")
		}
		// Now cached: no second hydrate; the proof carries the channel.
		f.attach()
		proof, err = f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		if err != nil || proof.Channel.State != runtime.ChannelOpening {
			t.Fatalf("%+v %v", proof, err)
		}
		if n := f.host.CallCount(memhost.MethodHydrate); n != 1 {
			t.Fatalf("%d hydrates", n)
		}
	})
	t.Run("model without realtime", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{model: memhost.ModelTextLarge})
		_, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		expectKind(t, err, runtime.KindValidation)
	})
	t.Run("model without a profile fails closed", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.host.AddSession(sid, runtime.LLMIdentity{Model: "legacy", Provider: "acme"}, visibility.State{})
		_, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		expectKind(t, err, runtime.KindValidation)
		if snap := f.snapshot(); snap.Identity == nil || snap.Identity.Model != "legacy" || snap.SurfaceStatus != runtime.SurfaceUnresolved {
			t.Fatalf("hydrated state not cached: %+v", snap)
		}
	})
	t.Run("no host fails closed", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.cp.SetHost(nil)
		_, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		expectKind(t, err, runtime.KindValidation, runtime.ErrHostNotConfigured)
	})
	t.Run("untyped hydrate error is internal", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		custom := errors.New("store offline")
		f.host.InjectFault(memhost.MethodHydrate, memhost.Fault{Err: custom})
		_, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		expectKind(t, err, runtime.KindInternal, custom)
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.RealtimeBootstrapEligibility(context.Background(), "x")
		expectKind(t, err, runtime.KindNotReady)
	})
	t.Run("after a failed live reconfigure", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		drainEffects(t, f.exec)
		old := f.attach()
		f.host.Fail(memhost.MethodPersist)
		if _, err := f.cp.ReconfigureLiveTopology(context.Background(), old, runtime.ReconfigureRequest{}); err == nil {
			t.Fatal("want an error")
		}
		f.host.ClearFaults()
		// Unresolved: eligibility rebuilds from the durable store.
		proof, err := f.cp.RealtimeBootstrapEligibility(context.Background(), sid)
		if err != nil || proof.Channel.State != runtime.ChannelReconnecting || proof.Channel.Reason != runtime.ReasonReattachRequired {
			t.Fatalf("%+v %v", proof, err)
		}
		if st := f.snapshot().State; st.LifecyclePhase != gen.LifecyclePhaseAttached {
			t.Fatalf("phase %v", st.LifecyclePhase)
		}
	})
}
