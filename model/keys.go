package model

// KeyTable lists the keys that one fixed-key mapping of the DSL accepts. The
// loader reports any other key as an error; the JSON Schema of the DSL
// (schema/dslmachine.schema.json) is tested against these tables.
type KeyTable struct {
	// Keys are the accepted keys, in the order of docs/DSL.md.
	Keys []string
	// Required are the keys the loader reports as missing when absent.
	Required []string
}

// The names of the DSL's fixed-key mappings in KeyTables.
const (
	MappingSpec       = "spec"       // the top level of a spec file
	MappingField      = "field"      // one entry of fields:
	MappingTransition = "transition" // one item of transitions:
	MappingProfile    = "profile"    // one entry of profiles:
	MappingFairness   = "fairness"   // the fairness: section
	MappingLiveness   = "liveness"   // one entry of liveness:
	MappingConstant   = "constant"   // the long form of one entry of constants:
	MappingInput      = "input"      // the long form of one entry of inputs: (recognized by its params mapping)
	MappingEffect     = "effect"     // the long form of one entry of effects: (recognized by its fields mapping)
	MappingParam      = "parameter"  // the long form of one input parameter or effect field
)

// KeyTables returns the key table of every fixed-key mapping of the DSL, by
// mapping name (MappingSpec, ...). The other mappings of the DSL (enums,
// fields, inputs, effects, guards, invariants, liveness, profiles, bounds,
// domains and effect arguments) are keyed by names the spec declares. Every call returns
// fresh slices.
func KeyTables() map[string]KeyTable {
	return map[string]KeyTable{
		MappingSpec:       specKeys(),
		MappingField:      fieldKeys(),
		MappingTransition: transitionKeys(),
		MappingProfile:    profileKeys(),
		MappingFairness:   fairnessKeys(),
		MappingLiveness:   livenessKeys(),
		MappingConstant:   constantKeys(),
		MappingInput:      inputKeys(),
		MappingEffect:     effectKeys(),
		MappingParam:      paramKeys(),
	}
}

func specKeys() KeyTable {
	return KeyTable{
		Keys:     []string{"machine", "doc", "package", "enums", "ids", "constants", "fields", "phase", "terminal", "inputs", "effects", "guards", "transitions", "invariants", "fairness", "liveness", "profiles", "enum_migrations", "stable_inputs", "removed_fields"},
		Required: []string{"machine", "fields", "phase", "inputs", "transitions"},
	}
}

func fieldKeys() KeyTable {
	return KeyTable{Keys: []string{"type", "initial", "max", "doc", "renamed_from", "default"}, Required: []string{"type"}}
}

func transitionKeys() KeyTable {
	return KeyTable{
		Keys:     []string{"name", "doc", "on", "from", "to", "guards", "do", "emit", "unreachable"},
		Required: []string{"name", "on", "from"},
	}
}

func profileKeys() KeyTable {
	return KeyTable{Keys: []string{"doc", "bounds", "domains", "inputs", "exclude", "liveness", "depth"}}
}

func fairnessKeys() KeyTable {
	return KeyTable{Keys: []string{"weak", "strong"}}
}

func livenessKeys() KeyTable {
	return KeyTable{Keys: []string{"doc", "from", "leads_to", "always_eventually"}}
}

func constantKeys() KeyTable {
	return KeyTable{Keys: []string{"value", "doc"}, Required: []string{"value"}}
}

func inputKeys() KeyTable {
	return KeyTable{Keys: []string{"doc", "params"}, Required: []string{"params"}}
}

func effectKeys() KeyTable {
	return KeyTable{Keys: []string{"doc", "fields"}, Required: []string{"fields"}}
}

func paramKeys() KeyTable {
	return KeyTable{Keys: []string{"type", "doc"}, Required: []string{"type"}}
}
