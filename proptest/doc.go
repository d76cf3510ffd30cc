// Package proptest holds property tests, written with pgregory.net/rapid,
// across the spec interpreter, the generated code and the runtime. All of its
// code is in _test files; this file only documents the package.
package proptest
