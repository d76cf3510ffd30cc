package tla

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// specFiles returns the Meerkat spec and every example spec.
func specFiles(t *testing.T) []string {
	t.Helper()
	ex, err := filepath.Glob("../../spec/examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"../../spec/machine.yaml"}, ex...)
}

type generated struct {
	m      *model.Machine
	g      *generator // names as Generate allocates them
	module string
	cfgs   map[string]string // by profile name
}

func generateSpec(t *testing.T, path string) *generated {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return generateMachine(t, m)
}

func generateMachine(t *testing.T, m *model.Machine) *generated {
	t.Helper()
	files, err := Generate(m, Options{Source: "spec.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	out := &generated{m: m, cfgs: map[string]string{}}
	out.g = &generator{m: m, names: newNamer()}
	out.g.allocate()
	if files[0].Name != ModuleFileName(m) {
		t.Fatalf("first file is %s, want %s", files[0].Name, ModuleFileName(m))
	}
	out.module = string(files[0].Data)
	if len(files) != 1+len(m.Profiles) {
		t.Fatalf("%d files for %d profiles", len(files), len(m.Profiles))
	}
	for i, p := range m.Profiles {
		if files[1+i].Name != ConfigFileName(m, p) {
			t.Fatalf("file %d is %s, want %s", 1+i, files[1+i].Name, ConfigFileName(m, p))
		}
		out.cfgs[p.Name] = string(files[1+i].Data)
	}
	return out
}

func parseSpec(t *testing.T, src string) *model.Machine {
	t.Helper()
	m, err := model.Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// stripComments removes \* comments and the contents of string literals.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		inStr := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if inStr {
				if c == '\\' {
					i++
				} else if c == '"' {
					inStr = false
					b.WriteByte('"')
				}
				continue
			}
			if c == '"' {
				inStr = true
				b.WriteByte('"')
				continue
			}
			if c == '\\' && i+1 < len(line) && line[i+1] == '*' {
				break
			}
			b.WriteByte(c)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestModuleShape(t *testing.T) {
	for _, path := range specFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gen := generateSpec(t, path)
			lines := strings.Split(gen.module, "\n")
			if !regexp.MustCompile(`^-{4,} MODULE ` + gen.m.Name + ` -{4,}$`).MatchString(lines[0]) {
				t.Errorf("first line %q is not the module header", lines[0])
			}
			if got := strings.TrimSpace(gen.module); !strings.HasSuffix(got, "\n"+strings.Repeat("=", 77)) {
				t.Errorf("module does not end with a ==== line")
			}
			if strings.Contains(gen.module, "\t") {
				t.Errorf("module contains a tab")
			}
			code := stripComments(gen.module)
			want := "EXTENDS Naturals"
			if hasCollections(gen.m) {
				want += ", FiniteSets"
			}
			for _, p := range gen.m.Profiles {
				if p.Depth > 0 {
					want += ", TLC"
					break
				}
			}
			for _, l := range strings.Split(code, "\n") {
				if strings.HasPrefix(l, "EXTENDS") && strings.TrimSpace(l) != want {
					t.Errorf("EXTENDS line %q, want %q: FiniteSets only for collections, TLC only for a depth cut", l, want)
				}
				if strings.HasPrefix(l, "INSTANCE") {
					t.Errorf("unexpected INSTANCE: %q", l)
				}
			}
			// Brackets balance, and never close before they open.
			pairs := []struct{ open, close string }{{"(", ")"}, {"{", "}"}, {"<<", ">>"}, {"[", "]"}}
			for _, def := range splitDefs(code) {
				for _, p := range pairs {
					depth := 0
					rest := def
					for rest != "" {
						switch {
						case strings.HasPrefix(rest, p.open):
							depth++
							rest = rest[len(p.open):]
						case strings.HasPrefix(rest, p.close):
							depth--
							if depth < 0 {
								t.Fatalf("%q closes before it opens in:\n%s", p.close, def)
							}
							rest = rest[len(p.close):]
						default:
							rest = rest[1:]
						}
					}
					if depth != 0 {
						t.Errorf("unbalanced %s%s in:\n%s", p.open, p.close, def)
					}
				}
			}
		})
	}
}

// splitDefs splits module text into blank-line separated chunks.
func splitDefs(code string) []string {
	var out []string
	for _, c := range strings.Split(code, "\n\n") {
		if strings.TrimSpace(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

func TestEveryTransitionIsAnAction(t *testing.T) {
	for _, path := range specFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gen := generateSpec(t, path)
			defs := definitions(gen.module)
			next := strings.Join(defs["Next"], "\n")
			for i, tr := range gen.m.Transitions {
				name := gen.g.actions[i]
				if name != tr.Name {
					t.Errorf("transition %s is action %s, want its own name", tr.Name, name)
				}
				d := defs[name]
				if d == nil {
					t.Errorf("no action %s", name)
					continue
				}
				want := name + " =="
				if len(tr.Input.Params) > 0 {
					args := make([]string, len(tr.Input.Params))
					for j, p := range tr.Input.Params {
						args[j] = "arg_" + p.Name
					}
					want = name + "(" + strings.Join(args, ", ") + ") =="
				}
				if d[0] != want {
					t.Errorf("action header %q, want %q", d[0], want)
				}
				if !regexp.MustCompile(`(?m)^    \\/ .*\b` + name + `\b`).MatchString(next) {
					t.Errorf("Next has no disjunct for %s", name)
				}
			}
			disjuncts := strings.Count(next, `\/ `)
			want := len(gen.m.Transitions)
			if len(gen.m.Terminal) > 0 {
				want++
				if defs["Terminated"] == nil || !strings.Contains(next, `\/ Terminated`) {
					t.Errorf("a spec with terminal phases needs the Terminated stutter in Next")
				}
			} else if defs["Terminated"] != nil {
				t.Errorf("Terminated defined without terminal phases")
			}
			if disjuncts != want {
				t.Errorf("Next has %d disjuncts, want %d", disjuncts, want)
			}
			for _, inv := range gen.g.invs {
				if defs[inv] == nil {
					t.Errorf("invariant %s not defined", inv)
				}
			}
			for _, want := range []string{"Init", "Next", "Spec", "TypeOK", "vars", "None", "Some", "UnwrapOr", "OptionOf", "IsOptionOf"} {
				if defs[want] == nil {
					t.Errorf("%s not defined", want)
				}
			}
		})
	}
}

var constantsRE = regexp.MustCompile(`(?s)CONSTANTS\n(.*?)\n\n`)

func TestConfigs(t *testing.T) {
	for _, path := range specFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gen := generateSpec(t, path)
			defs := definitions(gen.module)
			var declared []string
			if m := constantsRE.FindStringSubmatch(stripComments(gen.module)); m != nil {
				for _, c := range strings.Split(m[1], ",") {
					declared = append(declared, strings.TrimSpace(c))
				}
			}
			for _, p := range gen.m.Profiles {
				cfg := gen.cfgs[p.Name]
				var assigned, invs, props []string
				var next, constraint string
				section := ""
				for _, line := range strings.Split(cfg, "\n") {
					if line == "" || strings.HasPrefix(line, `\*`) {
						continue
					}
					if !strings.HasPrefix(line, " ") {
						f := strings.Fields(line)
						section = f[0]
						switch section {
						case "NEXT":
							next = f[1]
						case "CONSTRAINT":
							constraint = f[1]
						case "INIT":
							if f[1] != "Init" {
								t.Errorf("%s: INIT %s", p.Name, f[1])
							}
						case "SPECIFICATION":
							// A spec with liveness: FairSpec names the next-state relation.
							m := regexp.MustCompile(`\[\]\[(\w+)\]_vars`).FindStringSubmatch(strings.Join(defs[f[1]], "\n"))
							if m == nil {
								t.Errorf("%s: SPECIFICATION %s has no [][Next]_vars", p.Name, f[1])
							} else {
								next = m[1]
							}
						case "CONSTANTS", "INVARIANTS", "PROPERTIES":
						default:
							t.Errorf("%s: unexpected cfg line %q", p.Name, line)
						}
						continue
					}
					switch section {
					case "CONSTANTS":
						k, v, ok := strings.Cut(strings.TrimSpace(line), " = ")
						if !ok {
							// A collection domain is defined in the module, per
							// profile, and substituted: NAME <- NAME_profile.
							var sub string
							k, sub, ok = strings.Cut(strings.TrimSpace(line), " <- ")
							if !ok || sub != k+"_"+p.Name || defs[sub] == nil {
								t.Errorf("%s: constant line %q is neither NAME = {...} nor NAME <- NAME_%s (defined in the module)", p.Name, line, p.Name)
							}
						} else if !strings.HasPrefix(v, "{") || !strings.HasSuffix(v, "}") {
							t.Errorf("%s: constant line %q is not NAME = {...}", p.Name, line)
						}
						assigned = append(assigned, k)
					case "INVARIANTS":
						invs = append(invs, strings.TrimSpace(line))
					case "PROPERTIES":
						props = append(props, strings.TrimSpace(line))
					}
				}
				if !slices.Equal(assigned, declared) {
					t.Errorf("%s: cfg assigns %v, module declares %v", p.Name, assigned, declared)
				}
				if want := append([]string{"TypeOK"}, gen.g.invs...); !slices.Equal(invs, want) {
					t.Errorf("%s: INVARIANTS %v, want %v", p.Name, invs, want)
				}
				if defs[next] == nil {
					t.Errorf("%s: NEXT %q is not defined in the module", p.Name, next)
				}
				var wantProps []string
				for _, pr := range gen.m.Liveness(p) {
					wantProps = append(wantProps, gen.g.props[gen.g.propIndex(pr)])
				}
				if !slices.Equal(props, wantProps) {
					t.Errorf("%s: PROPERTIES %v, want %v", p.Name, props, wantProps)
				}
				fires := 0
				for _, tr := range gen.m.Transitions {
					if p.Fires(tr.Input) {
						fires++
					}
				}
				if (fires == len(gen.m.Transitions)) != (next == "Next") {
					t.Errorf("%s: NEXT %s, but %d of %d transitions fire", p.Name, next, fires, len(gen.m.Transitions))
				}
				if next != "Next" {
					body := strings.Join(defs[next], "\n")
					for i, tr := range gen.m.Transitions {
						in := regexp.MustCompile(`\b` + gen.g.actions[i] + `\b`).MatchString(body)
						if in != p.Fires(tr.Input) {
							t.Errorf("%s: %s in %s is %v, want %v", p.Name, tr.Name, next, in, p.Fires(tr.Input))
						}
					}
				}
				if (len(p.Bounds) > 0 || p.Depth > 0) != (constraint != "") {
					t.Errorf("%s: %d bounds, depth %d, but CONSTRAINT %q", p.Name, len(p.Bounds), p.Depth, constraint)
				}
				if constraint != "" {
					body := strings.Join(defs[constraint], "\n")
					for _, i := range p.BoundFields() {
						if !strings.Contains(body, gen.g.vars[i]) {
							t.Errorf("%s: %s does not bound %s", p.Name, constraint, gen.g.vars[i])
						}
					}
					depth := 0
					if p.Depth > 0 {
						depth = 1
						if !strings.Contains(body, fmt.Sprintf(`TLCGet("level") <= %d`, p.Depth+1)) {
							t.Errorf("%s: %s does not cut at depth %d", p.Name, constraint, p.Depth)
						}
					}
					if n := strings.Count(body, `/\ `); n != len(p.Bounds)+depth {
						t.Errorf("%s: %s has %d conjuncts for %d bounds and depth %d", p.Name, constraint, n, len(p.Bounds), p.Depth)
					}
				}
			}
		})
	}
}

// TestGoldenLines pins key lines of the Meerkat module.
func TestGoldenLines(t *testing.T) {
	gen := generateSpec(t, "../../spec/machine.yaml")
	for _, want := range []string{
		"EXTENDS Naturals, FiniteSets, TLC",
		"None == <<>>",
		"Some(v) == <<v>>",
		"UnwrapOr(o, d) == IF o = None THEN d ELSE o[1]",
		`LifecyclePhase == {"Initializing", "Idle", "Attached", "Running", "Retired", "Stopped", "Destroyed"}`,
		`    /\ lifecycle_phase = "Initializing"`,
		`    /\ realtime_next_authority_epoch = 1`,
		`CommitRunningToIdle(arg_run_id) ==`,
		`    /\ pre_run_phase = Some("Idle")  \* pre_run_phase_matches_idle`,
		`    /\ current_run_id = Some(arg_run_id)  \* current_run_id_matches_binding`,
		`    /\ lifecycle_phase' = "Idle"`,
		`    /\ lifecycle_phase \in {"Idle", "Attached", "Running", "Retired", "Stopped"}`,
		`    /\ turn_phase \notin {"Ready", "Completed", "Failed", "Cancelled"}  \* turn_cancellable`,
		`    LET next_staged_visibility_revision_1 == IF arg_active_revision > next_staged_visibility_revision THEN arg_active_revision ELSE next_staged_visibility_revision`,
		`        /\ next_staged_visibility_revision' = IF arg_staged_revision > next_staged_visibility_revision_1 THEN arg_staged_revision ELSE next_staged_visibility_revision_1`,
		`    /\ realtime_binding_authority_epoch' = Some(realtime_next_authority_epoch)`,
		`    /\ realtime_next_authority_epoch' = realtime_next_authority_epoch + 1`,
		`    /\ lifecycle_phase = "Destroyed"`,
		`    \/ \E arg_session_id \in Dom_SessionId : RegisterSession(arg_session_id)`,
		`    \/ Terminated`,
		`Spec == Init /\ [][Next]_vars`,
		`    (realtime_binding_state = "Unbound") = (realtime_binding_authority_epoch = None)`,
	} {
		if !strings.Contains(gen.module, want+"\n") {
			t.Errorf("module lacks the line\n%s", want)
		}
	}
	for name, cfg := range gen.cfgs {
		for _, want := range []string{"SPECIFICATION FairSpec", "    TypeOK", "    running_has_current_run", "PROPERTIES\n    live_topology_reconfigure_ends", `    Dom_SessionId = {"s1"`} {
			if (strings.HasPrefix(want, "PROPERTIES") || strings.HasPrefix(want, "    Dom_SessionId")) && (name == "barrier" || name == "visibility") {
				// They fire no session input and check no liveness property.
				continue
			}
			if strings.HasPrefix(want, "PROPERTIES") && name == "deep" {
				// deep bounds the depth: no liveness property.
				if strings.Contains(cfg, "PROPERTIES") {
					t.Errorf("cfg %s, which bounds the depth, lists PROPERTIES", name)
				}
				continue
			}
			if !strings.Contains(cfg, want) {
				t.Errorf("cfg %s lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(gen.module, "Constraint_deep ==\n    /\\ TLCGet(\"level\") <= 9\n") {
		t.Error("Constraint_deep does not cut at level 9 (depth 8)")
	}
}

func TestDeterministic(t *testing.T) {
	a := generateSpec(t, "../../spec/machine.yaml")
	b := generateSpec(t, "../../spec/machine.yaml")
	if a.module != b.module {
		t.Error("two runs differ")
	}
	for k := range a.cfgs {
		if a.cfgs[k] != b.cfgs[k] {
			t.Errorf("cfg %s differs between runs", k)
		}
	}
}

// ---- the generated TLA+ against the interpreter ----

// tlaValue converts an interpreter value of type t.
func tlaValue(v model.Value, t *model.Type) tv {
	switch t.Kind {
	case model.KindBool:
		return v.Bool()
	case model.KindUint:
		return int64(v.N)
	case model.KindEnum:
		return t.Enum.Values[v.N]
	case model.KindID:
		return v.S
	case model.KindOption:
		if !v.Some {
			return tvTuple{}
		}
		return tvTuple{tlaValue(v.Unwrap(), t.Elem)}
	}
	panic("bad type")
}

// randomValue draws a value of type t, near max for bounded uints.
func randomValue(r *rand.Rand, t *model.Type, max *uint64) model.Value {
	switch t.Kind {
	case model.KindBool:
		return model.Bool(r.IntN(2) == 0)
	case model.KindUint:
		if max != nil && r.IntN(3) == 0 {
			return model.Uint(*max - 1 + uint64(r.IntN(3)))
		}
		return model.Uint(uint64(r.IntN(5)))
	case model.KindEnum:
		return model.EnumValue(r.IntN(len(t.Enum.Values)))
	case model.KindID:
		return model.ID([]string{"", "a", "b"}[r.IntN(3)])
	case model.KindOption:
		if r.IntN(3) == 0 {
			return model.None()
		}
		v := randomValue(r, t.Elem, max)
		if t.Elem.Kind == model.KindID && v.S == "" {
			v.S = "a"
		}
		return model.SomeOf(v)
	}
	panic("bad type")
}

func (gen *generated) tlaState(s model.State) map[string]tv {
	out := map[string]tv{}
	for i, f := range gen.m.Fields {
		out[gen.g.vars[i]] = tlaValue(s[i], f.Type)
	}
	return out
}

// skipCollections skips a spec with a set or map field: the evaluator of
// eval_test.go has no sets, functions or quantifiers (the collection
// encoding is checked by TestCollectionsEncoding, and against TLC by
// TestCollectionsTLC).
func skipCollections(t *testing.T, gen *generated) {
	t.Helper()
	if hasCollections(gen.m) {
		t.Skip("the test evaluator has no sets or maps")
	}
}

// TestActionsMatchInterpreter evaluates every generated action on random
// states and arguments and compares it with the interpreter: the action is
// enabled exactly when the transition's phase and guards hold and firing it
// raises no bound error, and then its successor is the interpreter's.
func TestActionsMatchInterpreter(t *testing.T) {
	for _, path := range specFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gen := generateSpec(t, path)
			skipCollections(t, gen)
			checkActions(t, gen, 400)
		})
	}
}

func checkActions(t *testing.T, gen *generated, trials int) {
	t.Helper()
	m := gen.m
	defs := definitions(gen.module)
	r := rand.New(rand.NewPCG(1, 2))
	for i, tr := range m.Transitions {
		a, err := parseAction(defs[gen.g.actions[i]], gen.g.vars)
		if err != nil {
			t.Fatalf("%s: %v", tr.Name, err)
		}
		enabled := 0
		for k := 0; k < trials; k++ {
			s := make(model.State, len(m.Fields))
			for j, f := range m.Fields {
				s[j] = randomValue(r, f.Type, f.Max)
			}
			if r.IntN(5) > 0 {
				s[m.Phase.Index] = model.EnumValue(tr.From[r.IntN(len(tr.From))])
			}
			args := make([]model.Value, len(tr.Input.Params))
			targs := make([]tv, len(args))
			for j, p := range tr.Input.Params {
				args[j] = randomValue(r, p.Type, nil)
				targs[j] = tlaValue(args[j], p.Type)
			}
			want, wantOK := model.State(nil), false
			if en, err := m.Enabled(tr, s, args); err == nil && en {
				if n, _, err := m.Fire(tr, s, args); err == nil {
					want, wantOK = n, true
				}
			}
			got, ok, err := a.step(gen.tlaState(s), targs)
			if err != nil {
				t.Fatalf("%s: %v", tr.Name, err)
			}
			if ok != wantOK {
				t.Fatalf("%s in %v with %v: TLA+ enabled %v, interpreter %v", tr.Name, s, args, ok, wantOK)
			}
			if !ok {
				continue
			}
			enabled++
			for j, f := range m.Fields {
				if w := tlaValue(want[j], f.Type); !tvEqual(got[gen.g.vars[j]], w) {
					t.Fatalf("%s in %v with %v: %s' = %v, interpreter %v", tr.Name, s, args, f.Name, got[gen.g.vars[j]], w)
				}
			}
		}
		if enabled == 0 && tr.Unreachable == "" && testing.Verbose() {
			t.Logf("%s: never enabled in %d random trials", tr.Name, trials)
		}
	}
}

// TestInitAndInvariants compares Init with the interpreter's initial state and
// every invariant with the interpreter on random states.
func TestInitAndInvariants(t *testing.T) {
	for _, path := range specFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			gen := generateSpec(t, path)
			skipCollections(t, gen)
			checkInitAndInvariants(t, gen)
		})
	}
}

func checkInitAndInvariants(t *testing.T, gen *generated) {
	t.Helper()
	m := gen.m
	defs := definitions(gen.module)
	init := m.Initial()
	for _, line := range defs["Init"][1:] {
		src := strings.TrimPrefix(strings.TrimSpace(line), `/\ `)
		e, err := parseTLA(src)
		if err != nil {
			t.Fatal(err)
		}
		env := &tlaEnv{vars: gen.tlaState(init)}
		if !e(env).(bool) {
			t.Errorf("Init conjunct %q is false in the interpreter's initial state", src)
		}
	}
	if got, want := len(defs["Init"])-1, len(m.Fields); got != want {
		t.Errorf("Init has %d conjuncts for %d fields", got, want)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i, inv := range m.Invariants {
		e, err := parseTLA(strings.Join(defs[gen.g.invs[i]][1:], " "))
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 300; k++ {
			s := make(model.State, len(m.Fields))
			for j, f := range m.Fields {
				s[j] = randomValue(r, f.Type, f.Max)
			}
			want := true
			for _, other := range m.Invariants {
				if other != inv {
					continue
				}
			}
			single := &model.Machine{Invariants: []*model.Invariant{inv}}
			want = single.CheckInvariants(s) == nil
			if got := e(&tlaEnv{vars: gen.tlaState(s)}).(bool); got != want {
				t.Fatalf("invariant %s in %v: TLA+ %v, interpreter %v", inv.Name, s, got, want)
			}
		}
	}
}

// ---- encoding details on small specs ----

const encodingSpec = `
machine: Enc
enums:
  Phase: [A, B, Done]
  Mode: [Off, On]
ids: [Key]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, max: 5, initial: 0}
  m: {type: uint, initial: 3}
  o: {type: option<uint>, max: 4, initial: none}
  k: {type: option<Key>, initial: none}
  last: {type: Key}
  mode: {type: Mode, initial: "Off"}
  flag: {type: bool, initial: false}
phase: phase
terminal: [Done]
inputs:
  Bump: {by: uint}
  Drop: {by: uint}
  Set: {key: Key, mode: Mode}
  Wrap: {v: option<uint>}
  Finish: {}
transitions:
  - name: Bump
    on: Bump
    from: all
    do:
      - n := n + arg.by
      - m := n + n
      - if n > 2 then mode := On else flag := true
  - name: Drop
    on: Drop
    from: [A]
    to: B
    guards:
      - room: m - arg.by > 0 || flag
    do:
      - m := m - arg.by
    emit:
      - Dropped: {left: m - 1}
  - name: Set
    on: Set
    from: [A, B]
    do:
      - if arg.mode == On then k := some(arg.key)
      - last := arg.key
      - mode := arg.mode
  - name: Wrap
    on: Wrap
    from: [B]
    do:
      - o := arg.v
      - "o := if unwrap_or(o, 0) > 1 then some(unwrap_or(o, 0) + 2) else o"
  - name: Finish
    on: Finish
    from: [A, B]
    to: Done
effects:
  Dropped: {left: uint}
invariants:
  n_small: n <= 5
  o_small: unwrap_or(o, 0) <= 4
  m_defined: m - 1 < 100 || m == 0
profiles:
  ci:
    bounds: {m: 6, o: 3}
    domains:
      Key: [k1, "k\"2"]
      uint: [0, 1, 2]
      Wrap.v: [1, 3]
  only_bump:
    domains:
      Key: [k1]
    inputs: [Bump, Finish]
`

func TestEncodingDetails(t *testing.T) {
	gen := generateMachine(t, parseSpec(t, encodingSpec))
	mod := gen.module
	for _, want := range []string{
		// Sequential updates: the second and third statements read n's new value.
		`Bump(arg_by) ==`,
		`    LET n_1 == n + arg_by`,
		`    IN  /\ phase \in {"A", "B"}`,
		`        /\ n_1 <= 5  \* no bound error`,
		`        /\ n' = n_1`,
		`        /\ m' = n_1 + n_1`,
		`        cond == n_1 > 2`,
		`        /\ mode' = IF cond THEN "On" ELSE mode`,
		`        /\ flag' = IF cond THEN flag ELSE TRUE`,
		// Subtraction below zero disables, in guards (under ||), updates and effects.
		`    /\ arg_by <= m  \* defined: room`,
		// An invariant that raises a bound error is violated.
		`    1 <= m /\ (m - 1 < 100 \/ m = 0)`,
		`    /\ m - arg_by > 0 \/ flag  \* room`,
		`        /\ 1 <= m_1  \* no bound error in effect Dropped.left`,
		// Options: max on the inner value; a parameter's own domain.
		`    /\ UnwrapOr(arg_v, 0) <= 4  \* no bound error`,
		`    /\ o' = IF UnwrapOr(arg_v, 0) > 1 THEN Some(UnwrapOr(arg_v, 0) + 2) ELSE arg_v`,
		`    \/ \E arg_v \in OptionOf(Dom_Wrap_v) : Wrap(arg_v)`,
		`    \/ \E arg_key \in Dom_Key, arg_mode \in Mode : Set(arg_key, arg_mode)`,
		// Terminal stutter.
		`    /\ phase = "Done"`,
		`    \/ Terminated`,
		// Profiles: constraint with the option's inner value, a filtered Next.
		`Constraint_ci ==`,
		`    /\ UnwrapOr(o, 0) <= 3`,
		`Next_only_bump ==`,
		`    /\ last = ""`,
	} {
		if !strings.Contains(mod, want+"\n") {
			t.Errorf("module lacks the line\n%s", want)
		}
	}
	defs := definitions(mod)
	if body := strings.Join(defs["Next_only_bump"], "\n"); strings.Contains(body, "Set(") || !strings.Contains(body, "Bump(") {
		t.Errorf("Next_only_bump should fire Bump and Finish only:\n%s", body)
	}
	ci := gen.cfgs["ci"]
	for _, want := range []string{
		`    Dom_Key = {"k1", "k\"2"}`,
		`    Dom_uint = {0, 1, 2}`,
		`    Dom_Wrap_v = {1, 3}`,
		"NEXT Next",
		"CONSTRAINT Constraint_ci",
	} {
		if !strings.Contains(ci, want+"\n") {
			t.Errorf("ci cfg lacks %q:\n%s", want, ci)
		}
	}
	only := gen.cfgs["only_bump"]
	if !strings.Contains(only, "NEXT Next_only_bump\n") || strings.Contains(only, "CONSTRAINT") {
		t.Errorf("only_bump cfg: want NEXT Next_only_bump and no CONSTRAINT:\n%s", only)
	}
	if !strings.Contains(only, "    Dom_Wrap_v = {0, 1}\n") {
		t.Errorf("only_bump cfg: Dom_Wrap_v falls back to the uint domain:\n%s", only)
	}
	checkActions(t, gen, 3000)
	checkInitAndInvariants(t, gen)
}

func TestNameClashes(t *testing.T) {
	m := parseSpec(t, `
machine: Clash
enums:
  Phase: [Init, Next]
fields:
  phase: {type: Phase, initial: Init}
  v: {type: uint, initial: 0}
  Nat: {type: bool, initial: false}
  TypeOK: {type: bool, initial: false}
phase: phase
inputs:
  Go: {x: uint}
transitions:
  - name: Spec
    on: Go
    from: [Init]
    to: Next
    do:
      - v := v + arg.x
      - Nat := true
invariants:
  vars: v <= 10
profiles:
  ci: {}
`)
	gen := generateMachine(t, m)
	g := gen.g
	if got := strings.Join(g.vars, " "); got != "phase v Nat_ TypeOK_" {
		t.Errorf("variables %q", got)
	}
	if g.actions[0] != "Spec_" || g.invs[0] != "vars_" || g.enumSet[m.Enums[0]] != "Phase" {
		t.Errorf("action %s, invariant %s, enum set %s", g.actions[0], g.invs[0], g.enumSet[m.Enums[0]])
	}
	if !strings.Contains(gen.module, "Spec_(arg_x) ==\n") || !strings.Contains(gen.cfgs["ci"], "    vars_\n") {
		t.Errorf("renamed names not used:\n%s", gen.module)
	}
	checkActions(t, gen, 200)
	checkInitAndInvariants(t, gen)
}

func TestErrors(t *testing.T) {
	big := parseSpec(t, `
machine: Big
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, initial: 0}
phase: phase
inputs:
  Go: {}
transitions:
  - name: Go
    on: Go
    from: [A]
    guards:
      - small: n < 3000000000
`)
	if _, err := Generate(big, Options{}); err == nil || !strings.Contains(err.Error(), "2^31-1") {
		t.Errorf("a literal above 2^31-1: error %v", err)
	}
	noDomain := parseSpec(t, `
machine: NoDom
enums:
  Phase: [A]
ids: [Key]
fields:
  phase: {type: Phase, initial: A}
  k: {type: option<Key>, initial: none}
phase: phase
inputs:
  Set: {key: Key}
transitions:
  - name: Set
    on: Set
    from: [A]
    do:
      - k := some(arg.key)
profiles:
  ci: {}
  quiet:
    exclude: [Set]
`)
	_, err := Generate(noDomain, Options{})
	if err == nil || !strings.Contains(err.Error(), "no domain") {
		t.Errorf("an id parameter without a domain: error %v", err)
	}
	noDomain.Profiles = noDomain.Profiles[1:] // only the profile that does not fire Set
	files, err := Generate(noDomain, Options{})
	if err != nil {
		t.Fatalf("a profile that does not fire the input: %v", err)
	}
	if cfg := string(files[1].Data); !strings.Contains(cfg, "    Dom_Key = {}\n") {
		t.Errorf("unfired input's id domain should be empty:\n%s", cfg)
	}
}

func TestTLAString(t *testing.T) {
	for in, want := range map[string]string{"a": `"a"`, `q"x`: `"q\"x"`, `b\s`: `"b\\s"`, "": `""`} {
		if got, err := tlaString(in); err != nil || got != want {
			t.Errorf("tlaString(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := tlaString("é"); err == nil {
		t.Error("non-ASCII identifier accepted")
	}
}
