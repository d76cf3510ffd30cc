package runtime

import (
	"fmt"
	"math"
	"time"
)

// Authority is a realtime attachment signal authority (upstream
// RealtimeAttachmentSignalAuthority): the token a realtime transport
// presents to publish signals for a session's binding. Its epoch is minted
// by the session machine and is never reused.
type Authority struct {
	// SessionID names the session.
	SessionID SessionID `json:"session_id"`
	// Epoch is the binding's authority epoch.
	Epoch uint64 `json:"authority_epoch"`
}

// AttachmentStatus is the projection of a session's realtime binding state
// (the Attachment* constants).
type AttachmentStatus uint8

const (
	// AttachmentUnattached: no binding and no intent.
	AttachmentUnattached AttachmentStatus = iota
	// AttachmentIntentPresentUnbound: no binding, but the intent bit is set.
	AttachmentIntentPresentUnbound
	// AttachmentBindingNotReady: bound, transport not ready yet.
	AttachmentBindingNotReady
	// AttachmentBindingReady: bound and ready.
	AttachmentBindingReady
	// AttachmentReplacementPending: a replacement binding is pending.
	AttachmentReplacementPending
	// AttachmentReattachRequired: the binding was forcibly lost.
	AttachmentReattachRequired
)

var attachmentNames = [...]struct{ name, wire string }{
	AttachmentUnattached:           {"Unattached", "unattached"},
	AttachmentIntentPresentUnbound: {"IntentPresentUnbound", "intent_present_unbound"},
	AttachmentBindingNotReady:      {"BindingNotReady", "binding_not_ready"},
	AttachmentBindingReady:         {"BindingReady", "binding_ready"},
	AttachmentReplacementPending:   {"ReplacementPending", "replacement_pending"},
	AttachmentReattachRequired:     {"ReattachRequired", "reattach_required"},
}

// AttachmentStatusValues returns every attachment status, in order.
func AttachmentStatusValues() []AttachmentStatus {
	out := make([]AttachmentStatus, len(attachmentNames))
	for i := range out {
		out[i] = AttachmentStatus(i)
	}
	return out
}

// String returns the status's name, e.g. "BindingReady".
func (a AttachmentStatus) String() string {
	if int(a) < len(attachmentNames) {
		return attachmentNames[a].name
	}
	return fmt.Sprintf("AttachmentStatus(%d)", uint8(a))
}

// MarshalText encodes the status in snake case, e.g. "binding_ready".
func (a AttachmentStatus) MarshalText() ([]byte, error) {
	if int(a) < len(attachmentNames) {
		return []byte(attachmentNames[a].wire), nil
	}
	return nil, fmt.Errorf("runtime: invalid attachment status %d", uint8(a))
}

// UnmarshalText decodes the snake-case form.
func (a *AttachmentStatus) UnmarshalText(text []byte) error {
	for i, n := range attachmentNames {
		if n.wire == string(text) {
			*a = AttachmentStatus(i)
			return nil
		}
	}
	return fmt.Errorf("runtime: unknown attachment status %q", text)
}

// IsBound reports whether the status means a binding exists:
// BindingNotReady, BindingReady or ReplacementPending.
func (a AttachmentStatus) IsBound() bool {
	switch a {
	case AttachmentBindingNotReady, AttachmentBindingReady, AttachmentReplacementPending:
		return true
	default:
		return false
	}
}

// ChannelState is the state of a realtime channel as clients see it.
type ChannelState uint8

const (
	// ChannelClosed: no channel is open.
	ChannelClosed ChannelState = iota
	// ChannelOpening: an attachment is pending.
	ChannelOpening
	// ChannelReady: the channel is ready.
	ChannelReady
	// ChannelReconnecting: a replacement or reattach is pending.
	ChannelReconnecting
	// ChannelError: reconnecting gave up.
	ChannelError
)

var channelStateNames = [...]struct{ name, wire string }{
	ChannelClosed:       {"Closed", "closed"},
	ChannelOpening:      {"Opening", "opening"},
	ChannelReady:        {"Ready", "ready"},
	ChannelReconnecting: {"Reconnecting", "reconnecting"},
	ChannelError:        {"Error", "error"},
}

// String returns the state's name, e.g. "Opening".
func (c ChannelState) String() string {
	if int(c) < len(channelStateNames) {
		return channelStateNames[c].name
	}
	return fmt.Sprintf("ChannelState(%d)", uint8(c))
}

// MarshalText encodes the state in lower case, e.g. "opening".
func (c ChannelState) MarshalText() ([]byte, error) {
	if int(c) < len(channelStateNames) {
		return []byte(channelStateNames[c].wire), nil
	}
	return nil, fmt.Errorf("runtime: invalid channel state %d", uint8(c))
}

// UnmarshalText decodes the lower-case form.
func (c *ChannelState) UnmarshalText(text []byte) error {
	for i, n := range channelStateNames {
		if n.wire == string(text) {
			*c = ChannelState(i)
			return nil
		}
	}
	return fmt.Errorf("runtime: unknown channel state %q", text)
}

// Channel status reasons, as upstream reports them.
const (
	ReasonNoChannel          = "no realtime channel is open for this target"
	ReasonAttachmentPending  = "realtime attachment is pending"
	ReasonReplacementPending = "realtime attachment replacement is pending"
	ReasonReattachRequired   = "realtime attachment requires reattach"
	ReasonReconnectExhausted = "realtime reconnect attempts exhausted"
)

// ChannelStatus is the realtime channel status reported to clients
// (upstream RealtimeChannelStatus).
type ChannelStatus struct {
	// State is the channel state.
	State ChannelState `json:"state"`
	// AttemptCount is the reconnect attempt count, reported only while a
	// reconnect cycle is running.
	AttemptCount uint32 `json:"attempt_count"`
	// NextRetryAt is when the next reconnect attempt is due, if known.
	NextRetryAt *time.Time `json:"next_retry_at,omitempty"`
	// DeadlineAt is when the reconnect cycle gives up, if known.
	DeadlineAt *time.Time `json:"deadline_at,omitempty"`
	// Reason explains the state; empty for Ready.
	Reason string `json:"reason,omitempty"`
}

// ReconnectCycleState is the state of a session's realtime reconnect cycle.
type ReconnectCycleState uint8

const (
	// CycleIdle: no reconnect cycle is running.
	CycleIdle ReconnectCycleState = iota
	// CycleReconnecting: a reconnect cycle is running.
	CycleReconnecting
	// CycleExhausted: the reconnect cycle gave up.
	CycleExhausted
)

// String returns "Idle", "Reconnecting" or "Exhausted".
func (c ReconnectCycleState) String() string {
	switch c {
	case CycleIdle:
		return "Idle"
	case CycleReconnecting:
		return "Reconnecting"
	case CycleExhausted:
		return "Exhausted"
	default:
		return fmt.Sprintf("ReconnectCycleState(%d)", uint8(c))
	}
}

// ReconnectProgress is the reconnect part of a session's realtime state.
type ReconnectProgress struct {
	// Cycle is the reconnect cycle state.
	Cycle ReconnectCycleState
	// AttemptCount is the number of attempts in the running cycle.
	AttemptCount uint64
	// NextRetryAtMs is the next retry time in Unix milliseconds, if any.
	NextRetryAtMs *uint64
	// DeadlineAtMs is the cycle deadline in Unix milliseconds, if any.
	DeadlineAtMs *uint64
}

// ProjectChannelStatus maps an attachment status and the reconnect progress
// to the client-facing channel status:
//
//   - an exhausted cycle is Error with ReasonReconnectExhausted, whatever
//     the attachment status;
//   - Unattached is Closed; IntentPresentUnbound and BindingNotReady are
//     Opening; BindingReady is Ready; ReplacementPending and
//     ReattachRequired are Reconnecting.
//
// Attempts and times are reported only in the Reconnecting state, only
// while the cycle is Reconnecting, and only if the count or a time is
// non-zero. The count is clamped to uint32.
func ProjectChannelStatus(status AttachmentStatus, progress ReconnectProgress) ChannelStatus {
	if progress.Cycle == CycleExhausted {
		return ChannelStatus{State: ChannelError, Reason: ReasonReconnectExhausted}
	}
	var out ChannelStatus
	switch status {
	case AttachmentIntentPresentUnbound, AttachmentBindingNotReady:
		out = ChannelStatus{State: ChannelOpening, Reason: ReasonAttachmentPending}
	case AttachmentBindingReady:
		out = ChannelStatus{State: ChannelReady}
	case AttachmentReplacementPending:
		out = ChannelStatus{State: ChannelReconnecting, Reason: ReasonReplacementPending}
	case AttachmentReattachRequired:
		out = ChannelStatus{State: ChannelReconnecting, Reason: ReasonReattachRequired}
	default:
		out = ChannelStatus{State: ChannelClosed, Reason: ReasonNoChannel}
	}
	if out.State == ChannelReconnecting && progress.Cycle == CycleReconnecting &&
		(progress.AttemptCount != 0 || nonZero(progress.NextRetryAtMs) || nonZero(progress.DeadlineAtMs)) {
		out.AttemptCount = uint32(min(progress.AttemptCount, math.MaxUint32))
		out.NextRetryAt = msTime(progress.NextRetryAtMs)
		out.DeadlineAt = msTime(progress.DeadlineAtMs)
	}
	return out
}

func nonZero(ms *uint64) bool { return ms != nil && *ms != 0 }

func msTime(ms *uint64) *time.Time {
	if ms == nil || *ms > math.MaxInt64 {
		return nil
	}
	t := time.UnixMilli(int64(*ms)).UTC()
	return &t
}

// BootstrapEligibility is the proof that a session may open a realtime
// channel (upstream RealtimeBootstrapEligibility::Eligible). It carries the
// channel status at the time of the check; no binding is required.
type BootstrapEligibility struct {
	// Channel is the session's realtime channel status.
	Channel ChannelStatus `json:"channel"`
}
