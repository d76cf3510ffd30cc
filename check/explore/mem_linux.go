package explore

import (
	"syscall"
	"unsafe"
)

const (
	// hugePage is the size of a transparent huge page (2 MB with 4 KB
	// pages, as on amd64 and arm64).
	hugePage = 2 << 20
	// hugeFrom is the least table, in bytes, that allocWords backs with
	// huge pages.
	hugeFrom = hugePage / 2
)

// allocWords returns at least n zeroed words outside the Go heap
// (anonymous memory), so that the visited set neither counts towards the
// GC's heap goal nor waits for a collection to be returned, and the
// mapping that holds them, for freeWords; the fallback is the Go heap
// (and a nil mapping).
//
// From hugeFrom bytes on, the words are rounded up to whole huge pages
// (the caller may use them all), start on a huge-page boundary and are
// advised to use transparent huge pages. A 4 KB page costs a page fault
// on its first touch, and in a virtual machine a fault can cost 5-15 µs
// (measured on the 2-core VM of docs/PERFORMANCE.md, where that was most
// of the time the visited set spent growing its tables), while a huge
// page costs about 0.3 µs per 4 KB it holds; and as a table's probes land
// anywhere in it, with 4 KB pages nearly each one would also miss the
// TLB. (Where huge pages are disabled, the advice changes nothing.)
func allocWords(n int) ([]uint64, []byte) {
	if n == 0 {
		return nil, nil
	}
	size := n * 8
	if size < hugeFrom {
		b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			return make([]uint64, n), nil
		}
		return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), n), b
	}
	size = (size + hugePage - 1) / hugePage * hugePage
	// Map a huge page more than needed and use the part from the first
	// boundary on; the pages before it and after the table are never
	// touched, so they cost address space only.
	b, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n), nil
	}
	head := int((hugePage - uintptr(unsafe.Pointer(&b[0]))%hugePage) % hugePage)
	t := b[head : head+size]
	_ = syscall.Madvise(t, syscall.MADV_HUGEPAGE)
	return unsafe.Slice((*uint64)(unsafe.Pointer(&t[0])), size/8), b
}

// freeWords releases a mapping from allocWords.
func freeWords(mem []byte) {
	if len(mem) > 0 {
		_ = syscall.Munmap(mem)
	}
}
