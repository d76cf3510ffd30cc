package specfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// driverMain is the driver program: it steps every generated package
// through its vectors and prints the outcomes as JSON. Each package adds
// itself to runners from a file of its own (driverPkg), so that a package
// whose API the driver cannot use is attributed by file name.
const driverMain = `package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

type vec struct {
	State, Input json.RawMessage
	Invalid      bool
}

type res struct {
	Next, Effects json.RawMessage
	Err, Kind     string
	Invariant     string
	Apply         string
	Panic         string
}

type out struct {
	Initial json.RawMessage
	Results []res
}

var runners = map[string]func([]vec) out{}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var in map[string][]vec
	if err := json.Unmarshal(data, &in); err != nil {
		panic(err)
	}
	all := map[string]out{}
	for name, run := range runners {
		all[name] = run(in[name])
	}
	if err := json.NewEncoder(os.Stdout).Encode(all); err != nil {
		panic(err)
	}
}

func run[S, I, F any](vs []vec, initial func() S, decode func([]byte) (I, error), step func(S, I) (S, F, error),
	inv func(S) error, apply func(*S, I) (F, error), rej, bound error) out {
	var o out
	o.Initial, _ = json.Marshal(initial())
	for _, v := range vs {
		o.Results = append(o.Results, one(v, decode, step, inv, apply, rej, bound))
	}
	return o
}

func one[S, I, F any](v vec, decode func([]byte) (I, error), step func(S, I) (S, F, error),
	inv func(S) error, apply func(*S, I) (F, error), rej, bound error) (r res) {
	defer func() {
		if p := recover(); p != nil {
			r.Panic = fmt.Sprint(p)
		}
	}()
	var s S
	if err := json.Unmarshal(v.State, &s); err != nil {
		if v.Invalid {
			r.Kind = "invalid"
			return r
		}
		r.Panic = "decode state: " + err.Error()
		return r
	}
	if v.Invalid {
		r.Panic = "decoding accepted a state the interpreter's ValidateState refuses"
		return r
	}
	in, err := decode(v.Input)
	if err != nil {
		r.Panic = "decode input: " + err.Error()
		return r
	}
	if err := inv(s); err != nil {
		r.Invariant = err.Error()
	}
	n, fx, err := step(s, in)
	if err != nil {
		r.Err = err.Error()
		switch {
		case errors.Is(err, rej):
			r.Kind = "rejected"
		case errors.Is(err, bound):
			r.Kind = "bound"
		default:
			r.Kind = "other: " + err.Error()
		}
	}
	r.Next, _ = json.Marshal(n)
	r.Effects, _ = json.Marshal(fx)
	s2 := s
	fx2, err2 := apply(&s2, in)
	a, _ := json.Marshal(s2)
	b, _ := json.Marshal(fx2)
	if (err2 == nil) != (err == nil) || err != nil && err2.Error() != err.Error() || string(a) != string(r.Next) || string(b) != string(r.Effects) {
		r.Apply = fmt.Sprintf("Apply differs from Step: state %s, effects %s, error %v", a, b, err2)
	}
	var back S
	if err := json.Unmarshal(r.Next, &back); err != nil {
		// Decoding refuses a state that breaks an invariant, by design.
		if inv(n) == nil {
			r.Apply += "; the next state's JSON does not decode: " + err.Error()
		}
	} else if c, _ := json.Marshal(back); string(c) != string(r.Next) {
		r.Apply += "; the next state's JSON round trip gives " + string(c)
	}
	return r
}
`

func driverPkg(i int, name string) string {
	return fmt.Sprintf(`package main

import p%d %q

func init() {
	runners[%q] = func(vs []vec) out {
		return run(vs, p%d.Initial, p%d.DecodeInput, p%d.Step, p%d.State.CheckInvariants, (*p%d.State).Apply, p%d.ErrRejected, p%d.ErrBound)
	}
}
`, i, scratchModule+"/"+name, name, i, i, i, i, i, i, i)
}

type driverRes struct {
	Next, Effects json.RawMessage
	Err, Kind     string
	Invariant     string
	Apply         string
	Panic         string
}

type driverOut struct {
	Initial json.RawMessage
	Results []driverRes
}

// runDriver builds and runs the driver over the packages in names (which
// must build). A package the driver cannot compile against is reported as
// a conformance failure in fails and dropped from names.
func runDriver(dir string, names []string, recs map[string]*Record, fails map[string][]Failure) (map[string]driverOut, error) {
	ddir := filepath.Join(dir, "zzdriver")
	if err := os.MkdirAll(ddir, 0o755); err != nil {
		return nil, err
	}
	vecs := map[string][]Vector{}
	for _, n := range names {
		vecs[n] = recs[n].Vectors
	}
	data, err := json.Marshal(vecs)
	if err != nil {
		return nil, err
	}
	vfile := filepath.Join(dir, "vectors.json")
	if err := os.WriteFile(vfile, data, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(ddir, "main.go"), []byte(driverMain), 0o644); err != nil {
		return nil, err
	}
	for i, n := range names {
		if err := os.WriteFile(filepath.Join(ddir, "p_"+n+".go"), []byte(driverPkg(i, n)), 0o644); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		bin := filepath.Join(dir, "driver.bin")
		out, err := goCmd(dir, "go", "build", "-o", bin, "./zzdriver")
		if err == nil {
			out, err = goCmd(dir, bin, vfile)
			if err != nil {
				return nil, fmt.Errorf("driver: %v\n%s", err, out)
			}
			res := map[string]driverOut{}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				return nil, fmt.Errorf("driver output: %v\n%s", err, out)
			}
			return res, nil
		}
		if attempt > 3 {
			return nil, fmt.Errorf("driver does not build: %v\n%s", err, out)
		}
		bad := 0
		for _, n := range names {
			if !strings.Contains(out, "p_"+n+".go") {
				continue
			}
			bad++
			fails[n] = append(fails[n], Failure{Stage: StageConform, Msg: "the driver cannot use the generated API: " + firstLines(out, "p_"+n+".go", 3)})
			os.Remove(filepath.Join(ddir, "p_"+n+".go"))
		}
		if bad == 0 {
			return nil, fmt.Errorf("driver does not build: %v\n%s", err, out)
		}
	}
}

func firstLines(out, marker string, n int) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, marker) && len(lines) < n {
			lines = append(lines, strings.TrimSpace(l[strings.Index(l, marker):]))
		}
	}
	return strings.Join(lines, "; ")
}

// compare returns the first difference between the interpreter's vectors
// and the generated package's results, or "".
func compare(r *Record, got driverOut) string {
	if len(got.Results) != len(r.Vectors) {
		return fmt.Sprintf("the driver returned %d results for %d vectors", len(got.Results), len(r.Vectors))
	}
	if !sameJSON(r.Initial, got.Initial) {
		return fmt.Sprintf("Initial() is %s, the interpreter's initial state %s", got.Initial, r.Initial)
	}
	for i, v := range r.Vectors {
		g := got.Results[i]
		msg := ""
		switch {
		case g.Panic != "":
			msg = "generated code fails: " + g.Panic
		case v.Invalid && g.Kind == "invalid":
			continue // both refuse the state
		case g.Err != v.Err:
			msg = fmt.Sprintf("error differs: interpreter %q (%s), generated %q (%s)", v.Err, v.ErrKind, g.Err, g.Kind)
		case g.Kind != v.ErrKind:
			msg = fmt.Sprintf("error kind differs: interpreter %q, generated %q for %q", v.ErrKind, g.Kind, v.Err)
		case !sameJSON(v.Next, g.Next):
			msg = fmt.Sprintf("next state differs: interpreter %s, generated %s", v.Next, g.Next)
		case !sameJSON(v.Effects, g.Effects):
			msg = fmt.Sprintf("effects differ: interpreter %s, generated %s", v.Effects, g.Effects)
		case g.Invariant != v.Invariant:
			msg = fmt.Sprintf("CheckInvariants differs: interpreter %q, generated %q", v.Invariant, g.Invariant)
		case g.Apply != "":
			msg = strings.TrimPrefix(g.Apply, "; ")
		}
		if msg != "" {
			return fmt.Sprintf("%s; at state %s, input %s", msg, v.State, v.Input)
		}
	}
	return ""
}

func sameJSON(a, b []byte) bool {
	var x, y any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if da.Decode(&x) != nil || db.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
