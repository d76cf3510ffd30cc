//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package explore

// allocWords returns n zeroed words on the Go heap (no anonymous mappings
// on this platform), and no mapping.
func allocWords(n int) ([]uint64, []byte) { return make([]uint64, n), nil }

// freeWords does nothing: the garbage collector frees the words.
func freeWords([]byte) {}
