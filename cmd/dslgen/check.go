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
	"github.com/meerkat-go/dslmachine/check/shipped"
	"github.com/meerkat-go/dslmachine/internal/atomicfile"
	"github.com/meerkat-go/dslmachine/model"
)

// cmdCheck runs the explicit-state model checker: exit 0 when everything
// held, 1 on a violation (or an incomplete search), 2 on a bad spec or usage.
func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	jsonOut := fs.Bool("json", false, "print one JSON object per diagnostic (file, line, column, severity, message), then {\"summary\": {...}}, on stdout instead of text")
	profile := fs.String("profile", "", "profile name (default: ci if the spec has one)")
	workers := fs.Int("workers", 0, "parallel workers (default: the number of CPUs)")
	traceJSON := fs.String("trace-json", "", "write a violation's trace as JSON to this file")
	itf := fs.String("itf", "", "write a violation's trace in the Informal Trace Format (Apalache, Quint) to this file")
	emitTest := fs.String("emit-test", "", "write a Go test replaying a violation's trace against the generated package to this file")
	pkg := fs.String("package", "", "package name of the emitted test (default: the spec's package)")
	interp := fs.Bool("interp", false, "the same as -engine interp")
	engine := fs.String("engine", "", "what explores the states: shipped (the generated Go package, built into a helper program with the go command; the default when a Go toolchain is on PATH), closure (the checker's compiled transitions; the default otherwise) or interp (the reference interpreter, slow)")
	genDir := fs.String("gen", "", "explore the generated package committed in this directory (its .go files) instead of the one generated from the spec now (implies -engine shipped)")
	maxStates := fs.Uint64("max-states", 0, "stop after this many distinct states (0: no limit)")
	maxMem := fs.Float64("max-mem", float64(check.DefaultMaxMemory())/(1<<30),
		"stop once the checker holds this many GiB (0: no limit; default: the least of 16, 3/4 of the cgroup's memory limit and 3/4 of the physical memory)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	fingerprint := fs.Bool("fingerprint", false, "store a 64-bit hash of each state instead of the state (8 bytes a state, for spaces beyond memory); a hash collision can hide a state, and the summary gives the estimated probability")
	allSteps := fs.Bool("all-steps", false, "fire every input value in every explored state, also those that commute with the step that reached it (slower; the same states and results, but \"transitions fired\" and \"out of bounds\" then count every step, as TLC's \"states generated\" does)")
	tmpDir := fs.String("tmp", "", "directory for the file of explored states (default: the system's temporary directory); the file is removed at the end")
	liveness := fs.Bool("liveness", true, "after the safety check, check the spec's liveness properties on the same state graph")
	livenessMax := fs.Int("liveness-max-states", 10_000_000, "refuse the liveness check beyond this many states (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dslgen check: -spec is required and no arguments are taken")
		return 2
	}
	if msg := checkOutputs(*spec, *traceJSON, *itf, *emitTest, *pkg); msg != "" {
		fmt.Fprintf(stderr, "dslgen check: %s\n", msg)
		return 2
	}
	load := loadSpec
	if *jsonOut {
		load = func(path string, stderr io.Writer) (*model.Machine, bool) { return loadSpecJSON(path, stdout, stderr) }
	}
	m, ok := load(*spec, stderr)
	if !ok {
		return 2
	}
	p, ok := pickProfile("check", *spec, m, *profile, stderr)
	if !ok {
		return 2
	}
	art := artifacts{cmd: "check", spec: *spec, traceJSON: *traceJSON, itf: *itf, emitTest: *emitTest, pkg: *pkg}
	eng, ok := pickEngine(*engine, *interp, *genDir, stderr)
	if !ok {
		return 2
	}
	opt := check.Options{Workers: *workers, Interp: eng == "interp", MaxStates: *maxStates, MaxMemory: uint64(*maxMem * (1 << 30)),
		Fingerprint: *fingerprint, AllSteps: *allSteps, TempDir: *tmpDir}
	if !*quiet {
		opt.Progress = stderr
	}
	// An interrupt stops the search between two batches, so that the file
	// of explored states is removed (the helper of -engine shipped gets the
	// interrupt too).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var res *check.Result
	var err error
	if eng == "shipped" {
		res, err = shipped.Run(ctx, m, p, shipped.Options{Check: opt, GenDir: *genDir, Spec: *spec})
		if code, bad := shippedError(err, *genDir != "", stderr); bad {
			stop()
			return code
		}
	} else {
		res, err = check.RunContext(ctx, m, p, opt)
	}
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "dslgen check: %v\n", err)
		return 2
	}
	code := 0
	if v := res.Violation; v != nil {
		code = 1
		if !*jsonOut {
			check.WriteTrace(stdout, m, v)
		}
		if !replayTrace(m, v, stderr) {
			return exitInternal
		}
		if !art.write(m, res.Profile, v, stderr) {
			return 2
		}
	} else if res.Limited {
		code = 1
		if !*jsonOut {
			fmt.Fprintln(stdout, "Error: the search stopped at the state or memory limit before exploring everything.")
		}
	}
	// finish prints the -json output (diagnostics, then the summary) and
	// returns the exit code.
	finish := func(lres *check.LivenessResult) int {
		if !*jsonOut {
			return code
		}
		if err := writeCheckJSON(stdout, *spec, m, res, lres); err != nil {
			fmt.Fprintf(stderr, "dslgen check: %v\n", err)
			return 2
		}
		return code
	}
	if !*jsonOut {
		fmt.Fprintln(stdout, res.Summary())
	}
	if code != 0 || !*liveness || len(m.Liveness(res.Profile)) == 0 {
		return finish(nil)
	}
	lres, err := check.CheckLiveness(m, res.Profile, check.LivenessOptions{MaxStates: *livenessMax})
	if err != nil {
		fmt.Fprintf(stderr, "dslgen check: liveness: %v\n", err)
		return 2
	}
	if v := lres.Violation; v != nil {
		code = 1
		if !*jsonOut {
			check.WriteTrace(stdout, m, v)
		}
		if !replayTrace(m, v, stderr) {
			return exitInternal
		}
		if !art.write(m, res.Profile, v, stderr) {
			return 2
		}
	}
	if !*jsonOut {
		fmt.Fprintln(stdout, lres.Summary())
	}
	return finish(lres)
}

// replayTrace replays a violation's trace with the reference interpreter
// (docs/CHECKING.md); false, after the message of an internal error (exit
// 3), when they disagree. The last step of an unreachable-transition trace
// is not the interpreter's choice, so such a trace is not replayed.
func replayTrace(m *model.Machine, v *check.Violation, stderr io.Writer) bool {
	if len(v.Trace) == 0 || v.Kind == check.KindUnreachable {
		return true
	}
	if err := check.Replay(m, v.Trace); err != nil {
		fmt.Fprintf(stderr, "dslgen: internal error: the reference interpreter disagrees with the trace of %s: %v\n", v.Message(), err)
		return false
	}
	return true
}

// pickEngine resolves -engine, -interp and -gen into shipped, closure or
// interp; ok is false (after a message) on a usage error. Without -engine,
// shipped is the default when a Go toolchain is available, else closure,
// with a one-line note.
func pickEngine(engine string, interp bool, genDir string, stderr io.Writer) (string, bool) {
	switch engine {
	case "", "shipped", "closure", "interp":
	default:
		fmt.Fprintf(stderr, "dslgen check: -engine %q: want shipped, closure or interp\n", engine)
		return "", false
	}
	if interp {
		if engine != "" && engine != "interp" {
			fmt.Fprintf(stderr, "dslgen check: -interp contradicts -engine %s\n", engine)
			return "", false
		}
		engine = "interp"
	}
	if genDir != "" {
		if engine != "" && engine != "shipped" {
			fmt.Fprintf(stderr, "dslgen check: -gen explores the generated package: it needs -engine shipped, not %s\n", engine)
			return "", false
		}
		engine = "shipped"
	}
	if engine == "" {
		engine = "shipped"
		if err := shipped.Available(context.Background(), ""); err != nil {
			fmt.Fprintf(stderr, "dslgen check: %v; exploring with the checker's compiled transitions (-engine closure)\n", err)
			engine = "closure"
		}
	}
	return engine, true
}

// shippedError prints an error of shipped.Run and returns the exit code; bad
// is false for a nil error and for errors that are the profile's (printed
// by the caller, exit 2).
func shippedError(err error, gen bool, stderr io.Writer) (code int, bad bool) {
	var be *shipped.BuildError
	var de *shipped.DisagreementError
	var he *shipped.HelperError
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, shipped.ErrNoGo):
		fmt.Fprintf(stderr, "dslgen check: -engine shipped: %v\n", err)
		return exitUsage, true
	case errors.As(err, &be) && gen:
		fmt.Fprintf(stderr, "dslgen check: -gen: the package does not build with the checker's driver: %v\n", err)
		return exitUsage, true
	case errors.As(err, &be), errors.As(err, &de), errors.As(err, &he):
		fmt.Fprintf(stderr, "dslgen: internal error: %v\n", err)
		return exitInternal, true
	}
	return 0, false
}

// relativeTo returns the path of target relative to the directory of file,
// or target's absolute path when there is none.
func relativeTo(file, target string) string {
	absT, err := filepath.Abs(target)
	if err != nil {
		return target
	}
	absF, err := filepath.Abs(file)
	if err != nil {
		return absT
	}
	rel, err := filepath.Rel(filepath.Dir(absF), absT)
	if err != nil {
		return absT
	}
	return filepath.ToSlash(rel)
}

func writeFile(path string, write func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, 0o644, write)
}
