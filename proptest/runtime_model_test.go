package proptest

import (
	"errors"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// This file is the reference model of the runtime tests: a small, value-typed
// description of what the control plane and the reference host should hold
// after every call, written from the machine spec (spec/machine.yaml) and the
// runtime package documentation rather than from the runtime's code.
//
// The model keeps, per session, the generated machine state (it is advanced
// with gen.Step, which proptest/machine_test.go already checks against the
// interpreter), the cached LLM state, the tool visibility state, the executor
// attachment and the number of undelivered runtime effects; and per session
// the host's live and durable LLM state. Every host call a flow makes is
// numbered within its call; the op's fault plan says which numbers fail, so
// the model knows exactly which host calls fail.
//
// Flows are written as small resumable processes (proc) whose steps are the
// runtime's atomic sections that other calls can observe. The serial test runs
// every process to completion at once; the concurrency test searches the
// interleavings of the steps of concurrent calls.

// nSess is the number of session ids the runtime tests use.
const nSess = 2

// sessionID returns the id of session i.
func sessionID(i int) runtime.SessionID { return runtime.SessionID(fmt.Sprintf("s%d", i)) }

// Models used by the tests besides the reference catalog's.
const (
	// legacyModel is a model the host has no profile for: a session on it
	// hydrates with an unresolved capability surface.
	legacyModel = "legacy-model"
	// unknownTarget is a reconfigure target the host refuses.
	unknownTarget = "no-such-model"
)

// caps reports what the reference catalog (memhost.DefaultCatalog) says about
// a model: whether it is known, supports realtime and image tool results.
// TestModelCatalogMatchesHost keeps it honest.
func caps(model string) (known, realtime, imageToolResults bool) {
	switch model {
	case memhost.ModelRealtime:
		return true, true, true
	case memhost.ModelTextLarge:
		return true, false, true
	case memhost.ModelTextSmall:
		return true, false, false
	}
	return false, false, false
}

// providerOf returns the catalog provider of a model (openai for unknown ones).
func providerOf(model string) runtime.Provider {
	switch model {
	case memhost.ModelTextLarge:
		return runtime.ProviderAnthropic
	case memhost.ModelTextSmall:
		return runtime.ProviderGemini
	}
	return runtime.ProviderOpenAI
}

// ident is the model's form of runtime.LLMIdentity (no auth binding).
type ident struct {
	Model    string
	Provider runtime.Provider
	Params   string // provider params as compact JSON; "" means none
}

// concrete returns the runtime identity.
func (i ident) concrete() runtime.LLMIdentity {
	out := runtime.LLMIdentity{Model: i.Model, Provider: i.Provider}
	if i.Params != "" {
		out.ProviderParams = []byte(i.Params)
	}
	return out
}

// identOf returns the model form of a runtime identity.
func identOf(id runtime.LLMIdentity) ident {
	return ident{Model: id.Model, Provider: id.Provider, Params: string(id.ProviderParams)}
}

// vis is the model's form of a visibility.State: every filter All except the
// capability base filter, which is All or Deny(view_image); no deferred names
// or witnesses. The zero value is the default state.
type vis struct {
	CapDeny        bool
	Active, Staged uint64
}

// concrete returns the visibility state.
func (v vis) concrete() visibility.State {
	s := visibility.State{ActiveRevision: v.Active, StagedRevision: v.Staged}
	if v.CapDeny {
		s.CapabilityBaseFilter = visibility.CapabilityBaseFilterForImageToolResults(false)
	}
	return s
}

// visFor is the visibility state a host session on the model starts with.
func visFor(model string, active, staged uint64) vis {
	known, _, image := caps(model)
	return vis{CapDeny: known && !image, Active: active, Staged: staged}
}

// derive is visibility.DeriveReconfigured for the model's states and the
// default base tools (which include view_image): the capability base filter
// follows the target, and a change of view_image's committed visibility bumps
// the active revision past both revisions.
func derive(cur vis, targetImage bool) vis {
	next := cur
	next.CapDeny = !targetImage
	if next.CapDeny != cur.CapDeny {
		next.Active = max(cur.Active, cur.Staged) + 1
	}
	return next
}

// request is the model's form of runtime.ReconfigureRequest.
type request struct {
	Model       string // "" keeps the current model
	Params      string // "" keeps the current params
	ClearParams bool
}

// concrete returns the runtime request.
func (r request) concrete() runtime.ReconfigureRequest {
	out := runtime.ReconfigureRequest{Model: r.Model, ClearProviderParams: r.ClearParams}
	if r.Params != "" {
		out.ProviderParams = []byte(r.Params)
	}
	return out
}

// resolve is what the reference host answers to a reconfigure request: the
// merged target identity, or false when it refuses the target (a validation
// error).
func resolve(cur ident, r request) (ident, bool) {
	t := cur
	if r.Model != "" {
		t.Model = r.Model
	}
	switch {
	case r.ClearParams:
		t.Params = ""
	case r.Params != "":
		t.Params = r.Params
	}
	known, _, _ := caps(t.Model)
	if !known {
		return ident{}, false
	}
	if r.Model != "" {
		t.Provider = providerOf(t.Model)
	} else if t.Provider != providerOf(t.Model) {
		return ident{}, false
	}
	return t, true
}

// hostSess is the reference host's record of one session.
type hostSess struct {
	Known    bool
	Live     bool
	LiveID   ident
	LiveVis  vis
	DurID    ident
	DurVis   vis
	Persists int
	Discards int
}

// revive rebuilds a discarded session from its durable state.
func (h *hostSess) revive() {
	if !h.Live {
		h.Live, h.LiveID, h.LiveVis = true, h.DurID, h.DurVis
	}
}

// handleState is the state of the test's handle on a session's executor.
type handleState uint8

const (
	noHandle     handleState = iota // no executor was attached to this session
	handleOpen                      // attached and not closed
	handleClosed                    // closed (by Close, Exit or removal)
)

// sessModel is the model of one runtime session.
type sessModel struct {
	Exists   bool
	St       gen.State
	HasID    bool   // the cached identity is set
	ID       ident  // the cached identity
	Surface  string // catalog model whose surface is cached; "" for none
	Resolved bool   // the cached surface status
	Vis      vis    // the session's tool visibility state
	Handle   handleState
	ExecRef  bool // the session still references the handle's executor
	Pending  int  // effects waiting in the executor's channel
}

// live reports whether the session has a live executor.
func (s *sessModel) live() bool { return s.ExecRef && s.Handle == handleOpen }

// refModel is the whole reference model. It is a comparable value, so the
// concurrency search can memoize on it.
type refModel struct {
	Sess [nSess]sessModel
	Host [nSess]hostSess
	Buf  int // executor effect buffer size
}

// Outcomes of a call, after runtime.KindOf.
const (
	outOK         = "ok"
	outNotReady   = "not ready"
	outValidation = "validation"
	outInternal   = "internal"
	outOther      = "other" // an untyped error (a machine refusal passed through)
	outSkipped    = "skipped"
)

// outcomeOf maps an error to its outcome.
func outcomeOf(err error) string {
	if err == nil {
		return outOK
	}
	return runtime.KindOf(err).String()
}

// result is what a call returned, in the model's terms.
type result struct {
	Out   string
	Epoch uint64               // minted authority epoch, if any
	Chan  runtime.ChannelState // channel state of an eligibility proof
}

// Errors of model.apply.
var (
	errModelGone   = errors.New("session removed")
	errModelBroken = errors.New("invariant broken")
)

// apply is the runtime's stepLocked on the model: the input is applied with
// gen.Step and committed unless it is refused or would break an invariant.
func (m *refModel) apply(i int, in gen.Input) error {
	s := &m.Sess[i]
	if !s.Exists {
		return errModelGone
	}
	next, _, err := gen.Step(s.St, in)
	if err != nil {
		return err
	}
	if err := next.CheckInvariants(); err != nil {
		return errModelBroken
	}
	s.St = next
	return nil
}

// applyOutcome applies in and classifies a failure the way the runtime's
// applyValidated does: a refusal is a validation error.
func (m *refModel) applyOutcome(i int, in gen.Input) string {
	switch err := m.apply(i, in); {
	case err == nil:
		return outOK
	case errors.Is(err, errModelGone):
		return outNotReady
	case errors.Is(err, gen.ErrRejected):
		return outValidation
	default:
		return outInternal
	}
}

// replaceVis installs a visibility state: SyncVisibilityRevisions is applied,
// and a guard refusal is tolerated when the machine's revision counter already
// covers both revisions.
func (m *refModel) replaceVis(i int, v vis) error {
	s := &m.Sess[i]
	if !s.Exists {
		return errModelGone
	}
	if err := m.apply(i, gen.SyncVisibilityRevisions{ActiveRevision: v.Active, StagedRevision: v.Staged}); err != nil {
		var gr *gen.GuardRejectedError
		covered := s.St.NextStagedVisibilityRevision >= v.Active && s.St.NextStagedVisibilityRevision >= v.Staged
		if !errors.As(err, &gr) || !covered {
			return err
		}
	}
	s.Vis = v
	return nil
}

// setCached sets the cached LLM state; a removed session is ignored.
func (m *refModel) setCached(i int, id *ident, surface string, resolved bool) {
	s := &m.Sess[i]
	if !s.Exists {
		return
	}
	s.HasID, s.ID = id != nil, ident{}
	if id != nil {
		s.ID = *id
	}
	s.Surface, s.Resolved = surface, resolved
}

// hydrated is what the host reports when it hydrates a session.
type hydrated struct {
	ID       ident
	Vis      vis
	Surface  string
	Resolved bool
}

// hydrate is the host's HydrateSessionLLMState: a discarded session is
// rebuilt from its durable state.
func (m *refModel) hydrate(i int) hydrated {
	h := &m.Host[i]
	h.revive()
	out := hydrated{ID: h.LiveID, Vis: h.LiveVis}
	if known, _, _ := caps(h.LiveID.Model); known {
		out.Surface, out.Resolved = h.LiveID.Model, true
	}
	return out
}

// cacheHydrated installs hydrated state in the session: visibility and cache.
func (m *refModel) cacheHydrated(i int, h hydrated) string {
	if !m.Sess[i].Exists {
		return outNotReady
	}
	if err := m.replaceVis(i, h.Vis); err != nil {
		return outInternal
	}
	id := h.ID
	m.setCached(i, &id, h.Surface, h.Resolved)
	return outOK
}

// attachmentBound reports whether the machine's realtime binding counts as
// bound (status BindingNotReady, BindingReady or ReplacementPending).
func attachmentBound(st gen.State) bool {
	return !st.RealtimeReattachRequired && st.RealtimeBindingState != gen.RealtimeBindingStateUnbound
}

// channelState is the channel state the runtime reports for a machine state
// (see runtime.ProjectChannelStatus): an exhausted reconnect cycle is Error; otherwise the
// attachment status decides.
func channelState(st gen.State) runtime.ChannelState {
	if st.RealtimeReconnectCycleState == gen.RealtimeReconnectCycleStateExhausted {
		return runtime.ChannelError
	}
	if st.RealtimeReattachRequired {
		return runtime.ChannelReconnecting
	}
	switch st.RealtimeBindingState {
	case gen.RealtimeBindingStateBindingNotReady:
		return runtime.ChannelOpening
	case gen.RealtimeBindingStateBindingReady:
		return runtime.ChannelReady
	case gen.RealtimeBindingStateReplacementPending:
		return runtime.ChannelReconnecting
	}
	if st.RealtimeIntentPresent {
		return runtime.ChannelOpening
	}
	return runtime.ChannelClosed
}

// opKind names a runtime call the tests make.
type opKind uint8

const (
	opRegister opKind = iota
	opRemove
	opAttachExecutor
	opExit
	opCloseExecutor
	opDrain
	opTurn
	opCheckpoint
	opCancelAfterBoundary
	opAttachLive
	opDetachLive
	opRequireReattach
	opPublishReady
	opReconfigure
	opLiveReconfigure
	opTransport
	opEligibility
)

// String returns the call's name, which is also its action's name.
func (k opKind) String() string {
	return [...]string{
		opRegister:            "register",
		opRemove:              "remove",
		opAttachExecutor:      "attach executor",
		opExit:                "executor exit",
		opCloseExecutor:       "executor close",
		opDrain:               "drain effects",
		opTurn:                "turn step",
		opCheckpoint:          "checkpoint cancel",
		opCancelAfterBoundary: "cancel after boundary",
		opAttachLive:          "attach live",
		opDetachLive:          "detach live",
		opRequireReattach:     "require reattach",
		opPublishReady:        "publish ready",
		opReconfigure:         "reconfigure llm",
		opLiveReconfigure:     "reconfigure live",
		opTransport:           "capability transport",
		opEligibility:         "bootstrap eligibility",
	}[k]
}

// turnKind is one of the executor's turn inputs.
type turnKind uint8

const (
	turnStartConversation turnKind = iota
	turnStartImmediate
	turnPrimitiveApplied
	turnLLMTerminal
	turnLLMToolCalls
	turnToolCallsResolved
	turnBoundaryContinue
	turnBoundaryComplete
	turnServiceCommitted
	turnCancelNow
	turnCancellationObserved
	turnCancelRun
	turnAcknowledge
	turnFatal
	nTurnKinds
)

// runID returns the id of run r.
func runID(r int) gen.RunID { return gen.RunID(fmt.Sprintf("r%d", r)) }

// input returns the machine input of a turn step.
func (k turnKind) input(run gen.RunID) gen.Input {
	switch k {
	case turnStartConversation:
		return gen.StartConversationRun{RunID: run, PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation}
	case turnStartImmediate:
		return gen.StartImmediateAppend{RunID: run}
	case turnPrimitiveApplied:
		return gen.PrimitiveApplied{}
	case turnLLMTerminal:
		return gen.LLMReturnedTerminal{}
	case turnLLMToolCalls:
		return gen.LLMReturnedToolCalls{ToolCount: 1}
	case turnToolCallsResolved:
		return gen.ToolCallsResolved{}
	case turnBoundaryContinue:
		return gen.BoundaryContinue{}
	case turnBoundaryComplete:
		return gen.BoundaryComplete{}
	case turnServiceCommitted:
		return gen.ServiceTurnCommitted{RunID: run}
	case turnCancelNow:
		return gen.CancelNow{}
	case turnCancellationObserved:
		return gen.CancellationObserved{}
	case turnCancelRun:
		return gen.CancelRun{RunID: run}
	case turnAcknowledge:
		return gen.AcknowledgeTerminal{Outcome: gen.TurnTerminalOutcomeCompleted}
	default:
		return gen.FatalFailure{TerminalCauseKind: gen.TurnTerminalCauseKindLLMFailure}
	}
}

// op is one runtime call with its arguments and fault plan.
type op struct {
	Kind opKind
	S    int // session index

	Reg    ident // register: the host session's identity
	RegVis vis   // register: the host session's visibility state

	Turn turnKind // turn step
	Run  int      // turn step and checkpoint: run index

	Req   request // reconfigure and live reconfigure
	Stale bool    // live reconfigure: present a never-minted epoch

	// Faults says which host calls of this call fail: bit n set makes the
	// n-th call (counting from 0, the executor's boundary handle included)
	// fail with an injected internal error before it has any effect.
	Faults uint16
}

// String describes the call for histories.
func (o op) String() string {
	s := fmt.Sprintf("%v(s%d", o.Kind, o.S)
	switch o.Kind {
	case opRegister:
		s += fmt.Sprintf(", %s, %+v", o.Reg.Model, o.RegVis)
	case opTurn:
		s += fmt.Sprintf(", %s", o.Turn.input(runID(o.Run)).InputName())
		if o.Turn == turnStartConversation || o.Turn == turnStartImmediate || o.Turn == turnServiceCommitted || o.Turn == turnCancelRun {
			s += fmt.Sprintf(" r%d", o.Run)
		}
	case opCheckpoint:
		s += fmt.Sprintf(", r%d", o.Run)
	case opReconfigure, opLiveReconfigure:
		s += fmt.Sprintf(", %+v", o.Req)
		if o.Stale {
			s += ", stale"
		}
	}
	if o.Faults != 0 {
		s += fmt.Sprintf(", faults %b", o.Faults)
	}
	return s + ")"
}

// proc is an in-flight call in the model: the op, where it is, and what it
// has computed so far. It is a comparable value.
type proc struct {
	Op    op
	PC    int
	Done  bool
	Gate  bool // holds the session's mutation gate
	Calls int  // host calls made so far
	Res   result

	Failed string // an earlier step's failure, acted on by a later step
	Epoch  uint64 // the authority presented (live reconfigure, publish)
	Hyd    hydrated
	Target ident
	Next   vis
	Surf   string // the capability surface the call decides on
	Bound  bool   // transport: the binding counted as bound
}

// call makes the next host call and reports whether the fault plan fails it.
func (p *proc) call() (fail bool) {
	n := p.Calls
	p.Calls++
	return p.Op.Faults>>n&1 == 1
}

// finish ends the call with the outcome and releases the gate.
func (p *proc) finish(out string) {
	p.Done, p.Gate = true, false
	p.Res.Out = out
}

// needsGate reports whether p's next step runs under the session's mutation
// gate, which it does not hold yet.
func (p *proc) needsGate() bool {
	if p.Gate {
		return false
	}
	switch p.Op.Kind {
	case opReconfigure:
		return p.PC == 0
	case opLiveReconfigure:
		return p.PC == 2
	case opTransport, opEligibility:
		return p.PC == 1
	}
	return false
}

// run runs op to completion and returns its result.
func (m *refModel) run(o op) result {
	p := proc{Op: o}
	for !p.Done {
		m.step(&p)
	}
	return p.Res
}

// step runs p's next atomic step.
func (m *refModel) step(p *proc) {
	if p.needsGate() {
		p.Gate = true
	}
	i := p.Op.S
	s := &m.Sess[i]
	switch p.Op.Kind {
	case opRegister:
		if s.Exists {
			p.finish(outValidation)
			return
		}
		st := gen.Initial()
		for _, in := range []gen.Input{gen.Initialize{}, gen.RegisterSession{SessionID: gen.SessionID(sessionID(i))}} {
			st, _, _ = gen.Step(st, in)
		}
		*s = sessModel{Exists: true, St: st}
		m.Host[i] = hostSess{Known: true, Live: true, LiveID: p.Op.Reg, LiveVis: p.Op.RegVis, DurID: p.Op.Reg, DurVis: p.Op.RegVis}
		p.finish(outOK)

	case opRemove:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		*s = sessModel{}
		p.finish(outOK)

	case opAttachExecutor:
		switch {
		case !s.Exists:
			p.finish(outNotReady)
			return
		case s.live():
			p.finish(outValidation)
			return
		}
		next := s.St
		for _, in := range []gen.Input{gen.PrepareBindings{AgentRuntimeID: agentID(i), FenceToken: 1}, gen.EnsureSessionWithExecutor{}} {
			var err error
			if next, _, err = gen.Step(next, in); err != nil {
				p.finish(outNotReady)
				return
			}
		}
		if next.CheckInvariants() != nil {
			p.finish(outInternal)
			return
		}
		s.St, s.Handle, s.ExecRef, s.Pending = next, handleOpen, true, 0
		p.finish(outOK)

	case opExit:
		if s.Handle == noHandle {
			p.finish(outSkipped)
			return
		}
		s.ExecRef, s.Handle = false, handleClosed
		switch err := m.apply(i, gen.RuntimeExecutorExited{}); {
		case err == nil:
			p.finish(outOK)
		case errors.Is(err, errModelGone):
			p.finish(outNotReady)
		case errors.Is(err, errModelBroken):
			p.finish(outInternal)
		default:
			p.finish(outOther)
		}

	case opCloseExecutor:
		if s.Handle == noHandle {
			p.finish(outSkipped)
			return
		}
		s.Handle = handleClosed
		p.finish(outOK)

	case opDrain:
		if s.Handle == noHandle {
			p.finish(outSkipped)
			return
		}
		s.Pending = 0
		p.finish(outOK)

	case opTurn:
		switch s.Handle {
		case noHandle:
			p.finish(outSkipped)
			return
		case handleClosed:
			p.finish(outValidation)
			return
		}
		switch err := m.apply(i, p.Op.Turn.input(runID(p.Op.Run))); {
		case err == nil:
			p.finish(outOK)
		case errors.Is(err, errModelBroken):
			p.finish(outInternal)
		default:
			p.finish(outOther)
		}

	case opCheckpoint:
		switch s.Handle {
		case noHandle:
			p.finish(outSkipped)
			return
		case handleClosed:
			p.finish(outValidation)
			return
		}
		st := s.St
		if st.CurrentRunID != gen.Some(runID(p.Op.Run)) || st.CancelAfterBoundary {
			p.finish(outOK)
			return
		}
		switch st.TurnPhase {
		case gen.TurnPhaseApplyingPrimitive, gen.TurnPhaseCallingLLM, gen.TurnPhaseWaitingForOps,
			gen.TurnPhaseDrainingBoundary, gen.TurnPhaseExtracting, gen.TurnPhaseErrorRecovery:
		default:
			p.finish(outOK)
			return
		}
		switch err := m.apply(i, gen.RequestCancelAfterBoundary{}); {
		case err == nil:
			p.finish(outOK)
		case errors.Is(err, errModelBroken):
			p.finish(outInternal)
		default:
			p.finish(outOther)
		}

	case opCancelAfterBoundary:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		p.finish(m.cancelAfterBoundary(i, p))

	case opAttachLive:
		m.bind(i, p)

	case opDetachLive:
		p.finish(m.applyOutcome(i, gen.DetachRealtimeBinding{}))

	case opRequireReattach:
		p.finish(m.applyOutcome(i, gen.RequireRealtimeReattach{}))

	case opPublishReady:
		m.stepPublish(i, p)

	case opReconfigure:
		m.stepReconfigure(i, p)

	case opLiveReconfigure:
		m.stepLive(i, p)

	case opTransport:
		m.stepTransport(i, p)

	case opEligibility:
		m.stepEligibility(i, p)

	default:
		panic(fmt.Sprintf("unknown op %v", p.Op.Kind))
	}
}

// agentID is the runtime id of the executors the tests attach to session i.
func agentID(i int) gen.AgentRuntimeID { return gen.AgentRuntimeID(fmt.Sprintf("agent-%d", i)) }

// cancelAfterBoundary is the runtime's cancel-after-boundary dispatch: the
// machine must accept CancelAfterBoundary (Attached or Running); a live
// executor's boundary handle is called (a host call of the plan); then the
// effect is sent without blocking to a live executor, a dead one is cleared.
func (m *refModel) cancelAfterBoundary(i int, p *proc) string {
	s := &m.Sess[i]
	if err := m.apply(i, gen.CancelAfterBoundary{Reason: runtime.BoundaryCancelReason}); err != nil {
		return outNotReady
	}
	live := s.live()
	if live && p.call() {
		return outInternal
	}
	if !s.ExecRef {
		return outNotReady
	}
	if !live {
		s.ExecRef = false
		return outNotReady
	}
	if s.Pending >= m.Buf {
		return outInternal
	}
	s.Pending++
	return outOK
}

// bind is AttachLive: a live executor is required, a cached surface without
// realtime refuses, and BeginRealtimeBinding mints the epoch.
func (m *refModel) bind(i int, p *proc) {
	s := &m.Sess[i]
	switch {
	case !s.Exists, !s.live():
		p.finish(outNotReady)
		return
	}
	if s.Surface != "" {
		if _, rt, _ := caps(s.Surface); !rt {
			p.finish(outValidation)
			return
		}
	}
	if err := m.apply(i, gen.BeginRealtimeBinding{}); err != nil {
		p.finish(outValidation)
		return
	}
	p.Res.Epoch = s.St.RealtimeBindingAuthorityEpoch.Value
	p.finish(outOK)
}

// stepPublish: read the current authority, then publish BindingReady with it.
func (m *refModel) stepPublish(i int, p *proc) {
	s := &m.Sess[i]
	switch p.PC {
	case 0:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		e, ok := s.St.RealtimeBindingAuthorityEpoch.Get()
		if !ok {
			p.finish(outSkipped)
			return
		}
		p.Epoch, p.PC = e, 1
	default:
		p.finish(m.applyOutcome(i, gen.PublishRealtimeSignal{AuthorityEpoch: p.Epoch, NextBindingState: gen.RealtimeBindingStateBindingReady}))
	}
}

// prepare is the first half of the reconfigure preparation (as documented
// on runtime.ReconfigureSessionLLMIdentity): the phase check, the host's hydration and caching it.
func (m *refModel) prepare(i int, p *proc) string {
	s := &m.Sess[i]
	if !s.Exists {
		return outNotReady
	}
	if ph := s.St.LifecyclePhase; ph != gen.LifecyclePhaseAttached && ph != gen.LifecyclePhaseRunning {
		return outNotReady
	}
	if p.call() {
		return outInternal
	}
	p.Hyd = m.hydrate(i)
	return m.cacheHydrated(i, p.Hyd)
}

// resolveTarget is the second half of the preparation (steps 5-6): the host
// resolves the target and the next visibility state is derived.
func (m *refModel) resolveTarget(p *proc) string {
	if p.call() {
		return outInternal
	}
	t, ok := resolve(p.Hyd.ID, p.Op.Req)
	if !ok {
		return outValidation
	}
	_, _, image := caps(t.Model)
	p.Target, p.Next = t, derive(p.Hyd.Vis, image)
	return outOK
}

// hostApplyIdentity, hostApplyVis and hostPersist are the host's methods
// after a successful call.
func (m *refModel) hostApplyIdentity(i int, id ident) {
	h := &m.Host[i]
	h.revive()
	h.LiveID = id
}

func (m *refModel) hostApplyVis(i int, v vis) {
	h := &m.Host[i]
	h.revive()
	h.LiveVis = v
}

func (m *refModel) hostPersist(i int) {
	h := &m.Host[i]
	h.revive()
	h.DurID, h.DurVis = h.LiveID, h.LiveVis
	h.Persists++
}

// discardUnresolved discards the host session (the call's failure is
// ignored) and marks the cached LLM state unresolved.
func (m *refModel) discardUnresolved(i int, p *proc) {
	if !p.call() {
		h := &m.Host[i]
		h.Live, h.LiveID, h.LiveVis = false, ident{}, vis{}
		h.Discards++
	}
	m.setCached(i, nil, "", false)
}

// stepReconfigure is ReconfigureSessionLLMIdentity in
// two steps under the mutation gate: prepare (which caches the hydrated
// state), then the rest (whose only effect others can see is the final cache
// write).
func (m *refModel) stepReconfigure(i int, p *proc) {
	s := &m.Sess[i]
	if p.PC == 0 {
		if out := m.prepare(i, p); out != outOK {
			p.finish(out)
			return
		}
		p.PC = 1
		return
	}
	if out := m.resolveTarget(p); out != outOK {
		p.finish(out)
		return
	}
	if out := m.applyOutcome(i, gen.ReconfigureSessionLLMIdentity{}); out != outOK {
		p.finish(out)
		return
	}
	if ph := s.St.LifecyclePhase; !s.Exists || (ph != gen.LifecyclePhaseAttached && ph != gen.LifecyclePhaseRunning) {
		p.finish(outNotReady)
		return
	}
	if p.call() {
		// Upstream returns here without rollback; the runtime rolls back.
		m.rollback(i, p)
		return
	}
	m.hostApplyIdentity(i, p.Target)
	failed := p.call()
	if !failed {
		m.hostApplyVis(i, p.Next)
		failed = p.call()
		if !failed {
			m.hostPersist(i)
		}
	}
	if failed {
		m.rollback(i, p)
		return
	}
	if m.replaceVis(i, p.Next) != nil {
		m.discardUnresolved(i, p)
		p.finish(outInternal)
		return
	}
	t := p.Target
	m.setCached(i, &t, t.Model, true)
	p.finish(outOK)
}

// rollback re-applies the previous identity and visibility on the host; if
// either fails the host session is discarded and the cache unresolved. It
// always ends in an internal error (the original fault, or a RollbackError).
func (m *refModel) rollback(i int, p *proc) {
	ok := !p.call()
	if ok {
		m.hostApplyIdentity(i, p.Hyd.ID)
		ok = !p.call()
		if ok {
			m.hostApplyVis(i, p.Hyd.Vis)
		}
	}
	if ok {
		id := p.Hyd.ID
		m.setCached(i, &id, p.Hyd.Surface, p.Hyd.Resolved)
	} else {
		m.discardUnresolved(i, p)
	}
	p.finish(outInternal)
}

// Steps of a live topology reconfigure.
const (
	liveRead     = iota // read the authority to present
	liveBegin           // BeginLiveTopologyReconfigure
	livePrepare         // gate; cancel after boundary; prepare and resolve
	liveDetach          // abort an earlier failure, or wait for the boundary and detach
	liveHost            // host identity, visibility, persist; install; cache
	liveComplete        // CompleteLiveTopology, or finish failing past detach
	liveAttach          // attach the new binding
)

// stepLive is ReconfigureLiveTopology (as the runtime's
// documentation describes it), one atomic section per step.
func (m *refModel) stepLive(i int, p *proc) {
	s := &m.Sess[i]
	switch p.PC {
	case liveRead:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		if p.Op.Stale {
			p.Epoch = s.St.RealtimeNextAuthorityEpoch // never minted yet
		} else {
			e, ok := s.St.RealtimeBindingAuthorityEpoch.Get()
			if !ok {
				p.finish(outSkipped)
				return
			}
			p.Epoch = e
		}
		p.PC = liveBegin

	case liveBegin:
		if out := m.applyOutcome(i, gen.BeginLiveTopologyReconfigure{AuthorityEpoch: p.Epoch}); out != outOK {
			p.finish(out)
			return
		}
		p.PC = livePrepare

	case livePrepare:
		p.PC = liveDetach
		if s.ExecRef {
			if out := m.cancelAfterBoundary(i, p); out != outOK {
				p.Failed = out
				return
			}
		}
		if out := m.prepare(i, p); out != outOK {
			p.Failed = out
			return
		}
		if out := m.resolveTarget(p); out != outOK {
			p.Failed = out
		}

	case liveDetach:
		out := p.Failed
		if out == "" {
			// The wait for the boundary: when the turn is not at a safe
			// boundary the wait ends at the deadline (the concurrency search
			// also lets other calls run first, which may reach one).
			switch err := m.apply(i, gen.MarkLiveTopologyDetached{}); {
			case err == nil:
				p.PC = liveHost
				return
			case errors.Is(err, errModelGone):
				out = outNotReady
			default:
				out = outInternal
			}
		}
		_ = m.apply(i, gen.AbortLiveTopologyBeforeDetach{})
		p.finish(out)

	case liveHost:
		p.PC = liveComplete
		fail := func() {
			p.Failed = outInternal
			m.discardUnresolved(i, p)
		}
		if p.call() {
			fail()
			return
		}
		m.hostApplyIdentity(i, p.Target)
		if m.apply(i, gen.ApplyLiveTopologyIdentity{}) != nil || p.call() {
			fail()
			return
		}
		m.hostApplyVis(i, p.Next)
		if p.call() {
			fail()
			return
		}
		m.hostPersist(i)
		if m.apply(i, gen.ApplyLiveTopologyVisibility{}) != nil || m.replaceVis(i, p.Next) != nil {
			fail()
			return
		}
		t := p.Target
		m.setCached(i, &t, t.Model, true)

	case liveComplete:
		if p.Failed == "" && m.apply(i, gen.CompleteLiveTopology{}) == nil {
			p.PC = liveAttach
			return
		}
		if p.Failed == "" {
			m.discardUnresolved(i, p)
		}
		_ = m.replaceVis(i, vis{})
		_ = m.apply(i, gen.FailLiveTopologyAfterDetach{})
		p.finish(outInternal)

	case liveAttach:
		if _, rt, _ := caps(p.Target.Model); !rt {
			p.finish(outValidation) // completed detached
			return
		}
		m.bind(i, p)
	}
}

// stepTransport is ApplyCapabilityDrivenRealtimeTransport: read the cache; hydrate under the gate if it is not resolved; read
// the attachment status; attach or detach.
func (m *refModel) stepTransport(i int, p *proc) {
	s := &m.Sess[i]
	switch p.PC {
	case 0:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		if s.Surface == "" || !s.Resolved {
			p.PC = 1
			return
		}
		p.Surf, p.PC = s.Surface, 2
	case 1:
		p.Gate = false // released at the end of this step
		if p.call() {
			p.finish(outInternal)
			return
		}
		h := m.hydrate(i)
		if out := m.cacheHydrated(i, h); out != outOK {
			p.finish(out)
			return
		}
		if h.Surface == "" {
			p.finish(outOK)
			return
		}
		p.Surf, p.PC = h.Surface, 2
	case 2:
		if !s.Exists {
			p.finish(outInternal)
			return
		}
		p.Bound, p.PC = attachmentBound(s.St), 3
	default:
		_, rt, _ := caps(p.Surf)
		switch {
		case rt && !p.Bound:
			m.bind(i, p)
		case !rt && p.Bound:
			p.finish(m.applyOutcome(i, gen.DetachRealtimeBinding{}))
		default:
			p.finish(outOK)
		}
	}
}

// stepEligibility is RealtimeBootstrapEligibility: read
// the cache; hydrate under the gate unless identity and surface are cached
// and resolved; fail closed unless the model supports realtime.
func (m *refModel) stepEligibility(i int, p *proc) {
	s := &m.Sess[i]
	switch p.PC {
	case 0:
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		if !s.HasID || s.Surface == "" || !s.Resolved {
			p.PC = 1
			return
		}
		p.Surf, p.PC = s.Surface, 2
	case 1:
		p.Gate = false // released at the end of this step
		if p.call() {
			p.finish(outInternal)
			return
		}
		h := m.hydrate(i)
		if out := m.cacheHydrated(i, h); out != outOK {
			p.finish(out)
			return
		}
		if h.Surface == "" || !h.Resolved {
			p.finish(outValidation)
			return
		}
		p.Surf, p.PC = h.Surface, 2
	default:
		if _, rt, _ := caps(p.Surf); !rt {
			p.finish(outValidation)
			return
		}
		if !s.Exists {
			p.finish(outNotReady)
			return
		}
		p.Res.Chan = channelState(s.St)
		p.finish(outOK)
	}
}
