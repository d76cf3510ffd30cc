package main

import (
	"context"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	meerkat "github.com/meerkat-go/dslmachine/runtime"
)

func TestRun(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestStepLineExplainsEpochs: a step that advances the epoch counter says
// whether it minted the epoch for a binding or burned it.
func TestStepLineExplainsEpochs(t *testing.T) {
	before := gen.Initial()
	before.RealtimeNextAuthorityEpoch = 2
	before.RealtimeBindingAuthorityEpoch = gen.Some[uint64](1)
	burned := before
	burned.RealtimeNextAuthorityEpoch = 3
	burned.RealtimeBindingAuthorityEpoch = gen.None[uint64]()
	got := stepLine(meerkat.StepEvent{Input: gen.MarkLiveTopologyDetached{}, Before: before, After: burned})
	if want := "epoch 1 -> none, next epoch 2 -> 3 (epoch 2 burned, never issued)"; !strings.Contains(got, want) {
		t.Errorf("detach: %q lacks %q", got, want)
	}
	minted := burned
	minted.RealtimeNextAuthorityEpoch = 4
	minted.RealtimeBindingAuthorityEpoch = gen.Some[uint64](3)
	got = stepLine(meerkat.StepEvent{Input: gen.BeginRealtimeBinding{}, Before: burned, After: minted})
	if want := "epoch none -> 3, next epoch 3 -> 4 (minted 3)"; !strings.Contains(got, want) {
		t.Errorf("attach: %q lacks %q", got, want)
	}
}
