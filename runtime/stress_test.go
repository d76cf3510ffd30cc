package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
)

// driveTurns is a simulated executor: it runs conversation turns back to
// back and honours cancel-after-boundary requests, until stop is closed.
func driveTurns(t *testing.T, exec *runtime.Executor, stop <-chan struct{}) {
	for n := 0; ; n++ {
		run := gen.RunID(fmt.Sprint("r", n))
		steps := []gen.Input{
			gen.StartConversationRun{RunID: run, PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation},
			gen.PrimitiveApplied{},
			gen.LLMReturnedTerminal{},
			gen.BoundaryComplete{},
			gen.ServiceTurnCommitted{RunID: run},
		}
		for _, in := range steps {
			select {
			case <-stop:
				return
			case e := <-exec.Effects():
				if e.Kind == gen.RuntimeEffectKindCancelAfterBoundary {
					if _, err := exec.CheckpointCancelAfterBoundary(run); err != nil {
						t.Errorf("checkpoint: %v", err)
					}
				}
			default:
			}
			if _, err := exec.Apply(in); err != nil {
				t.Errorf("executor %s: %v", in.InputName(), err)
				return
			}
			time.Sleep(20 * time.Microsecond)
		}
	}
}

type stressCounts struct {
	ok, validation, notReady, internal, other atomic.Int64
}

func (c *stressCounts) add(err error) {
	switch runtime.KindOf(err) {
	case runtime.KindOther:
		if err == nil {
			c.ok.Add(1)
		} else {
			c.other.Add(1)
		}
	case runtime.KindValidation:
		c.validation.Add(1)
	case runtime.KindNotReady:
		c.notReady.Add(1)
	case runtime.KindInternal:
		c.internal.Add(1)
	}
}

func runStress(t *testing.T, faults bool) *stressCounts {
	const sessions, workers, rounds = 4, 16, 40
	host := memhost.New()
	cp := runtime.New(runtime.WithHost(host), runtime.WithBoundaryDeadline(3*time.Second))
	ids := make([]runtime.SessionID, sessions)
	stop := make(chan struct{})
	var execs sync.WaitGroup
	for i := range sessions {
		id := runtime.SessionID(fmt.Sprint("s", i))
		ids[i] = id
		host.AddSession(id, identityOf(t, memhost.ModelRealtime), visibilityFor(t, memhost.ModelRealtime))
		if err := cp.CreateSession(id); err != nil {
			t.Fatal(err)
		}
		exec, err := cp.AttachExecutor(id, runtime.ExecutorConfig{RuntimeID: gen.AgentRuntimeID(id), FenceToken: 1, EffectBuffer: 64})
		if err != nil {
			t.Fatal(err)
		}
		execs.Add(1)
		go func() {
			defer execs.Done()
			driveTurns(t, exec, stop)
		}()
	}
	models := []string{memhost.ModelRealtime, memhost.ModelTextLarge, memhost.ModelTextSmall}
	counts := &stressCounts{}
	liveOK := atomic.Int64{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for r := range rounds {
				id := ids[rng.IntN(sessions)]
				if faults && rng.IntN(4) == 0 {
					host.InjectFault(memhost.Methods()[rng.IntN(len(memhost.Methods()))], memhost.Fault{Skip: rng.IntN(3), Times: 1})
				}
				params := json.RawMessage(fmt.Sprintf(`{"w":%d,"r":%d}`, w, r))
				var err error
				switch rng.IntN(6) {
				case 0, 1:
					_, err = cp.ReconfigureSessionLLMIdentity(ctx, id, runtime.ReconfigureRequest{Model: models[rng.IntN(len(models))], ProviderParams: params})
				case 2, 3:
					a, aerr := cp.CurrentRealtimeAttachmentAuthority(id)
					switch {
					case aerr != nil:
						err = aerr
					case a == nil:
						_, err = cp.ApplyCapabilityDrivenRealtimeTransport(ctx, id)
					default:
						model := memhost.ModelRealtime
						if rng.IntN(4) == 0 {
							model = memhost.ModelTextLarge
						}
						_, err = cp.ReconfigureLiveTopology(ctx, *a, runtime.ReconfigureRequest{Model: model, ProviderParams: params})
						if err == nil {
							liveOK.Add(1)
						}
					}
				case 4:
					_, err = cp.RealtimeBootstrapEligibility(ctx, id)
				default:
					if a, _ := cp.CurrentRealtimeAttachmentAuthority(id); a != nil {
						err = cp.PublishRealtimeAttachmentSignal(*a, runtime.AttachmentBindingReady)
					}
				}
				counts.add(err)
				if !faults && runtime.KindOf(err) == runtime.KindInternal {
					t.Errorf("internal error without faults: %v", err)
				}
				snap, serr := cp.Snapshot(id)
				if serr != nil {
					t.Error(serr)
					return
				}
				if ierr := snap.State.CheckInvariants(); ierr != nil {
					t.Error(ierr)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	execs.Wait()
	host.ClearFaults()

	// Every session ends with its topology Idle, and its cached LLM state is
	// either unresolved or exactly what the host has live.
	for _, id := range ids {
		snap, err := cp.Snapshot(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.State.LiveTopologyPhase != gen.LiveTopologyPhaseIdle {
			t.Errorf("%s: topology %v", id, snap.State.LiveTopologyPhase)
		}
		if snap.SurfaceStatus == runtime.SurfaceResolved && snap.Identity != nil {
			hv, _ := host.Session(id)
			if !hv.Live || !hv.LiveIdentity.Equal(*snap.Identity) || !hv.LiveVisibility.Equal(snap.Visibility) {
				t.Errorf("%s: cached %v / %+v, host live=%v %v / %+v", id, snap.Identity, snap.Visibility, hv.Live, hv.LiveIdentity, hv.LiveVisibility)
			}
		}
	}
	t.Logf("faults=%v ok=%d validation=%d notReady=%d internal=%d other=%d liveReconfigured=%d",
		faults, counts.ok.Load(), counts.validation.Load(), counts.notReady.Load(), counts.internal.Load(), counts.other.Load(), liveOK.Load())
	if counts.other.Load() != 0 {
		t.Errorf("%d untyped errors", counts.other.Load())
	}
	if liveOK.Load() == 0 {
		t.Error("no live reconfigure succeeded")
	}
	return counts
}

func TestStressConcurrentFlows(t *testing.T) {
	runStress(t, false)
}

func TestStressConcurrentFlowsWithHostFaults(t *testing.T) {
	counts := runStress(t, true)
	if counts.internal.Load() == 0 {
		t.Error("no fault was hit")
	}
}
