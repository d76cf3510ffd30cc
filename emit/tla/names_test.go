package tla

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/model"
)

// generateWithin runs Generate with a deadline: a renaming loop must not hang
// the test run.
func generateWithin(t *testing.T, m *model.Machine, d time.Duration) []File {
	t.Helper()
	type result struct {
		files []File
		err   error
	}
	done := make(chan result, 1)
	go func() {
		files, err := Generate(m, Options{Source: "spec.yaml"})
		done <- result{files, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.files
	case <-time.After(d):
		t.Fatalf("Generate did not return within %v", d)
		return nil
	}
}

// TestFairnessPrefixNames: WF_ and SF_ start the fairness operators of TLA+,
// so no identifier may start with them; such names used to loop forever.
func TestFairnessPrefixNames(t *testing.T) {
	m := parseSpec(t, `
machine: WF_Machine
enums:
  SF_Phase: [WF_A, SF_B]
fields:
  WF_phase: {type: SF_Phase, initial: WF_A}
  SF_n: {type: uint, initial: 0}
phase: WF_phase
inputs:
  WF_Go: {SF_x: uint}
transitions:
  - name: SF_Step
    on: WF_Go
    from: [WF_A]
    to: SF_B
    do:
      - SF_n := SF_n + arg.SF_x
invariants:
  WF_small: SF_n <= 10
profiles:
  SF_ci: {}
`)
	files := generateWithin(t, m, 10*time.Second)
	for _, f := range files {
		if strings.HasPrefix(f.Name, "WF_") || strings.HasPrefix(f.Name, "SF_") {
			t.Errorf("file name %s starts with a fairness prefix", f.Name)
		}
	}
	module := stripComments(string(files[0].Data))
	for _, w := range strings.FieldsFunc(module, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		if strings.HasPrefix(w, "WF_") || strings.HasPrefix(w, "SF_") {
			t.Errorf("identifier %s in the module starts with a fairness prefix", w)
		}
	}
	gen := generateMachine(t, m)
	checkActions(t, gen, 100)
	checkInitAndInvariants(t, gen)
}

// TestNamerTerminates: every wanted name gets a fresh, legal name, even when
// the candidates are taken.
func TestNamerTerminates(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n := newNamer()
		seen := map[string]bool{}
		for _, want := range []string{"WF_", "SF_x", "WF_x", "X_WF_x", "Nat", "Nat", "Nat_", "Naturals", "a", "a", "a_"} {
			got := n.name(want)
			if seen[got] || reserved[got] || strings.HasPrefix(got, "WF_") || strings.HasPrefix(got, "SF_") {
				t.Errorf("name(%q) = %q: taken, reserved or a fairness prefix", want, got)
			}
			seen[got] = true
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the namer did not return within 10s")
	}
}

// TestStandardModuleMachineName: a machine named like a standard module must
// not produce a module that extends itself; the module is renamed, and the
// file names follow the module name.
func TestStandardModuleMachineName(t *testing.T) {
	for _, name := range []string{"Naturals", "Integers", "Reals", "Sequences", "FiniteSets", "Bags", "TLC", "TLCExt", "Nat", "Init", "Next", "TypeOK"} {
		t.Run(name, func(t *testing.T) {
			m := parseSpec(t, fmt.Sprintf(`
machine: %s
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
`, name))
			files := generateWithin(t, m, 10*time.Second)
			module := ModuleName(m)
			if module == name {
				t.Fatalf("ModuleName = %s, the reserved name itself", module)
			}
			if files[0].Name != module+".tla" || files[0].Name != ModuleFileName(m) {
				t.Errorf("module file %s, ModuleFileName %s, module %s", files[0].Name, ModuleFileName(m), module)
			}
			if files[1].Name != module+"_ci.cfg" {
				t.Errorf("config file %s", files[1].Name)
			}
			first := strings.SplitN(string(files[0].Data), "\n", 2)[0]
			if !strings.Contains(first, " MODULE "+module+" ") {
				t.Errorf("module header %q, want module %s", first, module)
			}
			if !strings.Contains(string(files[1].Data), " -workers auto "+module+"\n") {
				t.Errorf("config does not name module %s:\n%s", module, files[1].Data)
			}
		})
	}
}
