package check

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// BenchmarkCheck runs the checker on profiles of spec/machine.yaml with 1
// and 2 workers, exact and in fingerprint mode (fp), for make bench. Besides
// ns/op it reports distinct states per second, the visited set's peak size
// per state (table-bytes/state) and that plus the Go heap in use after the
// run per state (bytes/state). The file of explored states is on disk and
// not counted; for the process's peak RSS, time dslgen check (see
// docs/PERFORMANCE.md).
func BenchmarkCheck(b *testing.B) {
	m, err := model.Load("../spec/machine.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, prof := range []string{"tlc", "ci"} {
		for _, fp := range []bool{false, true} {
			for _, workers := range []int{1, 2} {
				name := fmt.Sprintf("%s/workers=%d", prof, workers)
				if fp {
					name = fmt.Sprintf("%s/fp/workers=%d", prof, workers)
				}
				b.Run(name, func(b *testing.B) {
					p := m.Profile(prof)
					var states uint64
					var peak uint64
					for range b.N {
						runtime.GC()
						res, err := Run(m, p, Options{Workers: workers, Fingerprint: fp})
						if err != nil {
							b.Fatal(err)
						}
						if res.Violation != nil || !res.Complete {
							b.Fatalf("%s", res.Summary())
						}
						states += res.Distinct
						var ms runtime.MemStats
						runtime.ReadMemStats(&ms)
						peak = max(peak, res.PeakBytes+ms.HeapInuse)
						if b.N == 1 {
							b.ReportMetric(float64(res.PeakBytes)/float64(res.Distinct), "table-bytes/state")
						}
					}
					b.ReportMetric(float64(states)/b.Elapsed().Seconds(), "states/s")
					b.ReportMetric(float64(peak)*float64(b.N)/float64(states), "bytes/state")
				})
			}
		}
	}
}
