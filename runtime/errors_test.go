package runtime

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
)

func TestErrorCategories(t *testing.T) {
	cause := errors.New("boom")
	tests := []struct {
		name       string
		err        error
		sentinel   error
		kind       Kind
		msg        string
		wantsCause bool
	}{
		{"not ready", NotReady(gen.LifecyclePhaseIdle), ErrNotReady, KindNotReady, "runtime not ready in state Idle", false},
		{"destroyed", &NotReadyError{State: StateDestroyed}, ErrNotReady, KindNotReady, "runtime not ready in state Destroyed", false},
		{"validation", Validationf("model %q unknown", "m"), ErrValidation, KindValidation, `validation failed: model "m" unknown`, false},
		{"validation wraps", Validationf("guard: %w", cause), ErrValidation, KindValidation, "validation failed: guard: boom", true},
		{"internal", Internalf("guard regression"), ErrInternal, KindInternal, "guard regression", false},
		{"internal wraps", Internalf("failed after detach: %w", cause), ErrInternal, KindInternal, "failed after detach: boom", true},
		{"internal literal", &InternalError{Msg: "m", Err: cause}, ErrInternal, KindInternal, "m", true},
		{"internal cause only", &InternalError{Err: cause}, ErrInternal, KindInternal, "boom", true},
		{"host not configured", (&hostSlot{}).getErr(), ErrInternal, KindInternal, "session llm reconfigure host is not configured", false},
		{"rollback", rollbackFailed(cause, errors.New("again")), ErrInternal, KindInternal,
			"failed to rollback live llm reconfiguration after error (boom): again", true},
		{"canceled", canceled("wait", context.Canceled), ErrCanceled, KindCanceled, "wait: context canceled", false},
		{"wrapped by fmt", fmt.Errorf("outer: %w", NotReady(gen.LifecyclePhaseRunning)), ErrNotReady, KindNotReady, "outer: runtime not ready in state Running", false},
	}
	all := []error{ErrNotReady, ErrValidation, ErrInternal, ErrCanceled}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.msg {
				t.Errorf("Error() = %q, want %q", got, tc.msg)
			}
			for _, s := range all {
				if got, want := errors.Is(tc.err, s), s == tc.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			if got := errors.Is(tc.err, cause); got != tc.wantsCause {
				t.Errorf("errors.Is(err, cause) = %v, want %v", got, tc.wantsCause)
			}
		})
	}
}

func TestErrorsAs(t *testing.T) {
	var nr *NotReadyError
	if err := fmt.Errorf("x: %w", NotReady(gen.LifecyclePhaseRetired)); !errors.As(err, &nr) || nr.State != gen.LifecyclePhaseRetired {
		t.Fatalf("As NotReadyError: %v", nr)
	}
	var ve *ValidationError
	if !errors.As(Validationf("r"), &ve) || ve.Reason != "r" {
		t.Fatalf("As ValidationError: %v", ve)
	}
	var ie *InternalError
	if !errors.As(Internalf("m: %w", context.DeadlineExceeded), &ie) || ie.Msg != "m: context deadline exceeded" ||
		!errors.Is(ie, context.DeadlineExceeded) {
		t.Fatalf("As InternalError: %+v", ie)
	}
	var re *RollbackError
	plain := errors.New("plain")
	err := fmt.Errorf("flow: %w", rollbackFailed(Validationf("orig"), fmt.Errorf("x: %w", plain)))
	if !errors.As(err, &re) || !errors.As(err, &ie) {
		t.Fatal("As RollbackError or InternalError failed")
	}
	// A failed rollback is internal only: causes of another category are
	// not reached, causes of none are.
	if KindOf(err) != KindInternal || errors.Is(err, ErrValidation) || !errors.Is(err, plain) {
		t.Fatalf("rollback classification: kind %v", KindOf(err))
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{nil, KindOther},
		{errors.New("plain"), KindOther},
		{context.Canceled, KindOther},
		{Internalf("wrap: %w", Validationf("inner")), KindInternal},
		{Validationf("wrap: %w", &InternalError{Msg: "inner"}), KindValidation},
		{errors.Join(errors.New("a"), NotReady(gen.LifecyclePhaseIdle)), KindNotReady},
		{errors.Join(errors.New("a"), errors.New("b")), KindOther},
		{fmt.Errorf("%w and %w", errors.New("a"), Validationf("v")), KindValidation},
		{Internalf("%w and %w", errors.New("a"), Validationf("v")), KindInternal},
	}
	for i, tc := range tests {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("%d: KindOf(%v) = %v, want %v", i, tc.err, got, tc.want)
		}
	}
	for k, s := range map[Kind]string{KindOther: "other", KindNotReady: "not ready", KindValidation: "validation", KindInternal: "internal", KindCanceled: "canceled"} {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
}

func TestInternalfWithSeveralCauses(t *testing.T) {
	a, b := errors.New("a"), errors.New("b")
	err := Internalf("x %w y %w", a, b)
	if !errors.Is(err, a) || !errors.Is(err, b) || err.Error() != "x a y b" {
		t.Fatalf("got %v", err)
	}
}

// getErr returns the error of an empty slot, for table tests.
func (s *hostSlot) getErr() error {
	_, err := s.get()
	return err
}
