//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package explore

// allocWords returns n zeroed words on the Go heap (no anonymous mappings
// on this platform).
func allocWords(n int) ([]uint64, bool) { return make([]uint64, n), false }

// freeWords does nothing: the garbage collector frees the words.
func freeWords([]uint64, bool) {}
