package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
)

func TestAttachLivePreconditions(t *testing.T) {
	t.Run("no executor", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		_, err := f.cp.AttachLive(sid)
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("closed executor", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.exec.Close()
		_, err := f.cp.AttachLive(sid)
		expectKind(t, err, runtime.KindNotReady)
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		_, err := f.cp.AttachLive("x")
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != runtime.StateDestroyed {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("unknown surface allows", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{model: memhost.ModelTextSmall})
		if a := f.attach(); a.Epoch != 1 {
			t.Fatalf("epoch %d", a.Epoch)
		}
	})
	t.Run("known surface without realtime refuses", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{model: memhost.ModelTextSmall})
		f.warmCache()
		_, err := f.cp.AttachLive(sid)
		expectKind(t, err, runtime.KindValidation)
		_, err = f.cp.ReplaceRealtimeAttachment(sid)
		expectKind(t, err, runtime.KindValidation)
	})
}

func TestRealtimeEpochWalk(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	a1 := f.attach()
	if a1.Epoch != 1 {
		t.Fatalf("first epoch %d", a1.Epoch)
	}
	a2, err := f.cp.ReplaceRealtimeAttachment(sid)
	if err != nil || a2.Epoch != 2 {
		t.Fatalf("replace: %v %v", a2, err)
	}
	if s, _ := f.cp.RealtimeAttachmentStatus(sid); s != runtime.AttachmentReplacementPending {
		t.Fatalf("status %v", s)
	}
	expectKind(t, f.cp.PublishRealtimeAttachmentSignal(a1, runtime.AttachmentBindingReady), runtime.KindValidation)
	if err := f.cp.PublishRealtimeAttachmentSignal(a2, runtime.AttachmentBindingReady); err != nil {
		t.Fatal(err)
	}
	// Publishing does not rotate the authority.
	if cur, _ := f.cp.CurrentRealtimeAttachmentAuthority(sid); cur == nil || *cur != a2 {
		t.Fatalf("authority %v", cur)
	}
	if err := f.cp.ProjectRealtimeIntent(sid, true); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.DetachLive(sid); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.cp.RealtimeAttachmentStatus(sid); s != runtime.AttachmentIntentPresentUnbound {
		t.Fatalf("status after detach %v", s)
	}
	if cur, _ := f.cp.CurrentRealtimeAttachmentAuthority(sid); cur != nil {
		t.Fatalf("authority after detach %v", cur)
	}
	a4 := f.attach()
	if a4.Epoch != 4 { // detach burnt epoch 3
		t.Fatalf("epoch after detach %d", a4.Epoch)
	}
	expectKind(t, f.cp.RequireRealtimeAttachmentReattachForAuthority(a2), runtime.KindValidation)
	if err := f.cp.RequireRealtimeAttachmentReattachForAuthority(a4); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.cp.RealtimeAttachmentStatus(sid); s != runtime.AttachmentReattachRequired {
		t.Fatalf("status %v", s)
	}
	a6 := f.attach() // a new binding clears the reattach flag
	if a6.Epoch != 6 {
		t.Fatalf("epoch %d", a6.Epoch)
	}
	if err := f.cp.RequireRealtimeAttachmentReattach(sid); err != nil {
		t.Fatal(err)
	}
	if st := f.snapshot().State; !st.RealtimeReattachRequired || st.RealtimeNextAuthorityEpoch != 8 {
		t.Fatalf("state %+v", st)
	}
}

func TestPublishProjectionOnlyStatuses(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	a := f.attach()
	for _, s := range runtime.AttachmentStatusValues() {
		err := f.cp.PublishRealtimeAttachmentSignal(a, s)
		if s.IsBound() != (err == nil) {
			t.Errorf("publish %v: %v", s, err)
		}
	}
}

func TestReconnectCycleAndChannelStatus(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	a := f.attach()
	retry := time.UnixMilli(1_700_000_000_000).UTC()
	deadline := retry.Add(time.Minute)

	// A cycle needs a pending reattach.
	expectKind(t, f.cp.BeginRealtimeReconnectCycle(sid, &retry, &deadline), runtime.KindValidation)
	if err := f.cp.RequireRealtimeAttachmentReattachForAuthority(a); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.BeginRealtimeReconnectCycle(sid, &retry, &deadline); err != nil {
		t.Fatal(err)
	}
	next := retry.Add(5 * time.Second)
	if err := f.cp.ScheduleRealtimeReconnectRetry(sid, &next); err != nil {
		t.Fatal(err)
	}
	ch, err := f.cp.RealtimeChannelStatus(sid)
	if err != nil {
		t.Fatal(err)
	}
	if ch.State != runtime.ChannelReconnecting || ch.AttemptCount != 2 || ch.Reason != runtime.ReasonReattachRequired ||
		ch.NextRetryAt == nil || !ch.NextRetryAt.Equal(next) || ch.DeadlineAt == nil || !ch.DeadlineAt.Equal(deadline) {
		t.Fatalf("channel %+v", ch)
	}
	// Not twice.
	expectKind(t, f.cp.BeginRealtimeReconnectCycle(sid, nil, nil), runtime.KindValidation)
	if err := f.cp.ExhaustRealtimeReconnectCycle(sid); err != nil {
		t.Fatal(err)
	}
	if ch, _ := f.cp.RealtimeChannelStatus(sid); ch.State != runtime.ChannelError || ch.Reason != runtime.ReasonReconnectExhausted {
		t.Fatalf("channel %+v", ch)
	}
	expectKind(t, f.cp.ExhaustRealtimeReconnectCycle(sid), runtime.KindValidation)
	expectKind(t, f.cp.ScheduleRealtimeReconnectRetry(sid, nil), runtime.KindValidation)
	if err := f.cp.ClearRealtimeReconnectProgress(sid); err != nil {
		t.Fatal(err)
	}
	if ch, _ := f.cp.RealtimeChannelStatus(sid); ch.State != runtime.ChannelReconnecting || ch.AttemptCount != 0 || ch.NextRetryAt != nil {
		t.Fatalf("channel %+v", ch)
	}
	// A fresh binding and a ready signal.
	b := f.attach()
	if ch, _ := f.cp.RealtimeChannelStatus(sid); ch.State != runtime.ChannelOpening {
		t.Fatalf("channel %+v", ch)
	}
	if err := f.cp.PublishRealtimeAttachmentSignal(b, runtime.AttachmentBindingReady); err != nil {
		t.Fatal(err)
	}
	if ch, _ := f.cp.RealtimeChannelStatus(sid); ch.State != runtime.ChannelReady || ch.Reason != "" {
		t.Fatalf("channel %+v", ch)
	}
	for _, op := range []func() error{
		func() error { _, err := f.cp.RealtimeChannelStatus("x"); return err },
		func() error { _, err := f.cp.RealtimeAttachmentStatus("x"); return err },
		func() error { _, err := f.cp.CurrentRealtimeAttachmentAuthority("x"); return err },
		func() error { return f.cp.DetachLive("x") },
	} {
		expectKind(t, op(), runtime.KindNotReady)
	}
}

func TestRealtimeNotBlockedByTopology(t *testing.T) {
	// Detach, reattach requirements and intent are allowed during a live
	// reconfigure; binding is not.
	f := newFixture(t, fixtureOpts{})
	a := f.attach()
	if _, err := f.cp.Apply(sid, gen.BeginLiveTopologyReconfigure{AuthorityEpoch: a.Epoch}); err != nil {
		t.Fatal(err)
	}
	_, err := f.cp.AttachLive(sid)
	expectKind(t, err, runtime.KindValidation)
	if err := f.cp.ProjectRealtimeIntent(sid, true); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.DetachLive(sid); err != nil {
		t.Fatal(err)
	}
	if err := f.cp.RequireRealtimeAttachmentReattach(sid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.Apply(sid, gen.MarkLiveTopologyDetached{}); err != nil {
		t.Fatal(err)
	}
}

func TestCancelAfterBoundary(t *testing.T) {
	t.Run("delivers the effect and calls the boundary handle", func(t *testing.T) {
		var got string
		f := newFixture(t, fixtureOpts{execCfg: runtime.ExecutorConfig{RuntimeID: "a", FenceToken: 1,
			Boundary: boundaryFunc(func(_ context.Context, reason string) error { got = reason; return nil })}})
		if err := f.cp.CancelAfterBoundary(context.Background(), sid); err != nil {
			t.Fatal(err)
		}
		e := <-f.exec.Effects()
		if e.Kind != gen.RuntimeEffectKindCancelAfterBoundary || e.Reason != runtime.BoundaryCancelReason || got != runtime.BoundaryCancelReason {
			t.Fatalf("effect %+v, handle got %q", e, got)
		}
	})
	t.Run("idle session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		err := f.cp.CancelAfterBoundary(context.Background(), sid)
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseIdle {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("attached without executor", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{noExecutor: true})
		if _, err := f.cp.Apply(sid, gen.PrepareBindings{AgentRuntimeID: "a", FenceToken: 1}); err != nil {
			t.Fatal(err)
		}
		err := f.cp.CancelAfterBoundary(context.Background(), sid)
		var nr *runtime.NotReadyError
		if !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseAttached {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("missing session", func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		expectKind(t, f.cp.CancelAfterBoundary(context.Background(), "x"), runtime.KindNotReady)
	})
}

func TestExecutorAPI(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	if f.exec.SessionID() != sid {
		t.Fatal("SessionID")
	}
	snap := f.snapshot()
	if !snap.ExecutorAttached || snap.State.LifecyclePhase != gen.LifecyclePhaseAttached ||
		snap.State.ActiveRuntimeID != gen.Some(gen.AgentRuntimeID("agent-1")) || snap.State.RegistrationPhase != gen.RegistrationPhaseActive {
		t.Fatalf("after attach %+v", snap)
	}
	_, err := f.cp.AttachExecutor(sid, runtime.ExecutorConfig{RuntimeID: "b"})
	expectKind(t, err, runtime.KindValidation, runtime.ErrExecutorAttached)

	// Checkpoint: only for the current run, in a cancellable phase, once.
	if ok, err := f.exec.CheckpointCancelAfterBoundary("r1"); ok || err != nil {
		t.Fatalf("no run: %v %v", ok, err)
	}
	f.startTurn("r1")
	if ok, _ := f.exec.CheckpointCancelAfterBoundary("r2"); ok {
		t.Fatal("other run")
	}
	if ok, err := f.exec.CheckpointCancelAfterBoundary("r1"); !ok || err != nil {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	if ok, _ := f.exec.CheckpointCancelAfterBoundary("r1"); ok {
		t.Fatal("checkpoint fired twice")
	}
	// Drive the turn to completion and commit the run.
	f.mustApply(gen.LLMReturnedTerminal{}, gen.BoundaryComplete{}, gen.ServiceTurnCommitted{RunID: "r1"})
	st := f.exec.State()
	if st.LifecyclePhase != gen.LifecyclePhaseAttached || st.TurnPhase != gen.TurnPhaseCompleted || st.CurrentRunID.Present {
		t.Fatalf("after the run %+v", st)
	}
	if ok, _ := f.exec.CheckpointCancelAfterBoundary("r1"); ok {
		t.Fatal("checkpoint after the run")
	}
	_, err = f.exec.Apply(nil)
	expectKind(t, err, runtime.KindValidation)

	if err := f.exec.Exit(); err != nil {
		t.Fatal(err)
	}
	if st := f.snapshot(); st.State.LifecyclePhase != gen.LifecyclePhaseStopped || st.ExecutorAttached {
		t.Fatalf("after exit %+v", st)
	}
	_, err = f.exec.Apply(gen.Recover{})
	expectKind(t, err, runtime.KindValidation, runtime.ErrExecutorClosed)
	_, err = f.exec.CheckpointCancelAfterBoundary("r1")
	expectKind(t, err, runtime.KindValidation, runtime.ErrExecutorClosed)
	// Stopped is not terminal: a new executor binds again (the phase stays
	// Stopped, as upstream's PrepareBindings self-loops there).
	if _, err := f.cp.AttachExecutor(sid, runtime.ExecutorConfig{RuntimeID: "agent-2", FenceToken: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.Apply(sid, gen.Destroy{}); err != nil {
		t.Fatal(err)
	}
	_, err = f.cp.AttachExecutor(sid, runtime.ExecutorConfig{RuntimeID: "agent-3"})
	expectKind(t, err, runtime.KindValidation)
	_, err = f.cp.AttachExecutor("x", runtime.ExecutorConfig{})
	expectKind(t, err, runtime.KindNotReady)
}
