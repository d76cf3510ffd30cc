package visibility

import (
	"encoding/json"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
)

// DeferredNames is a set of requested deferred tool names: the generated
// machine's set type of the active and staged deferred names, so a state
// holds at most as many as the machine does. The zero value is the empty
// set; build one with NewDeferredNames.
type DeferredNames = gen.ToolNameSet4

// DeferredAuthorities maps requested deferred names to the identity of
// their witnesses, as the machine holds them: the generated machine's map
// type of the active and staged deferred authorities.
type DeferredAuthorities = gen.ToolNameToOptionWitnessMap4

// NewDeferredNames returns the set of the given names, in any order and
// repeated or not. More distinct names than a DeferredNames holds is an
// error that matches gen.ErrBound (errors.Is).
func NewDeferredNames(names ...gen.ToolName) (DeferredNames, error) {
	var s DeferredNames
	for _, n := range names {
		next, ok := s.With(n)
		if !ok {
			return DeferredNames{}, fmt.Errorf("visibility: deferred names: %q is one more than the %d the machine holds: %w", n, s.Len(), gen.ErrBound)
		}
		s = next
	}
	return s, nil
}

// HasIdentity reports whether the witness identifies its tool: it records
// the source the tool was last seen from (upstream: a witness whose
// last_seen_provenance is present). A stable owner key alone is no
// identity.
func (w Witness) HasIdentity() bool {
	return w.SourceKind != "" || w.SourceID != ""
}

// ID returns the witness as the machine's opaque Witness id: an injective
// encoding of all its fields (its JSON form), so two witnesses have the
// same id exactly when they are equal.
func (w Witness) ID() gen.Witness {
	b, err := json.Marshal(w)
	if err != nil {
		// A struct of three strings always marshals.
		panic(fmt.Sprintf("visibility: marshal witness: %v", err))
	}
	return gen.Witness(b)
}

// Authority returns the witness as a value of the machine's authority
// maps: none for a witness without an identity, some(ID) otherwise.
func (w Witness) Authority() gen.Option[gen.Witness] {
	if !w.HasIdentity() {
		return gen.None[gen.Witness]()
	}
	return gen.Some(w.ID())
}

// DeferredAuthorities returns the machine's projection of the active and
// the staged requested deferred names' witnesses (upstream
// authority_witnesses_for_names): each requested name that has a requested
// witness, mapped to the witness's Authority. A requested name without a
// witness is left out, and the machine refuses the state for it.
func (s State) DeferredAuthorities() (active, staged DeferredAuthorities) {
	return authoritiesFor(s.ActiveRequestedDeferredNames, s.RequestedWitnesses),
		authoritiesFor(s.StagedRequestedDeferredNames, s.RequestedWitnesses)
}

func authoritiesFor(names DeferredNames, witnesses map[gen.ToolName]Witness) DeferredAuthorities {
	var m DeferredAuthorities
	for n := range names.All() {
		if w, ok := witnesses[n]; ok {
			// The map holds as many entries as the set holds names.
			m, _ = m.With(n, w.Authority())
		}
	}
	return m
}

// SyncInput returns the SyncVisibilityRevisions input that installs the
// state in the machine: its revisions, its requested deferred names and
// their authorities (DeferredAuthorities).
func (s State) SyncInput() gen.SyncVisibilityRevisions {
	active, staged := s.DeferredAuthorities()
	return gen.SyncVisibilityRevisions{
		ActiveRevision:            s.ActiveRevision,
		StagedRevision:            s.StagedRevision,
		ActiveDeferredNames:       s.ActiveRequestedDeferredNames,
		StagedDeferredNames:       s.StagedRequestedDeferredNames,
		ActiveDeferredAuthorities: active,
		StagedDeferredAuthorities: staged,
	}
}

// MatchesMachine reports whether the machine state already holds the
// state's deferred names and authorities (what SyncInput would install).
func (s State) MatchesMachine(m gen.State) bool {
	in := s.SyncInput()
	return m.ActiveDeferredNames == in.ActiveDeferredNames &&
		m.StagedDeferredNames == in.StagedDeferredNames &&
		m.ActiveDeferredAuthorities == in.ActiveDeferredAuthorities &&
		m.StagedDeferredAuthorities == in.StagedDeferredAuthorities
}
