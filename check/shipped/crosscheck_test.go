package shipped

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/check/explore"
	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/model"
	"github.com/meerkat-go/dslmachine/validate"
)

// repoSpecs returns every .yaml file of the repository (relative to this
// package's directory) but JSON schemas' and the .git directory's: every
// spec, wherever it lives. Files that validate rejects (specs invalid on
// purpose, YAML that is no spec) are skipped by the caller.
func repoSpecs(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "schema" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// profilesOf lists the profiles of a spec the cross-check runs: every one,
// but for spec/machine.yaml only tlc and ci_realtime (ci and deep take too
// long for go test); for a spec without profiles, the default profile that
// dslgen check uses.
func profilesOf(path string, m *model.Machine) []*model.Profile {
	if strings.Contains(filepath.ToSlash(path), "spec/baseline/") {
		return nil // frozen copies of spec/machine.yaml for dslgen compat
	}
	if strings.HasSuffix(filepath.ToSlash(path), "compat/testdata/outsider/queue_huge.yaml") {
		// Its only profile is unbounded on purpose: compat's tests of
		// progress lines and interrupts stop it early.
		return nil
	}
	if filepath.ToSlash(path) == "../../spec/machine.yaml" {
		return []*model.Profile{m.Profile("tlc"), m.Profile("ci_realtime")}
	}
	if len(m.Profiles) == 0 {
		return []*model.Profile{check.DefaultProfile()}
	}
	return m.Profiles
}

// maxStates stops a cross-check whose space is larger than a test should
// explore (a spec without profiles has no bounds).
const maxStates = 1_000_000

// repoTargets loads every valid spec of the repository and returns one
// target per checked profile.
func repoTargets(t *testing.T) []*target {
	t.Helper()
	var out []*target
	for _, f := range repoSpecs(t) {
		{
			m, err := validate.Load(f)
			if err != nil {
				continue // invalid on purpose
			}
			for _, p := range profilesOf(f, m) {
				if p == nil {
					t.Fatalf("%s: a profile of the cross-check is missing", f)
				}
				err := check.CheckInputLimits(m, p, check.Options{})
				var tg *target
				if err == nil {
					tg, err = newTarget(m, p, "", f)
				}
				if err != nil && len(m.Profiles) == 0 {
					continue // dslgen check refuses the default profile too (an id without a domain)
				}
				if err != nil {
					// A profile the closures refuse as well (an id
					// parameter without a domain) is refused by dslgen
					// check with either engine: nothing to compare.
					if _, cerr := check.Run(m, p, check.Options{Workers: 1, MaxStates: 1}); cerr != nil {
						continue
					}
				}
				if err != nil {
					t.Fatalf("%s profile %s: %v", f, p.Name, err)
				}
				out = append(out, tg)
			}
		}
	}
	return out
}

// buildBundle builds one helper for all targets.
func buildBundle(t testing.TB, targets []*target) string {
	t.Helper()
	tc, err := findGo(context.Background(), "")
	if err != nil {
		t.Skipf("no Go toolchain: %v", err)
	}
	mod, err := assemble(targets)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	bin, cleanup, err := build(context.Background(), tc, mod, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	t.Logf("built a helper for %d targets in %v", len(targets), time.Since(start).Round(time.Millisecond))
	return bin
}

// jsonForm renders model states as the generated State marshals: every
// field by its spec name, in spec order; numbers, booleans, enum names and
// ids as strings, none as null.
type jsonForm struct {
	m    *model.Machine
	keys [][]byte // per field: ,"name": (no comma for the first)
	buf  []byte
}

func newJSONForm(m *model.Machine) *jsonForm {
	f := &jsonForm{m: m}
	for i, fd := range m.Fields {
		k, _ := json.Marshal(fd.Name)
		sep := ","
		if i == 0 {
			sep = "{"
		}
		f.keys = append(f.keys, append(append([]byte(sep), k...), ':'))
	}
	return f
}

func (f *jsonForm) render(s model.State) []byte {
	b := f.buf[:0]
	for i, fd := range f.m.Fields {
		b = append(b, f.keys[i]...)
		b = appendValue(b, fd.Type, s[i])
	}
	if len(f.keys) == 0 {
		b = append(b, '{')
	}
	b = append(b, '}')
	f.buf = b
	return b
}

func appendValue(b []byte, t *model.Type, v model.Value) []byte {
	switch t.Kind {
	case model.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case model.KindUint:
		return strconv.AppendUint(b, v.N, 10)
	case model.KindEnum:
		js, _ := json.Marshal(t.Enum.Values[v.N])
		return append(b, js...)
	case model.KindID:
		js, _ := json.Marshal(v.S)
		return append(b, js...)
	case model.KindOption:
		if !v.Some {
			return append(b, "null"...)
		}
		return appendValue(b, t.Elem, v.Unwrap())
	case model.KindSet:
		// The elements in the model's order, the generated one: enums in
		// declaration order, ids sorted.
		b = append(b, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, t.Elem, e)
		}
		return append(b, ']')
	case model.KindMap:
		// An object, its keys sorted as encoding/json sorts them.
		type entry struct{ k, v []byte }
		var es []entry
		kv := v.Elems()
		for i := 0; i+1 < len(kv); i += 2 {
			es = append(es, entry{appendValue(nil, t.Key, kv[i]), appendValue(nil, t.Elem, kv[i+1])})
		}
		slices.SortFunc(es, func(x, y entry) int { return bytes.Compare(x.k, y.k) })
		b = append(b, '{')
		for i, e := range es {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(append(append(b, e.k...), ':'), e.v...)
		}
		return append(b, '}')
	}
	return b
}

// closureStates explores with the closures and returns the engine's result
// and the sorted hashes of the states it stores.
func closureStates(t *testing.T, tg *target) (*explore.Result, []uint64) {
	t.Helper()
	var hs []uint64
	jf := newJSONForm(tg.m)
	er, err := check.VisitStates(tg.m, tg.p, 2, func(s model.State) {
		h := fnv.New64a()
		h.Write(jf.render(s))
		hs = append(hs, h.Sum64())
	})
	if errors.Is(err, check.ErrUnrepresentable) {
		// The closures code an option<uint> as 1 + its value, so they stop
		// at some(2^64-1) (docs/CHECKING.md): nothing to compare with.
		t.Skipf("the closures cannot explore this spec: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(hs)
	return er, hs
}

func readHashes(t *testing.T, path string) []uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]uint64, len(b)/8)
	for i := range hs {
		hs[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return hs
}

// trace renders a violation as dslgen check prints it.
func trace(m *model.Machine, v *check.Violation) string {
	if v == nil {
		return "no violation"
	}
	var b bytes.Buffer
	check.WriteTrace(&b, m, v)
	return b.String()
}

// compare returns how the shipped and closure results differ: counts,
// depth, coverage, the violation and its trace, and, for a search that
// found no violation, the set of reachable states. An error of the shipped
// run (a disagreement with the interpreter, a helper failure) is a
// difference too.
func compare(t *testing.T, tg *target, bin string) []string {
	t.Helper()
	states := filepath.Join(t.TempDir(), "states")
	got, err := runTarget(context.Background(), bin, tg, Options{Check: check.Options{Workers: 2, MaxStates: maxStates}, States: states})
	if err != nil {
		return []string{"shipped: " + err.Error()}
	}
	if got.Limited {
		t.Fatalf("more than %d states: give the spec a smaller profile", maxStates)
	}
	// The closures' states and counts; Run again, for its trace, when
	// there is a violation.
	er, wh := closureStates(t, tg)
	var want *check.Result
	if er == nil || er.Violation != nil {
		want, err = check.Run(tg.m, tg.p, check.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
	} else {
		want = &check.Result{Machine: tg.m, Profile: tg.p, Distinct: er.Distinct, Fired: er.Fired, OutOfBounds: er.OutOfBounds,
			BoundErrors: er.BoundErrors, Depth: er.Depth, Covered: er.Covered, Complete: er.Complete, Limited: er.Limited}
		if want.Complete {
			want.Violation = coverageFinding(want)
		}
	}
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if g, w := trace(tg.m, got.Violation), trace(tg.m, want.Violation); g != w {
		add("violation:\nshipped: %s\nclosure: %s", g, w)
	}
	if got.Complete != want.Complete || got.Limited != want.Limited {
		add("complete/limited: shipped %v/%v, closure %v/%v", got.Complete, got.Limited, want.Complete, want.Limited)
	}
	if !slices.Equal(got.Covered, want.Covered) {
		add("coverage: shipped %v, closure %v", got.Covered, want.Covered)
	}
	// The counts agree also when the search stops early, at a violation:
	// both engines stop at the end of the same batch.
	if got.Distinct != want.Distinct || got.Fired != want.Fired || got.OutOfBounds != want.OutOfBounds ||
		got.BoundErrors != want.BoundErrors || got.Depth != want.Depth {
		add("shipped: %s (bound errors %d)\nclosure: %s (bound errors %d)", got.Summary(), got.BoundErrors, want.Summary(), want.BoundErrors)
	}
	if got.Violation != nil && got.Violation.Kind != check.KindCoverage || want.Violation != nil && want.Violation.Kind != check.KindCoverage {
		return diffs // the search stopped early: the closures' walk went on
	}
	if gh := readHashes(t, states); !slices.Equal(gh, wh) {
		add("reachable states differ: shipped %d, closure %d (hashes of their JSON forms)", len(gh), len(wh))
	}
	return diffs
}

// coverageFinding is the coverage violation of a complete search, as Run
// reports it.
func coverageFinding(r *check.Result) *check.Violation {
	var missing []string
	for i, tr := range r.Machine.Transitions {
		if !r.Covered[i] && r.Expected(tr) {
			missing = append(missing, tr.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &check.Violation{Kind: check.KindCoverage, Transitions: missing}
}

// TestShippedAgreesWithClosure is the cross-check of the two exploration
// paths: for every spec in the repository that validates, on every profile
// (tlc and ci_realtime of spec/machine.yaml), the generated package explored
// by the helper program and the checker's compiled closures reach the same
// states, with the same counts, depth, coverage and violation.
func TestShippedAgreesWithClosure(t *testing.T) {
	targets := repoTargets(t)
	if len(targets) < 40 {
		t.Fatalf("only %d targets: the spec globs are wrong", len(targets))
	}
	bin := buildBundle(t, targets)
	for _, tg := range targets {
		t.Run(tg.m.Name+"/"+tg.p.Name, func(t *testing.T) {
			for _, d := range compare(t, tg, bin) {
				t.Error(d)
			}
		})
	}
}

// TestCrossCheckCatchesEditedPackage: the cross-check can fail. A generated
// package edited by hand (a counter that counts by two), explored with
// -gen, no longer agrees with the closures, while the same package unedited
// does.
func TestCrossCheckCatchesEditedPackage(t *testing.T) {
	const spec = "../../spec/examples/doorlock.yaml"
	m, err := validate.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gocode.Generate(m, gocode.Options{Source: spec})
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "n.WrongCodes = add(&ovf, n.WrongCodes, 1)", "n.WrongCodes = add(&ovf, n.WrongCodes, 2)"
	if !bytes.Contains(src, []byte(from)) {
		t.Fatalf("the generated package no longer holds %q: pick another edit", from)
	}
	var targets []*target
	for _, edit := range []bool{false, true} {
		dir := t.TempDir()
		b := src
		if edit {
			b = bytes.Replace(src, []byte(from), []byte(to), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, gocode.FileName(m)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		// A test file in the directory is not part of the package explored.
		if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package broken"), 0o644); err != nil {
			t.Fatal(err)
		}
		tg, err := newTarget(m, m.Profile("ci"), dir, spec)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	bin := buildBundle(t, targets)
	if d := compare(t, targets[0], bin); len(d) > 0 {
		t.Fatalf("the unedited package disagrees: %v", d)
	}
	d := compare(t, targets[1], bin)
	if len(d) == 0 {
		t.Fatal("the edited package agrees with the closures: the cross-check cannot fail")
	}
	t.Logf("the edited package is caught: %v", d)
}

// TestUndeclaredWriteIsCaught: the helper codes only the fields a
// transition's updates write, so a generated step that changes another
// field (here RejectCredential, edited to open the door too) must stop the
// search with an error naming the field, in a plain run (firings sampled)
// as in the cross-check's (every firing), while the unedited package
// passes both.
func TestUndeclaredWriteIsCaught(t *testing.T) {
	const from = "\tif (n.WrongCodes == 2) && (n.Alarm == AlarmOff) {\n"
	doorlockEditCaught(t, from, "\tn.DoorOpen = true\n"+from,
		"transition RejectCredential changed field door_open, which the transition's updates do not write")
}

// TestUndeclaredReadIsCaught: Expand's memo trusts that a step reads only the
// fields its candidate transitions' guards, updates and effects read. A
// generated package edited so that RejectCredential's guard also reads
// relock (which no invariant reads either) gives different results in
// states the memo takes for equal; both modes catch it, by firing the step
// again on memo hits, and the unedited package passes.
func TestUndeclaredReadIsCaught(t *testing.T) {
	const from = "\t\tcase in.Valid:\n\t\t\tif bestDepth < 0 {\n\t\t\t\tbest, bestDepth = 1, 0\n"
	doorlockEditCaught(t, from, strings.Replace(from, "in.Valid", "in.Valid || s.Relock == RelockModeOff", 1),
		"input PresentCredential", "the generated step gives different results in two states that agree on every field its candidate transitions read")
}

// doorlockEditCaught generates doorlock's package, replaces its one
// occurrence of from with to, and checks, on profile ci with and without
// hashed states, that the unedited package passes and that the edited one
// fails with an error holding every one of wants.
func doorlockEditCaught(t *testing.T, from, to string, wants ...string) {
	t.Helper()
	const spec = "../../spec/examples/doorlock.yaml"
	m, err := validate.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gocode.Generate(m, gocode.Options{Source: spec})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(src, []byte(from)) != 1 {
		t.Fatalf("the generated package no longer holds %q once: pick another edit", from)
	}
	var targets []*target
	for _, edit := range []bool{false, true} {
		dir := t.TempDir()
		b := src
		if edit {
			b = bytes.Replace(src, []byte(from), []byte(to), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, gocode.FileName(m)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		tg, err := newTarget(m, m.Profile("ci"), dir, spec)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	bin := buildBundle(t, targets)
	for _, states := range []bool{false, true} {
		opt := Options{Check: check.Options{Workers: 2, MaxStates: maxStates}}
		if states {
			opt.States = filepath.Join(t.TempDir(), "states")
		}
		if _, err := runTarget(context.Background(), bin, targets[0], opt); err != nil {
			t.Fatalf("the unedited package fails (states hashed: %v): %v", states, err)
		}
		_, err := runTarget(context.Background(), bin, targets[1], opt)
		if err == nil {
			t.Fatalf("states hashed: %v: the edited package passes, want an error holding %q", states, wants)
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("states hashed: %v: got %v, want an error holding %q", states, err, w)
			}
		}
	}
}
