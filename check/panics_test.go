package check

import (
	"strings"
	"sync"
	"testing"
)

// TestWorkerPanicReachesCaller: a panic in one of the checker's goroutines
// is raised again in the goroutine that waits for them (where dslgen
// recovers it as an internal error, exit 3), instead of killing the process
// with Go's exit code 2, which means a bad spec.
func TestWorkerPanicReachesCaller(t *testing.T) {
	var pb panicBox
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer pb.catch()
			if i == 2 {
				panic("worker boom")
			}
		}()
	}
	wg.Wait()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("rethrow did not panic")
		}
		msg := r.(error).Error()
		if !strings.Contains(msg, "worker boom") || !strings.Contains(msg, "panics_test.go") {
			t.Errorf("panic %q: want the worker's value and stack", msg)
		}
	}()
	pb.rethrow()
}

func TestNoPanicNoRethrow(t *testing.T) {
	var pb panicBox
	func() {
		defer pb.catch()
	}()
	pb.rethrow()
}
