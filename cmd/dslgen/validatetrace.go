package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/meerkat-go/dslmachine/tracecheck"
)

// cmdValidateTrace checks a recorded run against a spec (package
// tracecheck): exit 0 when the spec allows it, 1 at the first step it does
// not allow or when the candidate states pass -max-candidates (as check
// stopped at a limit exits 1), 2 on a bad spec, recording or usage.
func cmdValidateTrace(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate-trace", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	trace := fs.String("trace", "", "recorded run: JSON lines (- for standard input)")
	profile := fs.String("profile", "", "profile whose input domains an unrecorded input may take (default: ci if the spec has one)")
	hidden := fs.Int("max-hidden", 0, "unrecorded steps that may precede each recorded one (0: none)")
	maxCands := fs.Int("max-candidates", tracecheck.DefaultMaxCandidates, "states a run may be in at once (at least 1)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || *trace == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dslgen validate-trace: -spec and -trace are required and no arguments are taken")
		return 2
	}
	if *maxCands < 1 {
		fmt.Fprintf(stderr, "dslgen validate-trace: -max-candidates must be at least 1, not %d\n", *maxCands)
		return 2
	}
	if *hidden < 0 {
		fmt.Fprintf(stderr, "dslgen validate-trace: -max-hidden must not be negative, not %d\n", *hidden)
		return 2
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	p, ok := pickProfile("validate-trace", *spec, m, *profile, stderr)
	if !ok {
		return 2
	}
	var r io.Reader = os.Stdin
	if *trace != "-" {
		f, err := os.Open(*trace)
		if err != nil {
			fmt.Fprintf(stderr, "dslgen validate-trace: %v\n", err)
			return 2
		}
		defer f.Close()
		// A directory opens; reading it would fail as a bad recording.
		if st, err := f.Stat(); err != nil {
			fmt.Fprintf(stderr, "dslgen validate-trace: %v\n", err)
			return exitUsage
		} else if st.IsDir() {
			fmt.Fprintf(stderr, "dslgen validate-trace: %s: is a directory, not a recording\n", *trace)
			return exitUsage
		}
		r = f
	}
	recs, err := tracecheck.Read(r)
	if err != nil {
		fmt.Fprintf(stderr, "dslgen validate-trace: %s: %v\n", *trace, err)
		return 2
	}
	if len(recs) == 0 {
		// An ok on nothing would pass a recorder that wrote nothing.
		fmt.Fprintf(stderr, "dslgen validate-trace: %s: no records (the recording is empty or only blank lines): nothing to validate\n", *trace)
		return exitUsage
	}
	res, err := tracecheck.Validate(m, recs, tracecheck.Options{Profile: p, MaxHidden: *hidden, MaxCandidates: *maxCands})
	if err != nil {
		fmt.Fprintf(stderr, "dslgen validate-trace: %s: %v\n", *trace, err)
		if errors.Is(err, tracecheck.ErrTooManyCandidates) && res != nil {
			// Neither allowed nor refused: like check stopped at
			// -max-states, a search stopped at a limit exits 1.
			fmt.Fprintf(stdout, "validate-trace %s: stopped at the candidate limit (-max-candidates %d); runs: %d, steps checked: %d\n", m.Name, *maxCands, res.Runs, res.Steps)
			return exitViolation
		}
		return exitUsage
	}
	if res.Failure != nil {
		fmt.Fprintf(stdout, "%s:%d: %s\n", *trace, res.Failure.Line, res.Failure.Detail())
		fmt.Fprintf(stdout, "validate-trace %s: not allowed; runs: %d, steps checked: %d\n", m.Name, res.Runs, res.Steps)
		return 1
	}
	fmt.Fprintf(stdout, "validate-trace %s: ok; runs: %d, steps: %d\n", m.Name, res.Runs, res.Steps)
	return 0
}
