package check

import (
	"context"
	"sync"

	"github.com/meerkat-go/dslmachine/check/explore"
	"github.com/meerkat-go/dslmachine/model"
)

// VisitStates explores a machine under a profile as Run does, with the
// compiled transitions, and calls visit with every state the search stores:
// the initial state (when it lies within the bounds) and every new
// successor, once each, in no particular order, one call at a time. It is
// for cross-checking another exploration of the same profile state for
// state; a search that finds a violation stops early, so only the states of
// a search that finds none are the whole space. It returns the engine's
// result (nil when the initial state lies outside the bounds: nothing is
// explored); Run's has the same counts.
func VisitStates(m *model.Machine, p *model.Profile, workers int, visit func(model.State)) (*explore.Result, error) {
	if p == nil {
		p = defaultProfile()
	}
	if err := checkInputLimits(m, p, Options{}); err != nil {
		return nil, err
	}
	pr, err := newProgram(m, p, false)
	if err != nil {
		return nil, err
	}
	init := make([]uint64, len(m.Fields))
	pr.lay.slots(m.Initial(), init)
	if !pr.lay.inBounds(init) {
		return nil, nil
	}
	vm := &visitModel{exploreModel: newExploreModel(pr), visit: visit}
	return explore.Explore(context.Background(), vm, explore.Options{Workers: max(workers, 1), MaxDepth: p.Depth})
}

// visitModel wraps the closure model so that Violated, which the engine
// calls once for every state it stores, also visits the state.
type visitModel struct {
	*exploreModel
	mu    sync.Mutex
	visit func(model.State)
}

func (vm *visitModel) NewExpander() explore.Expander {
	return &visitExpander{Expander: vm.exploreModel.NewExpander(), vm: vm, sl: make([]uint64, len(vm.pr.m.Fields))}
}

type visitExpander struct {
	explore.Expander
	vm *visitModel
	sl []uint64
}

func (x *visitExpander) Violated(s []uint64, t int32) int {
	lay := x.vm.pr.lay
	lay.decode(s, x.sl)
	st := lay.state(x.sl)
	x.vm.mu.Lock()
	x.vm.visit(st)
	x.vm.mu.Unlock()
	return x.Expander.Violated(s, t)
}
