package specfuzz

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Case is one spec to run through the pipeline.
type Case struct {
	// Name is unique in a run and safe as a directory name.
	Name string
	YAML []byte
	// File, when set, is where the loader reads the spec from (its errors
	// then name it); otherwise YAML is written to the run's directory.
	File string
	// Sanitized is the same spec with safe names (optional): when the
	// original is rejected, it must load.
	Sanitized []byte
}

// Outcome is what the pipeline found for one case.
type Outcome struct {
	Case     Case
	Rec      *Record
	Failures []Failure
}

// Runner runs cases through the whole pipeline.
type Runner struct {
	// Dir is a scratch directory for spec files and the build module.
	Dir string
	// Worker is the command line of a process that runs Work over the
	// jobs in the JSON file named by $SPECFUZZ_WORKER_JOBS and writes the
	// records to its standard output (the test binary re-executed, so that
	// a hung stage can be killed).
	Worker []string
	// Staticcheck is the path of a staticcheck binary, or "".
	Staticcheck string
	// Corrupt, when set, rewrites generated sources before they are built.
	Corrupt func(name string, src []byte) []byte
	// NoBuild skips the Go stages (build, vet, conformance).
	NoBuild bool
	// Log, when set, receives progress lines.
	Log func(format string, args ...any)
}

func (rn *Runner) logf(format string, args ...any) {
	if rn.Log != nil {
		rn.Log(format, args...)
	}
}

const workerTimeout = 20 * time.Minute

// Run runs every case: the in-process stages in worker processes, then the
// Go stages in one batch.
func (rn *Runner) Run(cases []Case) ([]*Outcome, error) {
	specDir := filepath.Join(rn.Dir, "specs")
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		return nil, err
	}
	var jobs []Job
	for _, c := range cases {
		j := Job{Name: c.Name, File: c.File}
		if j.File == "" {
			j.File = filepath.Join(specDir, c.Name+".yaml")
			if err := os.WriteFile(j.File, c.YAML, 0o644); err != nil {
				return nil, err
			}
		}
		if c.Sanitized != nil {
			j.Sanitized = filepath.Join(specDir, c.Name+".sane.yaml")
			if err := os.WriteFile(j.Sanitized, c.Sanitized, 0o644); err != nil {
				return nil, err
			}
		}
		jobs = append(jobs, j)
	}
	t0 := time.Now()
	recs, err := rn.work(jobs)
	if err != nil {
		return nil, err
	}
	rn.logf("in-process stages of %d specs: %v", len(jobs), time.Since(t0).Round(time.Millisecond))
	fails := map[string][]Failure{}
	if !rn.NoBuild {
		fails, err = BuildAll(recs, BuildOptions{Dir: filepath.Join(rn.Dir, "build"), Staticcheck: rn.Staticcheck, Corrupt: rn.Corrupt, Log: rn.Log})
		if err != nil {
			return nil, err
		}
	}
	out := make([]*Outcome, len(cases))
	for i, c := range cases {
		r := recs[i]
		out[i] = &Outcome{Case: c, Rec: r, Failures: append(append([]Failure(nil), r.Failures...), fails[c.Name]...)}
	}
	return out, nil
}

// work runs the jobs in worker processes, starting a new one after a
// process gives up on a hung stage or dies.
func (rn *Runner) work(jobs []Job) ([]*Record, error) {
	var recs []*Record
	for len(jobs) > 0 {
		f := filepath.Join(rn.Dir, "jobs.json")
		data, err := json.Marshal(jobs)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(f, data, 0o644); err != nil {
			return nil, err
		}
		got, stderr, err := rn.runWorker(f)
		if err != nil && len(got) == 0 && len(recs) == 0 && !strings.Contains(stderr, "panic") && !strings.Contains(stderr, "fatal") && !strings.Contains(stderr, "overflow") {
			return nil, fmt.Errorf("worker: %v\n%s", err, stderr)
		}
		recs = append(recs, got...)
		jobs = jobs[len(got):]
		if len(jobs) > 0 && (len(got) == 0 || !got[len(got)-1].Timeout) {
			// The process died on jobs[0] without a record.
			r := &Record{Name: jobs[0].Name}
			r.fail(StageWorker, "the worker process died: %v: %s", err, tail(stderr, 12))
			recs = append(recs, r)
			jobs = jobs[1:]
		}
	}
	return recs, nil
}

func (rn *Runner) runWorker(jobsFile string) ([]*Record, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), workerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, rn.Worker[0], rn.Worker[1:]...)
	cmd.Env = append(os.Environ(), "SPECFUZZ_WORKER_JOBS="+jobsFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	var recs []*Record
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<28)
	for sc.Scan() {
		var r Record
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Name != "" {
			recs = append(recs, &r)
		}
	}
	err = cmd.Wait()
	return recs, stderr.String(), err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

var (
	posPrefixRE = regexp.MustCompile(`[^\s:]*\.(go|yaml):\d+(:\d+)?:?`)
	digitsRE    = regexp.MustCompile(`\d+`)
	stackRE     = regexp.MustCompile(` \(.*\)$`)
)

// Signature is a failure with the details that vary between specs hitting
// the same bug (positions, numbers, states) left out.
func (f Failure) Signature() string {
	msg, _, _ := strings.Cut(f.Msg, "\n")
	if f.Stage == StageVectors {
		msg, _, _ = strings.Cut(msg, ": input")
	}
	if f.Stage == StageConform {
		for _, cut := range []string{"; at state", ": interpreter", ": state", ": generated"} {
			if i := strings.Index(msg, cut); i >= 0 {
				msg = msg[:i]
			}
		}
	}
	msg = posPrefixRE.ReplaceAllString(msg, "")
	if strings.HasPrefix(msg, "panic:") {
		msg = stackRE.ReplaceAllString(msg, "")
	}
	for _, cut := range []string{"redundant and:", "redundant or:", " while formatting source"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i+len(cut)]
		}
	}
	msg = machineRE.ReplaceAllString(msg, "$1 M:")
	msg = quotedRE.ReplaceAllString(msg, "Q")
	msg = selectorRE.ReplaceAllString(msg, "X.X")
	count := map[string]int{}
	for _, w := range wordRE.FindAllString(msg, -1) {
		count[w]++
	}
	msg = wordRE.ReplaceAllStringFunc(msg, func(w string) string {
		if count[w] > 1 && len(w) > 3 && w != "enum" && w != "value" && w != "both" && w != "become" {
			return "X"
		}
		return w
	})
	msg = digitsRE.ReplaceAllString(msg, "N")
	return f.Stage + ": " + strings.TrimSpace(msg)
}

var (
	machineRE  = regexp.MustCompile(`(gocode:|gocode: render) [A-Za-z0-9_]+:`)
	quotedRE   = regexp.MustCompile(`'[^']*'|"[^"]*"`)
	selectorRE = regexp.MustCompile(`\b\w+\.\w+\b`)
	wordRE     = regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_]*\b`)
)
