package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// timeRE matches the run-dependent part of a summary line.
var timeRE = regexp.MustCompile(`time: [0-9.]+s(, states/s: [0-9]+)?`)

func needGo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
}

// TestCheckEnginesAgree: the three engines print the same trace and
// summary (but for the time) and exit alike, on a spec with a violation and
// on one without.
func TestCheckEnginesAgree(t *testing.T) {
	needGo(t)
	for _, spec := range []string{"../../check/testdata/overlap.yaml", "../../check/testdata/unreachable.yaml", "../../spec/examples/tcp.yaml"} {
		var first string
		var firstCode int
		for i, eng := range []string{"shipped", "closure", "interp"} {
			code, out, errs := runCheck(t, "-spec", spec, "-quiet", "-engine", eng)
			out = timeRE.ReplaceAllString(out, "time")
			if code > 1 {
				t.Fatalf("%s -engine %s: exit %d\n%s", spec, eng, code, errs)
			}
			if i == 0 {
				first, firstCode = out, code
				continue
			}
			if out != first || code != firstCode {
				t.Errorf("%s: -engine %s (exit %d):\n%s\n-engine shipped (exit %d):\n%s", spec, eng, code, out, firstCode, first)
			}
		}
	}
}

// TestCheckCollectionsShipped: a spec with sets and maps (fields and input
// parameters) is explored by the
// shipped path by default (no note, no fallback to the closures), with the
// same summary as the closures'.
func TestCheckCollectionsShipped(t *testing.T) {
	needGo(t)
	for _, spec := range []string{"../../internal/conformance/testdata/scheduler.yaml", "../../check/shipped/testdata/collections.yaml",
		"../../internal/conformance/testdata/collparams.yaml"} {
		code, out, errs := runCheck(t, "-spec", spec, "-profile", "ci", "-quiet")
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr:\n%s", spec, code, errs)
		}
		code, want, errs := runCheck(t, "-spec", spec, "-profile", "ci", "-quiet", "-engine", "closure")
		if code != 0 {
			t.Fatalf("%s -engine closure: exit %d\n%s", spec, code, errs)
		}
		if g, w := timeRE.ReplaceAllString(out, "time"), timeRE.ReplaceAllString(want, "time"); g != w {
			t.Errorf("%s: shipped:\n%s\nclosure:\n%s", spec, g, w)
		}
	}
}

func TestCheckEngineUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-engine", "bogus"},
		{"-engine", "shipped", "-interp"},
		{"-engine", "closure", "-gen", t.TempDir()},
	} {
		args = append([]string{"-spec", "../../check/testdata/overlap.yaml", "-quiet"}, args...)
		if code, out, errs := runCheck(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
}

// TestCheckWithoutGo: with no go command on PATH, check explores with the
// closures after a one-line note; -engine shipped is a usage error.
func TestCheckWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	code, out, errs := runCheck(t, "-spec", "../../spec/examples/tcp.yaml", "-quiet")
	if code != 0 || !strings.Contains(out, "check TcpConnection profile ci: ok") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if n := strings.Count(errs, "\n"); n != 1 || !strings.Contains(errs, "-engine closure") {
		t.Errorf("want one line of note, got %q", errs)
	}
	if code, _, errs := runCheck(t, "-spec", "../../spec/examples/tcp.yaml", "-quiet", "-engine", "shipped"); code != 2 || !strings.Contains(errs, "no suitable Go toolchain") {
		t.Errorf("-engine shipped: exit %d: %s", code, errs)
	}
}

// TestCheckGen: -gen explores the committed package: the one dslgen
// generate wrote agrees with the spec; one that does not compile is a usage
// error naming the compiler's complaint.
func TestCheckGen(t *testing.T) {
	needGo(t)
	dir := t.TempDir()
	spec := "../../spec/examples/doorlock.yaml"
	if code := run([]string{"generate", "-spec", spec, "-out", dir}, new(strings.Builder), new(strings.Builder)); code != 0 {
		t.Fatal("generate failed")
	}
	_, want, _ := runCheck(t, "-spec", spec, "-quiet", "-engine", "closure")
	code, out, errs := runCheck(t, "-spec", spec, "-quiet", "-gen", dir)
	if code != 0 || timeRE.ReplaceAllString(out, "") != timeRE.ReplaceAllString(want, "") {
		t.Fatalf("exit %d\n%s\nwant\n%s%s", code, out, want, errs)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.go"), []byte("package doorlock\n\nfunc broken() int { return \"x\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCheck(t, "-spec", spec, "-quiet", "-gen", dir)
	if code != 2 || !strings.Contains(errs, "broken.go") {
		t.Errorf("a package that does not build: exit %d: %s", code, errs)
	}
}

// TestCheckGenInternalError: a committed package that stores a value the
// profile's layout cannot code (an id outside every domain) stops the
// search with an internal error, exit 3, not a wrong result.
func TestCheckGenInternalError(t *testing.T) {
	needGo(t)
	dir := t.TempDir()
	spec := "../../spec/examples/doorlock.yaml"
	if code := run([]string{"generate", "-spec", spec, "-out", dir}, new(strings.Builder), new(strings.Builder)); code != 0 {
		t.Fatal("generate failed")
	}
	path := filepath.Join(dir, "doorlock_gen.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const from = "n.Holder = Some[UserID](in.User)"
	if !strings.Contains(string(src), from) {
		t.Fatalf("the generated package no longer holds %q: pick another edit", from)
	}
	src = []byte(strings.Replace(string(src), from, `n.Holder = Some[UserID]("eve")`, 1))
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCheck(t, "-spec", spec, "-quiet", "-gen", dir)
	if code != 3 || !strings.Contains(errs, `holds id "eve", which is in no domain`) {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// TestCheckCollectionDomainTooLarge: a set parameter whose default domain
// would have more than 4096 values is a usage error (exit 2) that names
// the parameter and the way out, for every engine.
func TestCheckCollectionDomainTooLarge(t *testing.T) {
	data, err := os.ReadFile("../../internal/conformance/testdata/collparams.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = fmt.Sprintf("o%d", i)
	}
	text := strings.Replace(string(data), "OperationId: [a, b]", "OperationId: ["+strings.Join(ids, ", ")+"]", 1)
	spec := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, eng := range []string{"closure", "interp", "shipped"} {
		code, out, errs := runCheck(t, "-spec", spec, "-profile", "ci", "-quiet", "-engine", eng)
		if code != 2 || !strings.Contains(errs, "RegisterPendingOps.barrier_operation_ids") || !strings.Contains(errs, "more than 4096 values") {
			t.Errorf("-engine %s: exit %d, want 2 naming the parameter\n%s%s", eng, code, out, errs)
		}
	}
}

// firedRE matches the step counts of a summary line.
var firedRE = regexp.MustCompile(`transitions fired: ([0-9]+)(.*)out of bounds: [0-9]+`)

// TestCheckAllSteps: -all-steps gives every engine the same summary, with
// more transitions fired than the default (which leaves out steps that
// commute with the step before) and otherwise the same line.
func TestCheckAllSteps(t *testing.T) {
	needGo(t)
	spec := "../../spec/examples/doorlock.yaml"
	_, def, _ := runCheck(t, "-spec", spec, "-quiet", "-engine", "closure")
	def = timeRE.ReplaceAllString(def, "time")
	var first string
	for i, eng := range []string{"shipped", "closure", "interp"} {
		code, out, errs := runCheck(t, "-spec", spec, "-quiet", "-engine", eng, "-all-steps")
		if code != 0 {
			t.Fatalf("-engine %s -all-steps: exit %d\n%s", eng, code, errs)
		}
		out = timeRE.ReplaceAllString(out, "time")
		if i == 0 {
			first = out
		} else if out != first {
			t.Errorf("-all-steps, -engine %s:\n%s\n-engine shipped:\n%s", eng, out, first)
		}
	}
	d, a := firedRE.FindStringSubmatch(def), firedRE.FindStringSubmatch(first)
	if d == nil || a == nil {
		t.Fatalf("no step counts in\n%s\n%s", def, first)
	}
	var nd, na int
	fmt.Sscan(d[1], &nd)
	fmt.Sscan(a[1], &na)
	if na <= nd || d[2] != a[2] || firedRE.ReplaceAllString(def, "") != firedRE.ReplaceAllString(first, "") {
		t.Errorf("default:\n%s\n-all-steps:\n%s\nwant more steps, and the same line otherwise", def, first)
	}
}
