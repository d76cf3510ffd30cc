// Command dslgen compiles a state-machine spec written in the YAML DSL of
// docs/DSL.md: it validates it, generates typed Go code, emits a TLA+ model,
// model-checks it and draws diagrams.
//
// Usage:
//
//	dslgen validate -spec FILE
//	dslgen generate -spec FILE -out DIR [-package NAME]
//	dslgen check -spec FILE [-profile NAME] [-workers N] [-engine shipped|closure|interp] [-gen DIR] [-trace-json FILE] [-emit-test FILE]
//	dslgen simulate -spec FILE [-profile NAME] [-depth N] [-behaviours N] [-time D] [-seed S] [-bounded]
//	dslgen validate-trace -spec FILE -trace RUN.jsonl [-profile NAME] [-max-hidden N] [-max-candidates N]
//	dslgen compat -old OLD.yaml -new NEW.yaml [-profile NAME] [-json] [-trace-json FILE] [-emit-test FILE] [-max-states N] [-quiet]
//	dslgen tla -spec FILE -out DIR
//	dslgen graph -spec FILE [-format mermaid|dot] [-field NAME] [-out FILE] [-embed FILE]
//	dslgen version
//
// validate and check also take -json: one JSON object per diagnostic (file,
// line, column, severity, message) on stdout, and for check its summary.
//
// Every file dslgen writes (generate, tla, graph -out and -embed, check
// -trace-json and -emit-test) is written to a temporary file in the same
// directory, flushed, and renamed into place: an error, a full disk or a
// crash leaves the old file as it was, never half a file.
//
// Exit codes: 0 success, 1 a violation found by check or an error-level
// finding of compat (or a search stopped at a limit), 2 a bad spec or usage, 3 an internal error (a bug in dslgen: it
// prints "dslgen: internal error: ...", and the stack when the environment
// variable DSLGEN_STACK is set to anything but empty or 0).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

func main() {
	stack := os.Getenv("DSLGEN_STACK")
	os.Exit(guard(os.Stderr, stack != "" && stack != "0", func() int {
		return run(os.Args[1:], os.Stdout, os.Stderr)
	}))
}

// Exit codes.
const (
	exitOK        = 0 // success
	exitViolation = 1 // check found a violation or stopped at a limit
	exitUsage     = 2 // a bad spec or usage
	exitInternal  = 3 // an internal error: a bug in dslgen
)

// guard runs a command and turns a panic into an internal error: a line on
// stderr (with the stack when stack is true) and exitInternal.
func guard(stderr io.Writer, stack bool, cmd func() int) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "dslgen: internal error: %v\n", r)
			if stack {
				stderr.Write(debug.Stack())
			} else {
				fmt.Fprintln(stderr, "dslgen: please report it with the spec; set DSLGEN_STACK=1 for the stack trace")
			}
			code = exitInternal
		}
	}()
	return cmd()
}

const usage = `usage: dslgen <command> [flags]

commands:
  validate  -spec FILE [-json]                  load and type-check a spec (-json: one JSON
                                                object per diagnostic; check takes -json too)
  generate  -spec FILE -out DIR [-package NAME]  write the Go package for a spec
  check     -spec FILE [-profile NAME] [-workers N] [-engine shipped|closure|interp] [-gen DIR]
            [-trace-json FILE] [-emit-test FILE]
                                                model-check a spec within a profile's bounds, by
                                                default running its generated Go package
  simulate  -spec FILE [-profile NAME] [-depth N] [-behaviours N] [-time D] [-seed S] [-bounded]
                                                random behaviours past the exhaustive bounds
  validate-trace -spec FILE -trace RUN.jsonl [-profile NAME] [-max-hidden N] [-max-candidates N]
                                                check a recorded run (JSON lines) against the spec
  compat    -old FILE -new FILE [-profile NAME] [-json] [-trace-json FILE] [-emit-test FILE] [-max-states N] [-quiet]
                                                check that the new spec reads, and behaves on, every
                                                state the old one reaches (persisted machines)
  tla       -spec FILE -out DIR                 write the TLA+ module and one TLC config per profile
  graph     -spec FILE [-format mermaid|dot] [-field NAME] [-out FILE] [-embed FILE]
                                                draw the phase and enum-field state diagrams
  version                                       print dslgen's version (also -version, --version)

exit codes: 0 ok, 1 check found a violation or stopped at a limit, 2 bad spec
or usage, 3 internal error (a dslgen bug; DSLGEN_STACK=1 prints the stack).
`

// run executes one dslgen command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "generate":
		return cmdGenerate(rest, stdout, stderr)
	case "check":
		return cmdCheck(rest, stdout, stderr)
	case "simulate":
		return cmdSimulate(rest, stdout, stderr)
	case "validate-trace":
		return cmdValidateTrace(rest, stdout, stderr)
	case "compat":
		return cmdCompat(rest, stdout, stderr)
	case "tla":
		return cmdTLA(rest, stdout, stderr)
	case "graph":
		return cmdGraph(rest, stdout, stderr)
	case "version", "-version", "--version":
		return cmdVersion(rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "dslgen: unknown command %q\n%s", cmd, usage)
	return 2
}

// loadSpec loads and validates a spec (package validate), printing warnings
// and errors; ok is false on errors.
func loadSpec(path string, stderr io.Writer) (*model.Machine, bool) {
	m, err := validate.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	for _, w := range m.Warnings {
		fmt.Fprintln(stderr, w)
	}
	return m, true
}

// loadSpecJSON loads a spec, printing its warnings or errors as JSON
// diagnostics on stdout; ok is false on errors.
func loadSpecJSON(path string, stdout, stderr io.Writer) (*model.Machine, bool) {
	m, err := model.Load(path)
	if werr := writeJSONLines(stdout, loadDiagnostics(path, m, err)...); werr != nil {
		fmt.Fprintln(stderr, werr)
		return nil, false
	}
	return m, err == nil
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dslgen "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	jsonOut := fs.Bool("json", false, "print one JSON object per diagnostic (file, line, column, severity, message) on stdout instead of text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" {
		fmt.Fprintln(stderr, "dslgen validate: -spec is required")
		return 2
	}
	if *jsonOut {
		_, ok := loadSpecJSON(*spec, stdout, stderr)
		if !ok {
			return 2
		}
		return 0
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	fmt.Fprintf(stdout, "%s: machine %s: %d fields, %d inputs, %d effects, %d transitions, %d invariants, %d profiles\n",
		*spec, m.Name, len(m.Fields), len(m.Inputs), len(m.Effects), len(m.Transitions), len(m.Invariants), len(m.Profiles))
	return 0
}
