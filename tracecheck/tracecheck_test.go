package tracecheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/meerkat-go/dslmachine/model"
)

// walk records a run of n steps of the vending example with the
// interpreter: every line has its input and the whole state after it.
func walk(t *testing.T, m *model.Machine, n int) []string {
	t.Helper()
	ivs, err := m.InputValues(m.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	s := m.Initial()
	var lines []string
	for step := 0; len(lines) < n && step < 100*n; step++ {
		iv := ivs[(step*37+11)%len(ivs)]
		next, _, err := m.Step(s, iv)
		if err != nil {
			continue
		}
		in, _ := m.InputJSON(iv)
		st, _ := m.StateJSON(next)
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(in, &obj)
		obj["state"] = st
		b, _ := json.Marshal(obj)
		lines = append(lines, string(b))
		s = next
	}
	if len(lines) < n {
		t.Fatalf("walk: only %d steps", len(lines))
	}
	return lines
}

func validate(t *testing.T, m *model.Machine, lines []string, opt Options) *Result {
	t.Helper()
	recs, err := Read(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Validate(m, recs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func vending(t *testing.T) *model.Machine {
	m, err := model.Load("../spec/examples/vending.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRecordedRunIsAllowed(t *testing.T) {
	m := vending(t)
	lines := walk(t, m, 40)
	res := validate(t, m, lines, Options{Profile: m.Profile("ci")})
	if res.Failure != nil || res.Steps != 40 || res.Runs != 1 {
		t.Fatalf("%+v %v", res, res.Failure)
	}
}

// TestReorderedRunIsRejected: after two consecutive steps are swapped, the
// run fails at the first line whose recorded state is not the state the
// interpreter computes from the line before (every line records the whole
// state), with the spec's reason or the observed fields that differ.
func TestReorderedRunIsRejected(t *testing.T) {
	m := vending(t)
	lines := walk(t, m, 40)
	recs, err := Read(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	v := &validator{m: m}
	// firstBad replays a recording line by line from the recorded states.
	firstBad := func(order []int) int {
		prev := m.Initial()
		for k, i := range order {
			iv, err := v.input(recs[i])
			if err != nil {
				t.Fatal(err)
			}
			obs, _ := json.Marshal(recs[i].State)
			want, err := m.ParseStateJSON(obs)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := m.Step(prev, iv)
			if err != nil || key(got) != key(want) {
				return k + 1
			}
			prev = want
		}
		return 0
	}
	rejected := 0
	for i := 5; i+1 < len(lines) && rejected < 8; i++ {
		order := make([]int, len(lines))
		for k := range order {
			order[k] = k
		}
		order[i], order[i+1] = i+1, i
		bad := make([]string, len(lines))
		for k, j := range order {
			bad[k] = lines[j]
		}
		want := firstBad(order)
		res := validate(t, m, bad, Options{Profile: m.Profile("ci")})
		switch {
		case want == 0 && res.Failure != nil:
			t.Errorf("swap at %d: the interpreter allows it, Validate says %v", i+1, res.Failure)
		case want != 0 && (res.Failure == nil || res.Failure.Step != want):
			t.Errorf("swap at %d: want a failure at step %d, got %v", i+1, want, res.Failure)
		case want != 0:
			rejected++
		}
	}
	if rejected == 0 {
		t.Fatal("no swap was rejected")
	}
}

// TestWrongObservation names the field, the observed value and the values
// the spec allows.
func TestWrongObservation(t *testing.T) {
	m := vending(t)
	lines := walk(t, m, 10)
	var obj map[string]any
	_ = json.Unmarshal([]byte(lines[3]), &obj)
	obj["state"] = map[string]any{"credit": 999999}
	b, _ := json.Marshal(obj)
	lines[3] = string(b)
	res := validate(t, m, lines, Options{Profile: m.Profile("ci")})
	f := res.Failure
	if f == nil || f.Step != 4 || len(f.Mismatches) != 1 || f.Mismatches[0].Field != "credit" || f.Mismatches[0].Observed != "999999" {
		t.Fatalf("failure: %v", f)
	}
	if !strings.Contains(f.Error(), "credit: observed 999999, the spec allows ") {
		t.Errorf("message: %s", f.Error())
	}
}

// TestHiddenInputs: lines without input are bridged by any input value of
// the profile; lines dropped altogether need MaxHidden.
func TestHiddenInputs(t *testing.T) {
	m := vending(t)
	lines := walk(t, m, 30)
	hidden := append([]string(nil), lines...)
	for i := 2; i < len(hidden); i += 4 {
		var obj map[string]json.RawMessage
		_ = json.Unmarshal([]byte(hidden[i]), &obj)
		delete(obj, "input")
		delete(obj, "args")
		b, _ := json.Marshal(obj)
		hidden[i] = string(b)
	}
	if res := validate(t, m, hidden, Options{Profile: m.Profile("ci")}); res.Failure != nil {
		t.Fatalf("unrecorded inputs: %v", res.Failure)
	}
	var dropped []string
	for i, l := range lines {
		if i%5 != 3 {
			dropped = append(dropped, l)
		}
	}
	if res := validate(t, m, dropped, Options{Profile: m.Profile("ci"), MaxHidden: 1}); res.Failure != nil {
		t.Fatalf("dropped lines with MaxHidden 1: %v", res.Failure)
	}
	if res := validate(t, m, dropped, Options{Profile: m.Profile("ci")}); res.Failure == nil {
		t.Fatalf("dropped lines without bridging were accepted")
	}
}

func TestSessionsAreSeparateRuns(t *testing.T) {
	m := vending(t)
	a, b := walk(t, m, 6), walk(t, m, 6)
	var lines []string
	for i := range a {
		for _, x := range []struct{ s, l string }{{"a", a[i]}, {"b", b[i]}} {
			lines = append(lines, strings.Replace(x.l, "{", `{"session":"`+x.s+`",`, 1))
		}
	}
	res := validate(t, m, lines, Options{Profile: m.Profile("ci")})
	if res.Failure != nil || res.Runs != 2 || res.Steps != 12 {
		t.Fatalf("%+v %v", res, res.Failure)
	}
}

func TestBadRecordings(t *testing.T) {
	m := vending(t)
	for _, src := range []string{
		`not json`,
		`{"input": "NoSuchInput"}`,
		`{"input": "InsertCoin", "args": {"value": "x"}}`,
		`{"input": "InsertCoin", "args": {}}`,
		`{"state": {"no_such_field": 1}}`,
		`{"args": {"value": 1}}`,
		`{"input": "InsertCoin", "args": {"value": 5}, "extra": 1}`,
		`null`,
		`{"Input": "InsertCoin", "args": {"value": 5}}`,
		`{"input": "InsertCoin", "INPUT": "Refund", "args": {"value": 5}}`,
	} {
		recs, err := Read(bytes.NewBufferString(src))
		if err == nil {
			_, err = Validate(m, recs, Options{Profile: m.Profile("ci")})
		}
		if !errors.Is(err, ErrBadRecording) {
			t.Errorf("%s: err = %v, want ErrBadRecording", src, err)
		}
	}
}

// TestCollectionArguments: a recording whose inputs carry sets and maps
// (internal/conformance/testdata/collparams.yaml) is read in their JSON
// form; an observed collection the spec does not allow is named, printed
// as a collection, and a repeated set element is a bad recording.
func TestCollectionArguments(t *testing.T) {
	m, err := model.Load("../internal/conformance/testdata/collparams.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"input": "RegisterPendingOps", "args": {"barrier_operation_ids": ["b", "a"]}, "state": {"pending": ["a", "b"]}}`,
		`{"input": "OpsBarrierSatisfied", "args": {"operation_ids": ["a", "b"]}, "state": {"done": ["a", "b"], "pending": []}}`,
		`{"input": "SyncVisibility", "args": {"revision": 1, "deferred_names": ["Search"], "deferred_authorities": {"Search": "Trusted"}}, "state": {"names": ["Search"], "auths": {"Search": "Trusted"}}}`,
		`{"state": {"phase": "Closed"}}`,
	}
	res := validate(t, m, lines, Options{Profile: m.Profile("ci")})
	if res.Failure != nil || res.Steps != 4 {
		t.Fatalf("%+v %v", res, res.Failure)
	}
	bad := append([]string(nil), lines...)
	bad[2] = strings.Replace(bad[2], `"auths": {"Search": "Trusted"}`, `"auths": {"Search": "Signed"}`, 1)
	f := validate(t, m, bad, Options{Profile: m.Profile("ci")}).Failure
	if f == nil || f.Step != 3 || !strings.Contains(f.Error(), "auths: observed {Search: Signed}, the spec allows {Search: Trusted}") {
		t.Fatalf("failure: %v", f)
	}
	bad = append([]string(nil), lines...)
	bad[0] = strings.Replace(bad[0], `["b", "a"]`, `["b", "b"]`, 1)
	recs, err := Read(strings.NewReader(strings.Join(bad, "\n") + "\n"))
	if err == nil {
		_, err = Validate(m, recs, Options{Profile: m.Profile("ci")})
	}
	if !errors.Is(err, ErrBadRecording) {
		t.Errorf("a repeated element: %v, want ErrBadRecording", err)
	}
}

// TestTrailingDataIsBad: a line holds exactly one JSON object; a second
// value or garbage after it is a bad recording naming the line, not dropped.
func TestTrailingDataIsBad(t *testing.T) {
	first := `{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}}`
	for _, tail := range []string{
		`{"input":"Refund","state":{"credit":99}}`,
		` garbage`,
		` 1`,
		`]`,
	} {
		src := first + "\n" + first + tail + "\n"
		_, err := Read(strings.NewReader(src))
		if !errors.Is(err, ErrBadRecording) || !strings.Contains(err.Error(), "line 2:") {
			t.Errorf("%q: err = %v, want ErrBadRecording at line 2", tail, err)
		}
	}
	_, err := Read(strings.NewReader("  " + first + "  x\n"))
	if want := fmt.Sprintf("line 1: column %d: data after the JSON object: \"x\"", len(first)+5); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// TestRepeatedKeysAreBad: a key repeated in a record, its args or its state
// is a bad recording naming the line and the key (encoding/json would keep
// the last value without a word).
func TestRepeatedKeysAreBad(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`{"input":"InsertCoin","args":{"value":25,"value":5},"state":{"credit":25}}`, `args repeats the key "value"`},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25,"credit":5}}`, `state repeats the key "credit"`},
		{`{"input":"InsertCoin","input":"Refund","args":{"value":25}}`, `the record repeats the key "input"`},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25},"state":{"credit":5}}`, `the record repeats the key "state"`},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25,"cr\u0065dit":5}}`, `state repeats the key "credit"`},
	} {
		src := `{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}}` + "\n" + c.src + "\n"
		_, err := Read(strings.NewReader(src))
		if !errors.Is(err, ErrBadRecording) || !strings.Contains(err.Error(), "line 2: "+c.want) {
			t.Errorf("%s: err = %v, want ErrBadRecording with %q", c.src, err, "line 2: "+c.want)
		}
	}
}

// TestNegativeOptions: a negative MaxHidden or MaxCandidates is an error,
// not read as 0 or as the default.
func TestNegativeOptions(t *testing.T) {
	m := vending(t)
	recs, err := Read(strings.NewReader(`{"input":"InsertCoin","args":{"value":25}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []Options{{MaxHidden: -1}, {MaxCandidates: -1}} {
		if _, err := Validate(m, recs, opt); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Errorf("%+v: err = %v, want a negative option refused", opt, err)
		}
	}
}

// TestCandidateLimit: past MaxCandidates Validate fails with
// ErrTooManyCandidates at the line, and returns the counts so far, both
// for the states after a step and for those bridged by MaxHidden.
func TestCandidateLimit(t *testing.T) {
	m := vending(t)
	recs, err := Read(strings.NewReader(`{"input":"InsertCoin","args":{"value":25}}` + "\n\n{}\n{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opt   Options
		line  string
		steps int
	}{
		{Options{Profile: m.Profile("ci"), MaxCandidates: 1}, "line 3: ", 2},
		{Options{Profile: m.Profile("ci"), MaxCandidates: 2, MaxHidden: 3}, "line 1: ", 1},
	} {
		res, err := Validate(m, recs, c.opt)
		if !errors.Is(err, ErrTooManyCandidates) || !strings.Contains(err.Error(), c.line) {
			t.Errorf("%+v: err = %v, want ErrTooManyCandidates at %s", c.opt, err, c.line)
		}
		if res == nil || res.Runs != 1 || res.Steps != c.steps || res.Failure != nil {
			t.Errorf("%+v: result %+v, want 1 run, %d steps checked", c.opt, res, c.steps)
		}
	}
}

// TestReadErrors: a reader that fails is an I/O error, wrapped, not a bad
// recording; a line past the 16 MiB limit is a bad recording at its line.
func TestReadErrors(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(`{"input":"Refund"}`+"\n"), iotest.ErrReader(boom))
	if _, err := Read(r); !errors.Is(err, boom) || errors.Is(err, ErrBadRecording) {
		t.Errorf("failing reader: err = %v, want the reader's error and not ErrBadRecording", err)
	}
	long := `{"input":"Refund"}` + "\n" + `{"session":"` + strings.Repeat("x", 16<<20) + `"}` + "\n"
	if _, err := Read(strings.NewReader(long)); !errors.Is(err, ErrBadRecording) || !strings.Contains(err.Error(), "line 2: ") {
		t.Errorf("long line: err = %v, want ErrBadRecording at line 2", err)
	}
}
