// Package visibility implements session tool visibility for the Meerkat
// runtime: tool filters (All, Allow, Deny), their composition into a scope
// (the most restrictive result wins), the committed visibility of a tool
// name, the per-session visibility state, and the derivation of the
// visibility state that follows an LLM reconfigure, together with its
// revision bump rule.
//
// Everything here is a pure value computation: no locks, no I/O and no
// dependency on the generated machine package.
package visibility
