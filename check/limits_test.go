package check

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/meerkat-go/dslmachine/model"
)

// domainSpec is a machine with one input of params uint parameters, each
// ranging over n values in profile ci.
func domainSpec(t *testing.T, params, n int) *model.Machine {
	t.Helper()
	var vals []string
	for i := range n {
		vals = append(vals, fmt.Sprint(i))
	}
	var ps, doms []string
	for i := range params {
		ps = append(ps, fmt.Sprintf("p%d: uint", i))
		doms = append(doms, fmt.Sprintf("      Set.p%d: [%s]", i, strings.Join(vals, ", ")))
	}
	return loadText(t, "domains.yaml", fmt.Sprintf(`
machine: Domains
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
  v: {type: uint, initial: 0}
phase: phase
inputs:
  Set: {%s}
transitions:
  - name: Set
    on: Set
    from: [A]
    do:
      - v := arg.p0
profiles:
  ci:
    domains:
%s
`, strings.Join(ps, ", "), strings.Join(doms, "\n")))
}

// TestInputCountWithoutExpanding: the number of input values is computed
// from the domain sizes, saturating instead of overflowing, without
// materializing them.
func TestInputCountWithoutExpanding(t *testing.T) {
	m := domainSpec(t, 3, 2000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := InputCount(m, m.Profile("ci"))
	runtime.ReadMemStats(&after)
	if err != nil || n != 8_000_000_000 {
		t.Errorf("InputCount = %d, %v; want 8e9", n, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("InputCount allocated %d bytes", grew)
	}
	huge := domainSpec(t, 8, 1000) // 1e24 input values
	if n, err := InputCount(huge, huge.Profile("ci")); err != nil || n != math.MaxUint64 {
		t.Errorf("InputCount = %d, %v; want saturation at MaxUint64", n, err)
	}
}

// TestInputExpansionCountsAgainstMemory: a profile whose input values alone
// would take more than half of MaxMemory is refused before they are
// materialized, with an error that errors.Is ErrTooManyInputs and names the
// profile's position; 8e9 input values used to be materialized (and the
// process killed by the OOM killer).
func TestInputExpansionCountsAgainstMemory(t *testing.T) {
	small := domainSpec(t, 3, 40) // 64000 input values, some MiB
	_, err := Run(small, small.Profile("ci"), Options{Workers: 1, MaxMemory: 4 << 20})
	if !errors.Is(err, ErrTooManyInputs) {
		t.Fatalf("a 4 MiB limit: error %v, want ErrTooManyInputs", err)
	}
	if !strings.Contains(err.Error(), "domains.yaml:") || !strings.Contains(err.Error(), "64000 input values") {
		t.Errorf("message %q: want the profile's position and the count", err)
	}
	if _, err := Run(small, small.Profile("ci"), Options{Workers: 1, MaxMemory: 1 << 30, MaxStates: 10}); err != nil {
		t.Errorf("a 1 GiB limit: %v", err)
	}
	big := domainSpec(t, 3, 2000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Run(big, big.Profile("ci"), Options{Workers: 1, MaxMemory: 16 << 30})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyInputs) {
		t.Fatalf("8e9 input values: error %v, want ErrTooManyInputs", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("refusing allocated %d bytes", grew)
	}
	// No memory limit: the action coding still caps the count.
	if _, err := Run(big, big.Profile("ci"), Options{Workers: 1}); !errors.Is(err, ErrTooManyInputs) {
		t.Errorf("no memory limit: error %v, want ErrTooManyInputs", err)
	}
}

func TestDefaultMaxMemory(t *testing.T) {
	const gib = 1 << 30
	meminfo := func(kb uint64) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(fmt.Sprintf("MemTotal:       %d kB\nMemFree: 1 kB\n", kb))}
	}
	for name, c := range map[string]struct {
		files fstest.MapFS
		want  uint64
	}{
		"nothing readable": {fstest.MapFS{}, 16 * gib},
		"big machine":      {fstest.MapFS{"proc/meminfo": meminfo(64 * 1024 * 1024)}, 16 * gib},
		"small machine":    {fstest.MapFS{"proc/meminfo": meminfo(8 * 1024 * 1024)}, 6 * gib},
		"cgroup v2": {fstest.MapFS{
			"proc/meminfo":                       meminfo(64 * 1024 * 1024),
			"proc/self/cgroup":                   {Data: []byte("0::/job\n")},
			"sys/fs/cgroup/job/memory.max":       {Data: []byte("4294967296\n")},
			"sys/fs/cgroup/memory.max":           {Data: []byte("max\n")},
			"sys/fs/cgroup/other/memory.max":     {Data: []byte("1\n")},
			"sys/fs/cgroup/job/memory.max.extra": {Data: []byte("1\n")},
		}, 3 * gib},
		"cgroup v2 unlimited": {fstest.MapFS{
			"proc/meminfo":             meminfo(64 * 1024 * 1024),
			"proc/self/cgroup":         {Data: []byte("0::/\n")},
			"sys/fs/cgroup/memory.max": {Data: []byte("max\n")},
		}, 16 * gib},
		"cgroup v1": {fstest.MapFS{
			"proc/meminfo":     meminfo(64 * 1024 * 1024),
			"proc/self/cgroup": {Data: []byte("5:cpu:/\n4:memory:/box\n0::/\n")},
			"sys/fs/cgroup/memory/box/memory.limit_in_bytes": {Data: []byte("2147483648\n")},
		}, 3 * gib / 2},
		"cgroup v1 unlimited": {fstest.MapFS{
			"proc/meminfo":     meminfo(64 * 1024 * 1024),
			"proc/self/cgroup": {Data: []byte("4:memory:/box\n")},
			"sys/fs/cgroup/memory/box/memory.limit_in_bytes": {Data: []byte("9223372036854771712\n")},
		}, 16 * gib},
	} {
		t.Run(name, func(t *testing.T) {
			if got := defaultMaxMemory(c.files); got != c.want {
				t.Errorf("defaultMaxMemory = %d (%.2f GiB), want %d", got, float64(got)/gib, c.want)
			}
		})
	}
	if got := DefaultMaxMemory(); got == 0 || got > 16*gib {
		t.Errorf("DefaultMaxMemory() = %d", got)
	}
}
