package gocode

import (
	"errors"
	"fmt"
	"go/token"
	"sort"

	"github.com/meerkat-go/dslmachine/model"
)

// The naming table: every identifier the generated package declares or
// refers to, by Go scope. Check reports each clash in it; the generator takes
// its spec-derived names from the functions below, so the two cannot drift
// (TestNamingTableCoversGeneratedCode checks every identifier declared in
// generated code against the table).

// Fixed names of the generated package block.
var (
	// generatedPackageNames are the package-level identifiers every generated package
	// declares, exported and unexported.
	generatedPackageNames = []string{
		"ErrRejected", "ErrBound", "ErrInvariant", "ErrUnknownInput", "ErrInvalidState", "ErrInvalidInput",
		"GuardRejectedError", "NoTransitionError", "BoundError", "InvariantError", "InvalidStateError", "InvalidInputError",
		"Option", "Some", "None", "State", "Initial", "Input", "DecodeInput",
		"EffectKind", "Effect", "Effects", "Step", "Transitions", "TransitionInfo",
		"GuardNames", "InvariantNames", "InputNames", "EnabledTransitions",
		"add", "sub", "mul", "b2u", "inputEnvelope", "decodeArgs", "effectKindNames", "guardSites", "guardRejections",
		"inputNames", "noTransitions", "boundErrors", "invariantErrors", "invalidFields", "invalidParams", "stateJSON",
		"MigrateFromJSON", "migrateEnum",
	}
	// importNames are the names of the packages generated code imports.
	importNames = []string{"bits", "bytes", "errors", "fmt", "iter", "json", "strconv"}
	// predeclaredNames are the predeclared identifiers generated code uses.
	predeclaredNames = []string{
		"any", "bool", "byte", "comparable", "error", "false", "int", "iota", "len", "max", "min", "nil", "string", "true", "uint64", "uint8",
	}
	// stateMethods are the methods of State (besides step<Input> and
	// fire<Transition>, which are unexported and derived from spec names).
	stateMethods = []string{"Apply", "CheckInvariants", "UnmarshalJSON", "Validate", "apply", "badEnum", "checkTypes"}
	// inputMethods are the methods of every input struct.
	inputMethods = []string{"InputName", "MarshalJSON", "isInput"}
	// enumMethods are the methods of every enum type.
	enumMethods = []string{"MarshalText", "String", "UnmarshalText"}
	// effectMembers are the fields and methods of Effect (besides As<Effect>).
	effectMembers = []string{"Kind", "MarshalJSON", "Payload", "s", "u"}
)

// Spec-derived names. The generator uses these and nothing else.

func enumType(e *model.Enum) string          { return TypeName(e.Name) }
func enumConst(e *model.Enum, i int) string  { return enumType(e) + TypeName(e.Values[i]) }
func enumValuesFunc(e *model.Enum) string    { return enumType(e) + "Values" }
func enumNamesVar(e *model.Enum) string      { return unexported(enumType(e)) + "Names" }
func idType(id *model.IDType) string         { return TypeName(id.Name) }
func inputType(in *model.Input) string       { return TypeName(in.Name) }
func inputArgsType(in *model.Input) string   { return unexported(inputType(in)) + "Args" }
func stepMethod(in *model.Input) string      { return "step" + inputType(in) }
func fireMethod(t *model.Transition) string  { return "fire" + t.Name }
func effectType(e *model.Effect) string      { return TypeName(e.Name) }
func effectKindConst(e *model.Effect) string { return "EffectKind" + effectType(e) }
func effectAsMethod(e *model.Effect) string  { return "As" + effectType(e) }
func fieldName(f *model.Field) string        { return GoName(f.Name) }
func paramName(p *model.Param) string        { return GoName(p.Name) }

// A name is one identifier in one Go scope of the generated package.
type name struct {
	id   string
	what string    // what declares it, for messages
	spec bool      // derived from a spec name (else generated or predeclared)
	pos  model.Pos // the spec name's position
}

// nameTable holds the identifiers of each Go scope of a generated package:
// "" is the package block, "T." the fields and methods of type T.
type nameTable map[string][]name

func (nt nameTable) fixed(scope, what string, ids ...string) {
	for _, id := range ids {
		nt[scope] = append(nt[scope], name{id: id, what: fmt.Sprintf(what, id)})
	}
}

func (nt nameTable) spec(scope, id, what string, pos model.Pos) {
	nt[scope] = append(nt[scope], name{id: id, what: what, spec: true, pos: pos})
}

// names builds the naming table of the package generated for m.
func names(m *model.Machine) nameTable {
	nt := nameTable{}
	nt.fixed("", "the generated identifier %s", generatedPackageNames...)
	nt.fixed("", "the imported package %s", importNames...)
	nt.fixed("", "the predeclared identifier %s", predeclaredNames...)
	nt.fixed("State.", "the generated method State.%s", stateMethods...)
	nt.fixed("Effect.", "the generated member Effect.%s", effectMembers...)
	for _, e := range m.Enums {
		what := fmt.Sprintf("enum %q", e.Name)
		nt.spec("", enumType(e), what, e.Pos)
		nt.spec("", enumValuesFunc(e), what+" (its function "+enumValuesFunc(e)+")", e.Pos)
		nt.spec("", enumNamesVar(e), what+" (its table "+enumNamesVar(e)+")", e.Pos)
		nt.fixed(enumType(e)+".", "the generated method %s", enumMethods...)
		for i, v := range e.Values {
			nt.spec("", enumConst(e, i), fmt.Sprintf("value %q of enum %q", v, e.Name), e.ValuePos[i])
		}
	}
	for _, id := range m.IDs {
		nt.spec("", idType(id), fmt.Sprintf("id type %q", id.Name), id.Pos)
	}
	for _, f := range m.Fields {
		nt.spec("State.", fieldName(f), fmt.Sprintf("field %q", f.Name), f.Pos)
	}
	for _, t := range collectionTypes(m) {
		n := collTypeName(t)
		nt.fixed("", "the generated type %s of "+t.String(), n)
		nt.fixed(n+".", "the generated member "+n+".%s", collMethods...)
	}
	for _, in := range m.Inputs {
		what := fmt.Sprintf("input %q", in.Name)
		nt.spec("", inputType(in), what, in.Pos)
		nt.spec("", inputArgsType(in), what+" (its type "+inputArgsType(in)+")", in.Pos)
		nt.spec("State.", stepMethod(in), what+" (its method State."+stepMethod(in)+")", in.Pos)
		scope := inputType(in) + "."
		nt.fixed(scope, "the generated method "+inputType(in)+".%s", inputMethods...)
		for _, p := range in.Params {
			nt.spec(scope, paramName(p), fmt.Sprintf("parameter %q of input %q", p.Name, in.Name), p.Pos)
		}
	}
	for _, e := range m.Effects {
		what := fmt.Sprintf("effect %q", e.Name)
		nt.spec("", effectType(e), what, e.Pos)
		nt.spec("", effectKindConst(e), what+" (its kind "+effectKindConst(e)+")", e.Pos)
		nt.spec("Effect.", effectAsMethod(e), what+" (its method Effect."+effectAsMethod(e)+")", e.Pos)
		for _, p := range e.Fields {
			nt.spec(effectType(e)+".", paramName(p), fmt.Sprintf("field %q of effect %q", p.Name, e.Name), p.Pos)
		}
	}
	for _, t := range m.Transitions {
		nt.spec("State.", fireMethod(t), fmt.Sprintf("transition %q (its method State.%s)", t.Name, fireMethod(t)), t.Pos)
	}
	return nt
}

// Check reports every spec name that the Go generator cannot turn into a
// distinct, legal identifier, and an unusable package name: two names that
// become the same Go identifier in one scope (the package block, or the
// fields and methods of one type), a name that becomes an identifier the
// generated package declares, imports or needs from the universe, and a
// package name that is not a Go identifier or is main. Each error is at the
// spec name (the later of two clashing names) and names the other.
func Check(m *model.Machine) model.ErrorList {
	var errs model.ErrorList
	if err := checkPackage(m.Package); err != nil {
		msg := err.Error()
		if m.PackagePos == m.NamePos {
			msg += " (the machine name in lower case: add a package key)"
		}
		errs = append(errs, &model.Error{Pos: m.PackagePos, Msg: msg})
	}
	nt := names(m)
	for scope, list := range nt {
		byID := map[string][]name{}
		for _, n := range list {
			byID[n.id] = append(byID[n.id], n)
		}
		for id, group := range byID {
			if len(group) < 2 {
				continue
			}
			// Generated names first, then spec names in source order.
			sort.SliceStable(group, func(i, j int) bool {
				if group[i].spec != group[j].spec {
					return !group[i].spec
				}
				return posLess(group[i].pos, group[j].pos)
			})
			first := group[0]
			for _, n := range group[1:] {
				if !n.spec {
					// Two generated names clash only when two spec names
					// already became one type (Push and push), which is
					// reported at the spec name.
					continue
				}
				where := "the Go identifier " + id
				if scope != "" {
					where = "the Go member " + scope + id
				}
				other := first.what
				if first.spec {
					other = fmt.Sprintf("%s (at %s)", first.what, first.pos)
				}
				errs = append(errs, &model.Error{Pos: n.pos, Msg: fmt.Sprintf("%s becomes %s, which clashes with %s", n.what, where, other)})
			}
		}
	}
	errs.Sort()
	return errs
}

func posLess(p, q model.Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Column < q.Column
}

// ErrPackageName matches the error for a package name Generate cannot use.
var ErrPackageName = errors.New("invalid package name")

// CheckPackage reports whether name can be the package name of generated
// code: a Go identifier (not a keyword, not _) other than main (the
// generated package is a library, without a main function). The error
// matches ErrPackageName.
func CheckPackage(name string) error { return checkPackage(name) }

func checkPackage(name string) error {
	switch {
	case !token.IsIdentifier(name):
		if token.IsKeyword(name) {
			return fmt.Errorf("%w %q: a Go keyword", ErrPackageName, name)
		}
		return fmt.Errorf("%w %q: not a Go identifier", ErrPackageName, name)
	case name == "_":
		return fmt.Errorf("%w %q: the blank identifier", ErrPackageName, name)
	case name == "main":
		return fmt.Errorf("%w %q: the generated package is a library without a main function", ErrPackageName, name)
	}
	return nil
}

// ReservedNames returns, by Go scope, the identifiers that generated code
// declares, imports or uses from the universe and that spec names must not
// become: "package" (the package block), "State", "Effect", "input" (every
// input struct) and "enum" (every enum type). Docs are tested against it.
func ReservedNames() map[string][]string {
	cp := func(s ...[]string) []string {
		var out []string
		for _, l := range s {
			out = append(out, l...)
		}
		return out
	}
	return map[string][]string{
		"package": cp(generatedPackageNames, importNames, predeclaredNames),
		"State":   cp(stateMethods),
		"Effect":  cp(effectMembers),
		"input":   cp(inputMethods),
		"enum":    cp(enumMethods),
	}
}
