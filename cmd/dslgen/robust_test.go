package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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
// TestValidateWarnsWhatTLARejects: what only the TLA+ emitter cannot
// represent is a positioned warning of validate (exit 0: generate and check
// handle the spec) and a positioned error of tla, which writes nothing.
func TestValidateWarnsWhatTLARejects(t *testing.T) {
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
			if code != 0 || !positioned.MatchString(errs) || !strings.Contains(errs, ": warning: ") || !strings.Contains(errs, "dslgen tla refuses this spec") {
				t.Errorf("validate: exit %d, want 0 with a positioned warning\n%s%s", code, out, errs)
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

// TestOutputsReplacedNotOverwritten: every file a command writes is written
// to a temporary file and renamed into place, never truncated and rewritten
// in place (a full disk would leave half a file: it truncated a user's
// README). A hard link to the old file shows the difference: after a
// rename it still holds the old content.
func TestOutputsReplacedNotOverwritten(t *testing.T) {
	const old = "old content\n"
	type output struct {
		name string
		args func(dir string) []string
		file string // relative to dir
		seed string // the old content (for -embed it needs the markers)
	}
	embedDoc := "# T\n\n" + embedBegin + "\nstale\n" + embedEnd + "\n"
	for _, o := range []output{
		{"generate", func(dir string) []string {
			return []string{"generate", "-spec", "../../spec/examples/tcp.yaml", "-out", dir}
		}, "tcpconnection_gen.go", old},
		{"tla", func(dir string) []string {
			return []string{"tla", "-spec", "../../spec/examples/tcp.yaml", "-out", dir}
		}, "TcpConnection.tla", old},
		{"tla config", func(dir string) []string {
			return []string{"tla", "-spec", "../../spec/examples/tcp.yaml", "-out", dir}
		}, "TcpConnection_ci.cfg", old},
		{"graph -out", func(dir string) []string {
			return []string{"graph", "-spec", "../../spec/examples/tcp.yaml", "-out", filepath.Join(dir, "g.md")}
		}, "g.md", old},
		{"graph -embed", func(dir string) []string {
			return []string{"graph", "-spec", "../../spec/examples/tcp.yaml", "-embed", filepath.Join(dir, "README.md")}
		}, "README.md", embedDoc},
		{"check -trace-json", func(dir string) []string {
			return []string{"check", "-quiet", "-spec", "../../check/testdata/overlap.yaml", "-trace-json", filepath.Join(dir, "t.json")}
		}, "t.json", old},
		{"check -emit-test", func(dir string) []string {
			return []string{"check", "-quiet", "-spec", "../../check/testdata/overlap.yaml", "-emit-test", filepath.Join(dir, "x_test.go")}
		}, "x_test.go", old},
	} {
		t.Run(o.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, o.file)
			if err := os.WriteFile(path, []byte(o.seed), 0o644); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Link(path, link); err != nil {
				t.Skip(err)
			}
			code, out, errs := runCmd(t, o.args(dir)...)
			if code != 0 && code != 1 {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if got, _ := os.ReadFile(path); string(got) == o.seed {
				t.Fatalf("%s not rewritten", o.file)
			}
			if got, _ := os.ReadFile(link); string(got) != o.seed {
				t.Errorf("%s was rewritten in place, not replaced", o.file)
			}
			for _, e := range mustReadDir(t, dir) {
				if strings.Contains(e, ".tmp") {
					t.Errorf("temporary file %s left behind", e)
				}
			}
		})
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestInternalErrorExitThree: a panic inside a command is an internal error:
// exit 3 (not 2, which is a bad spec or usage, and which an unrecovered Go
// panic would also give), one line on stderr, and the stack only when
// DSLGEN_STACK is set.
func TestInternalErrorExitThree(t *testing.T) {
	boom := func() int { panic("boom") }
	var errb strings.Builder
	if code := guard(&errb, false, boom); code != exitInternal || exitInternal != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if got := errb.String(); !strings.HasPrefix(got, "dslgen: internal error: boom\n") || strings.Contains(got, "goroutine ") {
		t.Errorf("stderr %q", got)
	}
	errb.Reset()
	guard(&errb, true, boom)
	if got := errb.String(); !strings.HasPrefix(got, "dslgen: internal error: boom\n") || !strings.Contains(got, "goroutine ") {
		t.Errorf("with the stack requested, stderr %q", got)
	}
	errb.Reset()
	if code := guard(&errb, false, func() int { return 1 }); code != 1 || errb.Len() != 0 {
		t.Errorf("no panic: exit %d, stderr %q", code, errb.String())
	}
}

// TestCheckRefusesHugeInputDomains: three uint parameters of 2,000 values
// each (8e9 input values) used to be materialized until the OOM killer
// ended the process with no output; now it is a quick usage error naming the
// profile.
func TestCheckRefusesHugeInputDomains(t *testing.T) {
	var vals []string
	for i := range 2000 {
		vals = append(vals, strconv.Itoa(i))
	}
	d := "[" + strings.Join(vals, ", ") + "]"
	spec := writeSpec(t, `
machine: Wide
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
  v: {type: uint, initial: 0}
phase: phase
inputs:
  Set: {a: uint, b: uint, c: uint}
transitions:
  - name: Set
    on: Set
    from: [A]
    do:
      - v := arg.a
profiles:
  ci:
    domains:
      Set.a: `+d+`
      Set.b: `+d+`
      Set.c: `+d+`
`)
	code, out, errs := runCmd(t, "check", "-quiet", "-spec", spec)
	if code != 2 || !strings.Contains(errs, "8000000000 input values") || !positioned.MatchString(strings.TrimPrefix(errs, "dslgen check: ")) {
		t.Errorf("exit %d, want 2 with the count and the profile's position\n%s%s", code, out, errs)
	}
}

// TestGraphEmbedKeepsMode: -embed replaces the Markdown file through a
// temporary file but keeps the file's permissions.
func TestGraphEmbedKeepsMode(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(doc, []byte("# T\n\n"+embedBegin+"\nstale\n"+embedEnd+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(doc, 0o640); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCmd(t, "graph", "-spec", "../../spec/examples/tcp.yaml", "-embed", doc); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	fi, err := os.Stat(doc)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v after -embed, want 0640", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(doc); strings.Contains(string(got), "stale") {
		t.Error("README not rewritten")
	}
}
