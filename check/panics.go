package check

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// panicBox carries the first panic of the checker's worker goroutines to the
// goroutine that waits for them: a panic in a goroutine cannot be recovered
// anywhere else and would end the process.
type panicBox struct {
	mu    sync.Mutex
	val   any
	stack []byte
}

// catch records a panic; defer it in each goroutine (after wg.Done is
// deferred, so that it runs first).
func (b *panicBox) catch() {
	if r := recover(); r != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.val == nil {
			b.val, b.stack = r, debug.Stack()
		}
	}
}

// rethrow panics, in the calling goroutine, with the first recorded panic
// and the stack of the goroutine that raised it; it does nothing if none.
func (b *panicBox) rethrow() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.val != nil {
		panic(fmt.Errorf("check: panic in a worker: %v\n%s", b.val, b.stack))
	}
}
