package runtime

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

type nopHost struct{}

func (nopHost) HydrateSessionLLMState(context.Context, SessionID) (HydratedSessionLLMState, error) {
	return HydratedSessionLLMState{}, nil
}
func (nopHost) ResolveTargetSessionLLMIdentity(context.Context, ReconfigureRequest, LLMIdentity) (ResolvedTarget, error) {
	return ResolvedTarget{}, nil
}
func (nopHost) ApplyLiveSessionLLMIdentity(context.Context, SessionID, LLMIdentity) error { return nil }
func (nopHost) ApplyLiveSessionToolVisibilityState(context.Context, SessionID, *visibility.State) error {
	return nil
}
func (nopHost) PersistLiveSession(context.Context, SessionID) error { return nil }
func (nopHost) DiscardLiveSession(context.Context, SessionID) error { return nil }

func TestHostSlot(t *testing.T) {
	var s hostSlot
	h, err := s.get()
	if h != nil || !errors.Is(err, ErrHostNotConfigured) || !errors.Is(err, ErrInternal) {
		t.Fatalf("empty slot: %v, %v", h, err)
	}
	s.set(nopHost{})
	if h, err := s.get(); err != nil || h == nil {
		t.Fatalf("installed: %v, %v", h, err)
	}
	s.set(nil)
	if _, err := s.get(); !errors.Is(err, ErrHostNotConfigured) {
		t.Fatalf("after uninstall: %v", err)
	}
	s.set((*ptrHost)(nil))
	if _, err := s.get(); !errors.Is(err, ErrHostNotConfigured) {
		t.Fatalf("typed nil host: %v", err)
	}
	s.set(&ptrHost{})
	if h, err := s.get(); err != nil || h == nil {
		t.Fatalf("pointer host: %v %v", h, err)
	}
}

type ptrHost struct{ nopHost }

func TestHostSlotConcurrent(t *testing.T) {
	var s hostSlot
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if (i+j)%3 == 0 {
					s.set(nopHost{})
				}
				if h, err := s.get(); (h == nil) == (err == nil) {
					t.Errorf("inconsistent get: %v, %v", h, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
