package runtime

import (
	"errors"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
)

// Sentinel errors for the four error categories of the control plane
// (upstream RuntimeDriverError, plus cancellation). Every error a flow
// returns belongs to exactly one category: KindOf names it, and errors.Is
// matches its sentinel. The typed errors wrap their causes so that
// errors.Is and errors.As reach the generated machine's errors, the host's
// errors and context errors; a flow never wraps an error of one category in
// an error of another (a host's validation error that forces a rollback is
// returned as it is, or reported through a *RollbackError inside an
// *InternalError, whose Unwrap does not reach it).
var (
	// ErrNotReady is matched by *NotReadyError.
	ErrNotReady = errors.New("runtime not ready")
	// ErrValidation is matched by *ValidationError.
	ErrValidation = errors.New("validation failed")
	// ErrInternal is matched by *InternalError.
	ErrInternal = errors.New("internal error")
	// ErrCanceled is matched by *CanceledError.
	ErrCanceled = errors.New("canceled")
	// ErrHostNotConfigured is the cause wrapped by the *InternalError that
	// a flow returns when it needs the Host and none is installed
	// (RealtimeBootstrapEligibility, which fails closed, wraps it in a
	// *ValidationError instead).
	ErrHostNotConfigured = errors.New("session llm reconfigure host is not configured")
	// ErrHostPanic is wrapped by the *InternalError returned when a Host
	// method or an executor's BoundaryHandle panicked; see the package
	// documentation for the panic policy.
	ErrHostPanic = errors.New("host panicked")
	// ErrNilContext is wrapped by the *ValidationError returned when a
	// method is called with a nil context.
	ErrNilContext = errors.New("nil context")
	// ErrSessionRemoved is wrapped by the *NotReadyError returned when the
	// session does not exist, or was removed while the operation ran (the
	// operation is then fenced: it makes no further host call and no
	// further machine step).
	ErrSessionRemoved = errors.New("session removed")
)

// StateDestroyed is the phase a NotReadyError names when the session does
// not exist (any more), as upstream does.
const StateDestroyed = gen.LifecyclePhaseDestroyed

// NotReadyError says that the session is not in a state (lifecycle phase)
// that allows the operation. A missing or removed session is reported as
// not ready in StateDestroyed, wrapping ErrSessionRemoved.
type NotReadyError struct {
	// State is the session's current lifecycle phase.
	State gen.LifecyclePhase
	// Err is the cause, if any (ErrSessionRemoved for a removed session).
	Err error
}

// Error returns "runtime not ready in state <State>".
func (e *NotReadyError) Error() string {
	msg := "runtime not ready in state " + e.State.String()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *NotReadyError) Unwrap() error { return e.Err }

// Is reports whether target is ErrNotReady.
func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

// ValidationError says that a request was refused: a machine guard rejected
// an input, a host refused a target, a capability is missing, or the call
// itself was malformed (a nil context or input).
type ValidationError struct {
	// Reason is a human-readable explanation, normally including the
	// cause's text (Validationf builds it that way).
	Reason string
	// Err is the underlying cause, if any (for example the generated
	// machine's guard error).
	Err error
}

// Error returns "validation failed: <Reason>".
func (e *ValidationError) Error() string {
	return "validation failed: " + e.Reason
}

// Unwrap returns the underlying cause.
func (e *ValidationError) Unwrap() error { return e.Err }

// Is reports whether target is ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// InternalError says that the control plane failed in a way the caller
// cannot fix by changing the request: a host failure after the point of no
// return, a failed rollback, a host panic, a timeout waiting for a
// boundary, a missing host.
type InternalError struct {
	// Msg is the complete message, normally including the cause's text
	// (Internalf builds it that way). When Msg is empty the message is the
	// cause's.
	Msg string
	// Err is the underlying cause, if any; it is kept for errors.Is and
	// errors.As.
	Err error
}

// Error returns Msg, or the cause's message when Msg is empty.
func (e *InternalError) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the underlying cause.
func (e *InternalError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInternal.
func (e *InternalError) Is(target error) bool { return target == ErrInternal }

// CanceledError says that the caller's context ended (canceled or past its
// deadline) before the operation reached its point of no return; whatever
// the operation had started was undone. It wraps the context's error, so
// errors.Is(err, context.Canceled) and errors.Is(err,
// context.DeadlineExceeded) work.
type CanceledError struct {
	// Op says what was being done.
	Op string
	// Err is the context's error.
	Err error
}

// Error returns "<Op>: <Err>".
func (e *CanceledError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap returns the context's error.
func (e *CanceledError) Unwrap() error { return e.Err }

// Is reports whether target is ErrCanceled.
func (e *CanceledError) Is(target error) bool { return target == ErrCanceled }

// RollbackError is the cause carried by the *InternalError returned when a
// failed LLM reconfigure could not be rolled back: the live session was
// discarded and the cached LLM state is unresolved. It belongs to no
// category of its own; find it with errors.As.
type RollbackError struct {
	// Original is the error that triggered the rollback.
	Original error
	// Rollback is the error the rollback itself hit.
	Rollback error
}

// Error returns "failed to rollback live llm reconfiguration after error
// (<Original>): <Rollback>".
func (e *RollbackError) Error() string {
	return fmt.Sprintf("failed to rollback live llm reconfiguration after error (%v): %v", e.Original, e.Rollback)
}

// Unwrap returns the original and the rollback error, leaving out those of
// another category than internal so that the *InternalError carrying the
// *RollbackError stays in one category.
func (e *RollbackError) Unwrap() []error {
	var out []error
	for _, err := range []error{e.Original, e.Rollback} {
		if k := KindOf(err); err != nil && (k == KindOther || k == KindInternal) {
			out = append(out, err)
		}
	}
	return out
}

// rollbackFailed wraps a *RollbackError in the *InternalError a flow
// returns.
func rollbackFailed(original, rollback error) error {
	rb := &RollbackError{Original: original, Rollback: rollback}
	return &InternalError{Msg: rb.Error(), Err: rb}
}

// NotReady returns a *NotReadyError for the phase.
func NotReady(state gen.LifecyclePhase) error { return &NotReadyError{State: state} }

// Validationf returns a *ValidationError whose reason is the formatted
// message. A %w verb in format wraps that argument as the cause (several
// %w verbs wrap all of them).
func Validationf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &ValidationError{Reason: e.Error(), Err: causeOf(e)}
}

// Internalf returns an *InternalError whose message is the formatted
// message. A %w verb in format wraps that argument as the cause (several
// %w verbs wrap all of them).
func Internalf(format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	return &InternalError{Msg: e.Error(), Err: causeOf(e)}
}

// causeOf returns what fmt.Errorf wrapped: the single %w operand, the
// wrapper itself when there were several, or nil.
func causeOf(e error) error {
	if c := errors.Unwrap(e); c != nil {
		return c
	}
	if _, ok := e.(interface{ Unwrap() []error }); ok {
		return e
	}
	return nil
}

// Kind is the category of a control-plane error.
type Kind uint8

const (
	// KindOther is any error that carries none of this package's types
	// (including nil).
	KindOther Kind = iota
	// KindNotReady is a *NotReadyError.
	KindNotReady
	// KindValidation is a *ValidationError.
	KindValidation
	// KindInternal is an *InternalError.
	KindInternal
	// KindCanceled is a *CanceledError.
	KindCanceled
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindNotReady:
		return "not ready"
	case KindValidation:
		return "validation"
	case KindInternal:
		return "internal"
	case KindCanceled:
		return "canceled"
	default:
		return "other"
	}
}

// KindOf returns the category of the outermost typed error in err's chain
// (searched depth first, as errors.Is does). Use it when an error may wrap a
// cause of another category, for example an internal error whose cause is a
// host's validation error.
func KindOf(err error) Kind {
	for err != nil {
		switch err.(type) {
		case *NotReadyError:
			return KindNotReady
		case *ValidationError:
			return KindValidation
		case *InternalError:
			return KindInternal
		case *CanceledError:
			return KindCanceled
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if k := KindOf(e); k != KindOther {
					return k
				}
			}
			return KindOther
		default:
			return KindOther
		}
	}
	return KindOther
}
