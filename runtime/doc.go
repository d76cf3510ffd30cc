// Package runtime is the Meerkat session control plane around the generated
// session machine (package gen): the shell that upstream calls the runtime
// driver.
//
// A ControlPlane is a registry of sessions. Each session owns one generated
// machine state behind its own lock, its cached LLM identity, capability
// surface and status, its tool visibility state, and optionally an
// Executor (the agent loop's handle: effect channel, boundary handle, and
// the inputs that drive runs and turns). Sessions are independent; every
// operation is safe for concurrent use.
//
// The LLM side is reached through the Host interface (hydrate, resolve
// target, apply identity, apply tool visibility, persist, discard). The
// memhost subpackage is an in-memory reference Host; tool filters and the
// visibility rules live in the visibility subpackage.
//
// The flows (machine-facts §3, §5, §8):
//
//   - ReconfigureSessionLLMIdentity: switch the LLM identity of a session
//     that is not live, with rollback on host failure.
//   - ReconfigureLiveTopology: switch the identity under a live realtime
//     binding, waiting (event-driven, bounded by ctx and a deadline) for the
//     turn's next safe boundary, and mint a fresh authority.
//   - AttachLive, ReplaceRealtimeAttachment, DetachLive, the reattach and
//     reconnect-cycle operations, PublishRealtimeAttachmentSignal and the
//     status projections RealtimeAttachmentStatus and RealtimeChannelStatus.
//   - ApplyCapabilityDrivenRealtimeTransport and
//     RealtimeBootstrapEligibility: realtime follows the model's capability,
//     and opening realtime fails closed when the capability is unknown.
//   - CancelAfterBoundary and the Executor API.
//
// Errors are typed: *NotReadyError (ErrNotReady), *ValidationError
// (ErrValidation), *InternalError and *RollbackError (ErrInternal); they
// wrap their causes, so errors.Is and errors.As reach the generated
// machine's errors and the host's. KindOf gives the outermost category.
//
// Where the upstream reference could leave a session half-way, the flows
// here close the gap: every failure ends with the live topology back at
// Idle (unless the session was destroyed meanwhile) and the session either
// on its previous identity or discarded with its LLM state unresolved; the
// mutation gate covers the whole of a reconfigure (prepare included) and the
// hydrations of the realtime checks, and cleanup host calls run even when
// the caller's context has ended.
//
// The package name shadows the standard library's runtime package; import
// it under another name (for example meerkat) when both are needed.
package runtime
