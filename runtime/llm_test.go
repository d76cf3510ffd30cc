package runtime

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

func u64(v uint64) *uint64 { return &v }

func TestCapabilitySurfaceEqual(t *testing.T) {
	base := CapabilitySurface{Vision: true, Realtime: true, CallTimeoutSecs: u64(30)}
	tests := []struct {
		name string
		a, b CapabilitySurface
		want bool
	}{
		{"identical", base, base.Clone(), true},
		{"different flag", base, func() CapabilitySurface { c := base.Clone(); c.Realtime = false; return c }(), false},
		{"different timeout", base, func() CapabilitySurface { c := base.Clone(); c.CallTimeoutSecs = u64(31); return c }(), false},
		{"timeout vs none", base, func() CapabilitySurface { c := base.Clone(); c.CallTimeoutSecs = nil; return c }(), false},
		{"both without timeout", CapabilitySurface{}, CapabilitySurface{}, true},
	}
	for _, tc := range tests {
		if got := tc.a.Equal(tc.b); got != tc.want {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.want)
		}
		if got := tc.b.Equal(tc.a); got != tc.want {
			t.Errorf("%s: Equal is not symmetric", tc.name)
		}
	}
	c := base.Clone()
	*c.CallTimeoutSecs = 99
	if *base.CallTimeoutSecs != 30 {
		t.Fatal("Clone shares the call timeout")
	}
}

func TestCapabilityDelta(t *testing.T) {
	a := &CapabilitySurface{Realtime: true, CallTimeoutSecs: u64(10)}
	aSame := &CapabilitySurface{Realtime: true, CallTimeoutSecs: u64(10)}
	aTimeout := &CapabilitySurface{Realtime: true, CallTimeoutSecs: u64(20)}
	b := &CapabilitySurface{ImageToolResults: true}
	tests := []struct {
		name     string
		prev     *CapabilitySurface
		cur      *CapabilitySurface
		wantDiff bool
	}{
		{"unknown previous", nil, a, true},
		{"same surface", a, aSame, false},
		{"timeout only", a, aTimeout, true},
		{"different surface", a, b, true},
		{"both unknown", nil, nil, false},
	}
	for _, tc := range tests {
		d := NewCapabilityDelta(tc.prev, tc.cur)
		if d.Changed != tc.wantDiff {
			t.Errorf("%s: Changed = %v, want %v", tc.name, d.Changed, tc.wantDiff)
		}
		if !SurfacesEqual(d.Previous, tc.prev) || !SurfacesEqual(d.Current, tc.cur) {
			t.Errorf("%s: delta does not carry the surfaces", tc.name)
		}
		if tc.cur != nil && d.Current == tc.cur {
			t.Errorf("%s: delta aliases the current surface", tc.name)
		}
	}
}

func TestLLMIdentityEqualAndClone(t *testing.T) {
	id := LLMIdentity{
		Model: "m", Provider: ProviderOpenAI,
		ProviderParams: json.RawMessage(`{"temperature": 0.2}`),
		AuthBinding:    &AuthBindingRef{RealmID: "r", BindingID: "b"},
	}
	tests := []struct {
		name string
		o    LLMIdentity
		want bool
	}{
		{"clone", id.Clone(), true},
		{"params differ only in white space", func() LLMIdentity {
			c := id.Clone()
			c.ProviderParams = json.RawMessage(`{"temperature":0.2}`)
			return c
		}(), true},
		{"params differ", func() LLMIdentity { c := id.Clone(); c.ProviderParams = json.RawMessage(`{}`); return c }(), false},
		{"params absent", func() LLMIdentity { c := id.Clone(); c.ProviderParams = nil; return c }(), false},
		{"binding absent", func() LLMIdentity { c := id.Clone(); c.AuthBinding = nil; return c }(), false},
		{"binding differs", func() LLMIdentity {
			c := id.Clone()
			c.AuthBinding.ProfileID = "p"
			return c
		}(), false},
		{"model differs", func() LLMIdentity { c := id.Clone(); c.Model = "n"; return c }(), false},
		{"provider differs", func() LLMIdentity { c := id.Clone(); c.Provider = ProviderGemini; return c }(), false},
	}
	for _, tc := range tests {
		if got := id.Equal(tc.o); got != tc.want {
			t.Errorf("%s: Equal = %v, want %v", tc.name, got, tc.want)
		}
	}
	c := id.Clone()
	c.AuthBinding.RealmID = "other"
	c.ProviderParams[0] = '['
	if id.AuthBinding.RealmID != "r" || id.ProviderParams[0] != '{' {
		t.Fatal("Clone shares storage")
	}
	if id.String() != "openai/m" {
		t.Fatalf("String() = %q", id.String())
	}
}

func TestReconfigureRequestMerge(t *testing.T) {
	binding := &AuthBindingRef{RealmID: "realm", BindingID: "default"}
	other := &AuthBindingRef{RealmID: "realm", BindingID: "other"}
	current := LLMIdentity{
		Model: "text-small", Provider: ProviderAnthropic,
		ProviderParams: json.RawMessage(`{"t":1}`), AuthBinding: binding,
	}
	tests := []struct {
		name    string
		req     ReconfigureRequest
		want    LLMIdentity
		wantErr bool
	}{
		{"empty request inherits everything", ReconfigureRequest{}, current, false},
		{"model only", ReconfigureRequest{Model: "gpt-realtime"},
			LLMIdentity{Model: "gpt-realtime", Provider: ProviderAnthropic, ProviderParams: json.RawMessage(`{"t":1}`), AuthBinding: binding}, false},
		{"model and provider", ReconfigureRequest{Model: "gpt-realtime", Provider: ProviderOpenAI},
			LLMIdentity{Model: "gpt-realtime", Provider: ProviderOpenAI, ProviderParams: json.RawMessage(`{"t":1}`), AuthBinding: binding}, false},
		{"set params", ReconfigureRequest{ProviderParams: json.RawMessage(`{"t":2}`)},
			LLMIdentity{Model: "text-small", Provider: ProviderAnthropic, ProviderParams: json.RawMessage(`{"t":2}`), AuthBinding: binding}, false},
		{"clear params", ReconfigureRequest{ClearProviderParams: true},
			LLMIdentity{Model: "text-small", Provider: ProviderAnthropic, AuthBinding: binding}, false},
		{"set binding", ReconfigureRequest{AuthBinding: other},
			LLMIdentity{Model: "text-small", Provider: ProviderAnthropic, ProviderParams: json.RawMessage(`{"t":1}`), AuthBinding: other}, false},
		{"clear binding", ReconfigureRequest{ClearAuthBinding: true},
			LLMIdentity{Model: "text-small", Provider: ProviderAnthropic, ProviderParams: json.RawMessage(`{"t":1}`)}, false},
		{"set and clear params", ReconfigureRequest{ProviderParams: json.RawMessage(`{}`), ClearProviderParams: true}, LLMIdentity{}, true},
		{"set and clear binding", ReconfigureRequest{AuthBinding: other, ClearAuthBinding: true}, LLMIdentity{}, true},
		{"invalid params", ReconfigureRequest{ProviderParams: json.RawMessage(`{`)}, LLMIdentity{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := current.Clone()
			got, err := tc.req.Merge(current)
			if tc.wantErr {
				if !errors.Is(err, ErrValidation) {
					t.Fatalf("Merge error = %v, want a validation error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("Merge = %+v, want %+v", got, tc.want)
			}
			if !current.Equal(before) {
				t.Errorf("Merge modified the current identity")
			}
			if got.AuthBinding != nil && (got.AuthBinding == current.AuthBinding || got.AuthBinding == tc.req.AuthBinding) {
				t.Errorf("Merge aliases an auth binding")
			}
		})
	}
}

func TestCapabilitySurfaceStatusText(t *testing.T) {
	var zero CapabilitySurfaceStatus
	if zero != SurfaceUnresolved || zero.String() != "Unresolved" || SurfaceResolved.String() != "Resolved" {
		t.Fatal("zero value must be Unresolved")
	}
	for _, s := range []CapabilitySurfaceStatus{SurfaceResolved, SurfaceUnresolved} {
		text, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back CapabilitySurfaceStatus
		if err := back.UnmarshalText(text); err != nil || back != s {
			t.Fatalf("round trip of %v: %v, %v", s, back, err)
		}
	}
	if _, err := CapabilitySurfaceStatus(9).MarshalText(); err == nil {
		t.Fatal("invalid status marshalled")
	}
	var s CapabilitySurfaceStatus
	if err := s.UnmarshalText([]byte("maybe")); err == nil {
		t.Fatal("unknown status unmarshalled")
	}
	if CapabilitySurfaceStatus(9).String() != "CapabilitySurfaceStatus(9)" {
		t.Fatal("String of invalid status")
	}
}

func TestHydratedStateJSONAndClone(t *testing.T) {
	h := HydratedSessionLLMState{
		CurrentIdentity:          LLMIdentity{Model: "text-large", Provider: ProviderAnthropic},
		CurrentVisibilityState:   visibility.State{CapabilityBaseFilter: visibility.Deny(visibility.ViewImageToolName), ActiveRevision: 2},
		CurrentCapabilitySurface: &CapabilitySurface{ImageToolResults: true, CallTimeoutSecs: u64(60)},
		CapabilitySurfaceStatus:  SurfaceResolved,
		BaseToolNames:            visibility.NewNameSet("search", visibility.ViewImageToolName),
	}
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var back HydratedSessionLLMState
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.CurrentIdentity.Equal(h.CurrentIdentity) || !back.CurrentVisibilityState.Equal(h.CurrentVisibilityState) ||
		!SurfacesEqual(back.CurrentCapabilitySurface, h.CurrentCapabilitySurface) ||
		back.CapabilitySurfaceStatus != h.CapabilitySurfaceStatus || !back.BaseToolNames.Equal(h.BaseToolNames) {
		t.Fatalf("round trip: %s -> %+v", data, back)
	}
	c := h.Clone()
	*c.CurrentCapabilitySurface.CallTimeoutSecs = 1
	c.BaseToolNames.Add("x")
	if *h.CurrentCapabilitySurface.CallTimeoutSecs != 60 || h.BaseToolNames.Has("x") {
		t.Fatal("Clone shares storage")
	}
}

func TestDeriveReconfiguredVisibilityStateUsesImageToolResults(t *testing.T) {
	base := visibility.NewNameSet(visibility.ViewImageToolName)
	next, delta := DeriveReconfiguredVisibilityState(visibility.State{ActiveRevision: 1}, CapabilitySurface{Realtime: true}, base)
	if !delta.RevisionBumped || next.ActiveRevision != 2 || !next.CapabilityBaseFilter.Equal(visibility.Deny(visibility.ViewImageToolName)) {
		t.Fatalf("no image tool results: %+v %+v", next, delta)
	}
	next, delta = DeriveReconfiguredVisibilityState(visibility.State{ActiveRevision: 1}, CapabilitySurface{ImageToolResults: true}, base)
	if delta.RevisionBumped || next.ActiveRevision != 1 || !next.CapabilityBaseFilter.Equal(visibility.All()) {
		t.Fatalf("image tool results: %+v %+v", next, delta)
	}
}
