package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTLAWritesModuleAndConfigs(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "tla", "-spec", "../../spec/examples/tcp.yaml", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, f := range []string{"TcpConnection.tla", "TcpConnection_ci.cfg", "TcpConnection_lifecycle.cfg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
		if !strings.Contains(out, "wrote "+filepath.Join(dir, f)) {
			t.Errorf("output does not report %s:\n%s", f, out)
		}
	}
	if code, _, _ := runCmd(t, "tla", "-spec", "../../spec/examples/tcp.yaml"); code != 2 {
		t.Errorf("tla without -out: exit %d, want 2", code)
	}
}

func TestGraphFormats(t *testing.T) {
	code, out, errs := runCmd(t, "graph", "-spec", "../../spec/machine.yaml")
	if code != 0 || !strings.Contains(out, "```mermaid\nstateDiagram-v2\n") {
		t.Fatalf("mermaid: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-format", "dot", "-field", "live_topology_phase")
	if code != 0 || strings.Count(out, "digraph ") != 1 || !strings.Contains(out, `"Idle" -> "Reconfiguring"`) {
		t.Errorf("dot -field: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-field", "turn_phase")
	if code != 0 || !strings.HasPrefix(out, "stateDiagram-v2\n") {
		t.Errorf("mermaid -field: exit %d\n%s", code, out)
	}
	if code, _, errs := runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-field", "session_id"); code != 2 || !strings.Contains(errs, "lifecycle_phase") {
		t.Errorf("unknown -field: exit %d, %s", code, errs)
	}
	if code, _, _ := runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-format", "svg"); code != 2 {
		t.Errorf("-format svg: exit %d, want 2", code)
	}
}

func TestGraphEmbed(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "README.md")
	before := "# Title\n\n## Diagrams\n\n" + embedBegin + "\nstale\n" + embedEnd + "\n\n## After\n"
	if err := os.WriteFile(doc, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "DIAGRAMS.md")
	if code, o, e := runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-out", out, "-embed", doc); code != 0 {
		t.Fatalf("exit %d: %s%s", code, o, e)
	}
	got, _ := os.ReadFile(doc)
	s := string(got)
	if strings.Contains(s, "stale") || !strings.HasPrefix(s, "# Title\n\n## Diagrams\n\n"+embedBegin+"\n\n") ||
		!strings.HasSuffix(s, embedEnd+"\n\n## After\n") || !strings.Contains(s, "### Lifecycle phase (`lifecycle_phase`, phase enum `LifecyclePhase`)") {
		t.Errorf("embedded README:\n%s", s)
	}
	// A second run changes nothing.
	if code, _, _ := runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-out", out, "-embed", doc); code != 0 {
		t.Fatal("second run failed")
	}
	again, _ := os.ReadFile(doc)
	if !bytes.Equal(again, got) {
		t.Error("embedding is not idempotent")
	}
	md, _ := os.ReadFile(out)
	if !strings.Contains(string(md), "## Lifecycle phase (`lifecycle_phase`, phase enum `LifecyclePhase`)") {
		t.Errorf("DIAGRAMS.md:\n%s", md)
	}
	if err := os.WriteFile(doc, []byte("# no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "graph", "-spec", "../../spec/machine.yaml", "-embed", doc); code != 2 || !strings.Contains(errs, "no region") {
		t.Errorf("missing markers: exit %d, %s", code, errs)
	}
}

// TestCommittedGenerated checks that README.md shows the same diagrams as
// docs/DIAGRAMS.md (make verify checks both against the spec).
func TestCommittedGenerated(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Skip("no README.md")
	}
	diagrams, err := os.ReadFile("../../docs/DIAGRAMS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(diagrams), "```mermaid\n")[1:] {
		block = block[:strings.Index(block, "```")]
		if !strings.Contains(string(readme), block) {
			t.Errorf("README.md lacks the diagram\n%s", block)
		}
	}
}
