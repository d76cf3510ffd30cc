package model

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// randomValue draws a value of a scalar or collection type over the enum
// Color (three values); ids are not drawn (they have no literal).
func randomValue(r *rand.Rand, t *Type) Value {
	switch t.Kind {
	case KindBool:
		return Bool(r.IntN(2) == 1)
	case KindUint:
		return Uint([]uint64{0, 1, 7, 1 << 40, ^uint64(0)}[r.IntN(5)])
	case KindEnum:
		return EnumValue(r.IntN(len(t.Enum.Values)))
	case KindOption:
		if r.IntN(3) == 0 {
			return None()
		}
		return SomeOf(randomValue(r, t.Elem))
	case KindSet:
		var es []Value
		for i := r.IntN(int(t.Cap) + 1); i > 0; i-- {
			es = append(es, randomValue(r, t.Elem))
		}
		return SetOf(es...)
	case KindMap:
		var kv []Value
		for i := r.IntN(int(t.Cap) + 1); i > 0; i-- {
			kv = append(kv, randomValue(r, t.Key), randomValue(r, t.Elem))
		}
		return MapOf(kv...)
	}
	panic("no generator for " + t.String())
}

// TestFormatValueRoundTrips: FormatValue renders a set or map as the DSL's
// literal ({a, b}, {k: v}), never "?": read back as a field's initial
// value, it is the value formatted (the text traces printed "?").
func TestFormatValueRoundTrips(t *testing.T) {
	types := []string{"set<Color, 3>", "map<Color, uint, 3>", "map<Color, option<uint>, 2>", "map<Color, bool, 3>", "map<Color, Color, 2>", "map<Color, option<Color>, 3>"}
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 40; round++ {
		var b strings.Builder
		b.WriteString("machine: F\nenums:\n  Phase: [A]\n  Color: [Red, Green, Blue]\nphase: phase\nfields:\n  phase: {type: Phase, initial: A}\n")
		for i, ty := range types {
			fmt.Fprintf(&b, "  f%d: {type: %q, initial: \"{}\"}\n", i, ty)
		}
		b.WriteString("inputs:\n  Go: {}\ntransitions:\n  - {name: Go, on: Go, from: [A]}\n")
		m := load(t, b.String())
		var want []Value
		src := b.String()
		for i, ty := range types {
			f := m.Field(fmt.Sprintf("f%d", i))
			v := randomValue(r, f.Type)
			want = append(want, v)
			text := FormatValue(f.Type, v)
			if strings.Contains(text, "?") {
				t.Fatalf("%s: %q", ty, text)
			}
			src = strings.Replace(src, fmt.Sprintf("f%d: {type: %q, initial: \"{}\"}", i, ty), fmt.Sprintf("f%d: {type: %q, initial: %s}", i, ty, strconv.Quote(text)), 1)
		}
		back := load(t, src)
		init := back.Initial()
		for i, ty := range types {
			f := back.Field(fmt.Sprintf("f%d", i))
			if init[f.Index] != want[i] {
				t.Errorf("%s: %s reads back as %s", ty, FormatValue(f.Type, want[i]), FormatValue(f.Type, init[f.Index]))
			}
		}
	}
}

// TestFormatValueIDs: ids in a collection are quoted as elsewhere.
func TestFormatValueIDs(t *testing.T) {
	m := load(t, "machine: F\nenums:\n  Phase: [A]\nids: [W]\nphase: phase\nfields:\n  phase: {type: Phase, initial: A}\n  s: {type: \"set<W, 2>\", initial: \"{}\"}\n  m: {type: \"map<W, uint, 2>\", initial: \"{}\"}\ninputs:\n  Go: {}\ntransitions:\n  - {name: Go, on: Go, from: [A]}\n")
	if got := FormatValue(m.Field("s").Type, SetOf(ID("b"), ID("a"))); got != `{"a", "b"}` {
		t.Errorf("set: %s", got)
	}
	if got := FormatValue(m.Field("m").Type, MapOf(ID("w"), Uint(3))); got != `{"w": 3}` {
		t.Errorf("map: %s", got)
	}
	if got := FormatValue(m.Field("m").Type, MapOf()); got != `{}` {
		t.Errorf("empty map: %s", got)
	}
}
