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

// TestCollectionParamsEncoding: a set or map parameter ranges over a
// constant that each profile's configuration substitutes with a definition
// of the module listing the profile's domain (TLC configurations hold no
// functions): sets as sets, maps as MapPut chains, in ParamDomain's order.
func TestCollectionParamsEncoding(t *testing.T) {
	gen := generateSpec(t, "../../internal/conformance/testdata/collparams.yaml")
	for _, want := range []string{
		"EXTENDS Naturals, FiniteSets",
		"Dom_RegisterPendingOps_barrier_operation_ids_ci ==\n    {{}, {\"a\"}, {\"b\"}, {\"a\", \"b\"}}",
		"{EmptyMap,\n     MapPut(EmptyMap, \"Search\", \"Trusted\"),\n     MapPut(MapPut(EmptyMap, \"Search\", \"Signed\"), \"Fetch\", \"Trusted\")}",
		`\E arg_barrier_operation_ids \in Dom_RegisterPendingOps_barrier_operation_ids : Register(arg_barrier_operation_ids)`,
	} {
		if !strings.Contains(gen.module, want) {
			t.Errorf("module lacks %q", want)
		}
	}
	cfg := gen.cfgs["ci"]
	for _, want := range []string{
		"Dom_SyncVisibility_deferred_authorities <- Dom_SyncVisibility_deferred_authorities_ci",
		"Dom_Count_seen <- Dom_Count_seen_ci",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("configuration lacks %q:\n%s", want, cfg)
		}
	}
}

// TestCollectionParamsTLC runs TLC on the collection-parameter spec when
// TLA2TOOLS names tla2tools.jar, and compares the number of distinct
// states with the checker's (dslgen check: 156).
func TestCollectionParamsTLC(t *testing.T) {
	jar := os.Getenv("TLA2TOOLS")
	if jar == "" {
		t.Skip("TLA2TOOLS not set")
	}
	gen := generateSpec(t, "../../internal/conformance/testdata/collparams.yaml")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Barrier.tla"), []byte(gen.module), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Barrier_ci.cfg"), []byte(gen.cfgs["ci"]), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("java", "-jar", jar, "-config", "Barrier_ci.cfg", "-metadir", filepath.Join(dir, "meta"), "-workers", "1", "Barrier")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("TLC: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) distinct states found`).FindSubmatch(out)
	if m == nil || string(m[1]) != "156" {
		t.Fatalf("TLC found %s distinct states, the checker 156\n%s", m, out)
	}
}
