// Package runner is the main function of the helper program that `dslgen
// check` builds to explore a machine with its generated Go package (see
// package shipped). It is copied, as source, into the helper's temporary
// module with the exploration engine (package explore), and imports only
// the standard library and that engine.
//
// The helper's emitted driver implements Model on the generated package;
// Main explores its state space with explore.Explore and writes a Result as
// JSON.
package runner

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/meerkat-go/dslmachine/check/explore"
)

// Model is a machine under one profile, implemented by the emitted driver
// on the generated package: the engine's model, and what the helper needs
// around the search.
type Model interface {
	explore.Model
	// Start checks the initial state as the generated package builds it:
	// whether it lies within the profile's bounds, and the first invariant
	// it violates (-1: none).
	Start() (inBounds bool, inv int, err error)
	// HashStates makes every expander record, in Violated, the FNV-64a
	// hash of the JSON form (the generated State's) of each state it is
	// given; Hashes returns them all.
	HashStates()
	Hashes() []uint64
}

// Action is one step of a path: the input value and the transition fired.
type Action struct {
	Input int32 `json:"input"`
	Trans int32 `json:"transition"`
}

// Violation is the first violation found, with the path to it.
type Violation struct {
	// Kind is invariant, nondeterminism or unreachable.
	Kind string `json:"kind"`
	// Path leads from the initial state: to the bad state (invariant, also
	// when it lies out of bounds), to the state where two transitions are
	// enabled (nondeterminism), or through the firing of the unreachable
	// transition (unreachable).
	Path []Action `json:"path"`
	// Invariant is the index of the violated invariant.
	Invariant int `json:"invariant,omitempty"`
	// OutOfBounds: the bad state lies outside the profile's bounds.
	OutOfBounds bool `json:"out_of_bounds,omitempty"`
	// Input, Trans and Other: the input value and the two transitions
	// enabled for it (nondeterminism).
	Input int32 `json:"input,omitempty"`
	Trans int32 `json:"transition,omitempty"`
	Other int32 `json:"other,omitempty"`
}

// Result is what the helper writes as JSON.
type Result struct {
	Distinct    uint64     `json:"distinct"`
	Fired       uint64     `json:"fired"`
	OutOfBounds uint64     `json:"out_of_bounds"`
	BoundErrors uint64     `json:"bound_errors"`
	Depth       int        `json:"depth"`
	Complete    bool       `json:"complete"`
	Limited     bool       `json:"limited"`
	Covered     []bool     `json:"covered"`
	ElapsedNS   int64      `json:"elapsed_ns"`
	Violation   *Violation `json:"violation,omitempty"`
	Fingerprint bool       `json:"fingerprint,omitempty"`
	Collision   float64    `json:"collision,omitempty"`
	Generated   uint64     `json:"generated,omitempty"`
	PeakBytes   uint64     `json:"peak_bytes,omitempty"`
	// Error is set when the helper failed: the generated code did something
	// the checker cannot represent (a value outside the layout), or the
	// engine stopped.
	Error string `json:"error,omitempty"`
}

// Main runs the helper for one model: it parses the command line, explores,
// and writes the result. It returns the process's exit code.
func Main(m Model, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the result here (default: stdout)")
	states := fs.String("states", "", "write the FNV-64a hash of every reachable state's JSON here, 8 bytes little endian each, sorted")
	var opt explore.Options
	fs.Uint64Var(&opt.MaxStates, "max-states", 0, "stop after this many distinct states")
	fs.Uint64Var(&opt.MaxMemory, "max-mem", 0, "stop once this many bytes are held")
	fs.IntVar(&opt.Workers, "workers", 1, "workers")
	fs.IntVar(&opt.MaxDepth, "max-depth", 0, "do not expand the states of this depth (0: no limit)")
	fs.BoolVar(&opt.Fingerprint, "fingerprint", false, "store 64-bit fingerprints instead of states")
	fs.BoolVar(&opt.AllSteps, "all-steps", false, "fire every action in every explored state, commuting ones included")
	fs.StringVar(&opt.TempDir, "tmp", "", "directory for the engine's record file")
	progress := fs.Bool("progress", false, "progress lines on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the search here")
	fs.DurationVar(&opt.ProgressEvery, "progress-every", time.Second, "progress interval")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *progress {
		opt.Progress = stderr
	}
	if *states != "" {
		m.HashStates()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 3
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, err)
			return 3
		}
		defer f.Close()
	}
	// An interrupt stops the search between two batches, so that the
	// engine's file of explored states is removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res := Explore(ctx, m, opt)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if *states != "" && res.Error == "" {
		if err := writeHashes(*states, m.Hashes()); err != nil {
			res.Error = err.Error()
		}
	}
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 3
		}
		defer f.Close()
		w = f
	}
	if err := json.NewEncoder(w).Encode(res); err != nil {
		fmt.Fprintln(stderr, err)
		return 3
	}
	return 0
}

// Explore checks the initial state and explores the model with the engine.
func Explore(ctx context.Context, m Model, opt explore.Options) (res *Result) {
	start := time.Now()
	res = &Result{Covered: make([]bool, m.Transitions())}
	defer func() { res.ElapsedNS = int64(time.Since(start)) }()
	inBounds, inv, err := m.Start()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if inv >= 0 {
		// Like TLC, which checks the invariants of an initial state whether
		// or not it satisfies the constraint; counted only if it does.
		res.Violation = &Violation{Kind: "invariant", Invariant: inv, Path: []Action{}}
		if inBounds {
			res.Distinct = 1
		}
		return res
	}
	if !inBounds {
		res.Complete = true
		return res
	}
	// An expander that meets a value the layout cannot code, or the
	// generated package disagreeing with itself, panics with explore.Abort:
	// Explore returns its error.
	er, err := explore.Explore(ctx, m, opt)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Distinct, res.Fired, res.OutOfBounds, res.BoundErrors = er.Distinct, er.Fired, er.OutOfBounds, er.BoundErrors
	res.Depth, res.Complete, res.Limited, res.Covered = er.Depth, er.Complete, er.Limited, er.Covered
	res.Collision, res.Generated, res.PeakBytes = er.Collision, er.Generated, er.PeakBytes
	res.Fingerprint = opt.Fingerprint
	if v := er.Violation; v != nil {
		path := make([]Action, 0, len(v.Path)+1)
		for _, s := range v.Path {
			path = append(path, Action{Input: s.Action, Trans: s.Transition})
		}
		last := Action{Input: v.Last.Action, Trans: v.Last.Transition}
		switch v.Kind {
		case explore.Invariant:
			if v.OutOfBounds {
				path = append(path, last)
			}
			res.Violation = &Violation{Kind: "invariant", Path: path, Invariant: v.Invariant, OutOfBounds: v.OutOfBounds}
		case explore.Nondeterminism:
			res.Violation = &Violation{Kind: "nondeterminism", Path: path, Input: last.Input, Trans: last.Trans, Other: v.Other}
		default:
			res.Violation = &Violation{Kind: "unreachable", Path: append(path, last), Input: last.Input, Trans: last.Trans}
		}
	}
	return res
}

// writeHashes writes state hashes, sorted.
func writeHashes(path string, hs []uint64) error {
	slices.Sort(hs)
	b := make([]byte, 8*len(hs))
	for i, h := range hs {
		binary.LittleEndian.PutUint64(b[8*i:], h)
	}
	return os.WriteFile(path, b, 0o644)
}
