//go:build linux || darwin || freebsd || netbsd || openbsd

package explore

import (
	"syscall"
	"unsafe"
)

// allocWords returns n zeroed words outside the Go heap (anonymous memory),
// so that the visited set neither counts towards the GC's heap goal nor
// waits for a collection to be returned; the fallback is the Go heap.
func allocWords(n int) ([]uint64, bool) {
	if n == 0 {
		return nil, false
	}
	b, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n), false
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n), true
}

// freeWords releases memory from allocWords (mapped: its second result).
func freeWords(w []uint64, mapped bool) {
	if len(w) == 0 || !mapped {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)
	_ = syscall.Munmap(b)
}
