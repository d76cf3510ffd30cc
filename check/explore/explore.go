package explore

import (
	"context"
	"embed"
	"io"
	"time"
)

// Source holds the package's Go sources (tests included), for copying into
// a helper program; filter out the _test.go files.
//
//go:embed *.go
var Source embed.FS

// Options configures Explore.
type Options struct {
	// Workers is the number of goroutines (default 1).
	Workers int
	// Fingerprint stores a 64-bit hash of each state in the visited set
	// instead of the state (8 bytes a state): two states with the same
	// hash are taken for one, so a state can be missed, with the
	// probability Result.Collision estimates.
	Fingerprint bool
	// AllSteps fires every action Load offers in every explored state: the
	// engine passes Load no origin (Action -1), so that no action is left
	// out as commuting with the step that reached the state. Only the step
	// counts change (Result.Fired and the others count every step); it is
	// for comparing them with another checker's and for testing.
	AllSteps bool
	// MaxStates stops the search, unfinished, after about this many
	// distinct states (0: no limit).
	MaxStates uint64
	// MaxMemory stops the search, unfinished, once the engine's tables and
	// the Go runtime hold this many bytes (0: no limit).
	MaxMemory uint64
	// MaxDepth, when positive, is the deepest level explored: the states of
	// that level are stored and checked but not expanded, and the search is
	// complete when they are stored.
	MaxDepth int
	// TempDir is where the record file goes (default os.TempDir()). It is
	// removed when Explore returns.
	TempDir string
	// Progress, when set, receives a progress line every ProgressEvery
	// (default one second).
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Result is what Explore found.
type Result struct {
	// Distinct is the number of distinct states stored (the initial state,
	// when in bounds, and every in-bounds successor reachable through them).
	Distinct uint64
	// Fired counts Fired and OutOfBounds outcomes from explored states.
	// It, OutOfBounds, BoundErrors and Generated count the steps the
	// search took: not those Load left out as commuting (see
	// Expander.Load).
	Fired uint64
	// OutOfBounds counts OutOfBounds outcomes.
	OutOfBounds uint64
	// BoundErrors counts BoundError outcomes.
	BoundErrors uint64
	// Depth is the number of the last level expanded (the length of the
	// longest shortest path, when complete).
	Depth int
	// Covered says, per transition, whether some outcome other than
	// Rejected named it (as Transition or Other).
	Covered []bool
	// Violation is the first violation, or nil.
	Violation *Violation
	// Complete: the whole bounded space was explored.
	Complete bool
	// Limited: the search stopped at MaxStates or MaxMemory.
	Limited bool
	// Collision estimates, in fingerprint mode, the probability that two
	// distinct states had the same fingerprint (TLC's optimistic estimate:
	// Distinct * (Generated - Distinct) / 2^64); 0 in exact mode.
	Collision float64
	// Generated counts the in-bounds successors that differ from their
	// state, each time one is found (those a worker's recent-successor
	// filter recognized, without a look-up in the visited set, included).
	Generated uint64
	// PeakBytes is the most memory the engine's own tables held at once
	// (visited set and buffers; not the record file, which is on disk).
	PeakBytes uint64
}

// Explore searches the model breadth first. The error is for what stopped
// the search from running (the record file, the context, Model.Initial), not
// for a violation, which is in the result.
func Explore(ctx context.Context, m Model, opt Options) (*Result, error) {
	return explore(ctx, m, opt)
}
