package runtime

import (
	"github.com/meerkat-go/dslmachine/gen"
)

// OperationIDs is the machine's set of barrier operation ids
// (gen.OperationIDSet8): the type of RegisterPendingOps' and
// OpsBarrierSatisfied's arguments.
type OperationIDs = gen.OperationIDSet8

// NewOperationIDs returns the set of the given operation ids, in any order
// and repeated or not. More distinct ids than an OperationIDs holds is a
// *ValidationError that matches gen.ErrBound (errors.Is), as the machine's
// capacity is a bound.
func NewOperationIDs(ids ...gen.OperationID) (OperationIDs, error) {
	var s OperationIDs
	for _, id := range ids {
		next, ok := s.With(id)
		if !ok {
			return OperationIDs{}, Validationf("operation ids: %q is one more than the %d a barrier holds: %w", id, s.Len(), gen.ErrBound)
		}
		s = next
	}
	return s, nil
}

// RegisterPendingOps registers the turn's barrier operations
// (RegisterPendingOps): the turn waits for ids, given in any order and
// repeated or not; with no ids the barrier is satisfied at once. More
// distinct ids than a barrier holds is refused as NewOperationIDs says; a
// refusal by the machine is returned as Apply returns it.
func (e *Executor) RegisterPendingOps(ids ...gen.OperationID) (gen.Effects, error) {
	set, err := NewOperationIDs(ids...)
	if err != nil {
		return gen.Effects{}, err
	}
	return e.Apply(gen.RegisterPendingOps{BarrierOperationIDs: set})
}

// OpsBarrierSatisfied reports that the barrier operations ids finished
// (OpsBarrierSatisfied). The machine accepts it when ids, in any order and
// repeated or not, are the registered barrier set; see RegisterPendingOps.
func (e *Executor) OpsBarrierSatisfied(ids ...gen.OperationID) (gen.Effects, error) {
	set, err := NewOperationIDs(ids...)
	if err != nil {
		return gen.Effects{}, err
	}
	return e.Apply(gen.OpsBarrierSatisfied{OperationIDs: set})
}
