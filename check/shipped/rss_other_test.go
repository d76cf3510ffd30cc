//go:build !unix

package shipped

import "os"

// maxRSS returns 0: the platform reports no peak resident set size.
func maxRSS(*os.ProcessState) uint64 { return 0 }
