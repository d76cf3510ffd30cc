package runtime

import (
	"errors"
	"fmt"
)

// Sentinel errors for the three error categories of the control plane
// (upstream RuntimeDriverError). Every typed error of this package matches
// exactly one of them with errors.Is. Because typed errors wrap their
// causes, an error may also match the sentinel of a cause further down the
// chain; KindOf reports the outermost category.
var (
	// ErrNotReady is matched by *NotReadyError.
	ErrNotReady = errors.New("runtime not ready")
	// ErrValidation is matched by *ValidationError.
	ErrValidation = errors.New("validation failed")
	// ErrInternal is matched by *InternalError and *RollbackError.
	ErrInternal = errors.New("internal error")
	// ErrHostNotConfigured is the cause wrapped by the *InternalError that
	// a flow returns when it needs the Host and none is installed
	// (RealtimeBootstrapEligibility, which fails closed, wraps it in a
	// *ValidationError instead).
	ErrHostNotConfigured = errors.New("session llm reconfigure host is not configured")
)

// StateDestroyed is the state a NotReadyError names when the session does
// not exist (any more), as upstream does.
const StateDestroyed = "Destroyed"

// NotReadyError says that the session is not in a state (lifecycle phase)
// that allows the operation. A missing session is reported as not ready in
// StateDestroyed.
type NotReadyError struct {
	// State is the name of the session's current phase, e.g. "Idle".
	State string
}

// Error returns "runtime not ready in state <State>".
func (e *NotReadyError) Error() string {
	return "runtime not ready in state " + e.State
}

// Is reports whether target is ErrNotReady.
func (e *NotReadyError) Is(target error) bool { return target == ErrNotReady }

// ValidationError says that a request was refused: a machine guard rejected
// an input, a host refused a target, or a capability is missing.
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
// return, a guard regression, a timeout waiting for a boundary, a missing
// host.
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

// RollbackError is the internal error returned when a failed LLM reconfigure
// could not be rolled back (machine-facts §5, rollback rule 3): the live
// session was discarded and the cached LLM state is unresolved.
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

// Unwrap returns both the original and the rollback error.
func (e *RollbackError) Unwrap() []error { return []error{e.Original, e.Rollback} }

// Is reports whether target is ErrInternal.
func (e *RollbackError) Is(target error) bool { return target == ErrInternal }

// NotReady returns a *NotReadyError for the named state.
func NotReady(state string) error { return &NotReadyError{State: state} }

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
	// KindInternal is an *InternalError or a *RollbackError.
	KindInternal
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
		case *InternalError, *RollbackError:
			return KindInternal
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
