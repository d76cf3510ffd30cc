package shipped

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/check/shipped/runner"
	"github.com/meerkat-go/dslmachine/validate"
)

// BenchmarkShipped runs dslgen check's default engine, the helper program
// that explores spec/machine.yaml with its generated package, on the tlc
// and ci profiles with 1 and 2 workers, for make bench. The helper is built
// once, outside the timing. Besides ns/op (the helper's whole run) it
// reports distinct states per second of search (the engine's own clock,
// as dslgen check prints it), the visited set's peak size per state
// (table-bytes/state) and the helper process's peak RSS per state
// (rss-bytes/state, where the platform reports it).
func BenchmarkShipped(b *testing.B) {
	const spec = "../../spec/machine.yaml"
	m, err := validate.Load(spec)
	if err != nil {
		b.Fatal(err)
	}
	var targets []*target
	for _, prof := range []string{"tlc", "ci"} {
		tg, err := newTarget(m, m.Profile(prof), "", spec)
		if err != nil {
			b.Fatal(err)
		}
		targets = append(targets, tg)
	}
	bin := buildBundle(b, targets)
	for _, tg := range targets {
		for _, workers := range []int{1, 2} {
			b.Run(tg.p.Name+"/workers="+strconv.Itoa(workers), func(b *testing.B) {
				out := filepath.Join(b.TempDir(), "result.json")
				var states uint64
				var search time.Duration
				var rss, table uint64
				for range b.N {
					cmd := exec.Command(bin, tg.name, "-out", out, "-workers", strconv.Itoa(workers))
					cmd.Stderr = os.Stderr
					if err := cmd.Run(); err != nil {
						b.Fatal(err)
					}
					data, err := os.ReadFile(out)
					if err != nil {
						b.Fatal(err)
					}
					var hr runner.Result
					if err := json.Unmarshal(data, &hr); err != nil {
						b.Fatal(err)
					}
					if hr.Error != "" || hr.Violation != nil || !hr.Complete {
						b.Fatalf("the helper's run of %s: error %q, violation %v, complete %v", tg.p.Name, hr.Error, hr.Violation, hr.Complete)
					}
					states += hr.Distinct
					search += time.Duration(hr.ElapsedNS)
					table = max(table, hr.PeakBytes)
					rss = max(rss, maxRSS(cmd.ProcessState))
				}
				per := float64(states) / float64(b.N)
				b.ReportMetric(float64(states)/search.Seconds(), "states/s")
				b.ReportMetric(float64(table)/per, "table-bytes/state")
				if rss > 0 {
					b.ReportMetric(float64(rss)/per, "rss-bytes/state")
				}
			})
		}
	}
}
