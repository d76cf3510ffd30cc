package runtime

import (
	"time"

	"github.com/meerkat-go/dslmachine/gen"
)

// attachmentStatusOf projects the machine's realtime fields onto an
// attachment status: reattach required first, then the
// binding state, an Unbound binding counting as IntentPresentUnbound when
// the intent bit is set.
func attachmentStatusOf(st gen.State) AttachmentStatus {
	if st.RealtimeReattachRequired {
		return AttachmentReattachRequired
	}
	switch st.RealtimeBindingState {
	case gen.RealtimeBindingStateBindingNotReady:
		return AttachmentBindingNotReady
	case gen.RealtimeBindingStateBindingReady:
		return AttachmentBindingReady
	case gen.RealtimeBindingStateReplacementPending:
		return AttachmentReplacementPending
	}
	if st.RealtimeIntentPresent {
		return AttachmentIntentPresentUnbound
	}
	return AttachmentUnattached
}

// reconnectProgressOf reads the machine's reconnect cycle fields.
func reconnectProgressOf(st gen.State) ReconnectProgress {
	p := ReconnectProgress{AttemptCount: st.RealtimeReconnectAttemptCount}
	switch st.RealtimeReconnectCycleState {
	case gen.RealtimeReconnectCycleStateReconnecting:
		p.Cycle = CycleReconnecting
	case gen.RealtimeReconnectCycleStateExhausted:
		p.Cycle = CycleExhausted
	}
	if v, ok := st.RealtimeReconnectNextRetryAtMs.Get(); ok {
		p.NextRetryAtMs = &v
	}
	if v, ok := st.RealtimeReconnectDeadlineAtMs.Get(); ok {
		p.DeadlineAtMs = &v
	}
	return p
}

// snapshotState returns a copy of the session's machine state.
func (s *session) snapshotState() (gen.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return gen.State{}, errGone()
	}
	return s.state, nil
}

// RealtimeAttachmentStatus projects the session's realtime binding onto an
// attachment status. A missing session is not ready in StateDestroyed.
func (cp *ControlPlane) RealtimeAttachmentStatus(id SessionID) (AttachmentStatus, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return 0, err
	}
	st, err := s.snapshotState()
	if err != nil {
		return 0, err
	}
	return attachmentStatusOf(st), nil
}

// RealtimeChannelStatus projects the session's realtime state onto the
// client-facing channel status (see ProjectChannelStatus).
func (cp *ControlPlane) RealtimeChannelStatus(id SessionID) (ChannelStatus, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return ChannelStatus{}, err
	}
	st, err := s.snapshotState()
	if err != nil {
		return ChannelStatus{}, err
	}
	return ProjectChannelStatus(attachmentStatusOf(st), reconnectProgressOf(st)), nil
}

// CurrentRealtimeAttachmentAuthority returns the session's current realtime
// authority, or nil when the session has no binding.
func (cp *ControlPlane) CurrentRealtimeAttachmentAuthority(id SessionID) (*Authority, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return nil, err
	}
	st, err := s.snapshotState()
	if err != nil {
		return nil, err
	}
	epoch, ok := st.RealtimeBindingAuthorityEpoch.Get()
	if !ok {
		return nil, nil
	}
	return &Authority{SessionID: id, Epoch: epoch}, nil
}

// AttachLive binds a realtime transport to the session and returns the
// freshly minted authority (upstream attach_live). In order:
//
//  1. The session must have a live executor; otherwise it is not ready in
//     Idle (a missing session: in StateDestroyed).
//  2. If the cached capability surface is known and lacks realtime, it is a
//     *ValidationError. An unknown surface allows the attach.
//  3. BeginRealtimeBinding is applied; a refusal (for example a live
//     topology reconfigure in progress) is a *ValidationError.
//
// The lifecycle phase itself is not checked.
func (cp *ControlPlane) AttachLive(id SessionID) (Authority, error) {
	return cp.bind(id, "attach_live", gen.BeginRealtimeBinding{})
}

// ReplaceRealtimeAttachment is AttachLive for a replacement binding
// (ReplaceRealtimeBinding): the binding becomes ReplacementPending under a
// new authority and the old authority dies.
func (cp *ControlPlane) ReplaceRealtimeAttachment(id SessionID) (Authority, error) {
	return cp.bind(id, "replace_realtime_attachment", gen.ReplaceRealtimeBinding{})
}

func (cp *ControlPlane) bind(id SessionID, what string, in gen.Input) (Authority, error) {
	s, err := cp.lookup(id)
	if err != nil {
		return Authority{}, err
	}
	return cp.bindSession(s, what, in)
}

// bindSession is bind on a session already looked up.
func (cp *ControlPlane) bindSession(s *session, what string, in gen.Input) (Authority, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bindLocked(what, in)
}

// bindLocked checks the attach preconditions and applies in. s.mu must be
// held.
func (s *session) bindLocked(what string, in gen.Input) (Authority, error) {
	id := s.id
	if s.removed {
		return Authority{}, errGone()
	}
	if !s.exec.live() {
		return Authority{}, NotReady(gen.LifecyclePhaseIdle)
	}
	if s.surface != nil && !s.surface.Realtime {
		model := ""
		if s.identity != nil {
			model = s.identity.Model
		}
		return Authority{}, Validationf("%s: session model '%s' does not support realtime; reconfigure to a realtime-capable model before attaching", what, model)
	}
	if _, err := s.stepLocked(in); err != nil {
		return Authority{}, Validationf("%s: %w", what, err)
	}
	epoch, ok := s.state.RealtimeBindingAuthorityEpoch.Get()
	if !ok {
		return Authority{}, Internalf("%s: machine accepted %s but minted no authority (guard regression)", what, in.InputName())
	}
	return Authority{SessionID: id, Epoch: epoch}, nil
}

// applyRealtime applies one realtime input, mapping a refusal to a
// *ValidationError.
func (cp *ControlPlane) applyRealtime(id SessionID, what string, in gen.Input) error {
	s, err := cp.lookup(id)
	if err != nil {
		return err
	}
	_, err = s.applyValidated(what, in)
	return err
}

// DetachLive unbinds the session's realtime transport
// (DetachRealtimeBinding). The intent bit is kept, and a live topology
// reconfigure does not block it.
func (cp *ControlPlane) DetachLive(id SessionID) error {
	return cp.applyRealtime(id, "detach_live", gen.DetachRealtimeBinding{})
}

// RequireRealtimeAttachmentReattach drops the binding and marks that a
// reattach is required (RequireRealtimeReattach).
func (cp *ControlPlane) RequireRealtimeAttachmentReattach(id SessionID) error {
	return cp.applyRealtime(id, "require_realtime_attachment_reattach", gen.RequireRealtimeReattach{})
}

// RequireRealtimeAttachmentReattachForAuthority is
// RequireRealtimeAttachmentReattach guarded by the authority: a stale
// authority is a *ValidationError.
func (cp *ControlPlane) RequireRealtimeAttachmentReattachForAuthority(a Authority) error {
	return cp.applyRealtime(a.SessionID, "require_realtime_attachment_reattach_for_authority",
		gen.RequireRealtimeReattachForAuthority{AuthorityEpoch: a.Epoch})
}

// PublishRealtimeAttachmentSignal publishes the transport's binding state
// under an authority (PublishRealtimeSignal). Only BindingNotReady,
// BindingReady and ReplacementPending can be published; the other statuses
// are projections and give a *ValidationError, as do a stale authority and
// a live topology reconfigure in progress. The authority is not rotated.
func (cp *ControlPlane) PublishRealtimeAttachmentSignal(a Authority, status AttachmentStatus) error {
	var next gen.RealtimeBindingState
	switch status {
	case AttachmentBindingNotReady:
		next = gen.RealtimeBindingStateBindingNotReady
	case AttachmentBindingReady:
		next = gen.RealtimeBindingStateBindingReady
	case AttachmentReplacementPending:
		next = gen.RealtimeBindingStateReplacementPending
	default:
		return Validationf("publish_realtime_attachment_signal: %v is a projection-only status and cannot be published", status)
	}
	return cp.applyRealtime(a.SessionID, "publish_realtime_attachment_signal",
		gen.PublishRealtimeSignal{AuthorityEpoch: a.Epoch, NextBindingState: next})
}

// ProjectRealtimeIntent sets or clears the session's durable realtime
// intent bit.
func (cp *ControlPlane) ProjectRealtimeIntent(id SessionID, present bool) error {
	return cp.applyRealtime(id, "project_realtime_intent", gen.ProjectRealtimeIntent{Present: present})
}

// BeginRealtimeReconnectCycle starts a reconnect cycle; it requires a
// pending reattach and an idle cycle. Nil times are recorded as unknown.
func (cp *ControlPlane) BeginRealtimeReconnectCycle(id SessionID, nextRetryAt, deadlineAt *time.Time) error {
	return cp.applyRealtime(id, "begin_realtime_reconnect_cycle",
		gen.BeginRealtimeReconnectCycle{NextRetryAtMs: unixMs(nextRetryAt), DeadlineAtMs: unixMs(deadlineAt)})
}

// ScheduleRealtimeReconnectRetry records one more attempt of the running
// reconnect cycle and the time of the next one.
func (cp *ControlPlane) ScheduleRealtimeReconnectRetry(id SessionID, nextRetryAt *time.Time) error {
	return cp.applyRealtime(id, "schedule_realtime_reconnect_retry",
		gen.ScheduleRealtimeReconnectRetry{NextRetryAtMs: unixMs(nextRetryAt)})
}

// ExhaustRealtimeReconnectCycle gives up the running reconnect cycle; the
// channel status becomes Error.
func (cp *ControlPlane) ExhaustRealtimeReconnectCycle(id SessionID) error {
	return cp.applyRealtime(id, "exhaust_realtime_reconnect_cycle", gen.ExhaustRealtimeReconnectCycle{})
}

// ClearRealtimeReconnectProgress resets the reconnect cycle to idle.
func (cp *ControlPlane) ClearRealtimeReconnectProgress(id SessionID) error {
	return cp.applyRealtime(id, "clear_realtime_reconnect_progress", gen.ClearRealtimeReconnectProgress{})
}

// unixMs converts an optional time to optional Unix milliseconds; times
// before the epoch become 0.
func unixMs(t *time.Time) gen.Option[uint64] {
	if t == nil {
		return gen.None[uint64]()
	}
	return gen.Some(uint64(max(t.UnixMilli(), 0)))
}
