package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
)

func TestCreateSession(t *testing.T) {
	cp := runtime.New()
	if err := cp.CreateSession("a"); err != nil {
		t.Fatal(err)
	}
	expectKind(t, cp.CreateSession("a"), runtime.KindValidation)
	expectKind(t, cp.CreateSession(""), runtime.KindValidation)
	if err := cp.CreateSession("b"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cp.Sessions()); got != "[a b]" {
		t.Fatalf("Sessions() = %s", got)
	}
	snap, err := cp.Snapshot("a")
	if err != nil {
		t.Fatal(err)
	}
	st := snap.State
	if st.LifecyclePhase != gen.LifecyclePhaseIdle || st.SessionID != gen.Some(gen.SessionID("a")) ||
		st.LiveTopologyPhase != gen.LiveTopologyPhaseIdle || st.RealtimeNextAuthorityEpoch != 1 {
		t.Fatalf("initial state %+v", st)
	}
	if snap.Identity != nil || snap.Surface != nil || snap.SurfaceStatus != runtime.SurfaceUnresolved || snap.ExecutorAttached {
		t.Fatalf("initial caches %+v", snap)
	}
}

func TestApply(t *testing.T) {
	cp := runtime.New()
	if err := cp.CreateSession(sid); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        gen.Input
		wantGuard string // "" = accepted
		noTrans   bool
		wantPhase gen.LifecyclePhase
	}{
		{"bind runtime", gen.PrepareBindings{AgentRuntimeID: "a1", FenceToken: 1}, "", false, gen.LifecyclePhaseAttached},
		{"wrong run commit", gen.Commit{RunID: "r9"}, "", true, gen.LifecyclePhaseAttached},
		{"start run", gen.Prepare{RunID: "r1"}, "", false, gen.LifecyclePhaseRunning},
		{"commit other run", gen.Commit{RunID: "r2"}, "current_run_id_matches_binding", false, gen.LifecyclePhaseRunning},
		{"commit run", gen.Commit{RunID: "r1"}, "", false, gen.LifecyclePhaseAttached},
		{"stale epoch", gen.BeginLiveTopologyReconfigure{AuthorityEpoch: 7}, "authority_matches_current", false, gen.LifecyclePhaseAttached},
	}
	for _, tc := range tests {
		before, _ := cp.Snapshot(sid)
		_, err := cp.Apply(sid, tc.in)
		after, _ := cp.Snapshot(sid)
		switch {
		case tc.wantGuard != "":
			var gr *gen.GuardRejectedError
			if !errors.As(err, &gr) || gr.Guard != tc.wantGuard || !errors.Is(err, gen.ErrRejected) {
				t.Fatalf("%s: err = %v, want guard %s", tc.name, err, tc.wantGuard)
			}
		case tc.noTrans:
			var nt *gen.NoTransitionError
			if !errors.As(err, &nt) {
				t.Fatalf("%s: err = %v, want no transition", tc.name, err)
			}
		case err != nil:
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err != nil && (after.State != before.State || after.Version != before.Version) {
			t.Fatalf("%s: a refused input changed the state", tc.name)
		}
		if after.State.LifecyclePhase != tc.wantPhase {
			t.Fatalf("%s: phase %v, want %v", tc.name, after.State.LifecyclePhase, tc.wantPhase)
		}
	}
	fx, err := cp.Apply(sid, gen.BeginRealtimeBinding{})
	if err != nil || fx.Len() != 1 {
		t.Fatalf("begin binding: %v %v", fx, err)
	}
	if rot, ok := fx.At(0).AsRealtimeBindingRotated(); !ok || rot.AuthorityEpoch != 1 {
		t.Fatalf("effect %v", fx.At(0))
	}
	_, err = cp.Apply("missing", gen.Reset{})
	expectKind(t, err, runtime.KindNotReady, runtime.ErrNotReady)
	_, err = cp.Apply(sid, nil)
	expectKind(t, err, runtime.KindValidation)
}

func TestSessionsAreIndependent(t *testing.T) {
	cp := runtime.New()
	for _, id := range []runtime.SessionID{"a", "b"} {
		if err := cp.CreateSession(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cp.Apply("a", gen.PrepareBindings{AgentRuntimeID: "x", FenceToken: 1}); err != nil {
		t.Fatal(err)
	}
	a, _ := cp.Snapshot("a")
	b, _ := cp.Snapshot("b")
	if a.State.LifecyclePhase != gen.LifecyclePhaseAttached || b.State.LifecyclePhase != gen.LifecyclePhaseIdle || b.Version != 0 {
		t.Fatalf("sessions interfere: %v %v", a.State.LifecyclePhase, b.State.LifecyclePhase)
	}
}

func TestRemoveSession(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	done := make(chan error, 1)
	go func() {
		_, err := f.cp.WaitFor(context.Background(), sid, func(gen.State) bool { return false })
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	if err := f.cp.RemoveSession(sid); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		expectKind(t, err, runtime.KindNotReady)
	case <-time.After(time.Second):
		t.Fatal("waiter not woken by removal")
	}
	select {
	case <-f.exec.Done():
	default:
		t.Fatal("executor not closed by removal")
	}
	_, err := f.cp.Snapshot(sid)
	expectKind(t, err, runtime.KindNotReady)
	expectKind(t, f.cp.RemoveSession(sid), runtime.KindNotReady)
	var nr *runtime.NotReadyError
	if !errors.As(err, &nr) || nr.State != runtime.StateDestroyed {
		t.Fatalf("err %v", err)
	}
}

func TestWaitFor(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	go func() {
		time.Sleep(5 * time.Millisecond)
		f.startTurn("r1")
	}()
	st, err := f.cp.WaitFor(ctxTimeout(t, 5*time.Second), sid, func(s gen.State) bool { return s.TurnPhase == gen.TurnPhaseCallingLLM })
	if err != nil || st.TurnPhase != gen.TurnPhaseCallingLLM {
		t.Fatalf("WaitFor: %v %v", st.TurnPhase, err)
	}
	_, err = f.exec.WaitFor(ctxTimeout(t, 10*time.Millisecond), func(s gen.State) bool { return false })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor timeout: %v", err)
	}
	_, err = f.cp.WaitFor(context.Background(), "missing", func(gen.State) bool { return true })
	expectKind(t, err, runtime.KindNotReady)
}

func TestConcurrentApplyManySessions(t *testing.T) {
	cp := runtime.New()
	const sessions, workers, rounds = 8, 32, 100
	for i := range sessions {
		if err := cp.CreateSession(runtime.SessionID(fmt.Sprint("s", i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := runtime.SessionID(fmt.Sprint("s", w%sessions))
			for r := range rounds {
				var in gen.Input
				switch (w + r) % 5 {
				case 0:
					in = gen.StageVisibilityFilter{}
				case 1:
					in = gen.ProjectRealtimeIntent{Present: r%2 == 0}
				case 2:
					in = gen.PrepareBindings{AgentRuntimeID: "a", FenceToken: uint64(r)}
				case 3:
					in = gen.Reset{}
				default:
					in = gen.Recover{}
				}
				if _, err := cp.Apply(id, in); err != nil && !errors.Is(err, gen.ErrRejected) {
					t.Error(err)
					return
				}
				snap, err := cp.Snapshot(id)
				if err != nil {
					t.Error(err)
					return
				}
				if err := snap.State.CheckInvariants(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	total := uint64(0)
	for i := range sessions {
		snap, _ := cp.Snapshot(runtime.SessionID(fmt.Sprint("s", i)))
		total += snap.State.NextStagedVisibilityRevision
	}
	if total != workers*rounds/5 {
		t.Fatalf("lost updates: %d staged revisions, want %d", total, workers*rounds/5)
	}
}
