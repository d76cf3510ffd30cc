// Command ratios reads `go test -bench` output and prints, for every
// benchmark that was run for several implementations (a sub-benchmark part
// "/impl=<name>"), how many times slower each implementation is than the base
// one: the ratio table of docs/PERFORMANCE.md.
//
// Usage:
//
//	ratios [-base generated] [-target 10] [file ...]
//
// With no file it reads standard input. Repeated runs of one benchmark
// (-count) are summarised the way benchstat does it, with
// golang.org/x/perf/benchmath: the median and its 95% confidence interval.
// A ratio is the median of the per-run ratios peer time / base time, the i-th
// run of one implementation paired with the i-th run of the other (make bench
// runs all benchmarks once per round), with its 95% confidence interval. The
// last line says whether every ratio's lower bound reaches -target and the
// base allocates nothing.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}

// key identifies one benchmark without its implementation.
type key struct {
	label string // name without "Benchmark", the impl part and GOMAXPROCS
	procs string // the GOMAXPROCS suffix, "" if none
}

// measurements holds the samples of one benchmark, per implementation and
// unit.
type measurements map[string]map[string][]float64

// collection is everything read from the input.
type collection struct {
	order  []key // keys in first-seen order
	byKey  map[key]measurements
	impls  []string // implementations in first-seen order
	config map[string]string
}

func newCollection() *collection {
	return &collection{byKey: make(map[key]measurements), config: make(map[string]string)}
}

// add records one result.
func (c *collection) add(r *benchfmt.Result) {
	base, parts := r.Name.Parts()
	var label strings.Builder
	label.Write(base)
	impl, procs := "", ""
	for _, p := range parts {
		switch {
		case bytes.HasPrefix(p, []byte("/impl=")):
			impl = string(p[len("/impl="):])
		case bytes.HasPrefix(p, []byte("-")):
			procs = string(p[1:])
		default:
			label.Write(p)
		}
	}
	if impl == "" {
		return
	}
	k := key{label: label.String(), procs: procs}
	m, ok := c.byKey[k]
	if !ok {
		m = make(measurements)
		c.byKey[k] = m
		c.order = append(c.order, k)
	}
	if !slices.Contains(c.impls, impl) {
		c.impls = append(c.impls, impl)
	}
	units, ok := m[impl]
	if !ok {
		units = make(map[string][]float64)
		m[impl] = units
	}
	for _, v := range r.Values {
		units[v.Unit] = append(units[v.Unit], v.Value)
	}
	for _, name := range []string{"goos", "goarch", "cpu", "pkg"} {
		if v := r.GetConfig(name); v != "" {
			c.config[name] = v
		}
	}
}

// read adds every result of one input.
func (c *collection) read(r io.Reader, name string) error {
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			c.add(rec)
		case *benchfmt.SyntaxError:
			// Lines that are not benchmark results (test logs) are
			// reported by the reader as syntax errors; skip them.
		}
	}
	return br.Err()
}

// summary is one implementation's summary of one unit.
type summary struct {
	benchmath.Summary
	n int
}

func summarize(values []float64) (summary, bool) {
	if len(values) == 0 {
		return summary{}, false
	}
	s := benchmath.NewSample(values, &benchmath.DefaultThresholds)
	return summary{Summary: benchmath.AssumeNothing.Summary(s, 0.95), n: len(values)}, true
}

// ratio is a peer/base time ratio with the bound the verdict uses.
type ratio struct {
	center float64 // the median ratio
	lo, hi float64 // its confidence interval, when there is one
	paired bool    // from per-run ratios rather than from two summaries
	ci     bool    // lo and hi are finite
	judged float64 // what the target is checked against: lo, or center without a CI
}

func (r ratio) judgedBy() string {
	if r.ci {
		return "its lower bound"
	}
	return "its median (too few runs for a confidence interval)"
}

// String renders the ratio and its interval.
func (r ratio) String() string {
	if !r.ci {
		return fmt.Sprintf("%.1f× (no CI)", r.center)
	}
	return fmt.Sprintf("%.1f× (%.1f–%.1f)", r.center, r.lo, r.hi)
}

// timeRatio divides peer times by base times. When both have the same number
// of runs, the i-th runs are paired (make bench runs every benchmark once per
// round, so the i-th runs of two implementations were measured moments apart,
// under the same load) and the result is the median of the per-run ratios
// with its 95% confidence interval. Otherwise it is the ratio of the medians,
// with an interval from dividing the two medians' intervals crosswise.
func timeRatio(peer, base []float64) ratio {
	var r ratio
	if len(peer) == len(base) {
		per := make([]float64, len(peer))
		for i := range peer {
			per[i] = peer[i] / base[i]
		}
		s, _ := summarize(per)
		r = ratio{center: s.Center, lo: s.Lo, hi: s.Hi, paired: true}
	} else {
		p, _ := summarize(peer)
		b, _ := summarize(base)
		r = ratio{center: p.Center / b.Center, lo: p.Lo / b.Hi, hi: p.Hi / b.Lo}
	}
	r.ci = bounded(r.lo) && bounded(r.hi) && r.lo > 0
	r.judged = r.center
	if r.ci {
		r.judged = r.lo
	}
	return r
}

// Units as benchfmt tidies them.
const (
	unitTime   = "sec/op"
	unitBytes  = "B/op"
	unitAllocs = "allocs/op"
)

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("ratios", flag.ContinueOnError)
	base := fs.String("base", "generated", "the implementation the others are divided by")
	target := fs.Float64("target", 10, "the speed-up over every peer that the base must reach")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := newCollection()
	if fs.NArg() == 0 {
		if err := c.read(stdin, "<stdin>"); err != nil {
			return err
		}
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = c.read(f, name)
		f.Close()
		if err != nil {
			return err
		}
	}
	if len(c.order) == 0 {
		return errors.New("no benchmark results with an /impl= part in the input")
	}
	if !slices.Contains(c.impls, *base) {
		return fmt.Errorf("no results for the base implementation %q (have %s)", *base, strings.Join(c.impls, ", "))
	}
	return c.print(stdout, *base, *target)
}

// fmtTime renders seconds per op in a readable unit.
func fmtTime(sec float64) string {
	switch ns := sec * 1e9; {
	case ns < 10:
		return fmt.Sprintf("%.2fns", ns)
	case ns < 1000:
		return fmt.Sprintf("%.1fns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	default:
		return fmt.Sprintf("%.2fms", ns/1e6)
	}
}

func fmtRange(s summary) string {
	switch {
	case s.Center == 0:
		return "±0%"
	case !bounded(s.Lo) || !bounded(s.Hi):
		return "(no CI)"
	}
	return "±" + s.PctRangeString()
}

// bounded reports whether x is a finite number; benchmath's interval is
// infinite when there are too few runs for the confidence level.
func bounded(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

func (c *collection) print(w io.Writer, base string, target float64) error {
	peers := slices.DeleteFunc(slices.Clone(c.impls), func(s string) bool { return s == base })
	for _, name := range []string{"goos", "goarch", "cpu", "pkg"} {
		if v, ok := c.config[name]; ok {
			fmt.Fprintf(w, "%s: %s\n", name, v)
		}
	}
	fmt.Fprintf(w, "time per step: median of n runs ±95%% confidence interval; ratio: median of the per-run ratios peer time / %s time (95%% confidence interval)\n\n", base)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"benchmark", "n"}
	for _, impl := range c.impls {
		header = append(header, impl, "")
	}
	for _, p := range peers {
		header = append(header, p+"/"+base)
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))

	var misses []string
	for _, k := range c.order {
		m := c.byKey[k]
		baseTime, ok := summarize(m[base][unitTime])
		if !ok {
			misses = append(misses, k.label+": no "+base+" result")
			continue
		}
		row := []string{k.label, fmt.Sprint(baseTime.n)}
		for _, impl := range c.impls {
			s, ok := summarize(m[impl][unitTime])
			if !ok {
				row = append(row, "-", "")
				continue
			}
			row = append(row, fmtTime(s.Center), fmtRange(s))
		}
		for _, p := range peers {
			if len(m[p][unitTime]) == 0 {
				row = append(row, "-")
				continue
			}
			r := timeRatio(m[p][unitTime], m[base][unitTime])
			row = append(row, r.String())
			if r.judged < target {
				misses = append(misses, fmt.Sprintf("%s: %s/%s is %.1f×, and %s %.1f× is under %g×", k.label, p, base, r.center, r.judgedBy(), r.judged, target))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nmemory per step (median)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header = []string{"benchmark"}
	for _, impl := range c.impls {
		header = append(header, impl+" B/op", impl+" allocs/op")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, k := range c.order {
		m := c.byKey[k]
		row := []string{k.label}
		for _, impl := range c.impls {
			for _, unit := range []string{unitBytes, unitAllocs} {
				s, ok := summarize(m[impl][unit])
				if !ok {
					row = append(row, "-")
					continue
				}
				row = append(row, fmt.Sprintf("%g", s.Center))
				if impl == base && unit == unitAllocs && s.Center > 0 {
					misses = append(misses, fmt.Sprintf("%s: %s makes %g allocs/op", k.label, base, s.Center))
				}
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	if len(misses) == 0 {
		fmt.Fprintf(w, "target met: %s is at least %g× faster than %s in every benchmark (lower bound of the ratio's confidence interval, or its median with too few runs) with 0 allocs/op\n",
			base, target, strings.Join(peers, " and "))
		return nil
	}
	fmt.Fprintf(w, "target NOT met (%g× faster than every peer, 0 allocs/op):\n", target)
	for _, m := range misses {
		fmt.Fprintln(w, "  "+m)
	}
	return nil
}
