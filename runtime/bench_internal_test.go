//go:build go1.24

package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/gen"
)

// reconfiguringSession returns a session whose live topology reconfigure is
// waiting for its turn, which is in CallingLLM (not a safe boundary).
func reconfiguringSession(tb testing.TB) *session {
	s, _, err := newSession("bench", 1, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for _, in := range []gen.Input{
		gen.PrepareBindings{AgentRuntimeID: "a", FenceToken: 1},
		gen.BeginRealtimeBinding{},
		gen.BeginLiveTopologyReconfigure{AuthorityEpoch: 1},
		gen.StartConversationRun{RunID: "r", PrimitiveKind: gen.TurnPrimitiveKindConversationTurn, AdmittedContentShape: gen.ContentShapeConversation},
		gen.PrimitiveApplied{},
	} {
		if _, err := s.apply(in); err != nil {
			tb.Fatalf("%s: %v", in.InputName(), err)
		}
	}
	return s
}

// eventWait is the control plane's wait: woken by state changes.
func eventWait(s *session, attempted chan<- struct{}) error {
	first := true
	_, err := s.waitUntil(context.Background(), time.After(time.Second), func() error {
		_, err := s.stepLocked(gen.MarkLiveTopologyDetached{})
		if err != nil && first {
			first = false
			close(attempted)
		}
		return err
	})
	return err
}

// pollWait is the reference's wait: retry every 10 ms.
func pollWait(s *session, attempted chan<- struct{}) error {
	deadline := time.Now().Add(time.Second)
	for first := true; ; first = false {
		_, err := s.apply(gen.MarkLiveTopologyDetached{})
		if err == nil {
			return nil
		}
		if first {
			close(attempted)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// measureBoundaryLatency returns the time from the turn reaching a safe
// boundary to the detach being applied.
func measureBoundaryLatency(tb testing.TB, wait func(*session, chan<- struct{}) error) time.Duration {
	s := reconfiguringSession(tb)
	attempted := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- wait(s, attempted) }()
	<-attempted
	start := time.Now()
	if _, err := s.apply(gen.LLMReturnedTerminal{}); err != nil {
		tb.Fatal(err)
	}
	if err := <-done; err != nil {
		tb.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkBoundaryWait compares the event-driven wait for a safe boundary
// with the reference's 10 ms polling loop. The metric that matters is
// ns/boundary: the delay between the boundary and the detach.
func BenchmarkBoundaryWait(b *testing.B) {
	for _, bc := range []struct {
		name string
		wait func(*session, chan<- struct{}) error
	}{
		{"event", eventWait},
		{"poll10ms", pollWait},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				total += measureBoundaryLatency(b, bc.wait)
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/boundary")
		})
	}
}

func TestEventWaitBeatsPolling(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison")
	}
	var event, poll time.Duration
	const rounds = 5
	for range rounds {
		event += measureBoundaryLatency(t, eventWait)
		poll += measureBoundaryLatency(t, pollWait)
	}
	t.Logf("mean boundary-to-detach latency: event %v, 10 ms polling %v", event/rounds, poll/rounds)
	if event >= poll {
		t.Fatalf("event-driven wait (%v) is not faster than polling (%v)", event/rounds, poll/rounds)
	}
}
