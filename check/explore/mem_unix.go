//go:build darwin || freebsd || netbsd || openbsd

package explore

import (
	"syscall"
	"unsafe"
)

// allocWords returns n zeroed words outside the Go heap (anonymous memory),
// so that the visited set neither counts towards the GC's heap goal nor
// waits for a collection to be returned, and the mapping that holds them,
// for freeWords; the fallback is the Go heap (and a nil mapping).
func allocWords(n int) ([]uint64, []byte) {
	if n == 0 {
		return nil, nil
	}
	b, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n), nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n), b
}

// freeWords releases a mapping from allocWords.
func freeWords(mem []byte) {
	if len(mem) > 0 {
		_ = syscall.Munmap(mem)
	}
}
