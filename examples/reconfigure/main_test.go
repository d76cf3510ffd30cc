package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/model"
	meerkat "github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/tracecheck"
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

// TestRecordedRunValidates records the walkthrough with runtime.Recorder
// and checks the recording against spec/machine.yaml, as dslgen
// validate-trace does; then a recording with two steps swapped is refused
// at the first step whose recorded state the spec does not produce from the
// recorded state before it.
func TestRecordedRunValidates(t *testing.T) {
	var buf bytes.Buffer
	rec := meerkat.NewRecorder(&buf)
	if err := run(context.Background(), rec.Observe); err != nil {
		t.Fatal(err)
	}
	if err := rec.Err(); err != nil {
		t.Fatal(err)
	}
	spec, err := model.Load("../../spec/machine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 20 || !strings.Contains(lines[0], `"input":"Initialize"`) {
		t.Fatalf("recorded %d lines, starting %q", len(lines), lines[0])
	}
	validate := func(lines []string) *tracecheck.Result {
		recs, err := tracecheck.Read(strings.NewReader(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		res, err := tracecheck.Validate(spec, recs, tracecheck.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := validate(lines); res.Failure != nil || res.Steps != len(lines) {
		t.Fatalf("the recorded run is refused: %v (%d steps)", res.Failure, res.Steps)
	}
	// firstBad replays the recording with the interpreter from the recorded
	// states: the first line whose state is not the step from the line before.
	firstBad := func(lines []string) int {
		prev := spec.Initial()
		for i, l := range lines {
			recs, err := tracecheck.Read(strings.NewReader(l))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(recs[0].State)
			want, err := spec.ParseStateJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			in, err := json.Marshal(map[string]any{"input": recs[0].Input, "args": recs[0].Args})
			if err != nil {
				t.Fatal(err)
			}
			gin, err := gen.DecodeInput(in)
			if err != nil {
				t.Fatal(err)
			}
			gs := stateOf(t, prev, spec)
			next, _, err := gen.Step(gs, gin)
			got, _ := json.Marshal(next)
			wantJSON, _ := spec.StateJSON(want)
			if err != nil || !sameJSON(got, wantJSON) {
				return i + 1
			}
			prev = want
		}
		return 0
	}
	swapped := 0
	for i := 2; i+1 < len(lines) && swapped < 5; i++ {
		bad := append([]string(nil), lines...)
		bad[i], bad[i+1] = bad[i+1], bad[i]
		want := firstBad(bad)
		if want == 0 {
			continue
		}
		swapped++
		res := validate(bad)
		if res.Failure == nil || res.Failure.Step != want {
			t.Errorf("steps %d and %d swapped: want a failure at step %d, got %v", i+1, i+2, want, res.Failure)
		}
	}
	if swapped == 0 {
		t.Fatal("no swap changed the run")
	}
}

// stateOf converts an interpreter state to the generated State.
func stateOf(t *testing.T, s model.State, spec *model.Machine) gen.State {
	t.Helper()
	raw, err := spec.StateJSON(s)
	if err != nil {
		t.Fatal(err)
	}
	var g gen.State
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
