package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var livenessOK = regexp.MustCompile(`(?m)^liveness \w+ profile ci: ok; properties: [1-9]`)

// TestExampleLiveness: every example states a liveness property that holds
// under its fairness, and its broken variant under spec/examples/testdata
// (the same spec without the fairness section) gets a lasso.
func TestExampleLiveness(t *testing.T) {
	files, _ := filepath.Glob("../../spec/examples/*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		code, out, errs := runCheck(t, "-spec", f, "-quiet")
		if code != 0 || !livenessOK.MatchString(out) {
			t.Errorf("%s: exit %d, want 0 with the liveness summary\n%s%s", f, code, out, errs)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		broken := filepath.Join(filepath.Dir(f), "testdata", name+"_unfair.yaml")
		orig, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		variant, err := os.ReadFile(broken)
		if err != nil {
			t.Fatalf("%s has no broken variant: %v", f, err)
		}
		if want := withoutFairness(t, string(orig)); stripHeader(string(variant)) != stripHeader(want) {
			t.Errorf("%s is not %s without its fairness section; regenerate it", broken, f)
		}
		code, out, errs = runCheck(t, "-spec", broken, "-quiet")
		if code != 1 || !strings.Contains(out, "Error: liveness property ") || !strings.Contains(out, ": Stuttering") {
			t.Errorf("%s: exit %d, want 1 with a lasso\n%s%s", broken, code, out, errs)
		}
	}
}

// withoutFairness drops a spec's fairness section and the comment line
// above it.
func withoutFairness(t *testing.T, s string) string {
	t.Helper()
	i, j := strings.Index(s, "\nfairness:"), strings.Index(s, "\nliveness:")
	if i < 0 || j < i {
		t.Fatalf("no fairness section before the liveness section")
	}
	pre := strings.Split(s[:i], "\n")
	if strings.HasPrefix(pre[len(pre)-1], "#") {
		pre = pre[:len(pre)-1]
	}
	return strings.Join(pre, "\n") + "\n" + s[j:]
}

// stripHeader drops the leading comment lines of a spec (the schema
// modeline, a broken variant's explanation).
func stripHeader(s string) string {
	for strings.HasPrefix(s, "#") {
		s = s[strings.Index(s, "\n")+1:]
	}
	return s
}
