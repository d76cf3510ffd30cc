package specfuzz

import "strings"

// Hostile name pools: words a spec name may collide with somewhere in the
// pipeline. Each is a space-separated list.
const (
	goKeywords = `break case chan const continue default defer fallthrough for func go goto
		import interface map package range return select struct switch type var`
	goPredeclared = `any bool byte comparable complex64 complex128 error float32 float64 int int8
		int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr iota nil
		append cap clear close complex copy delete imag len make max min new panic print
		println real recover main init`
	// goAPI are the generated package's exported names and methods.
	goAPI = `State Initial Step Input Effect Effects EffectKind Option Some None DecodeInput
		Transitions GuardNames InvariantNames InputNames TransitionInfo GuardRejectedError
		NoTransitionError BoundError InvariantError ErrRejected ErrBound ErrInvariant
		ErrUnknownInput Apply CheckInvariants Get Or Len At All Payload String MarshalText
		UnmarshalText MarshalJSON UnmarshalJSON InputName Error Unwrap Values Kind Validate
		input_name check_invariants marshal_json is_input guard_names`
	// goHelpers are the generated package's unexported names and locals.
	goHelpers = `add sub b2u guardSites guardRejections inputNames noTransitions boundErrors
		invariantErrors inputEnvelope decodeArgs effectKindNames apply isInput list
		s in fx ovf best bestDepth e v k o a b n t err env data raw d ok phase
		kind payload u i j x`
	goImports = `bytes json errors fmt iter strconv math encoding sort strings slices unsafe`
	tlaWords  = `ASSUME ASSUMPTION AXIOM BOOLEAN CASE CHOOSE CONSTANT CONSTANTS DOMAIN ELSE
		ENABLED EXCEPT EXTENDS FALSE IF IN INSTANCE LAMBDA LET LOCAL MODULE OTHER
		STRING SUBSET THEN THEOREM TRUE UNCHANGED UNION VARIABLE VARIABLES WITH
		Naturals Integers Sequences FiniteSets TLC Nat Int Seq Len Head Tail Append
		Cardinality Print Assert Init Next Spec vars TypeOK UnwrapOr OptionOf
		IsOptionOf Terminated Constraint_ci Next_ci Dom_uint Dom_Id cond f_1 arg_x
		WF_x SF_x WF_vars SF_Next`
	diagramWords = `state note direction end class classDef style click as left right of fork
		join choice node edge graph digraph subgraph strict`
	yamlWords = `null Null NULL yes no on off y n True False`
	// dslReserved are rejected by the loader; they are drawn rarely, to test
	// the rejection path.
	dslReserved = `true false none some unwrap_or if then else in arg stay all`
)

// hostile is every pool except the DSL's reserved words.
var hostile = strings.Fields(strings.Join([]string{goKeywords, goPredeclared, goAPI, goHelpers, goImports, tlaWords, diagramWords, yamlWords}, " "))

var reservedWords = strings.Fields(dslReserved)

// twins returns names that differ from n only in ways the generated code
// may erase: the case of the first letter, underscores, initialisms.
func twins(n string) []string {
	out := []string{flipFirst(n), n + "_", strings.ReplaceAll(n, "_", "")}
	if strings.Contains(n, "_") {
		out = append(out, camel(n))
	} else {
		out = append(out, snake(n))
	}
	out = append(out, strings.ToLower(n), strings.ToUpper(n), n+"Args", n+"Values", n+"Names", "EffectKind"+n, "step"+n, "fire"+n, "As"+n)
	return out
}

func flipFirst(s string) string {
	if s == "" {
		return s
	}
	c := s[0]
	switch {
	case c >= 'a' && c <= 'z':
		c -= 'a' - 'A'
	case c >= 'A' && c <= 'Z':
		c += 'a' - 'A'
	}
	return string(c) + s[1:]
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		parts[i] = flipFirstUpper(parts[i])
	}
	return strings.Join(parts, "")
}

func flipFirstUpper(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-('a'-'A')) + s[1:]
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// validIdent reports whether s is a DSL identifier.
func validIdent(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
