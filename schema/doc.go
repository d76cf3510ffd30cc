// Package schema holds dslmachine.schema.json, the JSON Schema of the spec
// DSL (docs/DSL.md) for editors: a spec whose first line is
//
//	# yaml-language-server: $schema=RELATIVE/PATH/TO/schema/dslmachine.schema.json
//
// gets completion, hover docs and inline errors from yaml-language-server
// (the YAML extension of VS Code, and other editors' YAML language servers).
// The schema checks the shape of a spec; `dslgen validate` checks the rest.
// Its tests keep it equal to the loader's key tables (model.KeyTables) and
// validate every spec in the repository against it.
package schema
