package proptest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/tracecheck"
)

// serialBuffer is the executors' effect buffer in the serial test: small, so
// that a full effect channel is reachable.
const serialBuffer = 3

// serialRounds is how many rounds of random actions (of rapid's -rapid.steps
// actions on average each) one serial case runs on the same system: long
// histories reach deep live reconfigures without raising -rapid.steps for
// the whole package.
const serialRounds = 8

// serialBoundary is how long a live reconfigure waits for a safe boundary in
// the serial test, where nothing else can move the turn meanwhile.
const serialBoundary = time.Millisecond

// drawFaults draws a fault plan: usually none, else one or two failing calls
// among the first eight. It shrinks towards no faults.
func drawFaults(t *rapid.T) uint16 {
	if rapid.IntRange(0, 2).Draw(t, "faulty") != 2 {
		return 0
	}
	var mask uint16
	for range rapid.IntRange(1, 2).Draw(t, "faults") {
		mask |= 1 << rapid.IntRange(0, 7).Draw(t, "failing call")
	}
	return mask
}

// drawRequest draws a reconfigure request: a catalog model, the current
// model, or one the host refuses, with the provider params kept, replaced or
// cleared.
func drawRequest(t *rapid.T) request {
	r := request{Model: rapid.SampledFrom([]string{
		"", memhost.ModelRealtime, memhost.ModelTextLarge, memhost.ModelTextSmall, unknownTarget,
	}).Draw(t, "target")}
	switch p := rapid.IntRange(0, 3).Draw(t, "params"); p {
	case 0:
	case 1:
		r.ClearParams = true
	default:
		r.Params = fmt.Sprintf(`{"v":%d}`, p)
	}
	return r
}

// drawHostSession draws the identity and visibility state a host session
// starts with: a catalog model or one without a profile, and small
// visibility revisions.
func drawHostSession(t *rapid.T) (ident, vis) {
	model := rapid.SampledFrom([]string{
		memhost.ModelRealtime, memhost.ModelTextLarge, memhost.ModelTextSmall, legacyModel,
	}).Draw(t, "model")
	return ident{Model: model, Provider: providerOf(model)},
		visFor(model, uint64(rapid.IntRange(0, 2).Draw(t, "active revision")),
			uint64(rapid.IntRange(0, 2).Draw(t, "staged revision")))
}

// drawOp draws the arguments and the fault plan of a call of kind k. With a
// model, turn steps are mostly drawn among the inputs the session's machine
// accepts, so that turns make progress.
func drawOp(t *rapid.T, k opKind, m *refModel) op {
	o := op{Kind: k, S: rapid.IntRange(0, nSess-1).Draw(t, "session")}
	switch k {
	case opRegister:
		o.Reg, o.RegVis = drawHostSession(t)
	case opTurn:
		o.Run = rapid.IntRange(0, 1).Draw(t, "run")
		var accepted []turnKind
		if m != nil && rapid.IntRange(0, 3).Draw(t, "any turn input") != 3 {
			accepted = m.acceptedTurns(o.S, runID(o.Run))
		}
		if len(accepted) > 0 {
			o.Turn = rapid.SampledFrom(accepted).Draw(t, "accepted turn input")
		} else {
			o.Turn = turnKind(rapid.IntRange(0, int(nTurnKinds)-1).Draw(t, "turn input"))
		}
	case opCheckpoint:
		o.Run = rapid.IntRange(0, 1).Draw(t, "run")
	case opReconfigure:
		o.Req = drawRequest(t)
	case opLiveReconfigure:
		o.Req = drawRequest(t)
		o.Stale = rapid.IntRange(0, 4).Draw(t, "stale") == 4
	}
	switch k {
	case opCancelAfterBoundary, opReconfigure, opLiveReconfigure, opTransport, opEligibility:
		o.Faults = drawFaults(t)
	}
	return o
}

// acceptedTurns returns the turn inputs the session's machine accepts now.
func (m *refModel) acceptedTurns(i int, run gen.RunID) []turnKind {
	var out []turnKind
	if !m.Sess[i].Exists {
		return nil
	}
	for k := range nTurnKinds {
		if _, _, err := gen.Step(m.Sess[i].St, k.input(run)); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// faultMachine is one case of the serial test: the real system, the model,
// and the history of calls so far.
type faultMachine struct {
	h   *harness
	m   refModel
	log []string
}

// newFaultMachine returns a machine with no sessions, whose executors have
// buf effect slots and whose live reconfigures wait at most boundary for a
// safe boundary. plantAbortBug plants the bug of runtime_planted_test.go.
func newFaultMachine(buf int, boundary time.Duration, plantAbortBug bool) *faultMachine {
	h := newHarness(buf, boundary)
	h.plantAbortBug = plantAbortBug
	return &faultMachine{h: h, m: refModel{Buf: buf}}
}

// history returns the calls so far, one a line.
func (fm *faultMachine) history() string { return strings.Join(fm.log, "\n") }

// do performs o on the real system and on the model, and checks the result
// against the model's and the call-specific properties.
func (fm *faultMachine) do(t *rapid.T, o op) outcome {
	pre := fm.h.observe()
	got := fm.h.run(o)
	want := fm.m.run(o)
	fm.log = append(fm.log, fmt.Sprintf("%v -> %s %v", o, got.res.Out, got.err))
	if got.res != want {
		t.Fatalf("%v returned %+v (error: %v); the model says %+v\nhistory:\n%s", o, got.res, got.err, want, fm.history())
	}
	post := fm.h.observe()
	switch o.Kind {
	case opReconfigure:
		if got.err != nil {
			if err := checkFailedReconfigure(&pre, &post, o.S, got.calls); err != nil {
				t.Fatalf("%v failed with %v: %v\nhistory:\n%s", o, got.err, err, fm.history())
			}
		}
	case opLiveReconfigure:
		if got.res.Out != outSkipped {
			if err := checkLiveReconfigure(&pre, &post, o, got); err != nil {
				t.Fatalf("%v returned %+v (error: %v): %v\nhistory:\n%s", o, got.res, got.err, err, fm.history())
			}
		}
	}
	return got
}

// checkFailedReconfigure checks that a failed non-live reconfigure left the
// session on its previous identity (the host's, and the cache's if it is
// resolved), or discarded with its cached LLM state unresolved. When the
// discard itself failed (calls ends with a failed discard), the host could
// not drop the live session; the cached state must still be unresolved.
func checkFailedReconfigure(pre, post *obs, i int, calls []callRecord) error {
	prevHost := &pre.Host[i]
	previous := prevHost.DurID
	if prevHost.Live {
		previous = prevHost.LiveID
	}
	h, s := &post.Host[i], &post.Sess[i]
	effective := h.DurID
	if h.Live {
		effective = h.LiveID
	}
	unresolved := !s.Resolved && !s.HasID && s.Surface == ""
	discardFailed := len(calls) > 0 && calls[len(calls)-1] == callRecord{Name: callDiscard, Failed: true}
	switch {
	case effective == previous && (!s.Resolved || s.ID == previous):
		return nil // previous identity in place
	case unresolved && !h.Live:
		return nil // discarded and unresolved
	case unresolved && discardFailed:
		return nil // asked to discard, which failed; unresolved
	}
	return fmt.Errorf("previous identity %+v; now the host has live=%v %+v (durable %+v) and the cache %+v resolved=%v (calls %v)",
		previous, h.Live, h.LiveID, h.DurID, s.ID, s.Resolved, calls)
}

// checkLiveReconfigure checks a live topology reconfigure: a success returns
// the session's new authority, above every epoch minted before; a failure
// after detach leaves the binding unbound with a reattach required and the
// presented epoch dead; a failure before detach leaves the presented
// authority as it was.
func checkLiveReconfigure(pre, post *obs, o op, got outcome) error {
	i := o.S
	before, after := &pre.Sess[i].State, &post.Sess[i].State
	if !post.Sess[i].Exists {
		return nil
	}
	detached := after.RealtimeNextAuthorityEpoch > before.RealtimeNextAuthorityEpoch &&
		after.RealtimeBindingAuthorityEpoch != before.RealtimeBindingAuthorityEpoch
	switch {
	case got.err == nil:
		if got.res.Epoch < before.RealtimeNextAuthorityEpoch {
			return fmt.Errorf("new epoch %d is not above every epoch minted before (next was %d)", got.res.Epoch, before.RealtimeNextAuthorityEpoch)
		}
		if after.RealtimeBindingAuthorityEpoch != gen.Some(got.res.Epoch) {
			return fmt.Errorf("returned epoch %d but the binding's is %+v", got.res.Epoch, after.RealtimeBindingAuthorityEpoch)
		}
	case runtime.KindOf(got.err) == runtime.KindInternal && detached:
		if after.RealtimeBindingState != gen.RealtimeBindingStateUnbound || !after.RealtimeReattachRequired ||
			after.RealtimeBindingAuthorityEpoch.Present {
			return fmt.Errorf("failed after detach but the binding is %v, reattach %v, epoch %+v",
				after.RealtimeBindingState, after.RealtimeReattachRequired, after.RealtimeBindingAuthorityEpoch)
		}
	case !detached && !o.Stale:
		if after.RealtimeBindingAuthorityEpoch != gen.Some(got.presented) {
			return fmt.Errorf("failed before detach but the presented epoch %d is no longer the binding's (%+v)",
				got.presented, after.RealtimeBindingAuthorityEpoch)
		}
	}
	return nil
}

// check compares the real system with the model and checks the properties
// that hold after every call.
func (fm *faultMachine) check(t *rapid.T) {
	got := fm.h.observe()
	if err := checkSystem(&got); err != nil {
		t.Fatalf("%v\nhistory:\n%s", err, fm.history())
	}
	want := fm.m.observe()
	if !want.equal(&got) {
		t.Fatalf("the runtime differs from the model (-model +runtime):\n%s\nhistory:\n%s", cmp.Diff(want, got, genCollections), fm.history())
	}
}

// teardownKinds returns the calls that end a session or its executor; they
// share one action so that sessions live long enough to get somewhere.
func teardownKinds() []opKind { return []opKind{opRemove, opExit, opCloseExecutor} }

// actionKinds returns the calls of the serial test with an action each.
func actionKinds() []opKind {
	return []opKind{
		opAttachExecutor, opDrain, opTurn, opCheckpoint,
		opCancelAfterBoundary, opAttachLive, opDetachLive, opRequireReattach, opPublishReady,
		opReconfigure, opLiveReconfigure, opTransport, opEligibility,
	}
}

// actions returns the state machine's actions: one per call kind, one for
// all teardowns, and "rebuild" (remove, usually, then register and attach an
// executor), each drawing its arguments and fault plans; plus the check
// after every action.
func (fm *faultMachine) actions() map[string]func(*rapid.T) {
	actions := map[string]func(*rapid.T){
		"": fm.check,
		"teardown": func(t *rapid.T) {
			fm.do(t, drawOp(t, rapid.SampledFrom(teardownKinds()).Draw(t, "teardown"), &fm.m))
		},
		"rebuild": func(t *rapid.T) {
			reg := drawOp(t, opRegister, nil)
			if rapid.IntRange(0, 4).Draw(t, "keep") != 4 {
				fm.do(t, op{Kind: opRemove, S: reg.S})
			}
			fm.do(t, reg)
			fm.do(t, op{Kind: opAttachExecutor, S: reg.S})
		},
	}
	for _, k := range actionKinds() {
		actions[k.String()] = func(t *rapid.T) { fm.do(t, drawOp(t, k, &fm.m)) }
	}
	return actions
}

// setup registers every session with a drawn identity and, usually,
// attaches an executor to it.
func (fm *faultMachine) setup(t *rapid.T) {
	for i := range nSess {
		o := op{Kind: opRegister, S: i}
		o.Reg, o.RegVis = drawHostSession(t)
		fm.do(t, o)
		if rapid.IntRange(0, 3).Draw(t, "no executor") != 3 {
			fm.do(t, op{Kind: opAttachExecutor, S: i})
		}
	}
}

// runFaultMachine is the property of TestRuntimeUnderFaults.
func runFaultMachine(t *rapid.T, plantAbortBug bool, spec *model.Machine) {
	fm := newFaultMachine(serialBuffer, serialBoundary, plantAbortBug)
	fm.setup(t)
	for range serialRounds {
		t.Repeat(fm.actions())
	}
	if spec != nil {
		validateRecording(t, spec, fm.h)
	}
}

// validateRecording checks the steps the control plane's sessions took, as
// runtime.Recorder wrote them, against the spec (dslgen validate-trace):
// whatever order the flows drove the machines in, the spec allows it.
func validateRecording(t *rapid.T, spec *model.Machine, h *harness) {
	if err := h.rec.Err(); err != nil {
		t.Fatalf("recording: %v", err)
	}
	recs, err := tracecheck.Read(bytes.NewReader(h.recorded.Bytes()))
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	res, err := tracecheck.Validate(spec, recs, tracecheck.Options{})
	if err != nil {
		t.Fatalf("validate the recording: %v", err)
	}
	if res.Failure != nil {
		t.Fatalf("the spec does not allow the recorded run: %v", res.Failure)
	}
}

// TestRuntimeUnderFaults drives a control plane on a host whose every call
// (and the executors' boundary handles) can fail, with random sequences of
// register, remove, executor attach/exit/close, turn steps, cancel after
// boundary, realtime attach/detach/publish, LLM reconfigure, live topology
// reconfigure, capability-driven transport and bootstrap eligibility. Every
// call's result must be the reference model's, and after every call the
// machine invariants hold, the live topology is Idle, the cache agrees with
// the host, the session list has no loss or duplicate and the whole
// observable state (machine, caches, visibility, executor, effects, host)
// equals the model's. Failed reconfigures and live reconfigures are checked
// for their specific guarantees. The steps the sessions took, recorded by a
// runtime.Recorder, are a run the spec allows (dslgen validate-trace).
func TestRuntimeUnderFaults(t *testing.T) {
	spec := loadSpec(t, "spec/machine.yaml")
	rapid.Check(t, func(t *rapid.T) { runFaultMachine(t, false, spec) })
}

// TestModelCatalogMatchesHost keeps the model's view of the catalog (caps,
// providerOf) in line with the reference host's.
func TestModelCatalogMatchesHost(t *testing.T) {
	cat := memhost.DefaultCatalog()
	if len(cat) != 3 {
		t.Fatalf("catalog has %d models, the model knows 3", len(cat))
	}
	for _, m := range cat {
		known, rt, image := caps(m.Name)
		if !known || rt != m.Surface.Realtime || image != m.Surface.ImageToolResults || providerOf(m.Name) != m.Provider {
			t.Errorf("%s: model says known=%v realtime=%v image=%v provider=%v; catalog %+v",
				m.Name, known, rt, image, providerOf(m.Name), m)
		}
	}
	for _, name := range []string{legacyModel, unknownTarget} {
		if known, _, _ := caps(name); known {
			t.Errorf("%s must not be a catalog model", name)
		}
		if _, ok := memhost.New().Model(name); ok {
			t.Errorf("%s is in the host's catalog", name)
		}
	}
}
