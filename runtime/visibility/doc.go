// Package visibility implements session tool visibility for the Meerkat
// runtime: tool filters (All, Allow, Deny), their composition into a scope
// (the most restrictive result wins), the committed visibility of a tool
// name, the per-session visibility state, the derivation of the visibility
// state that follows an LLM reconfigure, together with its revision bump
// rule, and the projection of a state into the machine's
// SyncVisibilityRevisions input.
//
// Tool names, the requested deferred name sets and the deferred authority
// maps are the generated machine's types (gen.ToolName, DeferredNames,
// DeferredAuthorities). Everything here is a pure value computation: no
// locks and no I/O.
package visibility
