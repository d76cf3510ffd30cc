package gocode

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// buildSpecs generates each spec (directory -> YAML) into its own directory
// of one temporary module and runs the real toolchain on all of them at once:
// go build, then go vet. It fails the test with the tools' output. extra maps
// a package name to more files (name -> source) for that package, such as
// tests to run with go test.
func buildSpecs(t *testing.T, specs map[string]string, extra map[string]map[string]string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds generated code with the go command")
	}
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "go.mod"), "module probe\n\ngo 1.26\n")
	pkgs := make([]string, 0, len(specs))
	for pkg := range specs {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		m, err := model.Parse(pkg+".yaml", []byte(specs[pkg]))
		if err != nil {
			t.Fatalf("spec %s: %v", pkg, err)
		}
		src, err := Generate(m, Options{Source: pkg + ".yaml"})
		if err != nil {
			t.Fatalf("spec %s: %v", pkg, err)
		}
		write(filepath.Join(dir, pkg, FileName(m)), string(src))
		for name, src := range extra[pkg] {
			write(filepath.Join(dir, pkg, name), src)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "./...")
	run("vet", "./...")
	if sc := staticcheck(t); sc != "" {
		cmd := exec.Command(sc, "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("staticcheck: %v\n%s", err, out)
		}
	}
	if len(extra) > 0 {
		return run("test", "-count=1", "./...")
	}
	return ""
}

// staticcheck returns the path of a staticcheck binary: $STATICCHECK, or one
// built from this module's tool dependency; "" (with a log line) when there is
// neither.
func staticcheck(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("STATICCHECK"); p != "" {
		return p
	}
	bin := filepath.Join(t.TempDir(), "staticcheck")
	cmd := exec.Command("go", "build", "-o", bin, "honnef.co/go/tools/cmd/staticcheck")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("staticcheck not run: it is not a tool of this module (%v: %s)", err, bytes.TrimSpace(out))
		return ""
	}
	return bin
}

// phases returns n phase names P0..P<n-1>.
func phases(n int) string {
	var p []string
	for i := 0; i < n; i++ {
		p = append(p, fmt.Sprintf("P%d", i))
	}
	return strings.Join(p, ", ")
}

// TestBuildGuardless builds specs with no guard at all: no transitions, or
// only guard-less ones, with few phases and with more than 64. The Go
// compiler used to crash on the zero-length guard-rejection table.
func TestBuildGuardless(t *testing.T) {
	buildSpecs(t, map[string]string{
		"noguards70": fmt.Sprintf(`
machine: Plain
enums:
  Phase: [%s]
fields:
  phase: {type: Phase, initial: P0}
phase: phase
inputs:
  Go: {}
transitions:
  - {name: Move, on: Go, from: [P0], to: P69}
  - {name: Back, on: Go, from: [P69], to: P0}
`, phases(70)),
		"noguards3": `
machine: Plain
enums:
  Phase: [A, B, C]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Go: {}
transitions:
  - {name: Move, on: Go, from: [A], to: B}
`,
		"noinputs": `
machine: Idle
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs: {}
transitions: []
`,
		"notransitions": `
machine: Empty
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Go: {}
transitions: []
`,
	}, nil)
}

// TestBuildOddNames builds specs whose names are Go keywords, predeclared
// identifiers, import names and names of generated helpers before Go casing:
// Check accepts them, so the generated code must compile.
func TestBuildOddNames(t *testing.T) {
	buildSpecs(t, map[string]string{
		"oddnames": `
machine: Odd
enums:
  phase: [struct, chan, map]
  uint8: [string, int, nil]
  noTransitions: [x]
  guard_sites: [z]
  sub: [y]
ids: [string, error, any]
fields:
  type: {type: phase, initial: struct}
  func: {type: uint8, initial: uint8.string}
  range: {type: option<string>, initial: none}
  len: {type: uint, max: 3, initial: 0}
  iota: {type: bool, initial: false}
  fmt: {type: option<error>, initial: none}
phase: type
inputs:
  fmt: {json: bool, iter: string}
  json: {type: uint8}
  iter: {}
  add: {range: any}
  b2u: {bytes: bool}
  go: {}
  nil: {}
effects:
  errors: {string: string, len: uint}
  strconv: {}
  bytes: {any: any}
transitions:
  - name: func
    on: fmt
    from: [struct]
    to: chan
    guards:
      - type: arg.json
    do: ["range := some(arg.iter)", "len := len + 1"]
    emit:
      - errors: {string: arg.iter, len: len}
  - {name: range, on: json, from: [chan], to: map, emit: [strconv]}
  - {name: go, on: iter, from: [map], to: struct}
  - name: nil
    on: add
    from: [struct]
    to: struct
    emit:
      - bytes: {any: arg.range}
  - {name: select, on: b2u, from: [map], to: struct}
`,
		"main2": `
machine: main2
package: init
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Go: {}
transitions: []
`,
	}, nil)
}

// TestBuildLintClean builds a spec full of expressions that are legal DSL
// but that vet or staticcheck flag when written naively in Go: no-op
// updates, repeated operands of || and &&, double negation, comparisons
// that are always true or false, and comparisons of unsigned values with 0
// and with the largest uint64.
func TestBuildLintClean(t *testing.T) {
	buildSpecs(t, map[string]string{
		"lint": `
machine: Lint
enums:
  Phase: [A, B]
  E: [X, Y, Z]
fields:
  phase: {type: Phase, initial: A}
  a: {type: bool, initial: false}
  b: {type: bool, initial: false}
  n: {type: uint, max: 5, initial: 0}
  o: {type: option<uint>, initial: none}
  e: {type: E, initial: X}
phase: phase
inputs:
  Go: {k: E, m: uint}
transitions:
  - name: T1
    on: Go
    from: [A]
    to: B
    guards:
      - g1: "!(!a)"
      - g2: a || a
      - g3: a && a && b
      - g4: e != E.X || e != E.Y
      - g5: e == E.X && e == E.Y
      - g6: e in [E.X, E.X] || e == E.X
      - g7: o == none
      - g8: "!(o != none)"
      - g9: n >= 0 || n < 0
      - g10: 0 <= n && arg.m >= 0
      - g11: n == n && a == a && arg.k == arg.k
      - g12: n + 1 >= 0
      - g13: n <= 18446744073709551615 || n > 18446744073709551615
      - g14: "!(!(n + 1 > 2))"
      - g15: (a || b) || (b || a)
    do:
      - a := a
      - n := n
      - e := e
      - if a then b := b else o := o
      - if n - 1 >= 0 then a := b
  - {name: T2, on: Go, from: [B], to: A, guards: [{h: "e != arg.k || e != arg.k"}]}
invariants:
  i1: "!(!a) || a || true"
  i2: n <= 18446744073709551615
  i3: n - 0 >= 0
`,
	}, nil)
}

// TestGeneratedValidation runs tests in a generated package: Step and Apply
// return errors, never panic, for a State or an input holding a value its
// type does not allow, without allocating; Validate and State's JSON
// decoding reject such states and states that violate an invariant.
func TestGeneratedValidation(t *testing.T) {
	out := buildSpecs(t, map[string]string{"valid": `
machine: Valid
enums:
  Phase: [A, B]
  E: [X, Y, Z]
ids: [Who]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, max: 5, initial: 0}
  o: {type: option<uint>, max: 7, initial: none}
  e: {type: option<E>, initial: none}
  w: {type: option<Who>, initial: none}
phase: phase
inputs:
  Go: {k: E, m: option<E>, who: Who, u: option<uint>, ow: option<Who>}
transitions:
  - {name: T1, on: Go, from: [A], to: B, guards: [{small: n < 5}], do: ["n := n + 1", "e := some(arg.k)", "o := arg.u", "w := arg.ow"]}
  - {name: T2, on: Go, from: [B], to: A}
invariants:
  n_small: n <= 4
`}, map[string]map[string]string{"valid": {"valid_test.go": `package valid

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func stepErr(t *testing.T, s State, in Input) error {
	t.Helper()
	_, _, err := Step(s, in)
	s2 := s
	if _, err2 := s2.Apply(in); (err == nil) != (err2 == nil) || s2 != s && err2 != nil {
		t.Errorf("Apply and Step disagree: %v, %v", err, err2)
	}
	return err
}

func TestInvalidStates(t *testing.T) {
	for name, c := range map[string]struct {
		mutate func(*State)
		field  string
		step   bool // Step refuses it too (an enum out of range)
	}{
		"phase":       {func(s *State) { s.Phase = Phase(200) }, "phase", true},
		"option enum": {func(s *State) { s.E = Some(E(3)) }, "e", true},
		"none enum":   {func(s *State) { s.E = Option[E]{Value: 9} }, "e", true},
		"n above max": {func(s *State) { s.N = 6 }, "n", false},
		"option max":  {func(s *State) { s.O = Some[uint64](8) }, "o", false},
		"none value":  {func(s *State) { s.O = Option[uint64]{Value: 1} }, "o", false},
		"none id":     {func(s *State) { s.W = Option[Who]{Value: "x"} }, "w", false},
	} {
		s := Initial()
		c.mutate(&s)
		errs := []error{s.Validate()}
		if c.step {
			errs = append(errs, stepErr(t, s, Go{}))
		}
		for _, err := range errs {
			var ie *InvalidStateError
			if !errors.Is(err, ErrInvalidState) || !errors.As(err, &ie) || ie.Field != c.field {
				t.Errorf("%s: error %v, want an *InvalidStateError for field %s", name, err, c.field)
			}
		}
		b, err := json.Marshal(s)
		if err != nil || strings.HasPrefix(name, "none") {
			continue // an out-of-range enum has no JSON form; a none Option is null
		}
		var back State
		if err := json.Unmarshal(b, &back); !errors.Is(err, ErrInvalidState) {
			t.Errorf("%s: decoding %s: %v, want ErrInvalidState", name, b, err)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		s := Initial()
		s.Phase = 9
		_, _, _ = Step(s, Go{})
	}); n != 0 {
		t.Errorf("Step of an invalid state allocates %v times", n)
	}
}

func TestInvalidInputs(t *testing.T) {
	for name, c := range map[string]struct {
		in    Go
		param string
	}{
		"enum":        {Go{K: E(3)}, "k"},
		"option enum": {Go{M: Some(E(200))}, "m"},
		"none enum":   {Go{M: Option[E]{Value: 3}}, "m"},
		// A none option holding a value (found by a tester: Step wrote it
		// into the state, which Validate then refused).
		"none enum in range": {Go{M: Option[E]{Value: 1}}, "m"},
		"none uint":          {Go{U: Option[uint64]{Value: 3}}, "u"},
		"none id":            {Go{Ow: Option[Who]{Value: "x"}}, "ow"},
	} {
		err := stepErr(t, Initial(), c.in)
		var ie *InvalidInputError
		if !errors.Is(err, ErrInvalidInput) || !errors.As(err, &ie) || ie.Param != c.param || ie.Input != "Go" {
			t.Errorf("%s: error %v, want an *InvalidInputError for parameter %s", name, err, c.param)
		}
		if errors.Is(err, ErrRejected) {
			t.Errorf("%s: an invalid input is not a rejection", name)
		}
	}
	if _, _, err := Step(Initial(), Go{K: EZ, M: Some(EY)}); err != nil {
		t.Errorf("valid input: %v", err)
	}
}

func TestStateJSON(t *testing.T) {
	b, err := json.Marshal(Initial())
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil || s != Initial() {
		t.Fatalf("round trip: %v, %+v", err, s)
	}
	const rest = ` + "`" + `, "o": null, "e": null, "w": null}` + "`" + `
	for doc, want := range map[string]error{
		` + "`" + `{"phase": "A", "n": 5` + "`" + ` + rest:              ErrInvariant,
		` + "`" + `{"phase": "A", "n": 6` + "`" + ` + rest:              ErrInvalidState,
		` + "`" + `{"phase": "C", "n": 0` + "`" + ` + rest:              nil,
		` + "`" + `{"phase": "A", "n": 0, "bogus": 1` + "`" + ` + rest:  nil,
		` + "`" + `{"phase": "A", "n": 0, "o": 9, "e": null, "w": null}` + "`" + `: ErrInvalidState,
		` + "`" + `{"phase": "A", "n": 0}` + "`" + `:                     nil,
	} {
		var s State
		err := json.Unmarshal([]byte(doc), &s)
		if err == nil || want != nil && !errors.Is(err, want) {
			t.Errorf("decoding %s: %v, want an error matching %v", doc, err, want)
		}
		if want == ErrInvariant && !errors.Is(err, ErrInvalidState) {
			t.Errorf("decoding %s: %v does not match ErrInvalidState", doc, err)
		}
	}
	if err := Initial().Validate(); err != nil {
		t.Errorf("Validate(Initial()) = %v", err)
	}
}
`}})
	t.Log(out)
}

// TestBuildEdgeSpecs builds specs at the edges of the types: an enum of 255
// values (the most a uint8 enum holds) as the phase and inside options, and
// expressions of every form in guards, updates, effects and invariants.
func TestBuildEdgeSpecs(t *testing.T) {
	buildSpecs(t, map[string]string{"edge": fmt.Sprintf(`
machine: Edge
enums:
  Phase: [%s]
  Mode: [On, Off]
ids: [Who]
fields:
  phase: {type: Phase, initial: P0}
  last: {type: option<Phase>, initial: none}
  n: {type: uint, max: 9, initial: 0}
  o: {type: option<uint>, initial: none}
  who: {type: option<Who>, initial: none}
  mode: {type: Mode, initial: Mode.On}
phase: phase
inputs:
  Go: {p: Phase, q: option<Phase>, w: Who, k: uint}
effects:
  Seen: {p: option<Phase>, w: option<Who>, k: uint, b: bool, m: Mode}
transitions:
  - name: T
    on: Go
    from: [P0, P254]
    to: P254
    guards:
      - a: "o in [none, some(1)] || !(mode in [Mode.On])"
      - b: (if n > 1 then n else 2) <= unwrap_or(o, 3) + arg.k
      - c: last != some(arg.p) && arg.q != none
    do:
      - last := some(arg.p)
      - o := if o == none then some(arg.k) else none
      - if n < 9 then n := n + 1 else n := 0
      - who := some(arg.w)
    emit:
      - Seen: {p: last, w: who, k: n - 0, b: n == 1, m: mode}
invariants:
  bounded: n <= 9 && (last == none || last != some(Phase.P1))
`, phases(255))}, nil)
}
