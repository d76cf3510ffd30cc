package visibility

import (
	"errors"
	"fmt"
	"maps"

	"github.com/meerkat-go/dslmachine/gen"
)

// Witness is the persisted evidence behind a durable tool-visibility name
// (upstream ToolVisibilityWitness): the stable key of the tool's owner
// and the source it was last seen from. Both fields are optional.
type Witness struct {
	// StableOwnerKey identifies the owner of the tool across restarts.
	StableOwnerKey string `json:"stable_owner_key,omitempty"`
	// SourceKind is the kind of the tool's last seen source (builtin, mcp, ...).
	SourceKind string `json:"source_kind,omitempty"`
	// SourceID identifies the tool's last seen source.
	SourceID string `json:"source_id,omitempty"`
}

// State is a session's tool visibility state (upstream
// SessionToolVisibilityState). The zero value is the default state: every
// filter All, no deferred names, revisions 0, no witnesses.
//
// The requested deferred names are the machine's own set type
// (DeferredNames, at most as many names as the machine holds); the
// witnesses are projected into the machine's authority maps by
// DeferredAuthorities. State holds maps; use Clone before handing a State
// to code that may modify it, and Equal to compare two states.
type State struct {
	// CapabilityBaseFilter follows the model's capabilities (see
	// CapabilityBaseFilterForImageToolResults).
	CapabilityBaseFilter ToolFilter `json:"capability_base_filter"`
	// InheritedBaseFilter is inherited from the session's parent or config.
	InheritedBaseFilter ToolFilter `json:"inherited_base_filter"`
	// ActiveFilter is the committed session filter.
	ActiveFilter ToolFilter `json:"active_filter"`
	// StagedFilter is staged for the next commit; it never affects the
	// committed visibility.
	StagedFilter ToolFilter `json:"staged_filter"`
	// ActiveRequestedDeferredNames are the committed deferred-tool requests.
	ActiveRequestedDeferredNames DeferredNames `json:"active_requested_deferred_names"`
	// StagedRequestedDeferredNames are the staged deferred-tool requests.
	StagedRequestedDeferredNames DeferredNames `json:"staged_requested_deferred_names"`
	// ActiveRevision is the revision of the committed filter.
	ActiveRevision uint64 `json:"active_revision"`
	// StagedRevision is the revision of the staged filter.
	StagedRevision uint64 `json:"staged_revision"`
	// RequestedWitnesses maps requested deferred names to their witnesses.
	RequestedWitnesses map[gen.ToolName]Witness `json:"requested_witnesses,omitempty"`
	// FilterWitnesses maps names used in filters to their witnesses.
	FilterWitnesses map[gen.ToolName]Witness `json:"filter_witnesses,omitempty"`
}

// Clone returns a deep copy of the state. Filters are immutable and are
// shared; the deferred name sets are values; witness maps are copied.
func (s State) Clone() State {
	out := s
	out.RequestedWitnesses = maps.Clone(s.RequestedWitnesses)
	out.FilterWitnesses = maps.Clone(s.FilterWitnesses)
	return out
}

// Equal reports whether two states are the same. Nil and empty sets or maps
// are equal.
func (s State) Equal(o State) bool {
	return s.CapabilityBaseFilter.Equal(o.CapabilityBaseFilter) &&
		s.InheritedBaseFilter.Equal(o.InheritedBaseFilter) &&
		s.ActiveFilter.Equal(o.ActiveFilter) &&
		s.StagedFilter.Equal(o.StagedFilter) &&
		s.ActiveRequestedDeferredNames == o.ActiveRequestedDeferredNames &&
		s.StagedRequestedDeferredNames == o.StagedRequestedDeferredNames &&
		s.ActiveRevision == o.ActiveRevision &&
		s.StagedRevision == o.StagedRevision &&
		maps.Equal(s.RequestedWitnesses, o.RequestedWitnesses) &&
		maps.Equal(s.FilterWitnesses, o.FilterWitnesses)
}

// CommittedScope is the composition of the capability base, inherited base
// and active filters; the staged filter is not consulted.
func (s State) CommittedScope() Scope {
	return Compose(s.CapabilityBaseFilter, s.InheritedBaseFilter, s.ActiveFilter)
}

// ErrInvalidState is matched (with errors.Is) by every error Validate
// returns.
var ErrInvalidState = errors.New("invalid tool visibility state")

// Validate checks the state's witnesses: every requested witness must name
// an active or staged requested deferred name, every filter witness must
// name a tool mentioned by one of the four filters, and no name anywhere may
// be empty. The returned error wraps ErrInvalidState.
//
// Whether every requested deferred name has a witness with an identity is
// not checked here: SyncVisibilityRevisions' guards check it, and the
// machine refuses the state.
func (s State) Validate() error {
	filters := [...]struct {
		field string
		f     ToolFilter
	}{
		{"capability_base_filter", s.CapabilityBaseFilter},
		{"inherited_base_filter", s.InheritedBaseFilter},
		{"active_filter", s.ActiveFilter},
		{"staged_filter", s.StagedFilter},
	}
	for _, fl := range filters {
		if fl.f.names.Has("") {
			return fmt.Errorf("%w: %s names an empty tool", ErrInvalidState, fl.field)
		}
	}
	if s.ActiveRequestedDeferredNames.Has("") || s.StagedRequestedDeferredNames.Has("") {
		return fmt.Errorf("%w: empty requested deferred name", ErrInvalidState)
	}
	for _, name := range sortedKeys(s.RequestedWitnesses) {
		if !s.ActiveRequestedDeferredNames.Has(name) && !s.StagedRequestedDeferredNames.Has(name) {
			return fmt.Errorf("%w: requested witness for %q, which is not a requested deferred name", ErrInvalidState, name)
		}
	}
	for _, name := range sortedKeys(s.FilterWitnesses) {
		named := false
		for _, fl := range filters {
			if fl.f.names.Has(name) {
				named = true
				break
			}
		}
		if !named {
			return fmt.Errorf("%w: filter witness for %q, which no filter names", ErrInvalidState, name)
		}
	}
	return nil
}

func sortedKeys(m map[gen.ToolName]Witness) []gen.ToolName {
	s := make(NameSet, len(m))
	for k := range m {
		s[k] = struct{}{}
	}
	return s.Sorted()
}

// CommittedVisibilityAllows reports whether the named tool is committed
// visible: it is one of the base tool names and the composition of the
// capability base, inherited base and active filters allows it.
func CommittedVisibilityAllows(baseToolNames NameSet, state State, name gen.ToolName) bool {
	if !baseToolNames.Has(name) {
		return false
	}
	return state.CommittedScope().Allows(name)
}

// Delta describes how a reconfigure changed the visibility state
// (upstream SessionToolVisibilityDelta).
type Delta struct {
	// PreviousCapabilityBaseFilter is the capability base filter before.
	PreviousCapabilityBaseFilter ToolFilter `json:"previous_capability_base_filter"`
	// CurrentCapabilityBaseFilter is the capability base filter after.
	CurrentCapabilityBaseFilter ToolFilter `json:"current_capability_base_filter"`
	// CommittedVisibleSetChanged reports whether the committed visibility
	// of view_image changed.
	CommittedVisibleSetChanged bool `json:"committed_visible_set_changed"`
	// RevisionBumped reports whether the active revision was bumped; it is
	// always equal to CommittedVisibleSetChanged.
	RevisionBumped bool `json:"revision_bumped"`
}

// DeriveReconfigured computes the visibility state that follows a switch to
// a model whose image_tool_results capability is targetImageToolResults.
//
// The next state is current with its capability base filter replaced by
// CapabilityBaseFilterForImageToolResults(targetImageToolResults). If that
// changes the committed visibility of view_image, the active revision
// becomes max(current.ActiveRevision, current.StagedRevision) + 1; nothing
// else changes (the staged revision and filters are kept). If view_image is
// not a base tool its committed visibility never changes, so there is no
// bump, although the capability base filter is still replaced.
//
// current is not modified; the returned state shares no maps with it.
func DeriveReconfigured(current State, targetImageToolResults bool, baseToolNames NameSet) (State, Delta) {
	before := CommittedVisibilityAllows(baseToolNames, current, ViewImageToolName)

	next := current.Clone()
	next.CapabilityBaseFilter = CapabilityBaseFilterForImageToolResults(targetImageToolResults)

	after := CommittedVisibilityAllows(baseToolNames, next, ViewImageToolName)
	changed := before != after
	if changed {
		next.ActiveRevision = max(current.ActiveRevision, current.StagedRevision) + 1
	}
	return next, Delta{
		PreviousCapabilityBaseFilter: current.CapabilityBaseFilter,
		CurrentCapabilityBaseFilter:  next.CapabilityBaseFilter,
		CommittedVisibleSetChanged:   changed,
		RevisionBumped:               changed,
	}
}
