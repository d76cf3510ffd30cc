package main

import (
	"fmt"
	"go/token"
	"io"
	"strings"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// pickProfile returns the profile a command runs: the one named, or ci when
// no name is given and the spec has one (else nil: every input, default
// domains). ok is false, after a message on stderr, for an unknown name.
func pickProfile(cmd, spec string, m *model.Machine, name string, stderr io.Writer) (p *model.Profile, ok bool) {
	if name != "" {
		if p = m.Profile(name); p == nil {
			fmt.Fprintf(stderr, "dslgen %s: %s has no profile %q\n", cmd, spec, name)
			return nil, false
		}
		return p, true
	}
	return m.Profile("ci"), true
}

// artifacts are the files a violation's trace is written to besides the
// text on stdout: JSON, ITF and a Go test of the generated package (an
// empty path writes nothing).
type artifacts struct {
	cmd, spec                string
	traceJSON, itf, emitTest string
	pkg                      string // package of the emitted test ("": the spec's)
}

// write writes v to every artifact asked for; ok is false, after a message
// on stderr, when a file could not be written.
func (a artifacts) write(m *model.Machine, p *model.Profile, v *check.Violation, stderr io.Writer) (ok bool) {
	fail := func(err error) bool {
		fmt.Fprintf(stderr, "dslgen %s: %v\n", a.cmd, err)
		return false
	}
	if a.traceJSON != "" {
		if err := writeFile(a.traceJSON, func(w io.Writer) error { return check.WriteJSON(w, m, p, v) }); err != nil {
			return fail(err)
		}
	}
	if a.itf != "" {
		if err := writeFile(a.itf, func(w io.Writer) error { return check.WriteITF(w, m, p, v) }); err != nil {
			return fail(err)
		}
	}
	if a.emitTest == "" {
		return true
	}
	if len(v.Trace) == 0 {
		fmt.Fprintf(stderr, "dslgen %s: a %s finding has no trace; no test written to %s\n", a.cmd, v.Kind, a.emitTest)
		return true
	}
	name := a.pkg
	if name == "" {
		name = m.Package
	}
	opt := check.TestOptions{Package: name, Spec: a.spec, SpecPath: relativeTo(a.emitTest, a.spec)}
	if err := writeFile(a.emitTest, func(w io.Writer) error { return check.WriteTest(w, m, p, v, opt) }); err != nil {
		return fail(err)
	}
	return true
}

// flagFile is a command-line flag and the file it names ("": none).
type flagFile struct{ flag, path string }

// outputsProblem checks a command's output flags before the run: an output
// file must not be one of the inputs or another output, -emit-test must name
// a _test.go file and -package must be a Go identifier that is not a
// keyword. It returns the problem, or "".
func outputsProblem(inputs, outputs []flagFile, emitTest, pkg string) string {
	for i, o := range outputs {
		if o.path == "" {
			continue
		}
		for _, in := range append(inputs[:len(inputs):len(inputs)], outputs[:i]...) {
			if in.path != "" && sameFile(o.path, in.path) {
				return fmt.Sprintf("%s %s is the file of %s: refusing to overwrite it", o.flag, o.path, in.flag)
			}
		}
	}
	if emitTest != "" && !strings.HasSuffix(emitTest, "_test.go") {
		return fmt.Sprintf("-emit-test %s: the file name must end in _test.go", emitTest)
	}
	if pkg != "" && (!token.IsIdentifier(pkg) || token.IsKeyword(pkg)) {
		return fmt.Sprintf("-package %q is not a Go package name (an identifier, not a keyword)", pkg)
	}
	return ""
}

// checkOutputs is outputsProblem for the flags of check and simulate.
func checkOutputs(spec, traceJSON, itf, emitTest, pkg string) string {
	return outputsProblem([]flagFile{{"-spec", spec}}, []flagFile{{"-trace-json", traceJSON}, {"-itf", itf}, {"-emit-test", emitTest}}, emitTest, pkg)
}
