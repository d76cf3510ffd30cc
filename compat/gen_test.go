package compat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

// goTest writes a module with one generated package per entry of pkgs (the
// spec's package plus extra test files), runs go test on all of them at once
// and returns the packages that failed and the output.
func goTest(t *testing.T, pkgs map[string]genPkg) (failed map[string]bool, out string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	dir := t.TempDir()
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", []byte("module example.com/compattest\n\ngo 1.22\n"))
	for name, p := range pkgs {
		src, err := gocode.Generate(p.m, gocode.Options{Package: name})
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(name, gocode.FileName(p.m)), src)
		for file, data := range p.tests {
			write(filepath.Join(name, file), data)
		}
	}
	cmd := exec.Command(goBin, "test", "-count=1", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	raw, _ := cmd.CombinedOutput()
	failed = map[string]bool{}
	var text strings.Builder
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var ev struct{ Action, Package, Test, Output string }
		if json.Unmarshal(line, &ev) != nil {
			text.Write(line)
			text.WriteByte('\n')
			continue
		}
		text.WriteString(ev.Output)
		if ev.Action == "fail" && ev.Test == "" {
			failed[strings.TrimPrefix(ev.Package, "example.com/compattest/")] = true
		}
	}
	for name := range pkgs {
		if !strings.Contains(string(raw), "example.com/compattest/"+name) {
			t.Fatalf("go test did not run package %s:\n%s", name, text.String())
		}
	}
	return failed, text.String()
}

type genPkg struct {
	m     *model.Machine
	tests map[string][]byte
}

// TestGeneratedMigrateMatchesModel: the generated MigrateFromJSON of every
// new spec of testdata reads each state of the old spec (reachable or not)
// as model.Machine.MigrateStateJSON does: the same state, or an error when
// MigrateStateJSON fails or the state breaks an invariant of the new spec
// (which the generated decoding refuses).
func TestGeneratedMigrateMatchesModel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages")
	}
	old := load(t, "testdata/lamp_v1.yaml")
	var inputs [][]byte
	for ph := range old.PhaseEnum().Values {
		for lv := uint64(0); lv <= 4; lv++ {
			js, err := old.StateJSON(model.State{model.EnumValue(ph), model.Uint(lv)})
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, js)
		}
	}
	// Hand-written JSON: renamed and new keys present, both names, null.
	inputs = append(inputs, []byte(`{"phase":"On","brightness":2}`), []byte(`{"phase":"On","level":1,"brightness":2}`),
		[]byte(`{"phase":"Dim","level":1,"repaired":true}`), []byte(`null`), []byte(`{"phase":7,"level":1}`))
	pkgs := map[string]genPkg{}
	for _, spec := range []string{"decode_fixed", "evolved", "invariant", "decode"} {
		nw := load(t, filepath.Join("testdata", spec+".yaml"))
		var b strings.Builder
		fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"encoding/json\"\n\t\"reflect\"\n\t\"testing\"\n)\n\n", spec)
		b.WriteString("func TestMigrate(t *testing.T) {\n\tfor _, c := range []struct{ in, want string }{\n")
		for _, in := range inputs {
			want := "error"
			s, err := nw.MigrateStateJSON(in)
			if err == nil && nw.CheckInvariants(s) == nil {
				js, err := nw.StateJSON(s)
				if err != nil {
					t.Fatal(err)
				}
				want = string(js)
			}
			fmt.Fprintf(&b, "\t\t{%s, %s},\n", strconv.Quote(string(in)), strconv.Quote(want))
		}
		b.WriteString(`	} {
		s, err := MigrateFromJSON([]byte(c.in))
		if c.want == "error" {
			if err == nil {
				t.Errorf("%s: decodes as %+v, the model refuses it", c.in, s)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v; the model reads %s", c.in, err, c.want)
			continue
		}
		got, _ := json.Marshal(s)
		var a, w any
		json.Unmarshal(got, &a)
		json.Unmarshal([]byte(c.want), &w)
		if !reflect.DeepEqual(a, w) {
			t.Errorf("%s: decodes as %s, the model reads %s", c.in, got, c.want)
		}
	}
}
`)
		pkgs[spec] = genPkg{m: nw, tests: map[string][]byte{"migrate_test.go": []byte(b.String())}}
	}
	failed, out := goTest(t, pkgs)
	if len(failed) > 0 {
		t.Fatalf("generated MigrateFromJSON disagrees with the model in %v:\n%s", failed, out)
	}
}

// TestEmittedTests: the test -emit-test writes for a finding fails on the
// new spec that has it and passes on a new spec without it.
func TestEmittedTests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages")
	}
	pkgs := map[string]genPkg{}
	want := map[string]bool{} // package -> the emitted test fails
	for _, c := range []struct{ broken, fixed string }{
		{"decode", "decode_fixed"},
		{"behaviour", "lamp_v1"},
		{"deadend", "deadend_fixed"},
		{"invariant", "lamp_v1"},
	} {
		res := runPair(t, "testdata/lamp_v1.yaml", filepath.Join("testdata", c.broken+".yaml"))
		if len(res.Findings) == 0 {
			t.Fatalf("%s: no finding", c.broken)
		}
		for _, target := range []string{c.broken, c.fixed} {
			pkg := c.broken + "_on_" + target
			var b bytes.Buffer
			err := WriteTest(&b, res, res.Findings[0], TestOptions{Package: pkg, Old: "lamp_v1.yaml", New: c.broken + ".yaml"})
			if err != nil {
				t.Fatal(err)
			}
			pkgs[pkg] = genPkg{m: load(t, filepath.Join("testdata", target+".yaml")), tests: map[string][]byte{"compat_test.go": b.Bytes()}}
			want[pkg] = target == c.broken
		}
	}
	failed, out := goTest(t, pkgs)
	for pkg, fails := range want {
		if failed[pkg] != fails {
			t.Errorf("%s: the emitted test failed: %v, want %v", pkg, failed[pkg], fails)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// TestEmittedDeadEndTestAfterFix: the dead-end test -emit-test writes
// passes once the state is fixed, even when the fix removes an input the
// test lists (it cannot be fired: skipped) or makes the phase terminal (and
// the phase is added to the test's terminalPhases, as its comment says).
func TestEmittedDeadEndTestAfterFix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages")
	}
	res := runPair(t, "testdata/lamp_v1.yaml", "testdata/deadend.yaml")
	if len(res.Findings) == 0 || res.Findings[0].Kind != KindDeadEnd {
		t.Fatalf("want a dead end: %s", res.Summary())
	}
	emit := func(pkg string) string {
		var b bytes.Buffer
		if err := WriteTest(&b, res, res.Findings[0], TestOptions{Package: pkg, Old: "lamp_v1.yaml", New: "deadend.yaml"}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	parse := func(name, src string) *model.Machine {
		m, err := validate.Parse(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fixedSrc, err := os.ReadFile("testdata/deadend_fixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	deadSrc, err := os.ReadFile("testdata/deadend.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Repaired, and Raise (which the test lists) removed.
	noRaise := cut(t, string(fixedSrc), "  Raise: {}\n", "  - name: Up\n    on: Raise\n    from: [On, Dim]\n    guards:\n      - below_top: level < 3\n    to: Dim\n    do:\n      - level := level + 1\n")
	// Broken made terminal again.
	terminal := strings.Replace(string(deadSrc), "phase: phase\n", "phase: phase\nterminal: [Broken]\n", 1)
	edited := strings.Replace(emit("terminal"), "terminalPhases := []string{}", `terminalPhases := []string{"Broken"}`, 1)
	if edited == emit("terminal") {
		t.Fatalf("no empty terminalPhases in the emitted test:\n%s", edited)
	}
	pkgs := map[string]genPkg{
		"noraise":  {m: parse("noraise.yaml", noRaise), tests: map[string][]byte{"compat_test.go": []byte(emit("noraise"))}},
		"terminal": {m: parse("terminal.yaml", terminal), tests: map[string][]byte{"compat_test.go": []byte(edited)}},
		"broken":   {m: load(t, "testdata/deadend.yaml"), tests: map[string][]byte{"compat_test.go": []byte(emit("broken"))}},
	}
	failed, out := goTest(t, pkgs)
	if failed["noraise"] || failed["terminal"] || !failed["broken"] {
		t.Errorf("failed %v, want only broken:\n%s", failed, out)
	}
}

// TestGeneratedRemovedFields: the generated MigrateFromJSON of a spec with
// removed_fields reads every reachable state of the old spec as
// model.Machine.MigrateStateJSON does (the dropped field discarded).
func TestGeneratedRemovedFields(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages")
	}
	res := runPair(t, "testdata/outsider/order_paid.yaml", "testdata/outsider/order_drop_paid_fixed.yaml")
	prog, err := check.Compile(res.Old, res.OldProfile)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("package dropped\n\nimport (\n\t\"encoding/json\"\n\t\"testing\"\n)\n\nfunc TestMigrate(t *testing.T) {\n\tfor _, c := range []struct{ in, want string }{\n")
	err = prog.Reachable(check.ReachOptions{}, func(s model.State, _ int) error {
		in, err := res.Old.StateJSON(s)
		if err != nil {
			return err
		}
		ns, err := res.New.MigrateStateJSON(in)
		if err != nil {
			return err
		}
		want, err := res.New.StateJSON(ns)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\t\t{%s, %s},\n", strconv.Quote(string(in)), strconv.Quote(string(want)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(`	} {
		s, err := MigrateFromJSON([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		var w State
		if err := json.Unmarshal([]byte(c.want), &w); err != nil {
			t.Fatal(err)
		}
		if s != w {
			t.Errorf("%s: decodes as %+v, the model reads %s", c.in, s, c.want)
		}
	}
}
`)
	failed, out := goTest(t, map[string]genPkg{"dropped": {m: res.New, tests: map[string][]byte{"migrate_test.go": []byte(b.String())}}})
	if failed["dropped"] {
		t.Fatalf("generated MigrateFromJSON disagrees with the model:\n%s", out)
	}
}
