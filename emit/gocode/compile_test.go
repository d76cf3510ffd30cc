package gocode

import (
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
	if len(extra) > 0 {
		return run("test", "-count=1", "./...")
	}
	return ""
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
