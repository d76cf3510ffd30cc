package specfuzz

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/emit/graph"
	"github.com/meerkat-go/dslmachine/emit/tla"
	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

// The pipeline stages, as failures name them.
const (
	StageLoad        = "load"           // loader rejection not positioned, or a crash
	StageSanitized   = "load-sanitized" // the spec with safe names is rejected
	StageGenerate    = "generate"       // gocode.Generate fails or panics
	StageVectors     = "interpreter"    // the interpreter panics on a random walk
	StageCheck       = "check"          // check.Run panics, hangs, or disagrees with the reference exploration
	StageTLA         = "tla"            // the TLA+ emitter panics or hangs
	StageGraph       = "graph"          // the diagram renderers panic or hang
	StageBuild       = "build"          // go build of the generated package
	StageVet         = "vet"            // go vet
	StageStaticcheck = "staticcheck"    // staticcheck, when the module has it as a tool
	StageConform     = "conformance"    // generated Step differs from the interpreter
	StageWorker      = "worker"         // the worker process died on the spec
)

// Job is one spec for the worker: its YAML file and, optionally, the same
// spec with safe names (loaded when the original is rejected).
type Job struct {
	Name      string
	File      string
	Sanitized string
}

// Failure is one failed stage of one spec.
type Failure struct {
	Stage string
	Msg   string
}

// String renders the failure as stage: message.
func (f Failure) String() string { return f.Stage + ": " + f.Msg }

// Record is what the worker finds for one spec.
type Record struct {
	Name     string
	Loaded   bool
	Rejected []string // the loader's error lines, when it rejected the spec
	Failures []Failure
	// Package and Source are the generated Go package (when generated).
	Package string
	GoFile  string
	Source  []byte
	Initial json.RawMessage // the interpreter's initial state
	Vectors []Vector
	Stats   string // the checker's summary line
	// Compared is set when the checker's verdict was compared with the
	// reference exploration (it finished within its limits).
	Compared bool
	// Timeout is set when the worker gave up on the spec (it then stops).
	Timeout bool
}

// Timeouts of the in-process stages.
const (
	emitTimeout  = 5 * time.Second
	checkTimeout = 30 * time.Second
)

var posRE = regexp.MustCompile(`^(.+):(\d+):(\d+): (.+)$`)

// RunJob runs the in-process stages on one spec. It stops early, with
// Timeout set, when a stage hangs: the stage's goroutine is abandoned, so
// the caller should exit soon after.
func RunJob(j Job) *Record {
	r := &Record{Name: j.Name}
	var m *model.Machine
	var loadErr error
	if !stage(r, StageLoad, checkTimeout, func() { m, loadErr = validate.Load(j.File) }) {
		return r
	}
	if loadErr != nil {
		for _, line := range strings.Split(loadErr.Error(), "\n") {
			r.Rejected = append(r.Rejected, line)
			if p := posRE.FindStringSubmatch(line); p == nil || p[1] != j.File || p[2] == "0" || p[3] == "0" {
				r.fail(StageLoad, "rejection not positioned as file:line:col: message: %q", line)
			}
		}
		if j.Sanitized != "" {
			var err error
			stage(r, StageSanitized, checkTimeout, func() { _, err = validate.Load(j.Sanitized) })
			if err != nil {
				r.fail(StageSanitized, "the spec with safe names is rejected (a generator or loader bug): %v", err)
			}
		}
		return r
	}
	r.Loaded = true
	var src []byte
	var genErr error
	if !stage(r, StageGenerate, emitTimeout, func() { src, genErr = gocode.Generate(m, gocode.Options{Source: j.Name + ".yaml"}) }) {
		return r
	}
	if genErr != nil {
		r.fail(StageGenerate, "generate fails on a spec that validates: %v", genErr)
	} else {
		r.Source, r.Package, r.GoFile = src, m.Package, gocode.FileName(m)
	}
	if !stage(r, StageVectors, checkTimeout, func() {
		var disagree string
		r.Initial, r.Vectors, disagree = vectors(m, j.Name)
		if disagree != "" {
			r.fail(StageVectors, "%s", disagree)
		}
	}) {
		return r
	}
	if !stage(r, StageCheck, checkTimeout, func() {
		if msg := checkAgainstReference(m, r); msg != "" {
			r.fail(StageCheck, "%s", msg)
		}
	}) {
		return r
	}
	if !stage(r, StageTLA, emitTimeout, func() {
		// Integers above 2^31-1 are a documented limit of the encoding.
		if _, err := tla.Generate(m, tla.Options{Source: j.File}); err != nil && !strings.Contains(err.Error(), "above 2^31-1") {
			r.fail(StageTLA, "tla.Generate fails on a spec that validates: %v", err)
		}
	}) {
		return r
	}
	stage(r, StageGraph, emitTimeout, func() {
		ds := graph.Diagrams(m)
		_ = graph.Mermaid(m, ds, graph.Options{Source: j.File})
		_ = graph.Dot(m, ds, graph.Options{Source: j.File})
	})
	return r
}

func (r *Record) fail(st, format string, args ...any) {
	r.Failures = append(r.Failures, Failure{Stage: st, Msg: clip(fmt.Sprintf(format, args...))})
}

// clip keeps the first lines of a long message.
func clip(msg string) string {
	lines := strings.SplitN(msg, "\n", 5)
	if len(lines) == 5 {
		lines[4] = "..."
	}
	for i, l := range lines {
		if len(l) > 600 {
			lines[i] = l[:600] + "..."
		}
	}
	return strings.Join(lines, "\n")
}

// stage runs f with a timeout, turning a panic into a failure. It returns
// false when f timed out (f's goroutine is then still running).
func stage(r *Record, name string, timeout time.Duration, f func()) bool {
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("panic: %v at %s", p, panicSite(debug.Stack()))
				return
			}
			done <- ""
		}()
		f()
	}()
	select {
	case msg := <-done:
		if msg != "" {
			r.fail(name, "%s", msg)
		}
		return true
	case <-time.After(timeout):
		r.fail(name, "timeout: still running after %v", timeout)
		r.Timeout = true
		return false
	}
}

// panicSite returns the first stack frame in this module outside this
// package: where the panic happened.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := lines[i]
		if !strings.Contains(fn, "dslmachine/") || strings.Contains(fn, "specfuzz") || strings.HasPrefix(fn, "\t") {
			continue
		}
		loc := strings.TrimSpace(lines[i+1])
		if k := strings.LastIndex(loc, " +0x"); k >= 0 {
			loc = loc[:k]
		}
		// Keep the package directory and the file: check/check.go:136.
		if parts := strings.Split(loc, "/"); len(parts) >= 2 {
			loc = strings.Join(parts[len(parts)-2:], "/")
		}
		name := fn[strings.Index(fn, "dslmachine/")+len("dslmachine/"):]
		if k := strings.LastIndex(name, "("); k > 0 {
			name = name[:k]
		}
		return name + " (" + loc + ")"
	}
	return "unknown site"
}

// Work runs RunJob on every job and writes one JSON record per line to w.
// It returns early after a stage timed out.
func Work(jobs []Job, w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, j := range jobs {
		r := RunJob(j)
		if err := enc.Encode(r); err != nil {
			return err
		}
		if r.Timeout {
			return nil
		}
	}
	return nil
}
