package explore

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// pool runs the workers' part of each phase of a search on goroutines
// that live as long as the search, each locked to an OS thread of its own,
// which the operating system keeps on one core while it can: a worker's
// memo, filter and visited-set partitions then tend to stay in the caches
// of the core that uses them, where goroutines started afresh for each
// phase ran on whichever core was free. (Pinning the threads to CPUs would
// hold them there even when another search, in this process or another,
// pinned its own to the same CPUs.)
type pool struct {
	run []chan func(int)
	wg  sync.WaitGroup
	mu  sync.Mutex
	box any // the first panic of a phase
}

func newPool(workers int) *pool {
	p := &pool{run: make([]chan func(int), workers)}
	for w := range p.run {
		p.run[w] = make(chan func(int))
		go p.loop(w)
	}
	return p
}

// loop is worker w's goroutine.
func (p *pool) loop(w int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
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
