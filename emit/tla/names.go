package tla

import "strings"

// reserved holds the words a generated identifier must not be: TLA+ keywords,
// the operators of the standard modules, the modules themselves, and the
// helper operators that every generated module defines.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		ACTION ASSUME ASSUMPTION AXIOM BOOLEAN BY CASE CHOOSE CONSTANT CONSTANTS
		COROLLARY DEF DEFINE DEFS DOMAIN ELSE ENABLED EXCEPT EXTENDS FALSE HAVE
		HIDE IF IN INSTANCE LAMBDA LEMMA LET LOCAL MODULE NEW OBVIOUS OMITTED ONLY
		OTHER PICK PROOF PROPOSITION PROVE QED RECURSIVE STATE STRING SUBSET
		SUFFICES TAKE TEMPORAL THEN THEOREM TRUE UNCHANGED UNION USE VARIABLE
		VARIABLES WITH WITNESS
		Naturals Integers Reals Sequences FiniteSets Bags TLC TLCExt
		Nat Int Real Infinity Seq Len Head Tail Append SubSeq SelectSeq
		IsFiniteSet Cardinality Print PrintT Assert JavaTime TLCGet TLCSet
		Permutations SortSeq RandomElement Any ToString TLCEval
		None Some UnwrapOr OptionOf IsOptionOf vars TypeOK Init Next Spec Terminated
		EmptyMap MapGet MapPut MapRemove k_ q_0_ q_1_ q_2_ q_3_ q_4_ q_5_ q_6_ q_7_`) {
		reserved[w] = true
	}
}

// namer hands out unique TLA+ identifiers: a wanted name that is reserved or
// already taken gets underscores appended until it is free.
type namer struct {
	used map[string]bool
}

func newNamer() *namer { return &namer{used: map[string]bool{}} }

func (n *namer) taken(s string) bool {
	return reserved[s] || n.used[s] || fairnessPrefix(s)
}

// fairnessPrefix reports whether s starts like the TLA+ fairness operators
// WF_ and SF_, which the lexer reads as one token: no identifier may.
func fairnessPrefix(s string) bool {
	return strings.HasPrefix(s, "WF_") || strings.HasPrefix(s, "SF_")
}

// legal returns want, or, when want starts with a fairness prefix, want with
// "X_" in front (so that appending underscores can make it free).
func legal(want string) string {
	if fairnessPrefix(want) {
		return "X_" + want
	}
	return want
}

// name reserves and returns want, or want with underscores appended (after
// legal). This terminates: the candidates are distinct, none starts with a
// fairness prefix, and only finitely many names are reserved or used.
func (n *namer) name(want string) string {
	s := legal(want)
	for n.taken(s) {
		s += "_"
	}
	n.used[s] = true
	return s
}

// local is a namer for one operator body: it sees the module's names as taken.
func (n *namer) local() *namer {
	l := newNamer()
	for k := range n.used {
		l.used[k] = true
	}
	return l
}
