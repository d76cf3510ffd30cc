package visibility

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
)

func TestToolFilterAllows(t *testing.T) {
	tests := []struct {
		name   string
		filter ToolFilter
		tool   gen.ToolName
		want   bool
	}{
		{"zero value is All", ToolFilter{}, "x", true},
		{"All", All(), "view_image", true},
		{"Allow named", Allow("a", "b"), "a", true},
		{"Allow unnamed", Allow("a", "b"), "c", false},
		{"Allow empty hides everything", Allow(), "a", false},
		{"Deny named", Deny("a"), "a", false},
		{"Deny unnamed", Deny("a"), "b", true},
		{"Deny empty allows everything", Deny(), "a", true},
		{"AllowSet", AllowSet(NewNameSet("a")), "a", true},
		{"DenySet", DenySet(NewNameSet("a")), "a", false},
		{"AllowSet nil hides everything", AllowSet(nil), "a", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.filter.Allows(tc.tool); got != tc.want {
				t.Errorf("%v.Allows(%q) = %v, want %v", tc.filter, tc.tool, got, tc.want)
			}
		})
	}
}

func TestToolFilterIsImmutable(t *testing.T) {
	set := NewNameSet("a")
	f := AllowSet(set)
	set.Add("b")
	if f.Allows("b") {
		t.Fatal("AllowSet kept a reference to the caller's set")
	}
	names := f.Names()
	names.Add("c")
	if f.Allows("c") {
		t.Fatal("Names returned the filter's own set")
	}
}

func TestToolFilterEqualAndString(t *testing.T) {
	tests := []struct {
		a, b  ToolFilter
		equal bool
		str   string
	}{
		{All(), ToolFilter{}, true, "All"},
		{Allow("b", "a"), Allow("a", "b"), true, "Allow{a, b}"},
		{Allow(), AllowSet(nil), true, "Allow{}"},
		{Deny("x"), Deny("x"), true, "Deny{x}"},
		{Deny(), All(), false, "Deny{}"},
		{Allow(), Deny(), false, "Allow{}"},
		{Allow("a"), Deny("a"), false, "Allow{a}"},
	}
	for _, tc := range tests {
		if got := tc.a.Equal(tc.b); got != tc.equal {
			t.Errorf("%v.Equal(%v) = %v, want %v", tc.a, tc.b, got, tc.equal)
		}
		if got := tc.a.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
	}
}

func TestToolFilterJSON(t *testing.T) {
	tests := []struct {
		filter ToolFilter
		json   string
	}{
		{All(), `"all"`},
		{Allow("b", "a"), `{"allow":["a","b"]}`},
		{Allow(), `{"allow":[]}`},
		{Deny("view_image"), `{"deny":["view_image"]}`},
	}
	for _, tc := range tests {
		data, err := json.Marshal(tc.filter)
		if err != nil {
			t.Fatalf("marshal %v: %v", tc.filter, err)
		}
		if string(data) != tc.json {
			t.Errorf("marshal %v = %s, want %s", tc.filter, data, tc.json)
		}
		var back ToolFilter
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("unmarshal %s: %v", data, err)
		}
		if !back.Equal(tc.filter) {
			t.Errorf("round trip of %v gave %v", tc.filter, back)
		}
	}
	for _, bad := range []string{`"some"`, `{"allow":["a"],"deny":["b"]}`, `{"block":["a"]}`, `{}`, `3`} {
		var f ToolFilter
		if err := json.Unmarshal([]byte(bad), &f); err == nil {
			t.Errorf("unmarshal %s: want an error, got %v", bad, f)
		}
	}
	var f ToolFilter = Deny("x")
	if err := json.Unmarshal([]byte(`null`), &f); err != nil || !f.Equal(All()) {
		t.Errorf("unmarshal null = %v, %v; want All", f, err)
	}
}

func TestCompose(t *testing.T) {
	tests := []struct {
		name    string
		filters []ToolFilter
		allowed []gen.ToolName
		hidden  []gen.ToolName
		single  ToolFilter
	}{
		{
			name:    "no filters allows everything",
			allowed: []gen.ToolName{"a", "view_image"},
			single:  All(),
		},
		{
			name:    "All is ignored",
			filters: []ToolFilter{All(), All()},
			allowed: []gen.ToolName{"a"},
			single:  All(),
		},
		{
			name:    "Allow sets are intersected",
			filters: []ToolFilter{Allow("a", "b"), Allow("b", "c")},
			allowed: []gen.ToolName{"b"},
			hidden:  []gen.ToolName{"a", "c", "d"},
			single:  Allow("b"),
		},
		{
			name:    "first Allow seeds; All in between is ignored",
			filters: []ToolFilter{Allow("a"), All(), Allow("a", "b")},
			allowed: []gen.ToolName{"a"},
			hidden:  []gen.ToolName{"b"},
			single:  Allow("a"),
		},
		{
			name:    "Deny sets are unioned",
			filters: []ToolFilter{Deny("a"), Deny("b")},
			allowed: []gen.ToolName{"c"},
			hidden:  []gen.ToolName{"a", "b"},
			single:  Deny("a", "b"),
		},
		{
			name:    "Deny beats Allow",
			filters: []ToolFilter{Allow("a", "b"), Deny("a")},
			allowed: []gen.ToolName{"b"},
			hidden:  []gen.ToolName{"a", "c"},
			single:  Allow("b"),
		},
		{
			name:    "Deny before Allow still wins",
			filters: []ToolFilter{Deny("a"), Allow("a")},
			hidden:  []gen.ToolName{"a", "b"},
			single:  Allow(),
		},
		{
			name:    "Allow of the empty set hides everything",
			filters: []ToolFilter{All(), Allow(), Deny()},
			hidden:  []gen.ToolName{"a", "view_image", ""},
			single:  Allow(),
		},
		{
			name:    "empty Allow later in the list hides everything",
			filters: []ToolFilter{Allow("a"), Allow()},
			hidden:  []gen.ToolName{"a"},
			single:  Allow(),
		},
		{
			name:    "capability base, inherited, active",
			filters: []ToolFilter{Deny(ViewImageToolName), All(), Allow("search", ViewImageToolName)},
			allowed: []gen.ToolName{"search"},
			hidden:  []gen.ToolName{ViewImageToolName, "shell"},
			single:  Allow("search"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Compose(tc.filters...)
			for _, n := range tc.allowed {
				if !s.Allows(n) {
					t.Errorf("Allows(%q) = false, want true", n)
				}
			}
			for _, n := range tc.hidden {
				if s.Allows(n) {
					t.Errorf("Allows(%q) = true, want false", n)
				}
			}
			if got := s.Filter(); !got.Equal(tc.single) {
				t.Errorf("Filter() = %v, want %v", got, tc.single)
			}
			for _, n := range append(append([]gen.ToolName{}, tc.allowed...), tc.hidden...) {
				if s.Filter().Allows(n) != s.Allows(n) {
					t.Errorf("Filter().Allows(%q) disagrees with the scope", n)
				}
			}
		})
	}
}

func TestComposeDoesNotModifyInputs(t *testing.T) {
	a := Allow("a", "b")
	d := Deny("c")
	s := Compose(a, Allow("a"), d, Deny("d"))
	if !a.Equal(Allow("a", "b")) || !d.Equal(Deny("c")) {
		t.Fatalf("Compose modified its inputs: %v %v", a, d)
	}
	if s.Allows("b") || s.Allows("d") {
		t.Fatalf("scope allows too much")
	}
}

func TestCapabilityBaseFilterForImageToolResults(t *testing.T) {
	if got := CapabilityBaseFilterForImageToolResults(true); !got.Equal(All()) {
		t.Errorf("true: got %v, want All", got)
	}
	if got := CapabilityBaseFilterForImageToolResults(false); !got.Equal(Deny(ViewImageToolName)) {
		t.Errorf("false: got %v, want Deny{view_image}", got)
	}
}

func TestCommittedVisibilityAllows(t *testing.T) {
	base := NewNameSet("search", ViewImageToolName)
	tests := []struct {
		name  string
		base  NameSet
		state State
		tool  gen.ToolName
		want  bool
	}{
		{"default state, base tool", base, State{}, "search", true},
		{"not a base tool", base, State{}, "shell", false},
		{"no base tools", nil, State{}, "search", false},
		{"capability base denies", base, State{CapabilityBaseFilter: Deny(ViewImageToolName)}, ViewImageToolName, false},
		{"inherited base denies", base, State{InheritedBaseFilter: Deny("search")}, "search", false},
		{"active allow excludes", base, State{ActiveFilter: Allow(ViewImageToolName)}, "search", false},
		{"active Allow() hides everything", base, State{ActiveFilter: Allow()}, ViewImageToolName, false},
		{"staged filter is not consulted", base, State{StagedFilter: Allow()}, "search", true},
		{"staged filter cannot reveal", base, State{ActiveFilter: Deny("search"), StagedFilter: All()}, "search", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CommittedVisibilityAllows(tc.base, tc.state, tc.tool); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDeriveReconfigured(t *testing.T) {
	withImage := NewNameSet("search", ViewImageToolName)
	withoutImage := NewNameSet("search")
	tests := []struct {
		name        string
		current     State
		target      bool
		base        NameSet
		wantFilter  ToolFilter
		wantChanged bool
		wantActive  uint64
		wantStaged  uint64
	}{
		{
			name:        "losing image tool results hides view_image and bumps",
			current:     State{ActiveRevision: 3, StagedRevision: 1},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: true,
			wantActive:  4,
			wantStaged:  1,
		},
		{
			name:        "bump starts from the staged revision when it is ahead",
			current:     State{ActiveRevision: 2, StagedRevision: 7},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: true,
			wantActive:  8,
			wantStaged:  7,
		},
		{
			name:        "gaining image tool results shows view_image and bumps",
			current:     State{CapabilityBaseFilter: Deny(ViewImageToolName), ActiveRevision: 5, StagedRevision: 5},
			target:      true,
			base:        withImage,
			wantFilter:  All(),
			wantChanged: true,
			wantActive:  6,
			wantStaged:  5,
		},
		{
			name:        "same capability: no bump",
			current:     State{ActiveRevision: 2, StagedRevision: 9},
			target:      true,
			base:        withImage,
			wantFilter:  All(),
			wantChanged: false,
			wantActive:  2,
			wantStaged:  9,
		},
		{
			name:        "still no image support: no bump",
			current:     State{CapabilityBaseFilter: Deny(ViewImageToolName), ActiveRevision: 1},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: false,
			wantActive:  1,
		},
		{
			name:        "view_image not a base tool: filter replaced, no bump",
			current:     State{ActiveRevision: 4},
			target:      false,
			base:        withoutImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: false,
			wantActive:  4,
		},
		{
			name:        "view_image not a base tool, gaining support: no bump",
			current:     State{CapabilityBaseFilter: Deny(ViewImageToolName), ActiveRevision: 4},
			target:      true,
			base:        withoutImage,
			wantFilter:  All(),
			wantChanged: false,
			wantActive:  4,
		},
		{
			name:        "active filter already hides view_image: no bump",
			current:     State{ActiveFilter: Deny(ViewImageToolName), ActiveRevision: 3},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: false,
			wantActive:  3,
		},
		{
			name:        "inherited Allow() hides everything: no bump",
			current:     State{InheritedBaseFilter: Allow(), ActiveRevision: 3},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: false,
			wantActive:  3,
		},
		{
			name:        "staged filter is ignored when deciding the bump",
			current:     State{StagedFilter: Deny(ViewImageToolName), StagedRevision: 2},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: true,
			wantActive:  3,
			wantStaged:  2,
		},
		{
			name:        "from the default state",
			current:     State{},
			target:      false,
			base:        withImage,
			wantFilter:  Deny(ViewImageToolName),
			wantChanged: true,
			wantActive:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.current.Clone()
			next, delta := DeriveReconfigured(tc.current, tc.target, tc.base)
			if !next.CapabilityBaseFilter.Equal(tc.wantFilter) {
				t.Errorf("capability base filter = %v, want %v", next.CapabilityBaseFilter, tc.wantFilter)
			}
			if next.ActiveRevision != tc.wantActive || next.StagedRevision != tc.wantStaged {
				t.Errorf("revisions = (active %d, staged %d), want (%d, %d)",
					next.ActiveRevision, next.StagedRevision, tc.wantActive, tc.wantStaged)
			}
			if delta.CommittedVisibleSetChanged != tc.wantChanged || delta.RevisionBumped != tc.wantChanged {
				t.Errorf("delta changed/bumped = %v/%v, want %v", delta.CommittedVisibleSetChanged, delta.RevisionBumped, tc.wantChanged)
			}
			if !delta.PreviousCapabilityBaseFilter.Equal(tc.current.CapabilityBaseFilter) {
				t.Errorf("delta previous filter = %v, want %v", delta.PreviousCapabilityBaseFilter, tc.current.CapabilityBaseFilter)
			}
			if !delta.CurrentCapabilityBaseFilter.Equal(next.CapabilityBaseFilter) {
				t.Errorf("delta current filter = %v, want %v", delta.CurrentCapabilityBaseFilter, next.CapabilityBaseFilter)
			}
			// Everything but the capability filter and the active revision is kept.
			rest := next.Clone()
			rest.CapabilityBaseFilter = tc.current.CapabilityBaseFilter
			rest.ActiveRevision = tc.current.ActiveRevision
			if !rest.Equal(tc.current) {
				t.Errorf("derive changed more than the capability filter and active revision: %+v", next)
			}
			if !tc.current.Equal(before) {
				t.Errorf("derive modified its input")
			}
			// The bump happens iff view_image's committed visibility changed.
			vBefore := CommittedVisibilityAllows(tc.base, tc.current, ViewImageToolName)
			vAfter := CommittedVisibilityAllows(tc.base, next, ViewImageToolName)
			if (vBefore != vAfter) != delta.RevisionBumped {
				t.Errorf("bumped = %v but view_image visibility went %v -> %v", delta.RevisionBumped, vBefore, vAfter)
			}
		})
	}
}

// deferred returns the set of names; it fails the test beyond the capacity.
func deferred(t testing.TB, names ...gen.ToolName) DeferredNames {
	t.Helper()
	s, err := NewDeferredNames(names...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeriveReconfiguredSharesNoMaps(t *testing.T) {
	cur := State{
		ActiveRequestedDeferredNames: deferred(t, "deferred"),
		RequestedWitnesses:           map[gen.ToolName]Witness{"deferred": {StableOwnerKey: "k"}},
	}
	next, _ := DeriveReconfigured(cur, false, NewNameSet(ViewImageToolName))
	next.ActiveRequestedDeferredNames, _ = next.ActiveRequestedDeferredNames.With("other")
	next.RequestedWitnesses["other"] = Witness{}
	if cur.ActiveRequestedDeferredNames.Has("other") || len(cur.RequestedWitnesses) != 1 {
		t.Fatal("derived state shares maps with the current state")
	}
}

func TestStateValidate(t *testing.T) {
	tests := []struct {
		name  string
		state State
		ok    bool
	}{
		{"default", State{}, true},
		{"requested witness for an active name", State{
			ActiveRequestedDeferredNames: deferred(t, "a"),
			RequestedWitnesses:           map[gen.ToolName]Witness{"a": {SourceKind: "mcp", SourceID: "srv"}},
		}, true},
		{"requested witness for a staged name", State{
			StagedRequestedDeferredNames: deferred(t, "a"),
			RequestedWitnesses:           map[gen.ToolName]Witness{"a": {}},
		}, true},
		{"requested witness for an unknown name", State{
			ActiveRequestedDeferredNames: deferred(t, "a"),
			RequestedWitnesses:           map[gen.ToolName]Witness{"b": {}},
		}, false},
		{"filter witness for a filtered name", State{
			StagedFilter:    Allow("x"),
			FilterWitnesses: map[gen.ToolName]Witness{"x": {StableOwnerKey: "owner"}},
		}, true},
		{"filter witness for an unfiltered name", State{
			ActiveFilter:    Deny("x"),
			FilterWitnesses: map[gen.ToolName]Witness{"y": {}},
		}, false},
		{"empty tool name in a filter", State{ActiveFilter: Deny("")}, false},
		{"empty requested name", State{StagedRequestedDeferredNames: deferred(t, "")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.state.Validate()
			if tc.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tc.ok {
				if err == nil {
					t.Fatal("Validate() = nil, want an error")
				}
				if !errors.Is(err, ErrInvalidState) {
					t.Fatalf("error %v does not match ErrInvalidState", err)
				}
			}
		})
	}
}

func TestStateJSONRoundTrip(t *testing.T) {
	s := State{
		CapabilityBaseFilter:         Deny(ViewImageToolName),
		InheritedBaseFilter:          Allow("a", "b"),
		ActiveFilter:                 Deny("b"),
		StagedFilter:                 Allow(),
		ActiveRequestedDeferredNames: deferred(t, "d1"),
		StagedRequestedDeferredNames: deferred(t, "d1", "d2"),
		ActiveRevision:               3,
		StagedRevision:               4,
		RequestedWitnesses:           map[gen.ToolName]Witness{"d1": {StableOwnerKey: "k"}},
		FilterWitnesses:              map[gen.ToolName]Witness{"b": {SourceKind: "builtin"}},
	}
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(s) {
		t.Fatalf("round trip: got %+v from %s", back, data)
	}
	var zero State
	if err := json.Unmarshal([]byte(`{}`), &zero); err != nil || !zero.Equal(State{}) {
		t.Fatalf("empty object: %+v, %v", zero, err)
	}
}

func TestNameSet(t *testing.T) {
	var s NameSet
	if s.Has("a") || s.Len() != 0 || !s.Equal(NewNameSet()) {
		t.Fatal("nil set is not empty")
	}
	s = s.Add("b", "a")
	if got := s.String(); got != "{a, b}" {
		t.Fatalf("String() = %q", got)
	}
	data, _ := json.Marshal(s)
	if string(data) != `["a","b"]` {
		t.Fatalf("marshal = %s", data)
	}
	var back NameSet
	if err := json.Unmarshal(data, &back); err != nil || !back.Equal(s) {
		t.Fatalf("unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`null`), &back); err != nil || back != nil {
		t.Fatalf("unmarshal null = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":1}`), &back); err == nil {
		t.Fatal("unmarshal of an object: want an error")
	}
	c := s.Clone()
	c.Add("z")
	if s.Has("z") {
		t.Fatal("Clone shares storage")
	}
}
