package explore

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkEngine measures the engine alone on the toy grid model, whose
// successors cost a few nanoseconds: 4 million one-word states, 2 new
// candidates each.
func BenchmarkEngine(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var states uint64
			for range b.N {
				g := &grid{n: 2000, bad: 1 << 40, words: 1}
				res, err := Explore(context.Background(), g, Options{Workers: workers, TempDir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				states += res.Distinct
			}
			b.ReportMetric(float64(states)/b.Elapsed().Seconds(), "states/s")
		})
	}
}
