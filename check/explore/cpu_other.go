//go:build !linux

package explore

// allowedCPUs returns nil: the platform offers no CPU affinity here.
func allowedCPUs() []int { return nil }

// pinCPU does nothing.
func pinCPU(int) {}
