package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/compat"
	"github.com/meerkat-go/dslmachine/model"
)

// cmdCompat checks that a new version of a spec is safe for the machines
// that run the old one (package compat): exit 0 when there is no finding or
// only warnings, 1 on an error-level finding (or an exploration stopped at
// -max-states), 2 on a bad spec or usage.
func cmdCompat(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("compat", stderr)
	oldSpec := fs.String("old", "", "the spec the running machines were generated from (YAML)")
	newSpec := fs.String("new", "", "the new version of the spec (YAML)")
	jsonOut := fs.Bool("json", false, "print one JSON object per finding (file, line, column, severity, message, kind, old_state, trace, ...), then {\"summary\": {...}}, on stdout instead of text")
	profile := fs.String("profile", "", "profile of both specs (default: ci if the old spec has one); the new spec's profile of that name fires the new inputs (none: every input)")
	traceJSON := fs.String("trace-json", "", "write the trace in the old spec of the first error (else warning) as JSON to this file")
	emitTest := fs.String("emit-test", "", "write a Go test, in the new spec's generated package, that decodes the old state of the first error (else warning) and fails, to this file")
	pkg := fs.String("package", "", "package name of the emitted test (default: the new spec's package)")
	maxStates := fs.Int("max-states", 0, "stop exploring the old spec after this many states (0: no limit)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *oldSpec == "" || *newSpec == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dslgen compat: -old and -new are required and no arguments are taken")
		return 2
	}
	if msg := compatOutputs(*oldSpec, *newSpec, *traceJSON, *emitTest, *pkg); msg != "" {
		fmt.Fprintf(stderr, "dslgen compat: %s\n", msg)
		return 2
	}
	if *maxStates < 0 {
		fmt.Fprintf(stderr, "dslgen compat: -max-states %d: want 0 (no limit) or a positive number\n", *maxStates)
		return 2
	}
	load := loadSpec
	if *jsonOut {
		load = func(path string, stderr io.Writer) (*model.Machine, bool) { return loadSpecJSON(path, stdout, stderr) }
	}
	old, ok := load(*oldSpec, stderr)
	if !ok {
		return 2
	}
	// The same file as -old is loaded once, so that its warnings print once.
	nw := old
	if !sameFile(*oldSpec, *newSpec) {
		if nw, ok = load(*newSpec, stderr); !ok {
			return 2
		}
	}
	oldP, ok := pickProfile("compat", *oldSpec, old, *profile, stderr)
	if !ok {
		return 2
	}
	if oldP == nil {
		fmt.Fprintf(stderr, "dslgen compat: no -profile named and %s has no profile ci: exploring the default profile (every input, default domains, no bounds), which may not end; name a profile or set -max-states\n", *oldSpec)
	}
	var newP *model.Profile
	if oldP != nil {
		newP = nw.Profile(oldP.Name)
	}
	opt := compat.Options{MaxStates: *maxStates}
	if !*quiet {
		opt.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	res, err := compat.Run(ctx, old, nw, oldP, newP, opt)
	stop()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "dslgen compat: interrupted before exploring everything")
		return 1
	}
	if pe := (*compat.ProfileError)(nil); errors.As(err, &pe) {
		fmt.Fprintln(stderr, pe) // positioned: file:line:col: message
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "dslgen compat: %v\n", err)
		return 2
	}
	code := 0
	if res.Errors() > 0 || res.Limited {
		code = 1
	}
	if *jsonOut {
		if err := compat.WriteJSON(stdout, res); err != nil {
			fmt.Fprintf(stderr, "dslgen compat: %v\n", err)
			return 2
		}
	} else {
		compat.WriteText(stdout, res)
		if res.Limited {
			fmt.Fprintln(stdout, "Error: the exploration of the old spec stopped at -max-states before exploring everything.")
		}
		fmt.Fprintln(stdout, res.Summary())
	}
	if len(res.Findings) == 0 {
		return code
	}
	// The artifacts show the first error, else the first warning.
	f := res.Findings[0]
	for _, g := range res.Findings {
		if g.Severity == compat.SeverityError {
			f = g
			break
		}
	}
	if *traceJSON != "" {
		if err := writeFile(*traceJSON, func(w io.Writer) error { return check.WriteJSON(w, old, res.OldProfile, f.Violation()) }); err != nil {
			fmt.Fprintf(stderr, "dslgen compat: %v\n", err)
			return 2
		}
	}
	if *emitTest != "" {
		// A nondeterminism cannot be shown by a test: the first other error.
		for _, g := range res.Findings {
			if compat.CanEmitTest(g) && (g.Severity == compat.SeverityError || !compat.CanEmitTest(f)) {
				f = g
				break
			}
		}
		name := *pkg
		if name == "" {
			name = nw.Package
		}
		opt := compat.TestOptions{Package: name, Old: *oldSpec, New: *newSpec}
		if !compat.CanEmitTest(f) {
			fmt.Fprintf(stderr, "dslgen compat: a Go test cannot show an %s finding; no test written to %s\n", f.Kind, *emitTest)
			return code
		}
		if err := writeFile(*emitTest, func(w io.Writer) error { return compat.WriteTest(w, res, f, opt) }); err != nil {
			fmt.Fprintf(stderr, "dslgen compat: %v\n", err)
			return 2
		}
	}
	return code
}

// compatOutputs is outputsProblem for compat's flags, checked before
// anything is written: the two specs are its inputs.
func compatOutputs(oldSpec, newSpec, traceJSON, emitTest, pkg string) string {
	return outputsProblem([]flagFile{{"-old", oldSpec}, {"-new", newSpec}}, []flagFile{{"-trace-json", traceJSON}, {"-emit-test", emitTest}}, emitTest, pkg)
}

// sameFile reports whether two paths name the same file: the same clean
// absolute path, or (both existing) os.SameFile.
func sameFile(a, b string) bool {
	if aa, err := filepath.Abs(a); err == nil {
		if bb, err := filepath.Abs(b); err == nil && aa == bb {
			return true
		}
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
