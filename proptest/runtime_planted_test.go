//go:build go1.24

package proptest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The planted bug: a live topology reconfigure whose preparation (hydrate or
// resolve) fails returns the error without applying
// AbortLiveTopologyBeforeDetach, so the session's topology stays in
// Reconfiguring and every later attach, replace, publish and live
// reconfigure is refused. The harness emulates such a runtime when its
// plantAbortBug field is set (see harness.reconfigureLive): the switch lives
// in the test's own harness value, not in the runtime and not in a global.

// maxShrunkActions is the longest minimal failing case the planted-bug test
// accepts. The shortest possible case is two actions after the setup (attach
// live, then a live reconfigure whose preparation fails).
const maxShrunkActions = 4

// recordingTB is a rapid.TB that records what rapid reports instead of
// failing the test, so that a test can run a property it expects to fail and
// inspect rapid's report: the failure and the minimal failing case, which
// rapid replays through Log with every draw.
type recordingTB struct {
	parent *testing.T

	mu     sync.Mutex
	logs   []string
	errs   []string
	failed bool
}

var _ rapid.TB = (*recordingTB)(nil)

// Helper does nothing.
func (r *recordingTB) Helper() {}

// Name is the parent test's name (rapid names fail files after it).
func (r *recordingTB) Name() string { return r.parent.Name() }

// Deadline is the parent test's, so rapid stops in time.
func (r *recordingTB) Deadline() (time.Time, bool) { return r.parent.Deadline() }

// Logf records a log line.
func (r *recordingTB) Logf(format string, args ...any) { r.log(fmt.Sprintf(format, args...)) }

// Log records a log line.
func (r *recordingTB) Log(args ...any) { r.log(fmt.Sprint(args...)) }

// Skipf records an unexpected skip as a failure.
func (r *recordingTB) Skipf(format string, args ...any) {
	r.fail("skip: " + fmt.Sprintf(format, args...))
}

// Skip records an unexpected skip as a failure.
func (r *recordingTB) Skip(args ...any) { r.fail("skip: " + fmt.Sprint(args...)) }

// SkipNow records an unexpected skip as a failure.
func (r *recordingTB) SkipNow() { r.fail("skip") }

// Errorf records a failure.
func (r *recordingTB) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

// Error records a failure.
func (r *recordingTB) Error(args ...any) { r.fail(fmt.Sprint(args...)) }

// Fatalf records a failure (rapid's check loop does not rely on it
// stopping).
func (r *recordingTB) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

// Fatal records a failure.
func (r *recordingTB) Fatal(args ...any) { r.fail(fmt.Sprint(args...)) }

// FailNow marks the run failed.
func (r *recordingTB) FailNow() { r.fail("") }

// Fail marks the run failed.
func (r *recordingTB) Fail() { r.fail("") }

// Failed reports whether a failure was recorded.
func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *recordingTB) log(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, s)
}

func (r *recordingTB) fail(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if s != "" {
		r.errs = append(r.errs, s)
	}
}

// report returns the recorded failures.
func (r *recordingTB) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// replay returns rapid's replay of the minimal failing case: the log lines
// from its failure report on.
func (r *recordingTB) replay() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// actions returns the actions of the minimal failing case, in order: rapid
// logs `[rapid] draw action: "<name>"` for each of them when it replays it.
func (r *recordingTB) actions() ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	const prefix = `[rapid] draw action: `
	var out []string
	for _, l := range r.logs {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			name, err := strconv.Unquote(rest)
			if err != nil {
				return nil, fmt.Errorf("log line %q: %w", l, err)
			}
			out = append(out, name)
		}
	}
	return out, nil
}

// TestPlantedBugIsFoundAndShrunk runs the property of TestRuntimeUnderFaults
// against a runtime with the planted bug (a live reconfigure that forgets to
// abort when its preparation fails), through rapid.Check with a recording
// TB, and asserts that rapid finds it and shrinks it to a short case ending
// in the live reconfigure: at most maxShrunkActions actions after the setup.
// rapid reports its minimal case by replaying it with every draw logged;
// the test counts the "action" draws of that replay. rapid writes a fail
// file for the failure, so the test runs in a temporary directory.
//
// The property is random; each rapid.Check runs up to -rapid.checks cases
// and stops at the first failure, and the test retries a few times, so that
// a small -rapid.checks does not make it flaky.
func TestPlantedBugIsFoundAndShrunk(t *testing.T) {
	t.Chdir(t.TempDir())
	var rec *recordingTB
	runs := 0
	for runs < 50 && (rec == nil || !rec.Failed()) {
		runs++
		rec = &recordingTB{parent: t}
		rapid.Check(rec, func(t *rapid.T) { runFaultMachine(t, true, nil) })
	}
	if !rec.Failed() {
		t.Fatalf("rapid did not find the planted bug in %d runs", runs)
	}
	report := rec.report()
	if !strings.Contains(report, "live topology left in Reconfiguring") {
		t.Fatalf("rapid failed, but not on the planted bug:\n%s", report)
	}
	trace, err := rec.actions()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rapid found the planted bug in run %d and shrank it to %d actions: %q", runs, len(trace), trace)
	t.Logf("rapid's minimal case:\n%s", rec.replay())
	if len(trace) == 0 || trace[len(trace)-1] != opLiveReconfigure.String() {
		t.Fatalf("the minimal case %q does not end with a live reconfigure", trace)
	}
	if len(trace) > maxShrunkActions {
		t.Fatalf("the minimal case has %d actions, more than %d: %q\n%s", len(trace), maxShrunkActions, trace, report)
	}
}

// TestPlantedBugSwitchIsOffByDefault checks that the harness the other
// runtime tests use does not plant the bug, and that with the switch on the
// same preparation failure does leave the topology in Reconfiguring: the
// switch, not chance, decides.
func TestPlantedBugSwitchIsOffByDefault(t *testing.T) {
	for _, planted := range []bool{false, true} {
		fm := newFaultMachine(serialBuffer, serialBoundary, planted)
		steps := []op{
			{Kind: opRegister, S: 0, Reg: ident{Model: "gpt-realtime", Provider: providerOf("gpt-realtime")}},
			{Kind: opAttachExecutor, S: 0},
			{Kind: opAttachLive, S: 0},
			{Kind: opLiveReconfigure, S: 0, Req: request{Model: unknownTarget}},
		}
		for _, o := range steps {
			fm.h.run(o)
		}
		snap, err := fm.h.cp.Snapshot(sessionID(0))
		if err != nil {
			t.Fatal(err)
		}
		stuck := snap.State.LiveTopologyPhase.String() == "Reconfiguring"
		if stuck != planted {
			t.Errorf("planted=%v: topology %v after a failed preparation", planted, snap.State.LiveTopologyPhase)
		}
	}
}
