package graph

import (
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

func load(t *testing.T, path string) *model.Machine {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parse(t *testing.T, src string) *model.Machine {
	t.Helper()
	m, err := model.Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func names(ds []*Diagram) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Field.Name)
	}
	return out
}

// edgeSet renders a diagram's edges as "From->To: inputs".
func edgeSet(d *Diagram) []string {
	var out []string
	for _, e := range d.Edges {
		out = append(out, d.Enum().Values[e.From]+"->"+d.Enum().Values[e.To]+": "+strings.Join(e.Inputs, ","))
	}
	slices.Sort(out)
	return out
}

func TestMeerkatDiagrams(t *testing.T) {
	m := load(t, "../../spec/machine.yaml")
	ds := Diagrams(m)
	got := names(ds)
	if got[0] != "lifecycle_phase" || !slices.Contains(got, "turn_phase") || got[len(got)-1] != "live_topology_phase" ||
		slices.Contains(got, "registration_phase") {
		t.Errorf("diagrams %v: want the phase first, the turn phase, the live topology last, and no registration phase (never tested by a guard)", got)
	}
	topo := ds[len(ds)-1]
	wantTopo := []string{
		"Detached->HostIdentityApplied: ApplyLiveTopologyIdentity",
		"Detached->Idle: FailLiveTopologyAfterDetach",
		"HostIdentityApplied->HostVisibilityApplied: ApplyLiveTopologyVisibility",
		"HostIdentityApplied->Idle: FailLiveTopologyAfterDetach",
		"HostVisibilityApplied->Idle: CompleteLiveTopology,FailLiveTopologyAfterDetach",
		"Idle->Reconfiguring: BeginLiveTopologyReconfigure",
		"Reconfiguring->Detached: MarkLiveTopologyDetached",
		"Reconfiguring->Idle: AbortLiveTopologyBeforeDetach",
	}
	if g := edgeSet(topo); !slices.Equal(g, wantTopo) {
		t.Errorf("live topology edges\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(wantTopo, "\n"))
	}
	if topo.Initial != 0 || ds[0].Initial != 0 || !slices.Equal(ds[0].Terminal, m.Terminal) {
		t.Errorf("initial/terminal: %d %d %v", topo.Initial, ds[0].Initial, ds[0].Terminal)
	}
	// RunCompleted only completes a turn that is not terminal yet (an if on
	// the turn phase), and acknowledging returns terminal turns to Ready.
	turn := strings.Join(edgeSet(ds[slices.Index(got, "turn_phase")]), "\n")
	for _, want := range []string{"CallingLlm->Completed: ExtractionFailed,RunCompleted", "Completed->Ready: AcknowledgeTerminal"} {
		if !strings.Contains(turn, want) {
			t.Errorf("turn diagram lacks %q", want)
		}
	}
	if strings.Contains(turn, "Failed->Completed") || strings.Contains(turn, "Cancelled->Completed") {
		t.Errorf("RunCompleted must not complete a terminal turn:\n%s", turn)
	}
}

// TestPhaseEdgesAreTransitions: every transition with a target phase is drawn
// from each other phase it allows, and every edge comes from such a transition.
func TestPhaseEdgesAreTransitions(t *testing.T) {
	for _, path := range []string{"../../spec/machine.yaml", "../../spec/examples/doorlock.yaml", "../../spec/examples/tcp.yaml"} {
		m := load(t, path)
		d := Diagrams(m)[0]
		has := map[[2]int][]string{}
		for _, e := range d.Edges {
			if e.From == e.To {
				t.Errorf("%s: self-loop %d", path, e.From)
			}
			has[[2]int{e.From, e.To}] = e.Transitions
			for _, name := range e.Transitions {
				tr := m.Transition(name)
				if tr == nil || tr.To != e.To || !tr.Allows(e.From) {
					t.Errorf("%s: edge %d->%d from transition %s that does not make it", path, e.From, e.To, name)
				}
			}
		}
		for _, tr := range m.Transitions {
			if tr.To < 0 {
				continue
			}
			for _, from := range tr.From {
				if from != tr.To && !slices.Contains(has[[2]int{from, tr.To}], tr.Name) {
					t.Errorf("%s: %s (%d->%d) not drawn", path, tr.Name, from, tr.To)
				}
			}
		}
	}
}

const small = `
machine: Small
enums:
  Phase: [Run, Stop]
  Light: [end, Green, Amber]
fields:
  phase: {type: Phase, initial: Run}
  light: {type: Light, initial: end}
  other: {type: Light, initial: Green}
phase: phase
terminal: [Stop]
inputs:
  Go: {to: Light}
  Halt: {}
transitions:
  - name: Go
    on: Go
    from: [Run]
    guards:
      - not_amber: light != Amber
      - target_known: arg.to in [Green, Amber]
    do:
      - light := arg.to
      - other := Amber
  - name: Reset
    on: Halt
    from: [Run]
    to: Stop
    do:
      - "if light == Green then light := Amber else light := end"
`

func TestFieldNarrowing(t *testing.T) {
	m := parse(t, small)
	ds := Diagrams(m)
	if got := names(ds); !slices.Equal(got, []string{"phase", "light"}) {
		t.Fatalf("diagrams %v (other is assigned but never tested)", got)
	}
	want := []string{
		"Amber->end: Halt",
		"Green->Amber: Go,Halt",
		"end->Amber: Go",
		"end->Green: Go",
	}
	if got := edgeSet(ds[1]); !slices.Equal(got, want) {
		t.Errorf("light edges %v, want %v", got, want)
	}
	md := string(Mermaid(m, ds, Options{Source: "dir/small.yaml"}))
	for _, want := range []string{
		"<!-- Code generated by dslgen graph from small.yaml. DO NOT EDIT. -->",
		"```mermaid\nstateDiagram-v2\n",
		"    state \"end\" as end_\n",
		"    [*] --> end_\n",
		"    end_ --> Green: Go\n",
		"    Run --> Stop: Halt\n",
		"    Stop --> [*]\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Mermaid lacks %q:\n%s", want, md)
		}
	}
	if n := strings.Count(md, "```mermaid"); n != len(ds) || strings.Count(md, "```") != 2*len(ds) {
		t.Errorf("%d Mermaid blocks for %d diagrams", n, len(ds))
	}
	dot := string(Dot(m, ds, Options{}))
	if strings.Count(dot, "digraph ") != len(ds) || strings.Count(dot, "{") != strings.Count(dot, "}") {
		t.Errorf("DOT: %d digraphs for %d diagrams, or unbalanced braces:\n%s", strings.Count(dot, "digraph "), len(ds), dot)
	}
	for _, want := range []string{
		`"Green" -> "Amber" [label="Go\nHalt"];`,
		`"__initial" -> "end";`,
		`"Stop" [peripheries=2];`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
}

// TestPhaseHeadingNamesTheMachinesPhase: the phase diagram's heading names
// the machine's own phase field and enum, whatever they are called.
func TestPhaseHeadingNamesTheMachinesPhase(t *testing.T) {
	for _, tc := range []struct{ spec, heading string }{
		{"../../spec/machine.yaml", "Lifecycle phase (`lifecycle_phase`, phase enum `LifecyclePhase`)"},
		{"../../spec/examples/doorlock.yaml", "Phase (`phase`, phase enum `LockPhase`)"},
	} {
		m := load(t, tc.spec)
		md := string(Mermaid(m, Diagrams(m), Options{Source: tc.spec}))
		if !strings.Contains(md, "# "+tc.heading+"\n") {
			t.Errorf("%s: no heading %q in\n%s", tc.spec, tc.heading, md)
		}
		if m.Phase.Name != "lifecycle_phase" && strings.Contains(md, "Lifecycle") {
			t.Errorf("%s: a heading says Lifecycle, but the phase field is %s", tc.spec, m.Phase.Name)
		}
	}
}
