package bench_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// BenchmarkStep steps one machine of each implementation through each fixed
// cycle (accepted, rejected, mixed); one op is one Step. After the loop it
// checks that exactly the prescribed number of steps was rejected.
//
// Names are BenchmarkStep/cycle=<cycle>/impl=<impl>, so that
// `benchstat -col /impl` puts the implementations side by side and
// cmd/ratios can pair them.
func BenchmarkStep(b *testing.B) {
	for _, c := range realtime.Cycles() {
		for _, impl := range impls() {
			b.Run(fmt.Sprintf("cycle=%s/impl=%s", c.Name, impl.Name), func(b *testing.B) {
				m := impl.New()
				for _, in := range c.Setup {
					if err := m.Step(in); err != nil {
						b.Fatalf("setup %v: %v", in, err)
					}
				}
				cur := c.Cursor()
				rejected := 0
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if m.Step(cur.Next()) != nil {
						rejected++
					}
				}
				b.StopTimer()
				if want := c.RejectionsIn(b.N); rejected != want {
					b.Fatalf("%d of %d steps rejected, want %d", rejected, b.N, want)
				}
			})
		}
	}
}

// Parameters of BenchmarkConcurrent.
const (
	concurrentMachines   = 1000
	concurrentGoroutines = 2
)

// slot is one session of BenchmarkConcurrent: a machine behind its own
// mutex, as the runtime keeps one machine per session, with its own position
// in the cycle.
type slot struct {
	mu       sync.Mutex
	m        realtime.Machine
	cur      realtime.Cursor
	steps    int
	rejected int
}

// BenchmarkConcurrent steps 1,000 machines of each implementation through the
// mixed cycle from 2 goroutines. Each machine is guarded by its own mutex;
// goroutine g starts at machine g*500 and walks all machines round robin, so
// the goroutines touch every machine but rarely the same one at once. One op
// is one Step; ns/op is wall time divided by the steps of both goroutines.
func BenchmarkConcurrent(b *testing.B) {
	c := realtime.MixedCycle()
	for _, impl := range impls() {
		name := fmt.Sprintf("machines=%d/goroutines=%d/impl=%s", concurrentMachines, concurrentGoroutines, impl.Name)
		b.Run(name, func(b *testing.B) {
			slots := make([]slot, concurrentMachines)
			for i := range slots {
				slots[i].m = impl.New()
				slots[i].cur = c.Cursor()
			}
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for g := range concurrentGoroutines {
				n := b.N / concurrentGoroutines
				if g == 0 {
					n += b.N % concurrentGoroutines
				}
				wg.Go(func() {
					i := g * concurrentMachines / concurrentGoroutines
					for range n {
						s := &slots[i]
						s.mu.Lock()
						if s.m.Step(s.cur.Next()) != nil {
							s.rejected++
						}
						s.steps++
						s.mu.Unlock()
						if i++; i == len(slots) {
							i = 0
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			for i := range slots {
				s := &slots[i]
				if want := c.RejectionsIn(s.steps); s.rejected != want {
					b.Fatalf("machine %d: %d of %d steps rejected, want %d", i, s.rejected, s.steps, want)
				}
			}
		})
	}
}
