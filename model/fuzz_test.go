package model

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseSpec feeds arbitrary bytes to the spec loader: it must return a
// machine or an error, never panic.
func FuzzParseSpec(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "testdata/bad/*.yaml", "../spec/examples/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte(counterSpec))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse("fuzz.yaml", src)
		if err == nil && m == nil {
			t.Fatal("nil machine without an error")
		}
		if err == nil {
			// A valid spec must also run its initial state through its invariants.
			_ = m.CheckInvariants(m.Initial())
		}
	})
}

// FuzzParseExpr feeds arbitrary text to the expression parser.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"a && b || !c", "if x then some(1) else none", "x in [A, B.C]", "unwrap_or(o, 3) + 4 - arg.n", "((((a))))", "a <= b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := ParseExpr(src, nil)
		if err == nil && x == nil {
			t.Fatal("nil expression without an error")
		}
	})
}

// FuzzParseStmt feeds arbitrary text to the update-statement parser.
func FuzzParseStmt(f *testing.F) {
	for _, s := range []string{"a := b + 1", "if c then a := 1 else if d then a := 2", "arg.x := 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseStmt(src, nil)
		if err == nil && s == nil {
			t.Fatal("nil statement without an error")
		}
	})
}
