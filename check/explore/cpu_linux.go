package explore

import (
	"syscall"
	"unsafe"
)

// cpuMask is a CPU set as sched_getaffinity(2) and sched_setaffinity(2)
// take it (1024 CPUs).
type cpuMask [16]uint64

// allowedCPUs returns the CPUs the calling thread may run on, in
// increasing order, or nil when they cannot be read.
func allowedCPUs() []int {
	var m cpuMask
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m))); errno != 0 {
		return nil
	}
	var cpus []int
	for i, w := range m {
		for b := range 64 {
			if w&(1<<b) != 0 {
				cpus = append(cpus, i*64+b)
			}
		}
	}
	return cpus
}

// pinCPU makes the calling thread run on CPU cpu only; it does nothing
// when the kernel refuses.
func pinCPU(cpu int) {
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	_, _, _ = syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, 0, unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
}
