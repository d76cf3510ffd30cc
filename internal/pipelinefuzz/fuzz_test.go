package pipelinefuzz

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/emit/graph"
	"github.com/meerkat-go/dslmachine/emit/tla"
	"github.com/meerkat-go/dslmachine/model"
)

// deadline is how long one emitter may take on one input before the fuzz
// target reports a hang. Real specs take milliseconds.
const deadline = 10 * time.Second

// maxSeed is the largest seed spec: the Go fuzzer's mutator stalls for
// minutes on inputs the size of spec/machine.yaml (70 kB), so only the
// smaller specs (the examples, the test specs) seed the corpora.
const maxSeed = 32 << 10

// seed adds every spec of the repository up to maxSeed bytes to a target's
// corpus.
func seed(f *testing.F) {
	f.Helper()
	n := 0
	for _, pattern := range []string{"../../spec/*.yaml", "../../spec/examples/*.yaml", "../../model/testdata/*.yaml", "../../model/testdata/bad/*.yaml", "../../check/testdata/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if len(src) > maxSeed {
				continue
			}
			f.Add(src)
			n++
		}
	}
	if n < 10 {
		f.Fatalf("only %d seed specs found", n)
	}
}

// load parses a spec and checks the loader's contract: a machine or an
// ErrorList of positioned errors, never both, never neither.
func load(t *testing.T, src []byte) *model.Machine {
	t.Helper()
	m, err := model.Parse("fuzz.yaml", src)
	if err != nil {
		var list model.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %T %v: want a non-empty model.ErrorList", err, err)
		}
		for _, e := range list {
			if e.Pos.File != "fuzz.yaml" || e.Pos.Line <= 0 || e.Pos.Column <= 0 {
				t.Fatalf("error without a position: %q", e.Error())
			}
		}
		if m != nil {
			t.Fatal("a machine and an error")
		}
		return nil
	}
	if m == nil {
		t.Fatal("nil machine without an error")
	}
	return m
}

// within runs f in a goroutine and fails the test if f returns an error,
// panics (the panic is raised again in the test goroutine, with f's stack)
// or does not return in time.
func within(t *testing.T, what string, f func() error) {
	t.Helper()
	type outcome struct {
		err   error
		panic any
		stack []byte
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panic: r, stack: debug.Stack()}
			}
		}()
		done <- outcome{err: f()}
	}()
	select {
	case o := <-done:
		if o.panic != nil {
			panic(fmt.Sprintf("%s panicked: %v\n%s", what, o.panic, o.stack))
		}
		if o.err != nil {
			t.Fatalf("%s: %v", what, o.err)
		}
	case <-time.After(deadline):
		t.Fatalf("%s did not return within %v", what, deadline)
	}
}

// FuzzLoad: the loader never panics, and every error it reports has a
// position.
func FuzzLoad(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		var m *model.Machine
		within(t, "model.Parse", func() error {
			m = load(t, src)
			return nil
		})
		if m != nil {
			_ = m.CheckInvariants(m.Initial())
		}
	})
}

// FuzzGoCode: for a spec that loads, gocode.Generate never panics, and what
// it returns parses as Go.
func FuzzGoCode(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		m := load(t, src)
		if m == nil {
			return
		}
		within(t, "gocode.Generate", func() error {
			out, err := gocode.Generate(m, gocode.Options{Source: "fuzz.yaml"})
			if err != nil {
				return nil
			}
			if _, err := parser.ParseFile(token.NewFileSet(), gocode.FileName(m), out, parser.AllErrors); err != nil {
				return fmt.Errorf("generated Go does not parse: %w", err)
			}
			return nil
		})
	})
}

// FuzzTLA: for a spec that loads, tla.Generate never panics or hangs, and
// fails exactly when tla.Check (what dslgen validate runs) does.
func FuzzTLA(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		m := load(t, src)
		if m == nil {
			return
		}
		within(t, "tla.Generate", func() error {
			files, err := tla.Generate(m, tla.Options{Source: "fuzz.yaml"})
			if (err == nil) != (tla.Check(m) == nil) {
				return fmt.Errorf("tla.Generate error %v, but tla.Check disagrees", err)
			}
			if err != nil {
				return nil
			}
			if len(files) != 1+len(m.Profiles) || files[0].Name != tla.ModuleFileName(m) {
				return fmt.Errorf("%d files, first %s", len(files), files[0].Name)
			}
			return nil
		})
	})
}

// FuzzGraph: for a spec that loads, the Mermaid and DOT renderings never
// panic.
func FuzzGraph(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		m := load(t, src)
		if m == nil {
			return
		}
		within(t, "graph", func() error {
			ds := graph.Diagrams(m)
			opt := graph.Options{Source: "fuzz.yaml"}
			_ = graph.Mermaid(m, ds, opt)
			_ = graph.Dot(m, ds, opt)
			_ = graph.MermaidSections(m, ds, 3)
			for _, d := range ds {
				_ = graph.MermaidDiagram(d)
				_ = graph.DotDiagram(m, d)
			}
			return nil
		})
	})
}

// FuzzCheck: for a spec that loads, the checker on its first profile (or
// none), with tiny limits, never panics or hangs: it returns a result or an
// error.
func FuzzCheck(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		m := load(t, src)
		if m == nil {
			return
		}
		var p *model.Profile
		if len(m.Profiles) > 0 {
			p = m.Profiles[0]
		}
		within(t, "check.Run", func() error {
			res, err := check.Run(m, p, check.Options{Workers: 1, MaxStates: 200, MaxMemory: 8 << 20})
			if err == nil && res == nil {
				return errors.New("no result and no error")
			}
			if err == nil {
				_ = res.Summary()
			}
			return nil
		})
	})
}

// seedFiles returns the seed specs (see seed).
func seedFiles(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, pattern := range []string{"../../spec/*.yaml", "../../spec/examples/*.yaml", "../../model/testdata/*.yaml", "../../check/testdata/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if len(src) <= maxSeed {
				out = append(out, src)
			}
		}
	}
	return out
}

// edit replaces, in a spec, the value on line (modulo the number of lines)
// with text: what follows the first ": " or "- ", or else the whole line.
// Mutating one value of a valid spec keeps the YAML mostly intact, so the
// checks behind the loader's syntax errors are reached far more often than
// with arbitrary bytes.
func edit(src []byte, line uint16, text string) []byte {
	lines := bytes.Split(src, []byte("\n"))
	i := int(line) % len(lines)
	text = strings.NewReplacer("\n", " ", "\r", " ").Replace(text)
	l := lines[i]
	if k := bytes.Index(l, []byte(": ")); k >= 0 {
		lines[i] = append(append([]byte{}, l[:k+2]...), text...)
	} else if k := bytes.Index(l, []byte("- ")); k >= 0 {
		lines[i] = append(append([]byte{}, l[:k+2]...), text...)
	} else {
		lines[i] = []byte(text)
	}
	return bytes.Join(lines, []byte("\n"))
}

// FuzzEdit takes a seed spec with one value replaced (see edit) through the
// whole pipeline: load, gocode (its output must parse), tla (it must agree
// with tla.Check), graph and check, each under the deadline.
func FuzzEdit(f *testing.F) {
	seeds := seedFiles(f)
	if len(seeds) < 5 {
		f.Fatalf("only %d seed specs", len(seeds))
	}
	for i := range seeds {
		f.Add(uint8(i), uint16(0), "")
		f.Add(uint8(i), uint16(5), "[A, B]")
		f.Add(uint8(i), uint16(9), "{type: uint, initial: 0}")
	}
	f.Fuzz(func(t *testing.T, which uint8, line uint16, text string) {
		src := edit(seeds[int(which)%len(seeds)], line, text)
		var m *model.Machine
		within(t, "model.Parse", func() error {
			m = load(t, src)
			return nil
		})
		if m == nil {
			return
		}
		within(t, "gocode.Generate", func() error {
			out, err := gocode.Generate(m, gocode.Options{Source: "fuzz.yaml"})
			if err != nil {
				return nil
			}
			if _, err := parser.ParseFile(token.NewFileSet(), gocode.FileName(m), out, parser.AllErrors); err != nil {
				return fmt.Errorf("generated Go does not parse: %w", err)
			}
			return nil
		})
		within(t, "tla.Generate", func() error {
			_, err := tla.Generate(m, tla.Options{Source: "fuzz.yaml"})
			if (err == nil) != (tla.Check(m) == nil) {
				return fmt.Errorf("tla.Generate error %v, but tla.Check disagrees", err)
			}
			return nil
		})
		within(t, "graph", func() error {
			ds := graph.Diagrams(m)
			_ = graph.Mermaid(m, ds, graph.Options{})
			_ = graph.Dot(m, ds, graph.Options{})
			return nil
		})
		var p *model.Profile
		if len(m.Profiles) > 0 {
			p = m.Profiles[0]
		}
		within(t, "check.Run", func() error {
			res, err := check.Run(m, p, check.Options{Workers: 1, MaxStates: 200, MaxMemory: 8 << 20})
			if err == nil {
				_ = res.Summary()
			}
			return nil
		})
	})
}
