package model

import "go.yaml.in/yaml/v3"

// The loader's part of spec evolution: the declared migrations (a field's
// renamed_from and default, the spec's enum_migrations) and stable_inputs.
// See "Evolving a spec" in docs/DSL.md.

// loadFieldMigration reads a field's renamed_from and default keys.
func (l *loader) loadFieldMigration(f *Field, spec map[string]*pair) {
	if r := spec["renamed_from"]; r != nil {
		f.RenamedFrom = l.ident(r.v, "renamed_from")
		if f.RenamedFrom == f.Name {
			l.e.add(l.pos(r.v), "field %s: renamed_from names the field itself", f.Name)
		}
		if l.renames == nil {
			l.renames = map[*Field]Pos{}
		}
		l.renames[f] = l.pos(r.v)
	}
	d := spec["default"]
	if d == nil {
		return
	}
	if f.Type.Kind == KindID {
		l.e.add(l.pos(d.v), "field %s: an id field has no default; use option<%s> with default: none", f.Name, f.Type)
		return
	}
	f.Default = l.expr(d.v, &scope{}, "default of "+f.Name, f.Type)
	if f.Default == nil || !f.Default.Type().Equal(f.Type) {
		return
	}
	v, err := constValue(f.Default)
	switch {
	case err != nil:
		l.e.add(l.pos(d.v), "default of %s overflows", f.Name)
		f.Default = nil
	case f.Max != nil && (f.Type.Kind == KindUint || v.Some) && v.N > *f.Max:
		l.e.add(l.pos(d.v), "default %d of %s is out of its bound (max %d)", v.N, f.Name, *f.Max)
		f.Default = nil
	}
}

// checkRenames reports a renamed_from that names a field of this version
// (the persisted value would be read twice) or that two fields share.
func (l *loader) checkRenames() {
	from := map[string]*Field{}
	for _, f := range l.m.Fields {
		if f.RenamedFrom == "" || f.RenamedFrom == f.Name {
			continue
		}
		pos := l.renames[f]
		if g := l.fields[f.RenamedFrom]; g != nil {
			l.e.add(pos, "field %s: renamed_from %s names a field of this spec (declared at %s)", f.Name, f.RenamedFrom, g.Pos)
			continue
		}
		if g := from[f.RenamedFrom]; g != nil {
			l.e.add(pos, "field %s: renamed_from %s is also the old name of field %s", f.Name, f.RenamedFrom, g.Name)
			continue
		}
		from[f.RenamedFrom] = f
	}
}

// loadEnumMigrations reads enum_migrations: Enum: {OldValue: NewValue, ...}.
// An old value is a name the enum no longer has; the new value one it has.
func (l *loader) loadEnumMigrations(n *yaml.Node) {
	for _, p := range l.pairs(n, "enum_migrations") {
		name := l.ident(p.k, "enum name")
		e := l.enumMap[name]
		if e == nil {
			l.e.add(l.pos(p.k), "enum_migrations: unknown enum %s", name)
			continue
		}
		for _, q := range l.pairs(p.v, "enum_migrations of "+name) {
			old := l.ident(q.k, "old value")
			to := l.ident(q.v, "new value")
			if old == "" || to == "" {
				continue
			}
			if e.Index(old) >= 0 {
				l.e.add(l.pos(q.k), "enum_migrations: %s is still a value of %s; only a value the enum no longer has can be migrated", old, name)
				continue
			}
			i := e.Index(to)
			if i < 0 {
				l.e.add(l.pos(q.v), "enum_migrations: %s is not a value of %s", to, name)
				continue
			}
			if e.Migrations == nil {
				e.Migrations = map[string]int{}
			}
			e.Migrations[old] = i
		}
	}
}

// loadStableInputs reads stable_inputs: [Input, ...].
func (l *loader) loadStableInputs(n *yaml.Node) {
	for _, item := range l.seq(n, "stable_inputs") {
		name := l.ident(item, "input name")
		in := l.m.Input(name)
		switch {
		case name == "":
		case in == nil:
			l.e.add(l.pos(item), "stable_inputs: unknown input %s", name)
		case in.Stable:
			l.e.add(l.pos(item), "stable_inputs: input %s is listed twice", name)
		default:
			in.Stable = true
		}
	}
}
