package gocode

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"math/rand"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// nastyNames are spec names close to what generated code declares, imports
// or uses: generated identifiers and members in several casings, Go
// keywords, predeclared identifiers and import names.
var nastyNames = []string{
	"State", "state", "Step", "step", "type", "func", "range", "go", "select", "string", "String", "uint8", "Uint8",
	"fmt", "json", "JSON", "iter", "bytes", "errors", "strconv", "add", "sub", "b2u", "inputNames", "input_names",
	"phase", "Phase", "Values", "values", "Option", "option", "EffectKind", "effect_kind", "Effect", "effects",
	"Initial", "Kind", "kind", "Payload", "payload", "input_name", "InputName", "marshal_json", "MarshalJSON",
	"is_input", "isInput", "validate", "Validate", "apply", "Apply", "check_invariants", "bad_enum", "badEnum",
	"check_types", "u", "s", "Value", "Present", "Get", "Or", "err", "nil", "len", "main", "init", "A", "a", "B",
	"b", "x_y", "xY", "XY", "id", "ID", "Id", "ids", "IDs", "As", "as_a", "AsA", "KindA", "guard_sites",
	"bound_errors", "state_json", "StateJSON", "T", "t", "n", "in", "fx", "ovf", "Error", "Unwrap", "Is",
	"Names", "names", "Args", "args", "Some", "None", "A_Values", "decode_input", "DecodeInput",
	"invalid_fields", "InvalidStateError", "ErrInvalidState", "Transitions", "TransitionInfo", "GuardNames",
}

// TestRandomNamesTypeCheck generates specs whose names are drawn from
// nastyNames: every spec that loads and that Check accepts must generate
// code that type-checks (go/types; the build tests run the compiler).
func TestRandomNamesTypeCheck(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	fset := token.NewFileSet()
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pick := func() string { return nastyNames[r.Intn(len(nastyNames))] }
	n := 600
	if testing.Short() {
		n = 50
	}
	accepted, checked := 0, 0
	for i := 0; i < n; i++ {
		machine, e1, v0, v1, e2, v2, idt := pick(), pick(), pick(), pick(), pick(), pick(), pick()
		f0, f1, f2 := pick(), pick(), pick()
		in1, p0, p1, in2 := pick(), pick(), pick(), pick()
		ef, ef0, ef1, t1, t2 := pick(), pick(), pick(), pick(), pick()
		spec := fmt.Sprintf(`
machine: %[1]s
enums:
  %[2]s: [%[3]s, %[4]s]
  %[5]s: [%[6]s]
ids: [%[7]s]
fields:
  %[8]s: {type: %[2]s, initial: %[2]s.%[3]s}
  %[9]s: {type: uint, max: 3, initial: 0}
  %[10]s: {type: option<%[7]s>, initial: none}
phase: %[8]s
inputs:
  %[11]s: {%[12]s: %[7]s, %[13]s: uint}
  %[14]s: {}
effects:
  %[15]s: {%[16]s: %[7]s, %[17]s: uint}
transitions:
  - name: %[18]s
    on: %[11]s
    from: [%[3]s]
    to: %[4]s
    do: ["%[9]s := %[9]s", "%[10]s := some(arg.%[12]s)"]
    emit:
      - %[15]s: {%[16]s: arg.%[12]s, %[17]s: arg.%[13]s}
  - {name: %[19]s, on: %[14]s, from: [%[4]s], to: %[3]s}
`, machine, e1, v0, v1, e2, v2, idt, f0, f1, f2, in1, p0, p1, in2, ef, ef0, ef1, t1, t2)
		m, err := model.Parse("r.yaml", []byte(spec))
		if err != nil {
			continue
		}
		checked++
		if errs := Check(m); len(errs) > 0 {
			continue
		}
		accepted++
		src, err := Generate(m, Options{Package: "p"})
		if err != nil {
			t.Fatalf("Check accepts and Generate refuses:\n%s\n%v", spec, err)
		}
		f, err := parser.ParseFile(fset, "p.go", src, 0)
		if err != nil {
			t.Fatalf("generated code does not parse: %v\n%s", err, spec)
		}
		if _, err := conf.Check("p", fset, []*ast.File{f}, nil); err != nil {
			t.Fatalf("Check accepts a spec whose code does not type-check: %v\n%s", err, spec)
		}
	}
	t.Logf("%d specs, %d loaded, %d accepted by Check", n, checked, accepted)
	if accepted == 0 {
		t.Fatal("no spec accepted: the test checks nothing")
	}
}
