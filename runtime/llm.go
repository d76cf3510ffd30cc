package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

// SessionID identifies a runtime session. It is the machine's own session
// identifier type, so a runtime id is passed to gen inputs without conversion.
type SessionID = gen.SessionID

// Provider names an LLM provider, e.g. "openai". The runtime treats it as
// opaque; hosts decide which providers exist.
type Provider string

// Well-known providers, as used by the reference host's catalog.
const (
	ProviderOpenAI    Provider = "openai"
	ProviderAnthropic Provider = "anthropic"
	ProviderGemini    Provider = "gemini"
)

// AuthBindingRef is a realm-scoped reference to the credentials binding a
// session resolves its provider credentials through. It never carries
// secret material.
type AuthBindingRef struct {
	// RealmID names the realm.
	RealmID string `json:"realm_id"`
	// BindingID names the binding within the realm.
	BindingID string `json:"binding_id"`
	// ProfileID optionally names a profile of the binding.
	ProfileID string `json:"profile_id,omitempty"`
}

// LLMIdentity is a session's durable LLM identity (upstream
// SessionLLMIdentity): model, provider, provider parameters and auth
// binding.
type LLMIdentity struct {
	// Model is the model name, e.g. "gpt-realtime".
	Model string `json:"model"`
	// Provider is the model's provider.
	Provider Provider `json:"provider"`
	// ProviderParams holds open-ended provider options as JSON; nil means
	// none.
	ProviderParams json.RawMessage `json:"provider_params,omitempty"`
	// AuthBinding is the credentials binding; nil means none.
	AuthBinding *AuthBindingRef `json:"auth_binding,omitempty"`
}

// Clone returns a deep copy of the identity.
func (id LLMIdentity) Clone() LLMIdentity {
	out := id
	if id.ProviderParams != nil {
		out.ProviderParams = bytes.Clone(id.ProviderParams)
	}
	if id.AuthBinding != nil {
		b := *id.AuthBinding
		out.AuthBinding = &b
	}
	return out
}

// Equal reports whether two identities are the same. Provider parameters
// are compared as JSON text with insignificant white space removed.
func (id LLMIdentity) Equal(o LLMIdentity) bool {
	if id.Model != o.Model || id.Provider != o.Provider {
		return false
	}
	if (id.AuthBinding == nil) != (o.AuthBinding == nil) ||
		(id.AuthBinding != nil && *id.AuthBinding != *o.AuthBinding) {
		return false
	}
	return jsonEqual(id.ProviderParams, o.ProviderParams)
}

// String returns "provider/model".
func (id LLMIdentity) String() string {
	return string(id.Provider) + "/" + id.Model
}

func jsonEqual(a, b json.RawMessage) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	if bytes.Equal(a, b) {
		return true
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// CapabilitySurface is what the session's model can do (upstream
// SessionLLMCapabilitySurface).
type CapabilitySurface struct {
	// SupportsTemperature: the model accepts a temperature.
	SupportsTemperature bool `json:"supports_temperature"`
	// SupportsThinking: the model supports extended thinking.
	SupportsThinking bool `json:"supports_thinking"`
	// SupportsReasoning: the model supports reasoning effort.
	SupportsReasoning bool `json:"supports_reasoning"`
	// InlineVideo: the model accepts inline video.
	InlineVideo bool `json:"inline_video"`
	// Vision: the model understands images.
	Vision bool `json:"vision"`
	// ImageInput: the model accepts image input in user content.
	ImageInput bool `json:"image_input"`
	// ImageToolResults: the model accepts images in tool results; it
	// decides whether view_image is visible.
	ImageToolResults bool `json:"image_tool_results"`
	// SupportsWebSearch: the model has a builtin web search.
	SupportsWebSearch bool `json:"supports_web_search"`
	// ImageGeneration: the model can generate images.
	ImageGeneration bool `json:"image_generation"`
	// Realtime: the model supports a realtime transport; it decides whether
	// a realtime binding may exist.
	Realtime bool `json:"realtime"`
	// CallTimeoutSecs is the model's call timeout in seconds; nil means
	// none.
	CallTimeoutSecs *uint64 `json:"call_timeout_secs,omitempty"`
}

// Clone returns a deep copy of the surface.
func (s CapabilitySurface) Clone() CapabilitySurface {
	if s.CallTimeoutSecs != nil {
		v := *s.CallTimeoutSecs
		s.CallTimeoutSecs = &v
	}
	return s
}

// Equal reports whether two surfaces are the same, call timeout included.
func (s CapabilitySurface) Equal(o CapabilitySurface) bool {
	if (s.CallTimeoutSecs == nil) != (o.CallTimeoutSecs == nil) ||
		(s.CallTimeoutSecs != nil && *s.CallTimeoutSecs != *o.CallTimeoutSecs) {
		return false
	}
	s.CallTimeoutSecs, o.CallTimeoutSecs = nil, nil
	return s == o
}

// SurfacesEqual reports whether two optional surfaces are the same: both
// nil, or both present and Equal.
func SurfacesEqual(a, b *CapabilitySurface) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// cloneSurface deep-copies an optional surface.
func cloneSurface(s *CapabilitySurface) *CapabilitySurface {
	if s == nil {
		return nil
	}
	c := s.Clone()
	return &c
}

// CapabilitySurfaceStatus says whether a session's capability surface is
// known. The zero value is Unresolved.
type CapabilitySurfaceStatus uint8

const (
	// SurfaceUnresolved: no model profile is known for the session's model,
	// or the cached state was discarded.
	SurfaceUnresolved CapabilitySurfaceStatus = iota
	// SurfaceResolved: the surface comes from a known model profile.
	SurfaceResolved
)

// String returns "Resolved" or "Unresolved".
func (s CapabilitySurfaceStatus) String() string {
	switch s {
	case SurfaceResolved:
		return "Resolved"
	case SurfaceUnresolved:
		return "Unresolved"
	default:
		return fmt.Sprintf("CapabilitySurfaceStatus(%d)", uint8(s))
	}
}

// MarshalText encodes the status as "resolved" or "unresolved".
func (s CapabilitySurfaceStatus) MarshalText() ([]byte, error) {
	switch s {
	case SurfaceResolved:
		return []byte("resolved"), nil
	case SurfaceUnresolved:
		return []byte("unresolved"), nil
	default:
		return nil, fmt.Errorf("runtime: invalid capability surface status %d", uint8(s))
	}
}

// UnmarshalText decodes "resolved" or "unresolved".
func (s *CapabilitySurfaceStatus) UnmarshalText(text []byte) error {
	switch string(text) {
	case "resolved":
		*s = SurfaceResolved
	case "unresolved":
		*s = SurfaceUnresolved
	default:
		return fmt.Errorf("runtime: unknown capability surface status %q", text)
	}
	return nil
}

// CapabilityDelta describes how a reconfigure changed the capability
// surface (upstream SessionLLMCapabilityDelta).
type CapabilityDelta struct {
	// Previous is the surface before; nil if it was unknown.
	Previous *CapabilitySurface `json:"previous,omitempty"`
	// Current is the surface after.
	Current *CapabilitySurface `json:"current,omitempty"`
	// Changed is true unless both surfaces are equal (call timeout
	// included); an unknown previous surface always counts as a change.
	Changed bool `json:"changed"`
}

// NewCapabilityDelta builds the delta between two optional surfaces. The
// surfaces are copied.
func NewCapabilityDelta(previous, current *CapabilitySurface) CapabilityDelta {
	return CapabilityDelta{
		Previous: cloneSurface(previous),
		Current:  cloneSurface(current),
		Changed:  !SurfacesEqual(previous, current),
	}
}

// ReconfigureRequest asks to change a session's LLM identity (upstream
// SessionLLMReconfigureRequest). Empty or nil fields inherit the current
// value; the Clear flags remove a value explicitly.
type ReconfigureRequest struct {
	// Model is the target model; empty keeps the current model.
	Model string `json:"model,omitempty"`
	// Provider is the target provider; empty keeps the current provider
	// (a host may infer it from the model).
	Provider Provider `json:"provider,omitempty"`
	// ProviderParams replaces the provider parameters; nil keeps them.
	ProviderParams json.RawMessage `json:"provider_params,omitempty"`
	// ClearProviderParams removes the provider parameters. It may not be
	// combined with ProviderParams.
	ClearProviderParams bool `json:"clear_provider_params,omitempty"`
	// AuthBinding replaces the auth binding; nil keeps it.
	AuthBinding *AuthBindingRef `json:"auth_binding,omitempty"`
	// ClearAuthBinding removes the auth binding. It may not be combined
	// with AuthBinding.
	ClearAuthBinding bool `json:"clear_auth_binding,omitempty"`
}

// Validate checks that the request does not both set and clear the same
// value. The error is a *ValidationError.
func (r ReconfigureRequest) Validate() error {
	if r.ClearProviderParams && r.ProviderParams != nil {
		return Validationf("reconfigure request both sets and clears provider_params")
	}
	if r.ClearAuthBinding && r.AuthBinding != nil {
		return Validationf("reconfigure request both sets and clears auth_binding")
	}
	if r.ProviderParams != nil && !json.Valid(r.ProviderParams) {
		return Validationf("reconfigure request provider_params is not valid JSON")
	}
	return nil
}

// Merge applies the request to the current identity and returns the merged
// identity: each set field replaces the current value, each Clear flag
// removes it, everything else is inherited. The current identity is not
// modified. The error, from Validate, is a *ValidationError.
func (r ReconfigureRequest) Merge(current LLMIdentity) (LLMIdentity, error) {
	if err := r.Validate(); err != nil {
		return LLMIdentity{}, err
	}
	next := current.Clone()
	if r.Model != "" {
		next.Model = r.Model
	}
	if r.Provider != "" {
		next.Provider = r.Provider
	}
	switch {
	case r.ClearProviderParams:
		next.ProviderParams = nil
	case r.ProviderParams != nil:
		next.ProviderParams = bytes.Clone(r.ProviderParams)
	}
	switch {
	case r.ClearAuthBinding:
		next.AuthBinding = nil
	case r.AuthBinding != nil:
		b := *r.AuthBinding
		next.AuthBinding = &b
	}
	return next, nil
}

// ResolvedTarget is a host's answer to a reconfigure request: the target
// identity and its capability surface.
type ResolvedTarget struct {
	// TargetIdentity is the merged, validated target identity.
	TargetIdentity LLMIdentity `json:"target_identity"`
	// TargetCapabilitySurface is the target model's capability surface.
	TargetCapabilitySurface CapabilitySurface `json:"target_capability_surface"`
}

// HydratedSessionLLMState is what a host reports about a live session's LLM
// side (upstream HydratedSessionLLMState).
type HydratedSessionLLMState struct {
	// CurrentIdentity is the session's current LLM identity.
	CurrentIdentity LLMIdentity `json:"current_identity"`
	// CurrentVisibilityState is the session's durable tool visibility state
	// (the default state if it has none).
	CurrentVisibilityState visibility.State `json:"current_visibility_state"`
	// CurrentCapabilitySurface is the current model's surface; nil when no
	// model profile is known.
	CurrentCapabilitySurface *CapabilitySurface `json:"current_capability_surface,omitempty"`
	// CapabilitySurfaceStatus is Resolved iff the surface is known.
	CapabilitySurfaceStatus CapabilitySurfaceStatus `json:"capability_surface_status"`
	// BaseToolNames are the names of the tools the live session offers
	// before any visibility filter.
	BaseToolNames visibility.NameSet `json:"base_tool_names"`
}

// Clone returns a deep copy of the hydrated state.
func (h HydratedSessionLLMState) Clone() HydratedSessionLLMState {
	return HydratedSessionLLMState{
		CurrentIdentity:          h.CurrentIdentity.Clone(),
		CurrentVisibilityState:   h.CurrentVisibilityState.Clone(),
		CurrentCapabilitySurface: cloneSurface(h.CurrentCapabilitySurface),
		CapabilitySurfaceStatus:  h.CapabilitySurfaceStatus,
		BaseToolNames:            h.BaseToolNames.Clone(),
	}
}

// ReconfigureReport is the result of a successful LLM identity reconfigure
// (upstream SessionLLMReconfigureReport).
type ReconfigureReport struct {
	// PreviousIdentity is the identity before the reconfigure.
	PreviousIdentity LLMIdentity `json:"previous_identity"`
	// NewIdentity is the identity now in effect.
	NewIdentity LLMIdentity `json:"new_identity"`
	// CapabilityDelta compares the previous and new capability surfaces.
	CapabilityDelta CapabilityDelta `json:"capability_delta"`
	// ToolVisibilityDelta describes the visibility change.
	ToolVisibilityDelta visibility.Delta `json:"tool_visibility_delta"`
	// RollbackOccurred is always false in a successful report: a rollback
	// always ends in an error. It is kept for parity with upstream.
	RollbackOccurred bool `json:"rollback_occurred"`
}

// DeriveReconfiguredVisibilityState computes the visibility state that
// follows a switch to the target surface; see visibility.DeriveReconfigured
// for the rules.
func DeriveReconfiguredVisibilityState(current visibility.State, target CapabilitySurface, baseToolNames visibility.NameSet) (visibility.State, visibility.Delta) {
	return visibility.DeriveReconfigured(current, target.ImageToolResults, baseToolNames)
}
