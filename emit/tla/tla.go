// Package tla renders a model.Machine as a TLA+ module for TLC, with one TLC
// configuration per model-checking profile.
//
// The module uses only the standard module Naturals. Each transition becomes
// an action whose parameters are the input's arguments; Next is the
// disjunction of every action, each parameter quantified over its finite
// domain; a terminal phase stutters. The domains are CONSTANTS that each
// profile's configuration assigns; a profile's field bounds become its
// CONSTRAINT, and a profile that fires only some inputs gets its own next-state
// relation. docs/DSL.md ("TLA+ encoding") describes the encoding.
package tla

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/meerkat-go/dslmachine/model"
)

// Options controls generation.
type Options struct {
	// Source is the spec file name written in the headers (its base name is used).
	Source string
}

// File is one generated file.
type File struct {
	// Name is the file name, without a directory.
	Name string
	// Data is the file's content.
	Data []byte
}

// ModuleName returns the name of the TLA+ module for a machine: the machine's
// name, unless that is a TLA+ keyword, a standard module (Naturals, TLC, ...)
// or one of their operators, an operator every generated module defines, or
// starts with WF_ or SF_; then it is renamed as every generated identifier
// is (see docs/DSL.md, "TLA+ encoding"): X_ in front of a fairness prefix,
// then underscores appended until the name is free (Naturals -> Naturals_).
func ModuleName(m *model.Machine) string { return newNamer().name(m.Name) }

// ModuleFileName returns the name of the TLA+ module file for a machine:
// ModuleName with .tla appended, as TLC requires.
func ModuleFileName(m *model.Machine) string { return ModuleName(m) + ".tla" }

// ConfigFileName returns the name of the TLC configuration for a profile.
func ConfigFileName(m *model.Machine, p *model.Profile) string {
	return ModuleName(m) + "_" + p.Name + ".cfg"
}

// Generate renders the TLA+ module and one TLC configuration per profile, in
// that order (profiles in spec order). The output is deterministic.
func Generate(m *model.Machine, opt Options) ([]File, error) {
	g := &generator{m: m, names: newNamer()}
	g.src = filepath.Base(opt.Source)
	if g.src == "" || g.src == "." {
		g.src = m.Name
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	g.allocate()
	if err := g.collDomains(); err != nil {
		return nil, err
	}
	files := []File{{Name: ModuleFileName(m), Data: []byte(g.module())}}
	for _, p := range m.Profiles {
		cfg, err := g.config(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Pos, err)
		}
		files = append(files, File{Name: ConfigFileName(m, p), Data: []byte(cfg)})
	}
	return files, nil
}

// Check reports what Generate would reject (integers above what TLC can
// represent, an id parameter without a domain, an identifier TLA+ strings
// cannot hold), as a file:line:col error; nil means Generate succeeds.
// dslgen validate runs it, so that a spec it accepts is one every command
// accepts.
func Check(m *model.Machine) error {
	_, err := Generate(m, Options{})
	return err
}

// domain is a CONSTANT holding the finite domain of some input parameters.
type domain struct {
	name  string
	id    *model.IDType // a per-id-type domain
	uint  bool          // the uint domain
	input *model.Input  // a per-parameter domain (with param)
	param *model.Param
}

type generator struct {
	m       *model.Machine
	src     string
	modName string // the module name, ModuleName(m)
	names   *namer
	vars    []string // by field index
	enumSet map[*model.Enum]string
	actions []string // by transition index
	invs    []string // by invariant index
	doms    []*domain
	domOf   map[*model.Param]*domain
	idDom   map[*model.IDType]*domain
	uintDom *domain
	// constraint and nextOf name each profile's CONSTRAINT and next-state relation.
	constraint map[*model.Profile]string
	nextOf     map[*model.Profile]string
	// props names the liveness properties; fair the action of each
	// fairness declaration; fairSpec the specification with fairness, and
	// fairSpecOf / fairOf the same for a profile that leaves inputs out.
	props      []string
	fair       []string
	fairSpec   string
	fairSpecOf map[*model.Profile]string
	fairOf     map[*model.Profile][]string
	// collDefs holds, per domain of a set or map parameter, the definition
	// of its values in each profile (in spec order), which the profile's
	// configuration substitutes for the constant (TLC configurations hold
	// no functions).
	collDefs map[*domain][]collDef
	b        strings.Builder
}

// collDef is the definition of a collection parameter's domain in a profile.
type collDef struct {
	name, value string
}

// check rejects what TLC cannot represent: integer literals above 2^31-1.
func (g *generator) check() error {
	var exprs []model.Expr
	for _, f := range g.m.Fields {
		exprs = append(exprs, f.Initial)
	}
	for _, t := range g.m.Transitions {
		for _, gd := range t.Guards {
			exprs = append(exprs, gd.Expr)
		}
		var stmts func(model.Stmt)
		stmts = func(st model.Stmt) {
			switch st := st.(type) {
			case *model.Assign:
				exprs = append(exprs, st.Value)
			case *model.IfStmt:
				exprs = append(exprs, st.Cond)
				stmts(st.Then)
				if st.Else != nil {
					stmts(st.Else)
				}
			}
		}
		for _, st := range t.Updates {
			stmts(st)
		}
		for _, em := range t.Emits {
			exprs = append(exprs, em.Args...)
		}
	}
	for _, inv := range g.m.Invariants {
		exprs = append(exprs, inv.Expr)
	}
	for _, pr := range g.m.Properties {
		if pr.From != nil {
			exprs = append(exprs, pr.From)
		}
		exprs = append(exprs, pr.To)
	}
	for _, x := range exprs {
		if n, big := bigLiteral(x); big {
			return fmt.Errorf("%s: tla: the literal %d is above 2^31-1, the largest integer TLC can represent", x.Pos(), n)
		}
	}
	for _, p := range g.m.Profiles {
		for key, vals := range p.ParamDomains {
			in, param, _ := strings.Cut(key, ".")
			if prm := g.m.Input(in).Param(param); prm.Type.IsCollection() {
				// Check the elements, keys and values instead: only a
				// map's values can be numbers.
				var es []model.Value
				for _, v := range vals {
					es = append(es, v.Elems()...)
				}
				vals = es
			}
			if err := smallValues(p, key, vals); err != nil {
				return err
			}
		}
		for key, vals := range p.TypeDomains {
			if err := smallValues(p, key, vals); err != nil {
				return err
			}
		}
	}
	return nil
}

func smallValues(p *model.Profile, key string, vals []model.Value) error {
	for _, v := range vals {
		if v.S == "" && v.N > maxTLCInt {
			return fmt.Errorf("%s: tla: profile %s, domain %s: %d is above 2^31-1, the largest integer TLC can represent", p.Pos, p.Name, key, v.N)
		}
	}
	return nil
}

// allocate names every generated identifier: variables first, then actions,
// invariants, enum sets and domain constants.
func (g *generator) allocate() {
	m := g.m
	g.modName = g.names.name(m.Name) // the same name as ModuleName
	g.vars = make([]string, len(m.Fields))
	for i, f := range m.Fields {
		g.vars[i] = g.names.name(f.Name)
	}
	g.actions = make([]string, len(m.Transitions))
	for i, t := range m.Transitions {
		g.actions[i] = g.names.name(t.Name)
	}
	g.invs = make([]string, len(m.Invariants))
	for i, inv := range m.Invariants {
		g.invs[i] = g.names.name(inv.Name)
	}
	g.enumSet = map[*model.Enum]string{}
	for _, e := range m.Enums {
		g.enumSet[e] = g.names.name(e.Name)
	}
	g.domOf = map[*model.Param]*domain{}
	g.idDom = map[*model.IDType]*domain{}
	overridden := map[string]bool{}
	for _, p := range m.Profiles {
		for key := range p.ParamDomains {
			overridden[key] = true
		}
	}
	for _, in := range m.Inputs {
		if len(m.Candidates(in)) == 0 {
			continue
		}
		for _, p := range in.Params {
			base := p.Type
			if base.Kind == model.KindOption {
				base = base.Elem
			}
			switch {
			case overridden[in.Name+"."+p.Name] || p.Type.IsCollection():
				d := &domain{input: in, param: p}
				g.doms = append(g.doms, d)
				g.domOf[p] = d
			case base.Kind == model.KindID:
				if g.idDom[base.ID] == nil {
					d := &domain{id: base.ID}
					g.idDom[base.ID] = d
					g.doms = append(g.doms, d)
				}
				g.domOf[p] = g.idDom[base.ID]
			case base.Kind == model.KindUint:
				if g.uintDom == nil {
					g.uintDom = &domain{uint: true}
					g.doms = append(g.doms, g.uintDom)
				}
				g.domOf[p] = g.uintDom
			}
		}
	}
	// Type domains first (ids in spec order, then uint), then per-parameter ones.
	rank := func(d *domain) int {
		switch {
		case d.id != nil:
			for i, id := range m.IDs {
				if id == d.id {
					return i
				}
			}
		case d.uint:
			return len(m.IDs)
		}
		return len(m.IDs) + 1
	}
	sort.SliceStable(g.doms, func(i, j int) bool { return rank(g.doms[i]) < rank(g.doms[j]) })
	for _, d := range g.doms {
		switch {
		case d.id != nil:
			d.name = g.names.name("Dom_" + d.id.Name)
		case d.uint:
			d.name = g.names.name("Dom_uint")
		default:
			d.name = g.names.name("Dom_" + d.input.Name + "_" + d.param.Name)
		}
	}
	g.constraint = map[*model.Profile]string{}
	g.nextOf = map[*model.Profile]string{}
	for _, p := range m.Profiles {
		g.constraint[p] = g.names.name("Constraint_" + p.Name)
		g.nextOf[p] = g.names.name("Next_" + p.Name)
	}
	if !g.temporal() {
		return
	}
	g.props = make([]string, len(m.Properties))
	for i, pr := range m.Properties {
		g.props[i] = g.names.name(pr.Name)
	}
	g.fair = make([]string, len(m.Fairness))
	for i, f := range m.Fairness {
		g.fair[i] = g.names.name("Fair_" + f.Name)
	}
	g.fairSpec = g.names.name("FairSpec")
	g.fairSpecOf = map[*model.Profile]string{}
	g.fairOf = map[*model.Profile][]string{}
	for _, p := range m.Profiles {
		if g.firesAll(p) {
			continue
		}
		g.fairSpecOf[p] = g.names.name("FairSpec_" + p.Name)
		names := make([]string, len(m.Fairness))
		for i, f := range m.Fairness {
			names[i] = g.names.name("Fair_" + f.Name + "_" + p.Name)
		}
		g.fairOf[p] = names
	}
}

// propIndex returns the index of a liveness property.
func (g *generator) propIndex(pr *model.Property) int {
	for i, x := range g.m.Properties {
		if x == pr {
			return i
		}
	}
	return -1
}

// temporal reports whether the spec has liveness properties: then the
// module defines the fairness and the properties, and every configuration
// checks the properties under SPECIFICATION FairSpec.
func (g *generator) temporal() bool { return len(g.m.Properties) > 0 }

// fairDisjuncts returns the disjuncts of a fairness declaration's action,
// over the transitions whose input fires.
func (g *generator) fairDisjuncts(f *model.Fairness, fires func(*model.Input) bool) []string {
	var out []string
	for _, t := range f.Transitions {
		if fires(t.Input) {
			out = append(out, g.disjunct(t))
		}
	}
	return out
}

// fairSpecLines writes a specification with fairness: Init, the next-state
// relation, and WF_vars or SF_vars of each fairness action that has a
// transition the profile fires.
func (g *generator) fairSpecLines(name, next string, actions []string, fires func(*model.Input) bool) {
	g.line("%s ==", name)
	g.line(`    /\ Init /\ [][%s]_vars`, next)
	for i, f := range g.m.Fairness {
		if len(g.fairDisjuncts(f, fires)) == 0 {
			continue
		}
		op := "WF"
		if f.Kind == model.Strong {
			op = "SF"
		}
		g.line(`    /\ %s_vars(%s)`, op, actions[i])
	}
	g.line("")
}

// fairActions writes one operator per fairness declaration (those with a
// transition that fires).
func (g *generator) fairActions(names []string, fires func(*model.Input) bool) {
	for i, f := range g.m.Fairness {
		ds := g.fairDisjuncts(f, fires)
		if len(ds) == 0 {
			continue
		}
		g.line(`\* %s fairness of %s.`, f.Kind, f.Name)
		g.line("%s ==", names[i])
		for _, d := range ds {
			g.line(`    \/ %s`, d)
		}
		g.line("")
	}
}

// liveness writes the fairness actions, FairSpec and the properties.
func (g *generator) liveness() {
	if !g.temporal() {
		return
	}
	all := func(*model.Input) bool { return true }
	g.line(`\* ---- liveness ----`)
	g.line("")
	g.fairActions(g.fair, all)
	g.line(`\* Spec with the fairness of the spec's fairness section.`)
	g.fairSpecLines(g.fairSpec, "Next", g.fair, all)
	c := &scope{g: g, env: g.identity()}
	for i, pr := range g.m.Properties {
		if pr.Doc != "" {
			g.comment("", pr.Doc)
		}
		// A predicate whose evaluation raises a bound error is false, as
		// model.Holds has it: its definedness conditions come first.
		pred := func(x model.Expr) string { return conj(append(c.wd(x), c.expr(x))).s }
		g.line("%s ==", g.props[i])
		if pr.From == nil {
			g.line(`    []<>(%s)`, pred(pr.To))
		} else {
			g.line(`    (%s) ~> (%s)`, pred(pr.From), pred(pr.To))
		}
		g.line("")
	}
}

func (g *generator) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

// comment writes text as \* comment lines wrapped at about 76 columns.
func (g *generator) comment(indent, text string) {
	for _, l := range wrap(text, 76-len(indent)) {
		if l == "" {
			g.line(`%s\*`, indent)
		} else {
			g.line(`%s\* %s`, indent, l)
		}
	}
}

func wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		cur := words[0]
		for _, w := range words[1:] {
			if len(cur)+1+len(w) > width {
				out = append(out, cur)
				cur = w
			} else {
				cur += " " + w
			}
		}
		out = append(out, cur)
	}
	return out
}

func (g *generator) module() string {
	m := g.m
	title := " MODULE " + g.modName + " "
	dashes := max(4, (77-len(title))/2)
	g.line("%s%s%s", strings.Repeat("-", dashes), title, strings.Repeat("-", dashes))
	g.line(`\* Generated by dslgen tla from %s. DO NOT EDIT.`, g.src)
	g.line(`\*`)
	if m.Doc != "" {
		g.comment("", m.Doc)
		g.line(`\*`)
	}
	g.comment("", "Every transition is an action; Next is their disjunction with each input parameter ranging over its profile's finite domain (the CONSTANTS below, which each "+g.modName+"_<profile>.cfg assigns). Enum values are strings, options are tuples (none = <<>>, some(v) = <<v>>), identifiers are strings. A bound error (a field's max, a subtraction below zero) disables the transition. Effects are not modelled. See docs/DSL.md, \"TLA+ encoding\".")
	g.line("")
	ext := "EXTENDS Naturals"
	if hasCollections(m) {
		ext += ", FiniteSets"
	}
	for _, p := range m.Profiles {
		if p.Depth > 0 {
			ext += ", TLC" // TLCGet("level") bounds the depth
			break
		}
	}
	g.line("%s", ext)
	g.line("")
	g.options()
	if hasCollections(m) {
		g.collectionHelpers()
	}
	if len(g.doms) > 0 {
		g.line("CONSTANTS")
		for i, d := range g.doms {
			sep := ","
			if i == len(g.doms)-1 {
				sep = ""
			}
			g.line(`    %s%s %s`, d.name, sep, `\* `+g.domDoc(d))
		}
		g.line("")
	}
	g.collDomainDefs()
	g.line("VARIABLES")
	for i, f := range m.Fields {
		sep := ","
		if i == len(m.Fields)-1 {
			sep = ""
		}
		if doc := oneLine(f.Doc); doc != "" {
			g.line(`    %s%s \* %s: %s`, g.vars[i], sep, f.Type, doc)
		} else {
			g.line(`    %s%s \* %s`, g.vars[i], sep, f.Type)
		}
	}
	g.line("")
	g.line("%s", tuple("vars == ", g.vars, ""))
	g.line("")
	g.helpers()
	g.typeOK()
	g.init()
	for _, t := range m.Transitions {
		g.action(t)
	}
	g.next()
	g.invariants()
	g.liveness()
	g.profiles()
	g.line("%s", strings.Repeat("=", 77))
	return g.b.String()
}

func (g *generator) domDoc(d *domain) string {
	switch {
	case d.id != nil:
		return "the " + d.id.Name + " values"
	case d.uint:
		return "the values of uint parameters without a domain of their own"
	}
	t := d.param.Type
	if t.Kind == model.KindOption {
		return fmt.Sprintf("the values v of some(v) for %s.%s (%s)", d.input.Name, d.param.Name, t)
	}
	return fmt.Sprintf("the values of %s.%s (%s)", d.input.Name, d.param.Name, t)
}

// options defines the option helpers. They come before the CONSTANTS and
// VARIABLES, so that their parameter names cannot clash with a field's.
func (g *generator) options() {
	g.line(`\* An option<T> value is a tuple: none is <<>>, some(v) is <<v>>.`)
	g.line("None == <<>>")
	g.line("Some(v) == <<v>>")
	g.line("UnwrapOr(o, d) == IF o = None THEN d ELSE o[1]")
	g.line("OptionOf(S) == {None} \\cup {Some(x) : x \\in S}")
	g.line("IsOptionOf(o, S) == o = None \\/ (DOMAIN o = {1} /\\ o[1] \\in S)")
	g.line("")
}

func (g *generator) helpers() {
	g.line(`\* ---- enum values ----`)
	g.line("")
	for _, e := range g.m.Enums {
		quoted := make([]string, len(e.Values))
		for i, v := range e.Values {
			quoted[i] = `"` + v + `"`
		}
		g.line("%s == {%s}", g.enumSet[e], strings.Join(quoted, ", "))
	}
	if len(g.m.Enums) > 0 {
		g.line("")
	}
}

// typeSet renders the set of a type's values for TypeOK (ids: STRING).
func (g *generator) typeSet(t *model.Type) string {
	switch t.Kind {
	case model.KindBool:
		return "BOOLEAN"
	case model.KindUint:
		return "Nat"
	case model.KindEnum:
		return g.enumSet[t.Enum]
	case model.KindID:
		return "STRING"
	}
	return "{}"
}

func (g *generator) typeOK() {
	g.line(`\* Every variable holds a value of its DSL type.`)
	g.line("TypeOK ==")
	for i, f := range g.m.Fields {
		if f.Type.IsCollection() {
			for _, l := range g.collTypeOK(g.vars[i], f.Type) {
				g.line(`    /\ %s`, l)
			}
			continue
		}
		if f.Type.Kind == model.KindOption {
			g.line(`    /\ IsOptionOf(%s, %s)`, g.vars[i], g.typeSet(f.Type.Elem))
		} else {
			g.line(`    /\ %s \in %s`, g.vars[i], g.typeSet(f.Type))
		}
	}
	g.line("")
}

func (g *generator) identity() []val {
	env := make([]val, len(g.m.Fields))
	for i := range env {
		env[i] = atom(g.vars[i])
	}
	return env
}

func (g *generator) init() {
	c := &scope{g: g, env: g.identity()}
	g.line("Init ==")
	for i, f := range g.m.Fields {
		v := atom(`""`) // a non-optional id starts as the empty identifier
		if f.Initial != nil {
			v = c.expr(f.Initial)
		}
		g.line(`    /\ %s = %s`, g.vars[i], v.rhs())
	}
	g.line("")
}

func (g *generator) phaseSet(phases []int) string {
	e := g.m.PhaseEnum()
	q := make([]string, len(phases))
	for i, p := range phases {
		q[i] = `"` + e.Values[p] + `"`
	}
	return "{" + strings.Join(q, ", ") + "}"
}

func (g *generator) phaseTest(phases []int) string {
	pv := g.vars[g.m.Phase.Index]
	if len(phases) == 1 {
		return fmt.Sprintf(`%s = "%s"`, pv, g.m.PhaseEnum().Values[phases[0]])
	}
	return fmt.Sprintf(`%s \in %s`, pv, g.phaseSet(phases))
}

// argNames names the parameters of a transition's input for its action.
func (g *generator) argNames(t *model.Transition, loc *namer) map[*model.Param]string {
	args := map[*model.Param]string{}
	for _, p := range t.Input.Params {
		args[p] = loc.name("arg_" + p.Name)
	}
	return args
}

// body collects the parts of one action.
type body struct {
	*scope
	loc   *namer
	lets  []string
	conds []val
	count map[int]int
}

func (b *body) bind(prefix string, v val) val {
	name := b.loc.name(prefix)
	b.lets = append(b.lets, name+" == "+v.s)
	return atom(name)
}

func (b *body) cond(pc []val, w val) {
	b.conds = append(b.conds, implies(pc, w))
}

// stmts runs a list of update statements; after holds the fields read after
// the list (a value read again is bound to a LET name rather than repeated).
func (b *body) stmts(list []model.Stmt, pc []val, after map[int]bool) {
	for i, st := range list {
		reads := map[int]bool{}
		for k := range after {
			reads[k] = true
		}
		for _, later := range list[i+1:] {
			stmtReads(later, reads)
		}
		b.stmt(st, pc, reads)
	}
}

func (b *body) stmt(st model.Stmt, pc []val, after map[int]bool) {
	switch st := st.(type) {
	case *model.Assign:
		f := st.Field
		v := b.expr(st.Value)
		for _, w := range b.wd(st.Value) {
			b.cond(pc, w)
		}
		if v.prec < precAtom && after[f.Index] {
			b.count[f.Index]++
			v = b.bind(fmt.Sprintf("%s_%d", b.g.vars[f.Index], b.count[f.Index]), v)
		}
		if w, ok := b.maxCheck(f, st.Value, v); ok {
			b.cond(pc, w)
		}
		b.env[f.Index] = v
	case *model.IfStmt:
		c := b.expr(st.Cond)
		for _, w := range b.wd(st.Cond) {
			b.cond(pc, w)
		}
		writes := map[int]bool{}
		stmtWrites(st, writes)
		if c.prec < precAtom && len(writes) > 1 {
			c = b.bind("cond", c)
		}
		base := append([]val(nil), b.env...)
		b.stmt(st.Then, append(append([]val(nil), pc...), c), after)
		thenEnv := append([]val(nil), b.env...)
		copy(b.env, base)
		if st.Else != nil {
			b.stmt(st.Else, append(append([]val(nil), pc...), not(c)), after)
		}
		elseEnv := append([]val(nil), b.env...)
		for i := range b.env {
			if thenEnv[i].s == base[i].s && elseEnv[i].s == base[i].s {
				b.env[i] = base[i]
				continue
			}
			v := val{s: "IF " + c.s + " THEN " + thenEnv[i].s + " ELSE " + elseEnv[i].s, prec: precIf, top: "IF"}
			if after[i] {
				b.count[i]++
				v = b.bind(fmt.Sprintf("%s_%d", b.g.vars[i], b.count[i]), v)
			}
			b.env[i] = v
		}
	}
}

// maxCheck is the condition that an assigned value respects the field's max;
// ok is false when it always does (or when max is above what TLC represents,
// which no value TLC computes can exceed).
func (b *body) maxCheck(f *model.Field, x model.Expr, v val) (val, bool) {
	if f.Max == nil || *f.Max > maxTLCInt {
		return val{}, false
	}
	limit := atom(strconv.FormatUint(*f.Max, 10))
	if f.Type.Kind == model.KindOption {
		switch x := x.(type) {
		case *model.NoneLit:
			return val{}, false
		case *model.SomeExpr:
			if n, ok := x.X.(*model.IntLit); ok && n.Value <= *f.Max {
				return val{}, false
			}
		}
		return le(atom("UnwrapOr("+v.s+", 0)"), limit), true
	}
	if n, ok := x.(*model.IntLit); ok && n.Value <= *f.Max {
		return val{}, false
	}
	return le(v, limit), true
}

func (g *generator) action(t *model.Transition) {
	m := g.m
	loc := g.names.local()
	args := g.argNames(t, loc)
	b := &body{scope: &scope{g: g, env: g.identity(), args: args}, loc: loc, count: map[int]int{}}

	g.comment("", t.Doc)
	to := "stay"
	if t.To >= 0 {
		to = m.PhaseEnum().Values[t.To]
	}
	from := make([]string, len(t.From))
	for i, p := range t.From {
		from[i] = m.PhaseEnum().Values[p]
	}
	g.comment("", fmt.Sprintf("Transition %s: on %s, from [%s], to %s.", t.Name, t.Input.Name, strings.Join(from, ", "), to))
	if t.Unreachable != "" {
		g.comment("", "Expected never to fire: "+t.Unreachable)
	}
	g.declDocs(t)

	type item struct{ s, note string }
	var items []item
	items = append(items, item{g.phaseTest(t.From), ""})
	for _, gd := range t.Guards {
		for _, w := range b.wd(gd.Expr) {
			items = append(items, item{w.s, "defined: " + gd.Name})
		}
		items = append(items, item{b.expr(gd.Expr).s, gd.Name})
	}
	// Fields read after the updates: by effect arguments that can fail.
	after := map[int]bool{}
	for _, em := range t.Emits {
		for _, a := range em.Args {
			if hasSub(a) {
				fieldsRead(a, after)
			}
		}
	}
	b.stmts(t.Updates, nil, after)
	indent := "    "
	if len(b.lets) > 0 {
		indent = "        "
	}
	for _, c := range b.conds {
		items = append(items, item{c.s, "no bound error"})
	}
	post := append([]val(nil), b.env...)
	phase := m.Phase.Index
	if t.To >= 0 {
		post[phase] = atom(`"` + m.PhaseEnum().Values[t.To] + `"`)
	}
	pc := &scope{g: g, env: post, args: args}
	for _, em := range t.Emits {
		for j, a := range em.Args {
			for _, w := range pc.wd(a) {
				items = append(items, item{w.s, "no bound error in effect " + em.Effect.Name + "." + em.Effect.Fields[j].Name})
			}
		}
	}
	var unchanged []string
	for i := range m.Fields {
		if i == phase && t.To >= 0 {
			items = append(items, item{fmt.Sprintf("%s' = %s", g.vars[i], post[i].s), ""})
			continue
		}
		if b.env[i].s == g.vars[i] {
			unchanged = append(unchanged, g.vars[i])
			continue
		}
		items = append(items, item{fmt.Sprintf("%s' = %s", g.vars[i], b.env[i].rhs()), ""})
	}
	switch {
	case len(unchanged) == len(m.Fields):
		items = append(items, item{"UNCHANGED vars", ""})
	case len(unchanged) > 0:
		items = append(items, item{tuple("UNCHANGED ", unchanged, indent+"   "), ""})
	}

	head := g.actions[t.Index]
	if len(t.Input.Params) > 0 {
		names := make([]string, len(t.Input.Params))
		for i, p := range t.Input.Params {
			names[i] = args[p]
		}
		head += "(" + strings.Join(names, ", ") + ")"
	}
	g.line("%s ==", head)
	if len(b.lets) > 0 {
		for i, l := range b.lets {
			if i == 0 {
				g.line("    LET %s", l)
			} else {
				g.line("        %s", l)
			}
		}
		g.b.WriteString("    IN  ")
	}
	for i, it := range items {
		in := indent
		if i == 0 && len(b.lets) > 0 {
			in = ""
		}
		if it.note != "" {
			g.line(`%s/\ %s  \* %s`, in, it.s, it.note)
		} else {
			g.line(`%s/\ %s`, in, it.s)
		}
	}
	g.line("")
}

// paramSet renders the set a parameter ranges over in Next.
func (g *generator) paramSet(p *model.Param) string {
	if d := g.domOf[p]; d != nil {
		if p.Type.Kind == model.KindOption {
			return "OptionOf(" + d.name + ")"
		}
		return d.name
	}
	t := p.Type
	if t.Kind == model.KindOption {
		return "OptionOf(" + g.typeSet(t.Elem) + ")"
	}
	return g.typeSet(t)
}

func (g *generator) disjunct(t *model.Transition) string {
	loc := g.names.local()
	args := g.argNames(t, loc)
	if len(t.Input.Params) == 0 {
		return g.actions[t.Index]
	}
	binds := make([]string, len(t.Input.Params))
	names := make([]string, len(t.Input.Params))
	for i, p := range t.Input.Params {
		binds[i] = args[p] + ` \in ` + g.paramSet(p)
		names[i] = args[p]
	}
	return `\E ` + strings.Join(binds, ", ") + " : " + g.actions[t.Index] + "(" + strings.Join(names, ", ") + ")"
}

func (g *generator) nextRelation(name string, fires func(*model.Input) bool) {
	g.line("%s ==", name)
	for _, t := range g.m.Transitions {
		if fires(t.Input) {
			g.line(`    \/ %s`, g.disjunct(t))
		}
	}
	if len(g.m.Terminal) > 0 {
		g.line(`    \/ Terminated`)
	}
	g.line("")
}

func (g *generator) next() {
	if len(g.m.Terminal) > 0 {
		g.line(`\* A terminal phase stutters, so that TLC reports no deadlock there.`)
		g.line("Terminated ==")
		g.line(`    /\ %s`, g.phaseTest(g.m.Terminal))
		g.line(`    /\ UNCHANGED vars`)
		g.line("")
	}
	g.line(`\* Every transition, each input parameter ranging over its domain.`)
	g.nextRelation("Next", func(*model.Input) bool { return true })
	g.line(`Spec == Init /\ [][Next]_vars`)
	g.line("")
}

func (g *generator) invariants() {
	if len(g.m.Invariants) == 0 {
		return
	}
	g.line(`\* ---- invariants ----`)
	g.line("")
	c := &scope{g: g, env: g.identity()}
	for i, inv := range g.m.Invariants {
		// An invariant whose evaluation raises a bound error is violated,
		// as in the interpreter: its definedness conditions come first.
		g.line("%s ==", g.invs[i])
		g.line("    %s", conj(append(c.wd(inv.Expr), c.expr(inv.Expr))).s)
		g.line("")
	}
}

// firesAll reports whether a profile fires every input that has a transition.
func (g *generator) firesAll(p *model.Profile) bool {
	for _, t := range g.m.Transitions {
		if !p.Fires(t.Input) {
			return false
		}
	}
	return true
}

func (g *generator) boundedFields(p *model.Profile) []int {
	var out []int
	for i := range g.m.Fields {
		if b, ok := p.Bounds[i]; ok && b <= maxTLCInt {
			out = append(out, i)
		}
	}
	return out
}

func (g *generator) profiles() {
	if len(g.m.Profiles) == 0 {
		return
	}
	g.line(`\* ---- profiles ----`)
	g.line("")
	for _, p := range g.m.Profiles {
		bounded := g.boundedFields(p)
		if len(bounded) == 0 && p.Depth == 0 && g.firesAll(p) {
			continue
		}
		if p.Doc != "" {
			g.comment("", "Profile "+p.Name+": "+p.Doc)
		} else {
			g.comment("", "Profile "+p.Name+".")
		}
		if len(bounded) > 0 || p.Depth > 0 {
			g.line("%s ==", g.constraint[p])
			if p.Depth > 0 {
				// TLC's level of an initial state is 1: a state of depth d
				// has level d + 1.
				g.line(`    /\ TLCGet("level") <= %d`, p.Depth+1)
			}
			for _, i := range bounded {
				f := g.m.Fields[i]
				v := g.vars[i]
				if f.Type.Kind == model.KindMap {
					// A bound on a map of uint values bounds every value.
					e := v + "[k_]"
					if f.Type.Elem.Kind == model.KindOption {
						e = "UnwrapOr(" + e + ", 0)"
					}
					g.line(`    /\ \A k_ \in DOMAIN %s : %s <= %d`, v, e, p.Bounds[i])
					continue
				}
				if f.Type.Kind == model.KindOption {
					v = "UnwrapOr(" + v + ", 0)"
				}
				g.line(`    /\ %s <= %d`, v, p.Bounds[i])
			}
			g.line("")
		}
		if !g.firesAll(p) {
			g.nextRelation(g.nextOf[p], p.Fires)
			if g.temporal() {
				g.fairActions(g.fairOf[p], p.Fires)
				g.fairSpecLines(g.fairSpecOf[p], g.nextOf[p], g.fairOf[p], p.Fires)
			}
		}
	}
}

// domainValues returns the values a domain constant takes in a profile, with
// the type of its elements, following model.Profile.ParamDomain: a
// parameter's own domain overrides the per-type one; uint defaults to
// [0, 1]; enums and bools default to all their values. An id type without a
// domain is an error when a fired input needs it, and empty otherwise.
func (g *generator) domainValues(p *model.Profile, d *domain) ([]model.Value, *model.Type, error) {
	if d.param != nil {
		t := d.param.Type
		if t.Kind == model.KindOption {
			t = t.Elem
		}
		vals, err := p.ParamDomain(d.input, d.param)
		if err != nil {
			if !p.Fires(d.input) {
				return nil, t, nil
			}
			return nil, t, err
		}
		var out []model.Value
		for _, v := range vals {
			if d.param.Type.Kind == model.KindOption {
				if !v.Some {
					continue
				}
				v = v.Unwrap()
			}
			out = append(out, v)
		}
		return out, t, nil
	}
	if d.uint {
		if v, ok := p.TypeDomains["uint"]; ok {
			return v, model.UintType(), nil
		}
		return []model.Value{model.Uint(0), model.Uint(1)}, model.UintType(), nil
	}
	t := &model.Type{Kind: model.KindID, ID: d.id}
	if v, ok := p.TypeDomains[d.id.Name]; ok {
		return v, t, nil
	}
	for in, prm := range g.domUsers(d) {
		if p.Fires(in) {
			if _, err := p.ParamDomain(in, prm); err != nil {
				return nil, t, err
			}
		}
	}
	return nil, t, nil
}

// domUsers yields the fired-or-not parameters that range over a domain.
func (g *generator) domUsers(d *domain) func(func(*model.Input, *model.Param) bool) {
	return func(yield func(*model.Input, *model.Param) bool) {
		for _, in := range g.m.Inputs {
			for _, prm := range in.Params {
				if g.domOf[prm] == d && !yield(in, prm) {
					return
				}
			}
		}
	}
}

func renderValue(v model.Value, t *model.Type) (string, error) {
	switch t.Kind {
	case model.KindBool:
		if v.Bool() {
			return "TRUE", nil
		}
		return "FALSE", nil
	case model.KindUint:
		return strconv.FormatUint(v.N, 10), nil
	case model.KindEnum:
		return `"` + t.Enum.Values[v.N] + `"`, nil
	case model.KindID:
		return tlaString(v.S)
	case model.KindOption:
		if !v.Some {
			return "None", nil
		}
		s, err := renderValue(v.Unwrap(), t.Elem)
		return "Some(" + s + ")", err
	case model.KindSet, model.KindMap:
		return renderCollection(v, t)
	}
	return "", fmt.Errorf("tla: cannot render a value of type %s", t)
}

// tlaString quotes s as a TLA+ string literal.
func tlaString(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r > 0x7e:
			return "", fmt.Errorf("tla: identifier %q: TLA+ strings hold printable ASCII only", s)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

func (g *generator) config(p *model.Profile) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	w(`\* Generated by dslgen tla from %s, profile %s. DO NOT EDIT.`, g.src, p.Name)
	if p.Doc != "" {
		for _, l := range wrap(p.Doc, 74) {
			w(`\* %s`, l)
		}
	}
	if p.Depth > 0 {
		// With several workers TLC's level of a state is not always its
		// shortest depth, and the depth cut would keep other states.
		w(`\* Run: java -jar tla2tools.jar -config %s -workers 1 %s`, ConfigFileName(g.m, p), g.modName)
		w(`\* (one worker: the depth cut needs each state's shortest depth)`)
	} else {
		w(`\* Run: java -jar tla2tools.jar -config %s -workers auto %s`, ConfigFileName(g.m, p), g.modName)
	}
	if len(g.doms) > 0 {
		w("CONSTANTS")
		for _, d := range g.doms {
			if defs, ok := g.collDefs[d]; ok {
				w("    %s <- %s", d.name, defs[g.profileIndex(p)].name)
				continue
			}
			vals, t, err := g.domainValues(p, d)
			if err != nil {
				return "", fmt.Errorf("tla: %w", err)
			}
			seen := map[string]bool{}
			var out []string
			for _, v := range vals {
				s, err := renderValue(v, t)
				if err != nil {
					return "", err
				}
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
			w("    %s = {%s}", d.name, strings.Join(out, ", "))
		}
	}
	switch {
	case g.temporal() && g.firesAll(p):
		w("SPECIFICATION %s", g.fairSpec)
	case g.temporal():
		w("SPECIFICATION %s", g.fairSpecOf[p])
	case g.firesAll(p):
		w("INIT Init")
		w("NEXT Next")
	default:
		w("INIT Init")
		w("NEXT %s", g.nextOf[p])
	}
	if len(g.boundedFields(p)) > 0 || p.Depth > 0 {
		w("CONSTRAINT %s", g.constraint[p])
	}
	w("INVARIANTS")
	w("    TypeOK")
	for _, n := range g.invs {
		w("    %s", n)
	}
	if g.temporal() && len(g.m.Liveness(p)) > 0 {
		w("PROPERTIES")
		for _, pr := range g.m.Liveness(p) {
			w("    %s", g.props[g.propIndex(pr)])
		}
	}
	return b.String(), nil
}

// tuple renders prefix<<names>>, wrapped before 100 columns; continuation
// lines are indented by indent plus the width of prefix and "<<".
func tuple(prefix string, names []string, indent string) string {
	var b strings.Builder
	b.WriteString(prefix + "<<")
	col := len(indent) + len(prefix) + 2
	pad := strings.Repeat(" ", col)
	width := col
	for i, n := range names {
		if i > 0 {
			b.WriteString(",")
			width++
			if width+1+len(n) > 100 {
				b.WriteString("\n" + pad)
				width = col
			} else {
				b.WriteString(" ")
				width++
			}
		}
		b.WriteString(n)
		width += len(n)
	}
	b.WriteString(">>")
	return b.String()
}

// oneLine joins a doc text's lines (a TLA+ line comment ends at the line).
func oneLine(doc string) string { return strings.Join(strings.Fields(doc), " ") }

// declDocs comments an action with the docs of its input, of the input's
// parameters and of the effects it emits (effects are not modelled, so
// this is where their docs go).
func (g *generator) declDocs(t *model.Transition) {
	if d := oneLine(t.Input.Doc); d != "" {
		g.comment("", "Input "+t.Input.Name+": "+d)
	}
	for _, p := range t.Input.Params {
		if d := oneLine(p.Doc); d != "" {
			g.comment("", "Parameter "+t.Input.Name+"."+p.Name+": "+d)
		}
	}
	seen := map[*model.Effect]bool{}
	for _, em := range t.Emits {
		if seen[em.Effect] {
			continue
		}
		seen[em.Effect] = true
		if d := oneLine(em.Effect.Doc); d != "" {
			g.comment("", "Emits "+em.Effect.Name+" (not modelled): "+d)
		}
		for _, p := range em.Effect.Fields {
			if d := oneLine(p.Doc); d != "" {
				g.comment("", "Effect field "+em.Effect.Name+"."+p.Name+": "+d)
			}
		}
	}
}
