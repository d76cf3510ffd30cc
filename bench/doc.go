// Package bench compares the code that dslgen generates with two peer
// state-machine libraries, github.com/looplab/fsm and
// github.com/qmuntal/stateless, on the same machine: the realtime-attachment
// and live-topology part of spec/machine.yaml (machine facts §3 and §4, with
// the turn phase of §2 that gates detach).
//
// The machine is written once as a DSL spec (spec/realtime.yaml, generated
// into gen/) and once per peer library (looplabfsm/ and statelessfsm/). All
// of them implement realtime.Machine. The tests in this directory prove that
// the implementations agree on accepted and rejected input sequences; the
// benchmarks step each of them through the same fixed input cycles
// (realtime.AcceptedCycle, realtime.RejectedCycle, realtime.MixedCycle) and
// through 1,000 machines shared by 2 goroutines. `make bench` runs them and
// prints the ratio table that docs/PERFORMANCE.md records.
package bench
