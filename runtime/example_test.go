package runtime_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
	meerkat "github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// A session on the in-memory reference host switches from a realtime model
// to one without image tool results: view_image is hidden and the active
// visibility revision bumps.
func ExampleControlPlane_ReconfigureSessionLLMIdentity() {
	host := memhost.New()
	host.AddSession("s", meerkat.LLMIdentity{Model: memhost.ModelRealtime, Provider: meerkat.ProviderOpenAI}, visibility.State{})
	cp := meerkat.New(meerkat.WithHost(host))
	_ = cp.CreateSession("s")
	exec, _ := cp.AttachExecutor("s", meerkat.ExecutorConfig{RuntimeID: "agent", FenceToken: 1})
	defer exec.Close()

	report, err := cp.ReconfigureSessionLLMIdentity(context.Background(), "s", meerkat.ReconfigureRequest{Model: memhost.ModelTextSmall})
	if err != nil {
		fmt.Println(err)
		return
	}
	snap, _ := cp.Snapshot("s")
	fmt.Println(report.PreviousIdentity, "->", report.NewIdentity)
	fmt.Println("capability base filter:", snap.Visibility.CapabilityBaseFilter)
	fmt.Println("active revision:", snap.Visibility.ActiveRevision, "bumped:", report.ToolVisibilityDelta.RevisionBumped)
	fmt.Println("phase:", snap.State.LifecyclePhase)
	// Output:
	// openai/gpt-realtime -> gemini/text-small
	// capability base filter: Deny{view_image}
	// active revision: 1 bumped: true
	// phase: Attached
}

// A live topology reconfigure needs the session's turn at a safe boundary;
// here the session is idle between turns, so it completes at once and mints
// a new authority (the old epoch + 2: the detach burns one).
func ExampleControlPlane_ReconfigureLiveTopology() {
	host := memhost.New()
	host.AddSession("s", meerkat.LLMIdentity{Model: memhost.ModelRealtime, Provider: meerkat.ProviderOpenAI}, visibility.State{})
	cp := meerkat.New(meerkat.WithHost(host))
	_ = cp.CreateSession("s")
	exec, _ := cp.AttachExecutor("s", meerkat.ExecutorConfig{RuntimeID: "agent", FenceToken: 1, EffectBuffer: 4})
	defer exec.Close()

	auth, _ := cp.AttachLive("s")
	next, err := cp.ReconfigureLiveTopology(context.Background(), auth, meerkat.ReconfigureRequest{})
	fmt.Println(auth.Epoch, "->", next.Epoch, err)
	status, _ := cp.RealtimeAttachmentStatus("s")
	fmt.Println(status)
	e := <-exec.Effects()
	fmt.Println(e.Kind == gen.RuntimeEffectKindCancelAfterBoundary)
	// Output:
	// 1 -> 3 <nil>
	// BindingNotReady
	// true
}

// A turn waits on a barrier of operations: the executor registers the
// operation ids it started and later reports them finished, in whatever
// order and with whatever repeats its completions arrived in. The machine
// compares the two as sets; a report naming another set is refused by the
// guard matching_barrier_ids and leaves the barrier open.
func ExampleExecutor_RegisterPendingOps() {
	host := memhost.New()
	host.AddSession("s", meerkat.LLMIdentity{Model: memhost.ModelRealtime, Provider: meerkat.ProviderOpenAI}, visibility.State{})
	cp := meerkat.New(meerkat.WithHost(host))
	_ = cp.CreateSession("s")
	exec, _ := cp.AttachExecutor("s", meerkat.ExecutorConfig{RuntimeID: "agent", FenceToken: 1})
	defer exec.Close()

	_, _ = exec.Apply(gen.StartConversationRun{RunID: "r1", PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation})
	_, _ = exec.Apply(gen.PrimitiveApplied{})
	if _, err := exec.RegisterPendingOps("fetch", "index", "fetch"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("waiting on", exec.State().BarrierOperationIDs.Len(), "operations")

	_, err := exec.OpsBarrierSatisfied("index")
	var refused *gen.GuardRejectedError
	fmt.Println("report [index]:", errors.As(err, &refused) && refused.Guard == "matching_barrier_ids")

	_, err = exec.OpsBarrierSatisfied("index", "fetch", "index")
	fmt.Println("report [index fetch index]:", err, exec.State().BarrierSatisfied)
	// Output:
	// waiting on 2 operations
	// report [index]: true
	// report [index fetch index]: <nil> true
}
