package specfuzz

import (
	"fmt"
	"strings"
	"time"
)

// mutation is a reversible change to a spec.
type mutation struct{ do, undo func() }

func setTo[T any](p *T, v T) mutation {
	var old T
	return mutation{do: func() { old = *p; *p = v }, undo: func() { *p = old }}
}

func removeAt[T any](p *[]T, i int) mutation {
	var old []T
	return mutation{
		do:   func() { old = *p; *p = append(append([]T{}, old[:i]...), old[i+1:]...) },
		undo: func() { *p = old },
	}
}

func both(a, b mutation) mutation {
	return mutation{do: func() { a.do(); b.do() }, undo: func() { b.undo(); a.undo() }}
}

// inProcess reports whether a stage runs in the worker (no Go build needed
// to reproduce it).
func inProcess(stage string) bool {
	switch stage {
	case StageBuild, StageVet, StageStaticcheck, StageConform:
		return false
	}
	return true
}

const shrinkChunk = 12

// Shrink greedily simplifies s while the pipeline still reports a failure
// with signature sig, for at most budget. It returns the smallest spec's
// YAML and its failure. s is modified.
func Shrink(rn *Runner, s *Spec, sig string, budget time.Duration) ([]byte, Failure) {
	deadline := time.Now().Add(budget)
	stage, _, _ := strings.Cut(sig, ": ")
	sub := &Runner{Dir: rn.Dir + "/shrink", Worker: rn.Worker, Staticcheck: rn.Staticcheck, Corrupt: rn.Corrupt, NoBuild: inProcess(stage)}
	best := Failure{Stage: stage, Msg: "(not reproduced while shrinking)"}
	round := 0
	for time.Now().Before(deadline) {
		muts := s.mutations()
		found := false
		for lo := 0; lo < len(muts) && !found && time.Now().Before(deadline); lo += shrinkChunk {
			hi := min(lo+shrinkChunk, len(muts))
			var cases []Case
			for i := lo; i < hi; i++ {
				muts[i].do()
				if y, ok := tryYAML(s); ok {
					cases = append(cases, Case{Name: fmt.Sprintf("c%d_%d", round, i), YAML: y})
				} else {
					cases = append(cases, Case{Name: fmt.Sprintf("c%d_%d", round, i), YAML: []byte("not: rendered\n")})
				}
				muts[i].undo()
			}
			out, err := sub.Run(cases)
			if err != nil {
				return s.YAML(), Failure{Stage: stage, Msg: "shrinking stopped: " + err.Error()}
			}
			for k, o := range out {
				if f, ok := hasSig(o, sig); ok {
					muts[lo+k].do()
					best, found = f, true
					break
				}
			}
		}
		round++
		if !found {
			break
		}
	}
	return s.YAML(), best
}

func hasSig(o *Outcome, sig string) (Failure, bool) {
	for _, f := range o.Failures {
		if f.Signature() == sig {
			return f, true
		}
	}
	return Failure{}, false
}

// tryYAML renders s, or reports false when a mutation left it unrenderable
// (an enum value index out of range).
func tryYAML(s *Spec) (y []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return s.YAML(), true
}
