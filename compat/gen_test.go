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

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
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
