package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeSpec writes a spec into a fresh directory and returns its path.
func writeSpec(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// positioned matches a file:line:col: message line.
var positioned = regexp.MustCompile(`(?m)^\S+\.yaml:\d+:\d+: `)

// TestValidateRejectsWhatTLARejects: a spec that tla cannot render is a
// validate error with a position, and neither command writes anything.
func TestValidateRejectsWhatTLARejects(t *testing.T) {
	for name, src := range map[string]string{
		"big literal": `
machine: Big
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, initial: 0}
phase: phase
inputs:
  Go: {}
transitions:
  - name: Go
    on: Go
    from: [A]
    guards:
      - small: n < 3000000000
`,
		"id without domain": `
machine: NoDom
enums:
  Phase: [A]
ids: [Key]
fields:
  phase: {type: Phase, initial: A}
  k: {type: option<Key>, initial: none}
phase: phase
inputs:
  Set: {key: Key}
transitions:
  - name: Set
    on: Set
    from: [A]
    do:
      - k := some(arg.key)
profiles:
  ci: {}
`,
	} {
		t.Run(name, func(t *testing.T) {
			spec := writeSpec(t, src)
			code, out, errs := runCmd(t, "validate", "-spec", spec)
			if code != 2 || !positioned.MatchString(errs) {
				t.Errorf("validate: exit %d, want 2 with a positioned error\n%s%s", code, out, errs)
			}
			dir := t.TempDir()
			code, out, errs = runCmd(t, "tla", "-spec", spec, "-out", dir)
			if code != 2 || !positioned.MatchString(errs) {
				t.Errorf("tla: exit %d, want 2 with a positioned error\n%s%s", code, out, errs)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("tla wrote %d files after an error", len(ents))
			}
		})
	}
}

// TestValidateAgreesOnStandardModuleName: machine: Naturals is valid, and
// tla writes Naturals_.tla holding MODULE Naturals_.
func TestValidateAgreesOnStandardModuleName(t *testing.T) {
	spec := writeSpec(t, `
machine: Naturals
enums:
  Phase: [A, B]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Go: {}
transitions:
  - name: Go
    on: Go
    from: [A]
    to: B
profiles:
  ci: {}
`)
	if code, out, errs := runCmd(t, "validate", "-spec", spec); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	dir := t.TempDir()
	if code, out, errs := runCmd(t, "tla", "-spec", spec, "-out", dir); code != 0 {
		t.Fatalf("tla: exit %d\n%s%s", code, out, errs)
	}
	src, err := os.ReadFile(filepath.Join(dir, "Naturals_.tla"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), " MODULE Naturals_ ") {
		t.Errorf("module header: %s", strings.SplitN(string(src), "\n", 2)[0])
	}
}
