package tla

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCollectionsEncoding: sets are TLA+ sets, maps functions over their
// keys, capacities are definedness conditions and TypeOK conjuncts, and a
// bound on a map of uint bounds every value.
func TestCollectionsEncoding(t *testing.T) {
	gen := generateSpec(t, "../../internal/conformance/testdata/scheduler.yaml")
	mod := gen.module
	for _, want := range []string{
		"EXTENDS Naturals, FiniteSets",
		`MapPut(m, k, v) == [x \in DOMAIN m \cup {k} |-> IF x = k THEN v ELSE m[x]]`,
		`/\ idle = {}`,
		`/\ colors = {"Red"}`,
		`/\ leases = EmptyMap`,
		`/\ idle \subseteq STRING`,
		`/\ Cardinality(idle) <= 3`,
		`/\ Cardinality(DOMAIN leases) <= 2`,
		`\A q_0_ \in DOMAIN leases : MapGet(leases, q_0_, arg_w) # arg_w`,
		`Cardinality(DOMAIN MapPut(leases, arg_j, arg_w)) <= 2`,
		`\A k_ \in DOMAIN tries : tries[k_] <= 2`,
	} {
		if !strings.Contains(mod, want) {
			t.Errorf("module lacks %q", want)
		}
	}
}

// TestCollectionsTLC runs TLC on the scheduler spec when TLA2TOOLS names
// tla2tools.jar, and compares the number of distinct states with the
// checker's (TestCollectionsAgree in check/ logs it: 672).
func TestCollectionsTLC(t *testing.T) {
	jar := os.Getenv("TLA2TOOLS")
	if jar == "" {
		t.Skip("TLA2TOOLS not set")
	}
	gen := generateSpec(t, "../../internal/conformance/testdata/scheduler.yaml")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Sched.tla"), []byte(gen.module), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Sched_ci.cfg"), []byte(gen.cfgs["ci"]), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("java", "-jar", jar, "-config", "Sched_ci.cfg", "-metadir", filepath.Join(dir, "meta"), "-workers", "1", "Sched")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TLC: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) distinct states found`).FindSubmatch(out)
	if m == nil || string(m[1]) != "672" {
		t.Fatalf("TLC found %s distinct states, the checker 672\n%s", m, out)
	}
}
