package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/simulate"
)

// cmdSimulate runs random behaviours of a spec (package simulate): exit 0
// when no violation was found, 1 on a violation, 2 on a bad spec or usage.
func cmdSimulate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("simulate", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	profile := fs.String("profile", "", "profile whose inputs and domains are fired (default: ci if the spec has one)")
	depth := fs.Int("depth", 100, "steps per behaviour")
	behaviours := fs.Uint64("behaviours", 0, "number of behaviours (0: until -time)")
	dur := fs.Duration("time", 0, "time budget (default 10s when -behaviours is 0)")
	seed := fs.Uint64("seed", 1, "seed of the random choices")
	workers := fs.Int("workers", 0, "parallel workers (default: the number of CPUs)")
	bounded := fs.Bool("bounded", false, "stay within the profile's bounds (default: counters grow past them)")
	traceJSON := fs.String("trace-json", "", "write a violation's trace as JSON to this file")
	itf := fs.String("itf", "", "write a violation's trace in the Informal Trace Format (Apalache, Quint) to this file")
	emitTest := fs.String("emit-test", "", "write a Go test replaying a violation's trace against the generated package to this file")
	pkg := fs.String("package", "", "package name of the emitted test (default: the spec's package)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dslgen simulate: -spec is required and no arguments are taken")
		return 2
	}
	if msg := checkOutputs(*spec, *traceJSON, *itf, *emitTest, *pkg); msg != "" {
		fmt.Fprintf(stderr, "dslgen simulate: %s\n", msg)
		return 2
	}
	if *depth <= 0 {
		fmt.Fprintln(stderr, "dslgen simulate: -depth must be positive")
		return 2
	}
	if *behaviours == 0 && *dur == 0 {
		*dur = 10 * time.Second
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	p, ok := pickProfile("simulate", *spec, m, *profile, stderr)
	if !ok {
		return 2
	}
	opt := simulate.Options{Depth: *depth, Behaviours: *behaviours, Duration: *dur, Seed: *seed, Workers: *workers, Bounded: *bounded}
	if !*quiet {
		opt.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := simulate.Run(ctx, m, p, opt)
	if err != nil {
		fmt.Fprintf(stderr, "dslgen simulate: %v\n", err)
		return 2
	}
	code := 0
	if v := res.Violation; v != nil {
		code = 1
		check.WriteTrace(stdout, m, v)
		if res.Shrunk {
			fmt.Fprintf(stdout, "Found in behaviour %d of seed %d (%d steps, shrunk to %d).\n", res.Behaviour, res.Seed, res.Original, len(v.Trace)-1)
		} else {
			fmt.Fprintf(stdout, "Found in behaviour %d of seed %d (%d steps, not shrunk: replaying its inputs did not reproduce it).\n", res.Behaviour, res.Seed, res.Original)
		}
		art := artifacts{cmd: "simulate", spec: *spec, traceJSON: *traceJSON, itf: *itf, emitTest: *emitTest, pkg: *pkg}
		if !art.write(m, res.Profile, v, stderr) {
			return 2
		}
	}
	if never := res.NeverFired(); len(never) > 0 {
		fmt.Fprintf(stdout, "never fired: %s\n", strings.Join(never, ", "))
	}
	fmt.Fprintln(stdout, res.Summary())
	return code
}
