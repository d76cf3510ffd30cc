package check

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/meerkat-go/dslmachine/model"
)

// LivenessResult is the outcome of CheckLiveness.
type LivenessResult struct {
	Machine *model.Machine
	Profile *model.Profile
	// States and Edges count the graph the properties were checked on: the
	// states reachable within the profile and the steps between them that
	// change the state.
	States, Edges int
	// Properties is the number of properties checked.
	Properties int
	// Violation is the first property (in spec order) that fails, with a
	// lasso, or nil.
	Violation *Violation
	Elapsed   time.Duration
}

// Summary is the one-line summary of the liveness check.
func (r *LivenessResult) Summary() string {
	status := "ok"
	if r.Violation != nil {
		status = "violation: liveness property " + r.Violation.Property
	}
	return fmt.Sprintf("liveness %s profile %s: %s; properties: %d, fairness: %d, states: %d, edges: %d, time: %.3fs",
		r.Machine.Name, r.Profile.Name, status, r.Properties, len(r.Machine.Fairness), r.States, r.Edges, r.Elapsed.Seconds())
}

// LivenessOptions bounds CheckLiveness.
type LivenessOptions struct {
	// MaxStates stops the graph construction with an error beyond this many
	// states (0: no limit).
	MaxStates int
}

// ErrLivenessTooLarge is returned when the graph exceeds MaxStates.
var ErrLivenessTooLarge = fmt.Errorf("check: the state graph is too large for the liveness check")

// edge is a step of the graph that changes the state.
type edge struct {
	to    int32
	trans int32 // transition index
	input int32 // input value index
}

// graph is the explicit state graph of a profile: states packed as the
// checker packs them, edges in one array indexed by state (CSR).
type graph struct {
	m      *model.Machine
	p      *model.Profile
	pr     *program
	inputs []model.InputValue
	words  []uint64 // lay.words per state
	n      int
	edges  []edge
	off    []int64 // edges of state v: edges[off[v]:off[v+1]]
	// parent and via give the BFS tree: the shortest path to every state.
	parent []int32
	via    []edge
	// enabled holds, per state, nfairWords words with one bit per fairness
	// declaration: its action has a step from the state to a different
	// state that fails with no bound error, inside the profile's bounds or
	// not.
	enabled    []uint64
	nfair      int
	nfairWords int
	// fairOf lists, per transition, the fairness declarations it belongs to.
	fairOf [][]int
}

// buildGraph explores the profile breadth-first with the checker's compiled
// transitions, under the counting contract of docs/DSL.md: the states that
// satisfy the profile and are reachable through such states. The machine
// is assumed deterministic (the safety check proves it first); where two
// transitions are enabled, the first in source order is taken, as Step does.
func buildGraph(m *model.Machine, p *model.Profile, opt LivenessOptions) (*graph, error) {
	pr, err := newProgram(m, p, false)
	if err != nil {
		return nil, err
	}
	lay := pr.lay
	g := &graph{m: m, p: p, pr: pr, nfair: len(m.Fairness), fairOf: make([][]int, len(m.Transitions))}
	for _, in := range pr.inputs {
		g.inputs = append(g.inputs, in.iv)
	}
	for i, f := range m.Fairness {
		for _, t := range f.Transitions {
			g.fairOf[t.Index] = append(g.fairOf[t.Index], i)
		}
	}
	g.nfairWords = (g.nfair + 63) / 64
	W := lay.words
	index := map[string]int32{}
	wbuf := make([]uint64, W)
	kbuf := make([]byte, 8*W)
	keyOf := func(w []uint64) string {
		for i, x := range w {
			binary.LittleEndian.PutUint64(kbuf[8*i:], x)
		}
		return string(kbuf)
	}
	add := func(sl []uint64, parent int32, via edge) (int32, error) {
		if !lay.encode(sl, wbuf) {
			return 0, fmt.Errorf("check: a state does not fit the profile's layout")
		}
		k := keyOf(wbuf)
		if id, ok := index[k]; ok {
			return id, nil
		}
		if opt.MaxStates > 0 && g.n >= opt.MaxStates {
			return 0, fmt.Errorf("%w: more than %d states", ErrLivenessTooLarge, opt.MaxStates)
		}
		id := int32(g.n)
		g.n++
		index[k] = id
		g.words = append(g.words, wbuf...)
		via.to = id
		g.parent = append(g.parent, parent)
		g.via = append(g.via, via)
		for range g.nfairWords {
			g.enabled = append(g.enabled, 0)
		}
		return id, nil
	}
	init := make([]uint64, len(m.Fields))
	lay.slots(m.Initial(), init)
	if !lay.inBounds(init) {
		g.off = []int64{0}
		return g, nil
	}
	if _, err := add(init, -1, edge{}); err != nil {
		return nil, err
	}
	cur := make([]uint64, len(m.Fields))
	next := make([]uint64, len(m.Fields))
	var e env
	for v := 0; v < g.n; v++ {
		g.off = append(g.off, int64(len(g.edges)))
		lay.decode(g.words[v*W:(v+1)*W], cur)
		for _, pc := range pr.byPhase[cur[pr.phase]] {
			e.s, e.a = cur, pr.inputs[pc.input].args
			first, _ := pickEnabled(&e, pc.cands, nil)
			if first == nil {
				continue
			}
			copy(next, cur)
			e.s = next
			ok := first.fire(&e)
			e.s = cur
			if !ok || slicesEqual(next, cur) {
				continue // a bound error, or a step that changes nothing
			}
			for _, f := range g.fairOf[first.idx] {
				g.enabled[v*g.nfairWords+f/64] |= 1 << (f % 64)
			}
			if !lay.inBounds(next) {
				continue
			}
			ed := edge{trans: int32(first.idx), input: int32(pc.input)}
			to, err := add(next, int32(v), ed)
			if err != nil {
				return nil, err
			}
			ed.to = to
			g.edges = append(g.edges, ed)
		}
	}
	g.off = append(g.off, int64(len(g.edges)))
	return g, nil
}

func slicesEqual(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// state decodes state v.
func (g *graph) state(v int32) model.State {
	W := g.pr.lay.words
	sl := make([]uint64, len(g.m.Fields))
	g.pr.lay.decode(g.words[int(v)*W:(int(v)+1)*W], sl)
	return g.pr.lay.state(sl)
}

// out returns the edges of state v.
func (g *graph) out(v int32) []edge { return g.edges[g.off[v]:g.off[v+1]] }

func (g *graph) isEnabled(v int32, f int) bool {
	return g.enabled[int(v)*g.nfairWords+f/64]&(1<<(f%64)) != 0
}

// CheckLiveness checks every liveness property of the machine on the
// profile's state graph, under the spec's fairness. See "Liveness" in
// docs/DSL.md for the semantics. It returns the first property that fails
// with a lasso: Trace leads from the initial state into a cycle that starts
// at Trace[LoopTo] and is closed by Loop (or, with Loop nil, the behaviour
// stutters in the last state forever).
func CheckLiveness(m *model.Machine, p *model.Profile, opt LivenessOptions) (_ *LivenessResult, err error) {
	defer catchAbort(&err)
	start := time.Now()
	if p == nil {
		p = &model.Profile{Name: "default"}
	}
	props := m.Liveness(p)
	res := &LivenessResult{Machine: m, Profile: p, Properties: len(props)}
	if len(props) == 0 {
		return res, nil
	}
	g, err := buildGraph(m, p, opt)
	if err != nil {
		return nil, err
	}
	res.States, res.Edges = g.n, len(g.edges)
	for _, prop := range props {
		if v := g.check(prop); v != nil {
			res.Violation = v
			break
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// check looks for a fair behaviour that reaches a state where prop.From
// holds and prop.To does not, and then never satisfies prop.To.
func (g *graph) check(prop *model.Property) *Violation {
	n := g.n
	if n == 0 {
		return nil
	}
	notQ := make([]bool, n)
	for v := range n {
		notQ[v] = !model.Holds(prop.To, g.state(int32(v)))
	}
	fair, sccOf, witness := g.fairSCCs(notQ)
	// back: the ¬To states from which a path of ¬To states reaches a fair SCC.
	back := make([]bool, n)
	rev := make([][]int32, n)
	for u := range n {
		if !notQ[u] {
			continue
		}
		for _, e := range g.out(int32(u)) {
			if notQ[e.to] {
				rev[e.to] = append(rev[e.to], int32(u))
			}
		}
	}
	var stack []int32
	for v := range fair {
		if fair[v] {
			back[v] = true
			stack = append(stack, int32(v))
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, u := range rev[v] {
			if !back[u] {
				back[u] = true
				stack = append(stack, u)
			}
		}
	}
	// States are numbered in BFS order, so the first bad one is the
	// closest to the initial state.
	bad := int32(-1)
	for v := 0; v < n; v++ {
		if back[v] && (prop.From == nil || model.Holds(prop.From, g.state(int32(v)))) {
			bad = int32(v)
			break
		}
	}
	if bad < 0 {
		return nil
	}
	// The prefix: the shortest path to bad, then the shortest path of ¬To
	// states from bad into a fair SCC.
	var path []edge
	for v := bad; g.parent[v] >= 0; v = g.parent[v] {
		path = append(path, g.via[v])
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	toFair := g.bfs(bad, func(v int32) bool { return notQ[v] }, func(v int32) bool { return fair[v] })
	path = append(path, toFair...)
	entry := bad
	if len(toFair) > 0 {
		entry = toFair[len(toFair)-1].to
	}
	cycle := g.cycle(entry, sccOf, witness[sccOf[entry]])
	trace := []Step{{State: g.state(0)}}
	for _, e := range path {
		trace = append(trace, g.step(e))
	}
	v := &Violation{Kind: KindLiveness, Property: prop.Name, LoopTo: len(trace) - 1}
	if len(cycle) > 0 {
		for _, e := range cycle[:len(cycle)-1] {
			trace = append(trace, g.step(e))
		}
		last := g.step(cycle[len(cycle)-1])
		v.Loop = &last
	}
	v.Trace = trace
	return v
}

func (g *graph) step(e edge) Step {
	iv := g.inputs[e.input]
	return Step{Input: &iv, Transition: g.m.Transitions[e.trans], State: g.state(e.to)}
}

// bfs returns the shortest path from src through states that pass within
// to a state that satisfies goal (empty when src does).
func (g *graph) bfs(src int32, within, goal func(int32) bool) []edge {
	if goal(src) {
		return nil
	}
	prev := map[int32]edge{src: {to: -1}}
	from := map[int32]int32{}
	queue := []int32{src}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range g.out(u) {
			if !within(e.to) {
				continue
			}
			if _, seen := prev[e.to]; seen {
				continue
			}
			prev[e.to], from[e.to] = e, u
			if goal(e.to) {
				var path []edge
				for v := e.to; v != src; v = from[v] {
					path = append(path, prev[v])
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			queue = append(queue, e.to)
		}
	}
	return nil
}

// witnessOf is what a fair SCC must show for one fairness declaration: an
// edge of its action inside the SCC (from, e), or a state where the action
// is disabled (state), or nothing (-1, -1) when the SCC satisfies it in
// every state.
type witnessOf struct {
	from  int32
	e     edge
	state int32
}

// fairSCCs finds the strongly connected components of the ¬To subgraph
// (every state also stutters, so every component can be stayed in
// forever) in which a behaviour can stay forever and still be fair, by
// Emerson-Lei refinement: a component fails weak fairness of an action that
// is enabled in all its states and never taken inside it, and sheds the
// states where a strongly fair action is enabled when that action is never
// taken inside it. It returns the states of fair components, the component
// of every state, and per fair component one witness per declaration.
func (g *graph) fairSCCs(alive []bool) (fair []bool, sccOf []int32, witness map[int32][]witnessOf) {
	n := g.n
	fair = make([]bool, n)
	sccOf = make([]int32, n)
	for i := range sccOf {
		sccOf[i] = -1
	}
	witness = map[int32][]witnessOf{}
	mask := append([]bool(nil), alive...)
	pending := [][]int32{}
	var all []int32
	for v := 0; v < n; v++ {
		if mask[v] {
			all = append(all, int32(v))
		}
	}
	pending = append(pending, all)
	nextID := int32(0)
	sc := newSCCScratch(n)
	for len(pending) > 0 {
		set := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		for _, comp := range g.tarjan(set, mask, sc) {
			id := nextID
			nextID++
			for _, v := range comp {
				sccOf[v] = id
			}
			ws, ok, shed := g.judge(comp, sccOf, id)
			switch {
			case ok:
				witness[id] = ws
				for _, v := range comp {
					fair[v] = true
				}
			case shed != nil:
				var rest []int32
				for _, v := range comp {
					if shed[v] {
						mask[v] = false
						sccOf[v] = -1
					} else {
						rest = append(rest, v)
					}
				}
				if len(rest) > 0 {
					pending = append(pending, rest)
				}
			}
		}
	}
	return fair, sccOf, witness
}

// judge decides whether behaviours can stay in a component fairly: ok with
// witnesses, or not ok with shed set to the states to remove (strong
// fairness), or neither (weak fairness fails in every sub-component).
func (g *graph) judge(comp []int32, sccOf []int32, id int32) (ws []witnessOf, ok bool, shed map[int32]bool) {
	for f := 0; f < g.nfair; f++ {
		w := witnessOf{from: -1, state: -1}
		found := false
		for _, u := range comp {
			for _, e := range g.out(u) {
				if sccOf[e.to] != id {
					continue
				}
				for _, ff := range g.fairOf[e.trans] {
					if ff == f {
						w.from, w.e, found = u, e, true
					}
				}
				if found {
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			var on []int32
			for _, u := range comp {
				if g.isEnabled(u, f) {
					on = append(on, u)
				} else if w.state < 0 {
					w.state = u
				}
			}
			if len(on) > 0 {
				if g.m.Fairness[f].Kind == model.Weak {
					if w.state < 0 {
						return nil, false, nil
					}
				} else {
					shed = map[int32]bool{}
					for _, u := range on {
						shed[u] = true
					}
					return nil, false, shed
				}
			}
		}
		ws = append(ws, w)
	}
	return ws, true, nil
}

// sccScratch is the per-state working memory of tarjan, allocated once per
// graph and reset after each call.
type sccScratch struct {
	index, low []int32
	onStack    []bool
	inSet      []bool
}

func newSCCScratch(n int) *sccScratch {
	sc := &sccScratch{index: make([]int32, n), low: make([]int32, n), onStack: make([]bool, n), inSet: make([]bool, n)}
	for i := range sc.index {
		sc.index[i] = -1
	}
	return sc
}

// tarjan returns the strongly connected components of the subgraph of the
// states in set whose mask is true (iteratively, without recursion).
func (g *graph) tarjan(set []int32, mask []bool, sc *sccScratch) [][]int32 {
	for _, v := range set {
		sc.inSet[v] = mask[v]
	}
	defer func() {
		for _, v := range set {
			sc.inSet[v], sc.index[v], sc.onStack[v] = false, -1, false
		}
	}()
	index, low, onStack, in := sc.index, sc.low, sc.onStack, sc.inSet
	var stack []int32
	var comps [][]int32
	next := int32(0)
	type frame struct {
		v int32
		i int
	}
	for _, root := range set {
		if !in[root] || index[root] >= 0 {
			continue
		}
		call := []frame{{v: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			fr := &call[len(call)-1]
			v := fr.v
			if out := g.out(v); fr.i < len(out) {
				w := out[fr.i].to
				fr.i++
				if !in[w] {
					continue
				}
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				if low[v] < low[p] {
					low[p] = low[v]
				}
			}
			if low[v] == index[v] {
				var comp []int32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				comps = append(comps, comp)
			}
		}
	}
	return comps
}

// cycle returns a cycle from entry back to entry inside its component on
// which the behaviour is fair: it takes the edge of each fair action that is
// taken inside the component, and passes a state where each other fair
// action is disabled. It is empty when the behaviour can stutter in entry
// forever (every fair action is disabled there).
func (g *graph) cycle(entry int32, sccOf []int32, ws []witnessOf) []edge {
	stutter := true
	for f := 0; f < g.nfair; f++ {
		stutter = stutter && !g.isEnabled(entry, f)
	}
	if stutter {
		return nil
	}
	id := sccOf[entry]
	inComp := func(v int32) bool { return sccOf[v] == id }
	var targets []witnessOf
	for _, w := range ws {
		if w.from >= 0 {
			targets = append(targets, w)
		}
	}
	var out []edge
	for range len(ws) + 1 {
		out = out[:0]
		cur := entry
		for _, w := range targets {
			goal := w.state
			if w.from >= 0 {
				goal = w.from
			}
			out = append(out, g.bfs(cur, inComp, func(v int32) bool { return v == goal })...)
			cur = goal
			if w.from >= 0 {
				out = append(out, w.e)
				cur = w.e.to
			}
		}
		if cur != entry || len(out) == 0 {
			out = append(out, g.bfs(cur, inComp, func(v int32) bool { return v == entry })...)
		}
		missing := -1
		for f, w := range ws {
			if w.from >= 0 || w.state < 0 {
				continue
			}
			ok := !g.isEnabled(entry, f)
			for _, e := range out {
				ok = ok || !g.isEnabled(e.to, f)
			}
			if !ok {
				missing = f
				break
			}
		}
		if missing < 0 {
			break
		}
		targets = append(targets, ws[missing])
	}
	return out
}

// LassoViolates reports whether a lasso is a fair behaviour of the machine
// within the profile that violates a liveness property: states are the
// states of the behaviour, each a step of the machine from the one before,
// and the cycle runs from states[loopTo] to the last state, which equals
// states[loopTo] (loopTo = len(states)-1: the behaviour stutters there
// forever). When it is not, reason says why. Tests that
// `dslgen check -emit-test` writes for a liveness violation call it, so
// that they pass once the spec is fixed, whichever way it is fixed: a step
// of the lasso rejected, the property's leads_to reached, or a fair action
// that the cycle now ignores.
func LassoViolates(m *model.Machine, p *model.Profile, property string, states []model.State, loopTo int) (violates bool, reason string) {
	prop := m.Property(property)
	if prop == nil {
		return false, fmt.Sprintf("the spec has no liveness property %s", property)
	}
	if loopTo < 0 || loopTo >= len(states) || !statesEqual(states[loopTo], states[len(states)-1]) {
		return false, "the cycle does not close"
	}
	if p == nil {
		p = &model.Profile{Name: "default"}
	}
	ivs, err := m.InputValues(p)
	if err != nil {
		return false, err.Error()
	}
	start := -1
	for i, st := range states {
		if start < 0 && i <= loopTo && (prop.From == nil || model.Holds(prop.From, st)) && !model.Holds(prop.To, st) {
			start = i
		}
		if start >= 0 && model.Holds(prop.To, st) {
			return false, fmt.Sprintf("leads_to holds in state %d", i+1)
		}
	}
	if start < 0 {
		return false, "no state of the stem satisfies from without leads_to"
	}
	// steps returns the fairness declarations with a step from a to b.
	steps := func(a, b model.State, f *model.Fairness) bool {
		phase := int(a[m.Phase.Index].N)
		for _, iv := range ivs {
			for _, t := range f.Transitions {
				if t.Input != iv.Input || !t.Allows(phase) {
					continue
				}
				if ok, err := m.Enabled(t, a, iv.Args); err != nil || !ok {
					continue
				}
				n, _, err := m.Fire(t, a, iv.Args)
				if err == nil && !statesEqual(n, a) && (b == nil || statesEqual(n, b)) {
					return true
				}
			}
		}
		return false
	}
	cycle := states[loopTo:]
	for _, f := range m.Fairness {
		taken := false
		for i := 0; i+1 < len(cycle) && !taken; i++ {
			taken = steps(cycle[i], cycle[i+1], f)
		}
		if taken {
			continue
		}
		disabledSome, disabledAll := false, true
		for _, st := range cycle {
			if steps(st, nil, f) {
				disabledAll = false
			} else {
				disabledSome = true
			}
		}
		if f.Kind == model.Weak && !disabledSome {
			return false, fmt.Sprintf("the cycle is not weakly fair to %s: it stays enabled and is never taken", f.Name)
		}
		if f.Kind == model.Strong && !disabledAll {
			return false, fmt.Sprintf("the cycle is not strongly fair to %s: it is enabled and never taken", f.Name)
		}
	}
	// Every step must be a step of the machine.
	for i := 0; i+1 < len(states); i++ {
		if statesEqual(states[i], states[i+1]) {
			continue
		}
		if !stepExists(m, ivs, states[i], states[i+1]) {
			return false, fmt.Sprintf("no step of the machine leads from state %d to state %d", i+1, i+2)
		}
	}
	return true, ""
}

// stepExists reports whether some input value of ivs leads from a to b.
func stepExists(m *model.Machine, ivs []model.InputValue, a, b model.State) bool {
	for _, iv := range ivs {
		n, _, err := m.Step(a, iv)
		if err == nil && statesEqual(n, b) {
			return true
		}
	}
	return false
}
