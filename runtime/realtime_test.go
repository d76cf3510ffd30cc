package runtime

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestAttachmentStatus(t *testing.T) {
	bound := map[AttachmentStatus]bool{
		AttachmentBindingNotReady: true, AttachmentBindingReady: true, AttachmentReplacementPending: true,
	}
	values := AttachmentStatusValues()
	if len(values) != 6 {
		t.Fatalf("got %d values", len(values))
	}
	for _, a := range values {
		if a.IsBound() != bound[a] {
			t.Errorf("%v.IsBound() = %v", a, a.IsBound())
		}
		text, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back AttachmentStatus
		if err := back.UnmarshalText(text); err != nil || back != a {
			t.Errorf("round trip of %v via %s: %v, %v", a, text, back, err)
		}
	}
	if AttachmentIntentPresentUnbound.String() != "IntentPresentUnbound" {
		t.Errorf("String() = %q", AttachmentIntentPresentUnbound.String())
	}
	if text, _ := AttachmentReattachRequired.MarshalText(); string(text) != "reattach_required" {
		t.Errorf("MarshalText = %s", text)
	}
	if _, err := AttachmentStatus(42).MarshalText(); err == nil || AttachmentStatus(42).String() != "AttachmentStatus(42)" {
		t.Error("invalid status")
	}
	var a AttachmentStatus
	if err := a.UnmarshalText([]byte("bound")); err == nil {
		t.Error("unknown status unmarshalled")
	}
}

func TestProjectChannelStatus(t *testing.T) {
	ms := func(v uint64) *uint64 { return &v }
	at := func(v int64) *time.Time { t := time.UnixMilli(v).UTC(); return &t }
	reconnecting := ReconnectProgress{Cycle: CycleReconnecting, AttemptCount: 2, NextRetryAtMs: ms(1_700_000_000_000), DeadlineAtMs: ms(1_700_000_060_000)}
	tests := []struct {
		name     string
		status   AttachmentStatus
		progress ReconnectProgress
		want     ChannelStatus
	}{
		{"unattached", AttachmentUnattached, ReconnectProgress{}, ChannelStatus{State: ChannelClosed, Reason: ReasonNoChannel}},
		{"intent present", AttachmentIntentPresentUnbound, ReconnectProgress{}, ChannelStatus{State: ChannelOpening, Reason: ReasonAttachmentPending}},
		{"binding not ready", AttachmentBindingNotReady, ReconnectProgress{}, ChannelStatus{State: ChannelOpening, Reason: ReasonAttachmentPending}},
		{"binding ready", AttachmentBindingReady, ReconnectProgress{}, ChannelStatus{State: ChannelReady}},
		{"replacement pending", AttachmentReplacementPending, ReconnectProgress{}, ChannelStatus{State: ChannelReconnecting, Reason: ReasonReplacementPending}},
		{"reattach required", AttachmentReattachRequired, ReconnectProgress{}, ChannelStatus{State: ChannelReconnecting, Reason: ReasonReattachRequired}},
		{"reattach required while reconnecting", AttachmentReattachRequired, reconnecting, ChannelStatus{
			State: ChannelReconnecting, Reason: ReasonReattachRequired, AttemptCount: 2,
			NextRetryAt: at(1_700_000_000_000), DeadlineAt: at(1_700_000_060_000),
		}},
		{"reconnecting with zero progress reports nothing", AttachmentReattachRequired, ReconnectProgress{Cycle: CycleReconnecting, NextRetryAtMs: ms(0)},
			ChannelStatus{State: ChannelReconnecting, Reason: ReasonReattachRequired}},
		{"progress only while the cycle runs", AttachmentReplacementPending, ReconnectProgress{AttemptCount: 3, NextRetryAtMs: ms(5)},
			ChannelStatus{State: ChannelReconnecting, Reason: ReasonReplacementPending}},
		{"progress only in the Reconnecting state", AttachmentBindingNotReady, reconnecting,
			ChannelStatus{State: ChannelOpening, Reason: ReasonAttachmentPending}},
		{"count alone", AttachmentReplacementPending, ReconnectProgress{Cycle: CycleReconnecting, AttemptCount: 1},
			ChannelStatus{State: ChannelReconnecting, Reason: ReasonReplacementPending, AttemptCount: 1}},
		{"count clamped to uint32", AttachmentReattachRequired, ReconnectProgress{Cycle: CycleReconnecting, AttemptCount: math.MaxUint64},
			ChannelStatus{State: ChannelReconnecting, Reason: ReasonReattachRequired, AttemptCount: math.MaxUint32}},
		{"exhausted wins", AttachmentBindingReady, ReconnectProgress{Cycle: CycleExhausted, AttemptCount: 4},
			ChannelStatus{State: ChannelError, Reason: ReasonReconnectExhausted}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ProjectChannelStatus(tc.status, tc.progress)
			if !channelStatusEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func channelStatusEqual(a, b ChannelStatus) bool {
	eqTime := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return x.Equal(*y)
	}
	return a.State == b.State && a.AttemptCount == b.AttemptCount && a.Reason == b.Reason &&
		eqTime(a.NextRetryAt, b.NextRetryAt) && eqTime(a.DeadlineAt, b.DeadlineAt)
}

func TestChannelStatusJSON(t *testing.T) {
	ms := uint64(1_700_000_000_000)
	st := ProjectChannelStatus(AttachmentReattachRequired, ReconnectProgress{Cycle: CycleReconnecting, AttemptCount: 1, DeadlineAtMs: &ms})
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"state":"reconnecting","attempt_count":1,"deadline_at":"2023-11-14T22:13:20Z","reason":"realtime attachment requires reattach"}`
	if string(data) != want {
		t.Fatalf("got %s\nwant %s", data, want)
	}
	var back ChannelStatus
	if err := json.Unmarshal(data, &back); err != nil || !channelStatusEqual(back, st) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	for _, c := range []ChannelState{ChannelClosed, ChannelOpening, ChannelReady, ChannelReconnecting, ChannelError} {
		text, _ := c.MarshalText()
		var b ChannelState
		if err := b.UnmarshalText(text); err != nil || b != c {
			t.Errorf("round trip of %v", c)
		}
	}
	if _, err := ChannelState(9).MarshalText(); err == nil || ChannelState(9).String() != "ChannelState(9)" {
		t.Error("invalid channel state")
	}
	var c ChannelState
	if err := c.UnmarshalText([]byte("open")); err == nil {
		t.Error("unknown channel state unmarshalled")
	}
	for c, s := range map[ReconnectCycleState]string{CycleIdle: "Idle", CycleReconnecting: "Reconnecting", CycleExhausted: "Exhausted", 7: "ReconnectCycleState(7)"} {
		if c.String() != s {
			t.Errorf("String() = %q, want %q", c.String(), s)
		}
	}
}
