package explore

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page (2 MB with 4 KB pages,
// as on amd64 and arm64).
const hugePage = 2 << 20

// allocWords returns n zeroed words outside the Go heap (anonymous memory),
// so that the visited set neither counts towards the GC's heap goal nor
// waits for a collection to be returned; the fallback is the Go heap.
//
// A table of at least a huge page starts on a huge-page boundary and is
// advised to use transparent huge pages: its probes land anywhere in it,
// and with 4 KB pages nearly each one would also miss the TLB. (Where huge
// pages are disabled, the advice changes nothing.)
func allocWords(n int) ([]uint64, bool) {
	if n == 0 {
		return nil, false
	}
	size := n * 8
	if size < hugePage {
		b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return make([]uint64, n), false
		}
		return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n), true
	}
	// Map a huge page more than needed, then unmap the part before the
	// first boundary and the part after the table. (syscall.Munmap unmaps
	// only whole mappings made by syscall.Mmap, hence munmap.)
	b, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n), false
	}
	head := int((hugePage - uintptr(unsafe.Pointer(&b[0]))%hugePage) % hugePage)
	ps := syscall.Getpagesize()
	end := head + (size+ps-1)/ps*ps
	munmap(b[:head])
	munmap(b[end:])
	b = b[head:end]
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n), true
}

// freeWords releases memory from allocWords (mapped: its second result).
func freeWords(w []uint64, mapped bool) {
	if len(w) == 0 || !mapped {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)
	if len(b) < hugePage {
		_ = syscall.Munmap(b)
		return
	}
	munmap(b)
}

// munmap unmaps the pages of b, which need not be a whole mapping.
func munmap(b []byte) {
	if len(b) > 0 {
		_, _, _ = syscall.Syscall(syscall.SYS_MUNMAP, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
	}
}
