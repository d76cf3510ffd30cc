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
// The flows:
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
// # Errors
//
// Every error a flow returns belongs to exactly one category, which KindOf
// names and errors.Is matches by sentinel, so that a service can map it to
// a response:
//
//   - *NotReadyError (ErrNotReady): the session is in a lifecycle phase
//     that does not allow the operation; State is that gen.LifecyclePhase.
//     A missing or removed session is StateDestroyed and wraps
//     ErrSessionRemoved. Retry after the session has moved on.
//   - *ValidationError (ErrValidation): the request was refused (a machine
//     guard, a host's refusal of a target, a missing capability, a nil
//     context). Do not retry unchanged.
//   - *CanceledError (ErrCanceled): the caller's context ended before the
//     point of no return and whatever the flow had started was undone; it
//     wraps the context's error, so errors.Is(err, context.Canceled) and
//     errors.Is(err, context.DeadlineExceeded) work.
//   - *InternalError (ErrInternal): the control plane or the host failed
//     (a host error of no category, a host panic, a failure past the point
//     of no return, a failed rollback carrying a *RollbackError, a boundary
//     timeout, a missing host).
//
// The typed errors wrap their causes (the generated machine's errors, the
// host's errors, context errors) for errors.Is and errors.As, but never a
// cause of another category.
//
// # Failures end at rest
//
// Where the upstream reference could leave a session half-way, the flows
// here close the gap: every failure ends with the live topology back at
// Idle (unless the session was removed meanwhile) and the session either
// on its previous identity or discarded with its LLM state unresolved; the
// mutation gate covers the whole of a reconfigure (prepare included) and the
// hydrations of the realtime checks. Once a live reconfigure has detached
// (its point of no return), its host calls, like every cleanup host call,
// run on their own context bounded by WithCleanupTimeout, so a caller that
// gives up does not throw the binding away. Unregistering a session in the
// middle of a live reconfigure does not wedge it either: the machine lets
// the abort and fail-past-detach inputs run on an unregistered session.
//
// # Removed sessions and generations
//
// Each session has a generation (Snapshot.Generation), greater than that of
// every session created before it, so a session created again under the id
// of a removed one is told apart. A flow still running on a removed
// session is fenced: it makes no further machine step and no further host
// call (no rollback or discard either, as the id may already name the new
// session) and fails with a *NotReadyError wrapping ErrSessionRemoved. The
// new session's host-calling flows wait for the removed session's flow to
// end, so their host calls never interleave with its last one. Every host
// call carries the SessionRef (id and generation) of the session it is
// made for in its context (SessionRefFromContext). The fence is checked
// before and after every host call, so a host call that was already under
// way when the session was removed still completes; a host that must refuse
// it can compare its SessionRef with the generation it knows.
//
// # Panics
//
// Host code (the Host's methods and an executor's BoundaryHandle) is
// treated as I/O: a panic in it is recovered and the flow fails cleanly,
// exactly as if the call had returned an *InternalError wrapping
// ErrHostPanic. The observable end state is that of a host error at the same
// step: before the detach of a live reconfigure the topology is aborted to
// Idle with the old authority still valid; after it the reconfigure fails
// past detach (topology Idle, reattach required, LLM state unresolved); in
// ReconfigureSessionLLMIdentity the host is rolled back.
//
// Caller code (the WithObserver observer and WaitFor predicates) is a
// programming error when it panics: the panic is re-raised to the caller of
// the method that ran it, after the session's mutex and mutation gate have
// been released and the live topology restored (aborted before detach,
// failed past detach after it, with the observer's further panics during
// that cleanup swallowed). A step whose observer panicked stays committed.
// The session stays usable.
//
// The package name shadows the standard library's runtime package; import
// it under another name (for example meerkat) when both are needed.
package runtime
