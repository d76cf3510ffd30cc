// Package runner is the main loop of the helper program that `dslgen check`
// builds to explore a machine with its generated Go package (see package
// shipped). It is copied, as source, into the helper's temporary module, and
// imports only the standard library.
//
// The helper's emitted driver implements Model on the generated package; Main
// explores its state space breadth first and writes a Result as JSON.
package runner

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

// What a step of the generated code did with one input value in one state.
const (
	// StepFired: one transition was enabled and the step succeeded.
	StepFired = iota
	// StepOutOfBounds: as StepFired, but the successor lies outside the
	// profile's bounds; Inv is the first invariant it violates, or -1.
	StepOutOfBounds
	// StepBoundError: one transition was enabled and the step failed with a
	// bound error.
	StepBoundError
	// StepNondeterministic: Trans and Other are both enabled.
	StepNondeterministic
	// StepUnreachable: Trans, marked unreachable, is the first enabled.
	StepUnreachable
)

// Step is one outcome of Model.Expand.
type Step struct {
	Kind  int
	Input int32 // index of the input value
	Trans int32 // the transition (the first enabled one)
	Other int32 // StepNondeterministic: the second enabled transition
	Inv   int32 // StepOutOfBounds: the violated invariant, or -1
}

// Model is a machine under one profile, implemented by the emitted driver
// on the generated package. States are packed into Words() uint64 words in
// the checker's layout.
type Model interface {
	// Words is the number of words of a packed state.
	Words() int
	// Transitions is the number of transitions.
	Transitions() int
	// Initial packs the initial state into w. It reports whether the state
	// satisfies the profile's bounds, and the first invariant it violates
	// (-1 if none).
	Initial(w []uint64) (inBounds bool, inv int, err error)
	// Expand fires every input value of the profile in the state packed in w
	// through the generated code. It appends to steps one Step per input
	// value for which some transition is enabled, and, for every
	// StepFired, the successor's words to succ, in order. It marks every
	// enabled transition in covered.
	Expand(w []uint64, steps []Step, succ []uint64, covered []bool) ([]Step, []uint64, error)
	// Invariant returns the first invariant the packed state violates, or -1.
	Invariant(w []uint64) (int, error)
	// StateJSON returns the JSON form of the packed state (the generated
	// State's).
	StateJSON(w []uint64) ([]byte, error)
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
	// Path leads from the initial state: to the bad state (invariant), to
	// the state where two transitions are enabled (nondeterminism), or
	// through the firing of the unreachable transition (unreachable).
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
	// Error is set when the helper failed: the generated code did something
	// the checker cannot represent (a value outside the layout).
	Error string `json:"error,omitempty"`
}

// Config is the helper's command line.
type Config struct {
	Out           string
	States        string
	MaxStates     uint64
	MaxMemory     uint64
	Workers       int
	Progress      bool
	ProgressEvery time.Duration
}

// Main runs the helper for one model: it parses the command line, explores,
// and writes the result. It returns the process's exit code.
func Main(m Model, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Config
	fs.StringVar(&c.Out, "out", "", "write the result here (default: stdout)")
	fs.StringVar(&c.States, "states", "", "write the FNV-64a hash of every reachable state's JSON here, little endian")
	fs.Uint64Var(&c.MaxStates, "max-states", 0, "stop after this many distinct states")
	fs.Uint64Var(&c.MaxMemory, "max-mem", 0, "stop once the heap holds this many bytes")
	fs.IntVar(&c.Workers, "workers", 0, "workers")
	fs.BoolVar(&c.Progress, "progress", false, "progress lines on stderr")
	fs.DurationVar(&c.ProgressEvery, "progress-every", time.Second, "progress interval")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res := Explore(m, c, stderr)
	var w io.Writer = os.Stdout
	if c.Out != "" {
		f, err := os.Create(c.Out)
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

// node is one stored state: its parent and the action that reached it.
type node struct {
	parent int32
	act    Action
}

// Explore explores the model breadth first.
func Explore(m Model, c Config, stderr io.Writer) (res *Result) {
	start := time.Now()
	res = &Result{Covered: make([]bool, m.Transitions())}
	defer func() { res.ElapsedNS = int64(time.Since(start)) }()
	W := m.Words()
	var words []uint64
	var nodes []node
	seen := map[string]int32{}
	key := func(w []uint64) string {
		b := make([]byte, 8*len(w))
		for i, x := range w {
			binary.LittleEndian.PutUint64(b[8*i:], x)
		}
		return string(b)
	}
	path := func(seq int32) []Action {
		var rev []Action
		for s := seq; s != 0; s = nodes[s].parent {
			rev = append(rev, nodes[s].act)
		}
		out := make([]Action, 0, len(rev))
		for i := len(rev) - 1; i >= 0; i-- {
			out = append(out, rev[i])
		}
		return out
	}
	fail := func(err error) *Result {
		res.Error = err.Error()
		return res
	}
	init := make([]uint64, W)
	inBounds, inv, err := m.Initial(init)
	if err != nil {
		return fail(err)
	}
	if inv >= 0 {
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
	words = append(words, init...)
	nodes = append(nodes, node{parent: -1})
	seen[key(init)] = 0

	var processed, distinct atomic.Uint64
	var depthNow atomic.Int64
	distinct.Store(1)
	stop := make(chan struct{})
	done := make(chan struct{})
	var limited atomic.Bool
	go func() {
		defer close(done)
		t := time.NewTicker(c.ProgressEvery)
		defer t.Stop()
		last, lastT := uint64(0), start
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				if c.MaxMemory > 0 {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.Sys-ms.HeapReleased > c.MaxMemory {
						limited.Store(true)
					}
				}
				if !c.Progress {
					continue
				}
				d := distinct.Load()
				p := processed.Load()
				rate := float64(d-last) / now.Sub(lastT).Seconds()
				last, lastT = d, now
				fmt.Fprintf(stderr, "progress: %s: depth %d, %d distinct states, %d queued, %d explored, %.0f states/s\n",
					time.Since(start).Round(time.Second), depthNow.Load(), d, d-p, p, rate)
			}
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()

	var steps []Step
	var succ []uint64
	levelStart, levelEnd := 0, 1
	for level := 0; ; level++ {
		if levelStart == levelEnd {
			res.Complete = true
			break
		}
		res.Depth = level
		depthNow.Store(int64(level))
		for seq := levelStart; seq < levelEnd; seq++ {
			if c.MaxStates > 0 && uint64(len(nodes)) >= c.MaxStates || limited.Load() {
				res.Limited = true
				res.Distinct = uint64(len(nodes))
				return res
			}
			cur := words[seq*W : (seq+1)*W]
			steps, succ, err = m.Expand(cur, steps[:0], succ[:0], res.Covered)
			if err != nil {
				return fail(err)
			}
			k := 0
			for _, st := range steps {
				act := Action{Input: st.Input, Trans: st.Trans}
				switch st.Kind {
				case StepNondeterministic:
					res.Violation = &Violation{Kind: "nondeterminism", Path: path(int32(seq)), Input: st.Input, Trans: st.Trans, Other: st.Other}
				case StepUnreachable:
					res.Violation = &Violation{Kind: "unreachable", Path: append(path(int32(seq)), act), Input: st.Input, Trans: st.Trans}
				case StepBoundError:
					res.BoundErrors++
				case StepOutOfBounds:
					res.Fired++
					res.OutOfBounds++
					if st.Inv >= 0 {
						res.Violation = &Violation{Kind: "invariant", Path: append(path(int32(seq)), act), Invariant: int(st.Inv), OutOfBounds: true}
					}
				case StepFired:
					res.Fired++
					nw := succ[k*W : (k+1)*W]
					k++
					kk := key(nw)
					if _, ok := seen[kk]; ok {
						continue
					}
					n := int32(len(nodes))
					seen[kk] = n
					words = append(words, nw...)
					nodes = append(nodes, node{parent: int32(seq), act: act})
					distinct.Add(1)
					inv, err := m.Invariant(nw)
					if err != nil {
						return fail(err)
					}
					if inv >= 0 {
						res.Violation = &Violation{Kind: "invariant", Path: path(n), Invariant: inv}
					}
				}
				if res.Violation != nil {
					res.Distinct = uint64(len(nodes))
					return res
				}
			}
			processed.Add(1)
		}
		levelStart, levelEnd = levelEnd, len(nodes)
	}
	res.Distinct = uint64(len(nodes))
	if c.States != "" {
		if err := dumpStates(m, words, W, c.States); err != nil {
			return fail(err)
		}
	}
	return res
}

// dumpStates writes the FNV-64a hash of every stored state's JSON form.
func dumpStates(m Model, words []uint64, W int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	var b [8]byte
	for i := 0; i+W <= len(words); i += W {
		js, err := m.StateJSON(words[i : i+W])
		if err != nil {
			f.Close()
			return err
		}
		h := fnv.New64a()
		h.Write(js)
		binary.LittleEndian.PutUint64(b[:], h.Sum64())
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return errors.Join(f.Close())
}
