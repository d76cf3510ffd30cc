// Command reconfigure walks a Meerkat session through the control plane's
// LLM flows on the in-memory reference host:
//
//  1. an executor attaches and starts a turn; a realtime transport binds;
//  2. a live topology reconfigure (new provider params) waits for the turn's
//     next safe boundary, which the executor reaches after it is asked to
//     cancel at the boundary, and returns a fresh authority;
//  3. a non-live reconfigure moves the session to a model without realtime
//     or image tool results: view_image disappears and the revision bumps;
//     the capability-driven transport then detaches realtime, and the
//     bootstrap eligibility check refuses to open realtime;
//  4. a reconfigure whose persist fails is rolled back to the previous
//     identity.
//
// Authority epochs. Each realtime binding gets an authority epoch minted
// from a counter (realtime_next_authority_epoch), and a transport's signals
// are accepted only with the current binding's epoch. Detaching the binding
// for the live reconfigure also burns the counter's next value, so the
// output shows the binding's epoch go 1 -> none -> 3: epoch 2 is never
// issued, and nothing minted or in flight before the detach can match the
// binding the reconfigure re-attaches. The step lines say so ("next epoch
// 2 -> 3 (epoch 2 burned, never issued)").
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	meerkat "github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

const session meerkat.SessionID = "demo"

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// printStep prints every accepted machine input with the phases it changed
// (lifecycle, turn, live topology, realtime binding), the authority epochs it
// minted or burned, and the effects it emitted.
func printStep(e meerkat.StepEvent) {
	fmt.Println(stepLine(e))
}

// stepLine renders one accepted input for printStep.
func stepLine(e meerkat.StepEvent) string {
	var changes []string
	change := func(name string, before, after fmt.Stringer) {
		if before.String() != after.String() {
			changes = append(changes, fmt.Sprintf("%s %v -> %v", name, before, after))
		}
	}
	change("lifecycle", e.Before.LifecyclePhase, e.After.LifecyclePhase)
	change("turn", e.Before.TurnPhase, e.After.TurnPhase)
	change("topology", e.Before.LiveTopologyPhase, e.After.LiveTopologyPhase)
	change("binding", e.Before.RealtimeBindingState, e.After.RealtimeBindingState)
	if e.Before.RealtimeBindingAuthorityEpoch != e.After.RealtimeBindingAuthorityEpoch {
		changes = append(changes, fmt.Sprintf("epoch %s -> %s", epoch(e.Before), epoch(e.After)))
	}
	if was, next := e.Before.RealtimeNextAuthorityEpoch, e.After.RealtimeNextAuthorityEpoch; was != next {
		if v, ok := e.After.RealtimeBindingAuthorityEpoch.Get(); ok && v == was {
			changes = append(changes, fmt.Sprintf("next epoch %d -> %d (minted %d)", was, next, was))
		} else {
			changes = append(changes, fmt.Sprintf("next epoch %d -> %d (epoch %d burned, never issued)", was, next, was))
		}
	}
	line := "  step " + e.Input.InputName()
	if len(changes) > 0 {
		line += ": " + strings.Join(changes, ", ")
	}
	for fx := range e.Effects.All() {
		payload, _ := json.Marshal(fx.Payload())
		line += fmt.Sprintf("\n      effect %v %s", fx.Kind, payload)
	}
	return line
}

func epoch(s gen.State) string {
	if v, ok := s.RealtimeBindingAuthorityEpoch.Get(); ok {
		return fmt.Sprint(v)
	}
	return "none"
}

// run walks a control plane on the reference host through the scenario of
// the package comment. Every accepted machine step is printed and then
// passed to each observer (the tests record the run with them).
func run(ctx context.Context, observers ...func(meerkat.StepEvent)) error {
	host := memhost.New()
	host.AddSession(session,
		meerkat.LLMIdentity{Model: memhost.ModelRealtime, Provider: meerkat.ProviderOpenAI},
		visibility.State{CapabilityBaseFilter: visibility.All(), ActiveRevision: 1, StagedRevision: 1})

	observe := func(e meerkat.StepEvent) {
		printStep(e)
		for _, o := range observers {
			o(e)
		}
	}
	cp := meerkat.New(meerkat.WithHost(host), meerkat.WithBoundaryDeadline(2*time.Second), meerkat.WithObserver(observe))
	if err := cp.CreateSession(session); err != nil {
		return err
	}
	exec, err := cp.AttachExecutor(session, meerkat.ExecutorConfig{RuntimeID: "agent-1", FenceToken: 1})
	if err != nil {
		return err
	}
	defer exec.Close()

	// 1. A turn is in flight (CallingLLM is not a safe boundary) and a
	// realtime transport is bound.
	for _, in := range []gen.Input{
		gen.StartConversationRun{RunID: "run-1", PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation},
		gen.PrimitiveApplied{},
	} {
		if _, err := exec.Apply(in); err != nil {
			return err
		}
	}
	auth, err := cp.AttachLive(session)
	if err != nil {
		return err
	}
	fmt.Printf("attached realtime: epoch %d\n", auth.Epoch)

	// The executor: on a cancel-after-boundary request, it records the
	// intent and lets the model finish, which reaches a safe boundary.
	go func() {
		select {
		case e := <-exec.Effects():
			fmt.Printf("executor: received %v (%q)\n", e.Kind, e.Reason)
			if _, err := exec.CheckpointCancelAfterBoundary("run-1"); err != nil {
				log.Print(err)
			}
			time.Sleep(10 * time.Millisecond)
			if _, err := exec.Apply(gen.LLMReturnedTerminal{}); err != nil {
				log.Print(err)
			}
		case <-exec.Done():
		}
	}()

	// 2. Live topology reconfigure.
	newAuth, err := cp.ReconfigureLiveTopology(ctx, auth, meerkat.ReconfigureRequest{ProviderParams: json.RawMessage(`{"voice":"alto"}`)})
	if err != nil {
		return err
	}
	st, _ := cp.Snapshot(session)
	fmt.Printf("live reconfigure: new epoch %d, turn %v, topology %v\n", newAuth.Epoch, st.State.TurnPhase, st.State.LiveTopologyPhase)
	if err := cp.PublishRealtimeAttachmentSignal(auth, meerkat.AttachmentBindingReady); err != nil {
		fmt.Printf("old authority refused: %v\n", errors.Is(err, meerkat.ErrValidation))
	}
	if err := cp.PublishRealtimeAttachmentSignal(newAuth, meerkat.AttachmentBindingReady); err != nil {
		return err
	}
	ch, _ := cp.RealtimeChannelStatus(session)
	fmt.Printf("channel: %v\n", ch.State)

	// Finish the run.
	for _, in := range []gen.Input{gen.BoundaryComplete{}, gen.ServiceTurnCommitted{RunID: "run-1"}} {
		if _, err := exec.Apply(in); err != nil {
			return err
		}
	}

	// 3. Non-live reconfigure to a model without realtime or image tool results.
	report, err := cp.ReconfigureSessionLLMIdentity(ctx, session, meerkat.ReconfigureRequest{Model: memhost.ModelTextSmall})
	if err != nil {
		return err
	}
	fmt.Printf("reconfigured %v -> %v: capabilities changed %v, view_image filter %v, revision bumped %v\n",
		report.PreviousIdentity, report.NewIdentity, report.CapabilityDelta.Changed,
		report.ToolVisibilityDelta.CurrentCapabilityBaseFilter, report.ToolVisibilityDelta.RevisionBumped)
	if _, err := cp.ApplyCapabilityDrivenRealtimeTransport(ctx, session); err != nil {
		return err
	}
	status, _ := cp.RealtimeAttachmentStatus(session)
	fmt.Printf("capability-driven transport: attachment %v\n", status)
	if _, err := cp.RealtimeBootstrapEligibility(ctx, session); err != nil {
		fmt.Printf("bootstrap refused: %v\n", err)
	}

	// 4. A persist failure is rolled back.
	host.InjectFault(memhost.MethodPersist, memhost.Fault{Times: 1})
	_, err = cp.ReconfigureSessionLLMIdentity(ctx, session, meerkat.ReconfigureRequest{Model: memhost.ModelTextLarge})
	snap, _ := cp.Snapshot(session)
	fmt.Printf("failed reconfigure (%v error, injected %v): still on %v\n",
		meerkat.KindOf(err), errors.Is(err, memhost.ErrInjectedFault), snap.Identity)
	return nil
}
