// Package runtime is the Meerkat session control plane around the generated
// session machine: the domain types of the LLM side (identity, capability
// surface, reconfigure request and report), the Host interface through
// which the runtime reaches the live LLM session, typed errors, and the
// realtime attachment and channel status projections.
//
// Tool visibility lives in the visibility subpackage; an in-memory reference
// Host lives in the memhost subpackage.
//
// The package name shadows the standard library's runtime package; import
// it under another name (for example meerkat) when both are needed.
package runtime
