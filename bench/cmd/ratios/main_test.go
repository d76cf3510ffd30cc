package main

import (
	"fmt"
	"strings"
	"testing"
)

// benchOutput fakes `go test -bench -benchmem -count 10` output with the
// given ns/op and allocs/op per implementation.
func benchOutput(nsPerOp map[string]float64, allocs map[string]int) string {
	return benchOutputN(10, nsPerOp, allocs)
}

func benchOutputN(runs int, nsPerOp map[string]float64, allocs map[string]int) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\ncpu: Test CPU\npkg: example\n")
	for run := range runs {
		for _, impl := range []string{"generated", "looplab", "stateless"} {
			ns := nsPerOp[impl] * (1 + float64(run%3-1)/1000) // median exact
			fmt.Fprintf(&b, "BenchmarkStep/cycle=mixed/impl=%s-2 \t 1000000 \t %.1f ns/op \t %d B/op \t %d allocs/op\n",
				impl, ns, 24*allocs[impl], allocs[impl])
		}
	}
	b.WriteString("PASS\nok  \texample\t1.0s\n")
	return b.String()
}

func runOn(t *testing.T, input string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(args, strings.NewReader(input), &out)
	return out.String(), err
}

func TestRatiosMet(t *testing.T) {
	out, err := runOn(t, benchOutput(
		map[string]float64{"generated": 10, "looplab": 900, "stateless": 500},
		map[string]int{"generated": 0, "looplab": 5, "stateless": 4}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cpu: Test CPU", "Step/cycle=mixed", "90.0× (", "50.0× (", "target met"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NOT met") {
		t.Errorf("target reported missed:\n%s", out)
	}
}

func TestRatiosMissed(t *testing.T) {
	out, err := runOn(t, benchOutput(
		map[string]float64{"generated": 100, "looplab": 900, "stateless": 5000},
		map[string]int{"generated": 1, "looplab": 5, "stateless": 4}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"target NOT met", "looplab/generated is 9.0×", "generated makes 1 allocs/op"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "stateless/generated is") {
		t.Errorf("stateless reported as a miss:\n%s", out)
	}
}

func TestRatiosNeedsBase(t *testing.T) {
	if _, err := runOn(t, benchOutput(map[string]float64{"looplab": 1, "stateless": 2, "generated": 3}, nil), "-base", "nope"); err == nil {
		t.Error("missing base implementation accepted")
	}
	if _, err := runOn(t, "PASS\n"); err == nil {
		t.Error("input without results accepted")
	}
}

func TestRatiosFewRuns(t *testing.T) {
	out, err := runOn(t, benchOutputN(3,
		map[string]float64{"generated": 10, "looplab": 900, "stateless": 50},
		map[string]int{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"90.0× (no CI)", "target NOT met", "stateless/generated is 5.0×, and its median"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestRatiosPaired checks that runs are paired: a load spike that slows all
// implementations in one round does not move the ratio.
func TestRatiosPaired(t *testing.T) {
	var b strings.Builder
	b.WriteString("cpu: Test CPU\n")
	for run := range 10 {
		load := 1.0
		if run%2 == 1 {
			load = 3 // every other round runs on a busy machine
		}
		fmt.Fprintf(&b, "BenchmarkStep/impl=generated-2 1000 %.1f ns/op\n", 10*load)
		fmt.Fprintf(&b, "BenchmarkStep/impl=looplab-2 1000 %.1f ns/op\n", 200*load)
	}
	out, err := runOn(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "20.0× (20.0–20.0)") || !strings.Contains(out, "target met") {
		t.Errorf("paired ratio not 20× exactly:\n%s", out)
	}
}
