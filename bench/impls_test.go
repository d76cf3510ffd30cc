package bench_test

import (
	"github.com/meerkat-go/dslmachine/bench/generated"
	"github.com/meerkat-go/dslmachine/bench/looplabfsm"
	"github.com/meerkat-go/dslmachine/bench/realtime"
	"github.com/meerkat-go/dslmachine/bench/statelessfsm"
)

// impls returns the implementations under test; the first one is the
// reference that the others are compared with: the code generated from
// spec/realtime.yaml.
func impls() []realtime.Impl {
	return []realtime.Impl{generated.Impl(), looplabfsm.Impl(), statelessfsm.Impl()}
}
