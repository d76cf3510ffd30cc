package compat

import (
	"fmt"

	"github.com/meerkat-go/dslmachine/model"
)

// migrator turns old states into new ones by the rule of
// model.Machine.MigrateStateJSON without the JSON round trip: which old
// field (or default) feeds each new field is fixed by the two specs, and
// each distinct old value of a field is converted once, through its JSON
// form, and cached. When anything fails it falls back to MigrateStateJSON,
// whose error is the one reported; TestMigratorMatchesJSON checks the two
// agree.
type migrator struct {
	old, nw *model.Machine
	// static is false when some state cannot decode whatever its values (a
	// new field with no source, an old field with no destination).
	static bool
	src    []int  // per new field: the old field index, or -1 for the default
	same   []bool // per new field: the old value decodes as itself
	def    []model.Value
	cache  []map[model.Value]conv
}

// conv is a converted value: ok is false when it does not decode.
type conv struct {
	v  model.Value
	ok bool
}

func newMigrator(old, nw *model.Machine) *migrator {
	mg := &migrator{old: old, nw: nw, static: true, src: make([]int, len(nw.Fields)), same: make([]bool, len(nw.Fields)), def: make([]model.Value, len(nw.Fields)),
		cache: make([]map[model.Value]conv, len(nw.Fields))}
	used := make([]bool, len(old.Fields))
	for i, f := range nw.Fields {
		mg.cache[i] = map[model.Value]conv{}
		mg.src[i] = -1
		if of := old.Field(f.Name); of != nil {
			mg.src[i] = of.Index
		} else if of := old.Field(f.RenamedFrom); f.RenamedFrom != "" && of != nil {
			mg.src[i] = of.Index
		}
		switch {
		case mg.src[i] >= 0:
			used[mg.src[i]] = true
			mg.same[i] = sameValues(old.Fields[mg.src[i]], f)
		case f.Default != nil:
			raw, err := model.DefaultJSON(f)
			if err != nil {
				mg.static = false
				continue
			}
			v, err := model.ParseValueJSON(f.Type, raw)
			if err != nil {
				mg.static = false
				continue
			}
			mg.def[i] = v
		default:
			mg.static = false
		}
	}
	markRemoved(old, nw, used)
	for _, u := range used {
		if !u {
			mg.static = false
		}
	}
	return mg
}

// migrate returns the new state of an old one, or the decode error.
func (mg *migrator) migrate(s model.State) (model.State, error) {
	return mg.migrateInto(make(model.State, len(mg.nw.Fields)), s)
}

// migrateInto is migrate writing the new state to out when it can (the
// result is out, or a new state from the JSON path).
func (mg *migrator) migrateInto(out, s model.State) (model.State, error) {
	if mg.static {
		ok := true
		for i, f := range mg.nw.Fields {
			j := mg.src[i]
			if j < 0 {
				out[i] = mg.def[i]
				continue
			}
			if mg.same[i] && fits(f, s[j]) {
				out[i] = s[j]
				continue
			}
			c, hit := mg.cache[i][s[j]]
			if !hit {
				c = mg.convert(mg.old.Fields[j], f, s[j])
				mg.cache[i][s[j]] = c
			}
			if !c.ok {
				ok = false
				break
			}
			out[i] = c.v
		}
		if ok {
			return out, nil
		}
	}
	js, err := mg.old.StateJSON(s)
	if err != nil {
		return nil, err
	}
	return mg.nw.MigrateStateJSON(js)
}

// convert is ParseStateJSON's reading of one migrated field value.
func (mg *migrator) convert(of, f *model.Field, v model.Value) conv {
	raw, err := model.ValueJSON(of.Type, v)
	if err != nil {
		return conv{}
	}
	nv, err := model.ParseValueJSON(f.Type, model.MigrateEnumJSON(f.Type, raw))
	if err != nil || (f.Max != nil && nv.N > *f.Max) {
		return conv{}
	}
	return conv{nv, true}
}

// sameValues reports whether every value of old field of decodes, through
// its JSON form, as the same value of field f: same kind, an enum with the
// same values in the same order (so no migration applies), no new max
// below the old one.
func sameValues(of, f *model.Field) bool {
	if !sameType(of.Type, f.Type) {
		return false
	}
	return f.Max == nil || (of.Max != nil && *of.Max <= *f.Max)
}

// sameType reports whether values of type a (of the old spec) are values
// of type b (of the new one) as they are: the same kind, with the same
// element, key and value types and the same capacity for collections, the
// same id type, and enums with the same values in the same order.
func sameType(a, b *model.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case model.KindOption:
		return sameType(a.Elem, b.Elem)
	case model.KindSet:
		return a.Cap == b.Cap && sameType(a.Elem, b.Elem)
	case model.KindMap:
		return a.Cap == b.Cap && sameType(a.Key, b.Key) && sameType(a.Elem, b.Elem)
	case model.KindID:
		return a.ID.Name == b.ID.Name
	case model.KindEnum:
		if len(a.Enum.Values) != len(b.Enum.Values) {
			return false
		}
		for i, v := range a.Enum.Values {
			if b.Enum.Values[i] != v {
				return false
			}
		}
	}
	return true
}

// fits reports whether a value is one of field f's type (an enum value in
// range, a uint within its max): a value of the old field that fits decodes
// as itself when sameValues holds.
func fits(f *model.Field, v model.Value) bool {
	t := f.Type
	if t.Kind == model.KindOption {
		if !v.Some {
			return v == model.None()
		}
		t = t.Elem
	}
	switch t.Kind {
	case model.KindEnum:
		return v.N < uint64(len(t.Enum.Values))
	case model.KindUint:
		return f.Max == nil || v.N <= *f.Max
	case model.KindBool:
		return v.N <= 1
	}
	return true
}

// problem is one reason an old state does not decode: a field and a cause
// that groups findings (no value in it; "field " + field + cause reads as a
// sentence), and the error for this state.
type problem struct {
	field, cause string
	err          error
}

// problems lists every reason an old state does not decode as a new one by
// the rule of model.Machine.MigrateStateJSON (whose first error is one of
// them): each new field that has no source and no default, or whose
// migrated value does not decode or is above its max, then each old field
// that no new field takes (unknown to the new spec).
func (mg *migrator) problems(s model.State) []problem {
	var out []problem
	used := make([]bool, len(mg.old.Fields))
	for i, f := range mg.nw.Fields {
		j := mg.src[i]
		if j < 0 {
			if f.Default == nil {
				out = append(out, problem{f.Name, " is missing (the old spec has no field of that name or its renamed_from, and it has no default)", fmt.Errorf("field %s is missing", f.Name)})
				continue
			}
			if raw, err := model.DefaultJSON(f); err != nil {
				out = append(out, problem{f.Name, ": its default does not decode", err})
			} else if _, err := model.ParseValueJSON(f.Type, raw); err != nil {
				out = append(out, problem{f.Name, ": its default does not decode", err})
			}
			continue
		}
		used[j] = true
		of := mg.old.Fields[j]
		raw, err := model.ValueJSON(of.Type, s[j])
		if err != nil {
			out = append(out, problem{f.Name, ": a value has no JSON form", err})
			continue
		}
		nv, err := model.ParseValueJSON(f.Type, model.MigrateEnumJSON(f.Type, raw))
		switch {
		case err != nil && !sameKind(of.Type, f.Type):
			out = append(out, problem{f.Name, fmt.Sprintf(": its type changed from %s to %s", of.Type, f.Type), fmt.Errorf("field %s: %w", f.Name, err)})
		case err != nil:
			out = append(out, problem{f.Name, fmt.Sprintf(": a value that is not one of its new type %s", f.Type), fmt.Errorf("field %s: %w", f.Name, err)})
		case f.Max != nil && nv.N > *f.Max:
			out = append(out, problem{f.Name, fmt.Sprintf(": a value above its new max %d", *f.Max), fmt.Errorf("field %s: %d is above its max %d", f.Name, nv.N, *f.Max)})
		}
	}
	markRemoved(mg.old, mg.nw, used)
	for j, u := range used {
		if !u {
			name := mg.old.Fields[j].Name
			out = append(out, problem{name, " is unknown to the new spec (removed without removed_fields, or renamed without renamed_from)", fmt.Errorf("unknown field %s", name)})
		}
	}
	return out
}

// markRemoved marks as used the old fields the new spec lists in
// removed_fields (their values are discarded).
func markRemoved(old, nw *model.Machine, used []bool) {
	for _, name := range nw.RemovedFields {
		if of := old.Field(name); of != nil {
			used[of.Index] = true
		}
	}
}

// sameKind reports whether two types are of the same kind (an option of
// the same kind for options).
func sameKind(a, b *model.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == model.KindOption {
		return sameKind(a.Elem, b.Elem)
	}
	return true
}
