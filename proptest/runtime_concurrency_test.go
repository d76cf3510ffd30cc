//go:build go1.24

package proptest

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime"
	"github.com/meerkat-go/dslmachine/runtime/memhost"
)

// maxGoroutines bounds the goroutines of the concurrency test.
const maxGoroutines = 3

// concurrentBuffer is the executors' effect buffer in the concurrency test:
// large enough never to fill, so that only the order of calls matters.
const concurrentBuffer = 64

// concurrentBoundary is how long a concurrent live reconfigure waits for a
// safe boundary; other goroutines' turn steps may reach one meanwhile.
const concurrentBoundary = 5 * time.Millisecond

// concurrentKinds returns the calls goroutines make on the shared sessions
// (repeated kinds are drawn more often). Registering, removing, attaching,
// closing and exiting executors happen in the serial prefix only: they
// replace or end the executor that other goroutines' turn steps go through.
func concurrentKinds() []opKind {
	return []opKind{
		opLiveReconfigure, opTurn, opReconfigure, opTransport, opLiveReconfigure, opEligibility,
		opTurn, opCheckpoint, opCancelAfterBoundary, opAttachLive, opDetachLive, opRequireReattach,
		opPublishReady, opDrain, opTurn, opLiveReconfigure,
	}
}

// progressTurns returns the turn inputs concurrent goroutines draw from: one run
// (r0) started, driven through a boundary to completion and acknowledged.
func progressTurns() []turnKind {
	return []turnKind{
		turnStartConversation, turnPrimitiveApplied, turnLLMTerminal, turnBoundaryContinue,
		turnBoundaryComplete, turnServiceCommitted, turnAcknowledge,
	}
}

// drawConcurrentOp draws one call of a goroutine.
func drawConcurrentOp(t *rapid.T) op {
	o := drawOp(t, rapid.SampledFrom(concurrentKinds()).Draw(t, "call"), nil)
	if o.Kind == opTurn {
		o.Turn, o.Run = rapid.SampledFrom(progressTurns()).Draw(t, "progress turn input"), 0
	}
	return o
}

// searchNode is a point of an interleaving of the model's steps: the model,
// each goroutine's call in flight (Act) and how many calls it has started.
type searchNode struct {
	M   refModel
	P   [maxGoroutines]proc
	Act [maxGoroutines]bool
	Pos [maxGoroutines]int
}

// gateHeld reports whether a goroutine other than g holds session s's
// mutation gate.
func (n *searchNode) gateHeld(g, s int) bool {
	for h := range maxGoroutines {
		if h != g && n.Act[h] && n.P[h].Gate && n.P[h].Op.S == s {
			return true
		}
	}
	return false
}

// searchResult is what explain found.
type searchResult struct {
	found    bool
	finals   []obs // the distinct final observations, up to maxFinals
	nodes    int   // distinct interleaving points visited
	distinct int   // distinct final observations
}

// maxFinals bounds the final observations explain keeps.
const maxFinals = 8

// explain searches every interleaving of the steps of the goroutines' calls,
// each goroutine's calls in order and its steps in order, and a mutation
// gate held by one call at a time per session, for one whose final model
// observes as want. Steps are memoized on a hash of the whole node. It
// counts the distinct final observations, to tell whether the order of the
// calls mattered. With wholeCalls, every call runs to completion in one
// move: the serial orders of the whole calls.
func explain(m0 refModel, seqs [][]op, want *obs, wholeCalls bool) searchResult {
	var res searchResult
	seed := maphash.MakeSeed()
	seen := make(map[uint64]struct{})
	finals := make(map[uint64]struct{})
	stack := []searchNode{{M: m0}}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		h := maphash.Comparable(seed, n)
		if _, ok := seen[h]; ok {
			continue
		}
		seen[h] = struct{}{}
		res.nodes++
		final := true
		for g, seq := range seqs {
			if !n.Act[g] && n.Pos[g] == len(seq) {
				continue
			}
			final = false
			p := n.P[g]
			if !n.Act[g] {
				p = proc{Op: seq[n.Pos[g]]}
			}
			if p.needsGate() && n.gateHeld(g, p.Op.S) {
				continue
			}
			c := n
			if !c.Act[g] {
				c.Pos[g]++
			}
			c.M.step(&p)
			for wholeCalls && !p.Done {
				c.M.step(&p)
			}
			c.Act[g] = !p.Done
			if p.Done {
				p = proc{}
			}
			c.P[g] = p
			stack = append(stack, c)
		}
		if !final {
			continue
		}
		o := n.M.observe()
		res.found = res.found || o.equal(want)
		fh := maphash.Comparable(seed, o.Sess)
		if _, ok := finals[fh]; !ok {
			finals[fh] = struct{}{}
			if len(res.finals) < maxFinals {
				res.finals = append(res.finals, o)
			}
		}
	}
	res.distinct = len(finals)
	return res
}

// runConcurrent is the property of TestRuntimeConcurrentCallsSerializable.
func runConcurrent(t *rapid.T) searchResult {
	fm := newFaultMachine(concurrentBuffer, concurrentBoundary, false)
	fm.setup(t)
	for i := range nSess {
		if rapid.IntRange(0, 3).Draw(t, "unbound") != 3 {
			fm.do(t, op{Kind: opAttachLive, S: i})
		}
	}
	for range rapid.IntRange(0, 6).Draw(t, "prefix calls") {
		fm.do(t, drawOp(t, rapid.SampledFrom(actionKinds()).Draw(t, "prefix call"), &fm.m))
	}
	fm.check(t)

	seqs := make([][]op, rapid.IntRange(2, maxGoroutines).Draw(t, "goroutines"))
	for g := range seqs {
		for range rapid.IntRange(1, 3).Draw(t, "calls") {
			seqs[g] = append(seqs[g], drawConcurrentOp(t))
		}
	}
	results := make([][]outcome, len(seqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g, seq := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, o := range seq {
				results[g] = append(results[g], fm.h.run(o))
			}
		}()
	}
	close(start)
	wg.Wait()

	var b strings.Builder
	fmt.Fprintf(&b, "serial prefix:\n%s\nconcurrent calls:\n", fm.history())
	for g, seq := range seqs {
		for k, o := range seq {
			fmt.Fprintf(&b, "  g%d: %v -> %s %v\n", g, o, results[g][k].res.Out, results[g][k].err)
			if err := results[g][k].err; runtime.KindOf(err) == runtime.KindOther && err != nil &&
				o.Kind != opTurn && o.Kind != opCheckpoint {
				t.Fatalf("%v returned an untyped error %v\n%s", o, err, b.String())
			}
		}
	}
	got := fm.h.observe()
	if err := checkSystem(&got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	res := explain(fm.m, seqs, &got, false)
	if !res.found {
		var diff string
		if len(res.finals) > 0 {
			diff = cmp.Diff(res.finals[0], got, genCollections)
		}
		t.Fatalf("no interleaving of the calls' steps explains the final state (%d points searched, %d distinct outcomes); "+
			"against one of them (-model +runtime):\n%s\n%s", res.nodes, res.distinct, diff, b.String())
	}
	return res
}

// TestRuntimeConcurrentCallsSerializable runs random per-goroutine call
// sequences (turn steps, LLM and live topology reconfigures, capability
// transport, bootstrap eligibility, cancel after boundary, realtime
// attach/detach/publish, executor close) concurrently on shared sessions
// after a random serial prefix, then checks the machine invariants, the
// idle topology and the cache/host agreement, and that the final state
// equals the reference model's after some serial order of the calls' atomic
// steps: each goroutine's calls in order, and each call's steps in order.
//
// The steps are the runtime's atomic sections that others can observe
// (documented in runtime_model_test.go), not whole calls: the flows are
// multi-step by design (upstream's too). For example a DetachLive that lands
// between a live reconfigure's Begin and its detach is accepted (the machine
// does not block it during a reconfigure) and the
// reconfigure then completes and mints a new binding, which no serial order
// of the two whole calls produces.
//
// The test also counts the cases whose outcome depended on the order of the
// calls (several distinct final states were possible), and fails if a run
// of at least 50 cases had none: the goroutines would not have interacted.
func TestRuntimeConcurrentCallsSerializable(t *testing.T) {
	cases, sensitive, most := 0, 0, 0
	rapid.Check(t, func(t *rapid.T) {
		res := runConcurrent(t)
		cases++
		most = max(most, res.nodes)
		if res.distinct > 1 {
			sensitive++
		}
	})
	t.Logf("%d cases, %d of them order-sensitive; largest interleaving search: %d points", cases, sensitive, most)
	if cases >= 50 && sensitive == 0 {
		t.Errorf("no case out of %d depended on the order of the concurrent calls", cases)
	}
}

// TestDetachDuringLiveReconfigureNeedsStepOrders is why the concurrency
// property orders steps, not whole calls. A DetachLive lands while a live
// topology reconfigure is preparing (its hydrate is held until the detach
// returns): the machine accepts the detach, the reconfigure still detaches
// the topology, completes, and mints a new binding. Neither serial order of
// the two whole calls ends bound (detach first makes the presented
// authority stale; detach last unbinds), but the interleaving of their
// steps does, and the model's step search finds it.
func TestDetachDuringLiveReconfigureNeedsStepOrders(t *testing.T) {
	h := newHarness(concurrentBuffer, time.Second)
	m := refModel{Buf: concurrentBuffer}
	for _, o := range []op{
		{Kind: opRegister, S: 0, Reg: ident{Model: memhost.ModelRealtime, Provider: providerOf(memhost.ModelRealtime)}},
		{Kind: opAttachExecutor, S: 0},
		{Kind: opAttachLive, S: 0},
	} {
		if got, want := h.run(o).res, m.run(o); got != want || got.Out != outOK {
			t.Fatalf("%v: %+v, model %+v", o, got, want)
		}
	}
	live := op{Kind: opLiveReconfigure, S: 0, Req: request{Model: memhost.ModelRealtime}}
	detach := op{Kind: opDetachLive, S: 0}

	reached, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.host.SetHook(func(ctx context.Context, meth memhost.Method, _ runtime.SessionID) error {
		if meth != memhost.MethodHydrate {
			return nil
		}
		once.Do(func() {
			close(reached)
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
		return nil
	})
	done := make(chan outcome)
	go func() { done <- h.run(live) }()
	<-reached
	detached := h.run(detach)
	close(release)
	reconfigured := <-done
	if detached.err != nil || reconfigured.err != nil {
		t.Fatalf("detach: %v; live reconfigure: %v", detached.err, reconfigured.err)
	}
	got := h.observe()
	if err := checkSystem(&got); err != nil {
		t.Fatal(err)
	}
	if !attachmentBound(got.Sess[0].State) || got.Sess[0].State.RealtimeBindingAuthorityEpoch != gen.Some(reconfigured.res.Epoch) {
		t.Fatalf("after the interleaving the binding is %+v; want bound under the new epoch %d", got.Sess[0].State, reconfigured.res.Epoch)
	}
	seqs := [][]op{{live}, {detach}}
	if res := explain(m, seqs, &got, false); !res.found {
		t.Errorf("no interleaving of the steps explains the outcome (%d outcomes)", res.distinct)
	}
	if res := explain(m, seqs, &got, true); res.found {
		t.Errorf("a serial order of the whole calls explains the outcome; the step granularity would not be needed")
	}
}
