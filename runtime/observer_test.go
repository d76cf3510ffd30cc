package runtime_test

import (
	"sync"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	meerkat "github.com/meerkat-go/dslmachine/runtime"
)

func TestObserverSeesEveryAcceptedStep(t *testing.T) {
	var mu sync.Mutex
	var events []meerkat.StepEvent
	cp := meerkat.New(meerkat.WithObserver(func(e meerkat.StepEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}))
	if err := cp.CreateSession("s"); err != nil {
		t.Fatal(err)
	}
	exec, err := cp.AttachExecutor("s", meerkat.ExecutorConfig{RuntimeID: "a", FenceToken: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Close()
	mu.Lock()
	attachSteps := len(events)
	mu.Unlock()
	// A refused input is not observed.
	if _, err := cp.Apply("s", gen.Commit{RunID: "r"}); err == nil {
		t.Fatal("Commit without a run must be refused")
	}
	if _, err := cp.AttachLive("s"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if attachSteps == 0 || len(events) != attachSteps+1 {
		t.Fatalf("observed %d steps (%d while attaching the executor), want one more for AttachLive", len(events), attachSteps)
	}
	// CreateSession's two boot steps come first, then the executor's.
	if len(events) < 3 || events[0].Input.InputName() != "Initialize" || events[1].Input.InputName() != "RegisterSession" ||
		events[0].Before != gen.Initial() || events[1].After.LifecyclePhase != gen.LifecyclePhaseIdle || events[0].Generation != 1 {
		t.Fatalf("boot events %+v", events[:min(2, len(events))])
	}
	first := events[2]
	if first.Session != "s" || first.Input.InputName() != "PrepareBindings" ||
		first.Before.LifecyclePhase != gen.LifecyclePhaseIdle || first.After.LifecyclePhase != gen.LifecyclePhaseAttached {
		t.Fatalf("first event %+v", first)
	}
	last := events[len(events)-1]
	rotated, ok := last.Effects.At(0).AsRealtimeBindingRotated()
	if !ok || rotated.AuthorityEpoch != 1 {
		t.Fatalf("attach effects %+v", last.Effects)
	}
}
