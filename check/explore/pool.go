package explore

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// pool runs the workers' part of each phase of a search on goroutines
// that live as long as the search, each locked to an OS thread of its own
// and, where the platform allows and there are no more workers than CPUs
// the process may use, to one CPU (pinCPU). A worker's memo, filter and
// visited-set partitions then stay in the caches of the core that uses
// them; goroutines started afresh for each phase ran on whichever core was
// free, and with two workers each of them spent a third more time than one
// worker alone on the same work, where two separate one-worker searches
// side by side lost 2% (measured on ci, docs/PERFORMANCE.md).
type pool struct {
	run []chan func(int)
	wg  sync.WaitGroup
	mu  sync.Mutex
	box any // the first panic of a phase
}

func newPool(workers int) *pool {
	p := &pool{run: make([]chan func(int), workers)}
	cpus := allowedCPUs()
	if len(cpus) < workers {
		cpus = nil
	}
	for w := range p.run {
		p.run[w] = make(chan func(int))
		cpu := -1
		if cpus != nil {
			cpu = cpus[w]
		}
		go p.loop(w, cpu)
	}
	return p
}

// loop is worker w's goroutine. It never unlocks its thread: when the pool
// closes, the thread, whose CPU affinity may have changed, ends with it.
func (p *pool) loop(w, cpu int) {
	runtime.LockOSThread()
	if cpu >= 0 {
		pinCPU(cpu)
	}
	for f := range p.run[w] {
		p.do(w, f)
	}
}

func (p *pool) do(w int, f func(int)) {
	defer p.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.box != nil {
				return
			}
			if a, ok := r.(Abort); ok {
				p.box = a
				return
			}
			p.box = fmt.Errorf("explore: panic in a worker: %v\n\nworker stack:\n%s", r, debug.Stack())
		}
	}()
	f(w)
}

// parallel runs f(worker index) on every worker and waits; a panic in a
// worker is raised again here, with the worker's stack.
func (p *pool) parallel(f func(w int)) {
	p.wg.Add(len(p.run))
	for _, ch := range p.run {
		ch <- f
	}
	p.wg.Wait()
	if b := p.box; b != nil {
		p.box = nil
		panic(b)
	}
}

// close ends the workers' goroutines.
func (p *pool) close() {
	for _, ch := range p.run {
		close(ch)
	}
}
