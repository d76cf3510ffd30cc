package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Recorder writes every step that the sessions of a ControlPlane take as one
// JSON line, in the recording format that `dslgen validate-trace` (package
// tracecheck) reads, so that a recorded run of a service can be checked
// against the spec:
//
//	{"session":"s1#1","input":"RegisterSession","args":{"session_id":"s1"},"state":{...}}
//
// The session key is the session id and its generation: a session removed
// and created again under the same id is a new run from the machine's
// initial state. Install it with WithObserver(rec.Observe). It is safe for
// concurrent use; lines of one session keep their commit order.
type Recorder struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewRecorder returns a Recorder writing to w.
func NewRecorder(w io.Writer) *Recorder { return &Recorder{w: w} }

// Observe records one step. It never panics; the first write or encoding
// error stops the recording and is returned by Err.
func (r *Recorder) Observe(ev StepEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	line, err := recordLine(ev)
	if err == nil {
		_, err = r.w.Write(line)
	}
	if err != nil {
		r.err = fmt.Errorf("runtime: record step of session %s: %w", ev.Session, err)
	}
}

// Err returns the first error that stopped the recording, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// recordLine renders one step: the input in the generated package's JSON
// form ({"input": name, "args": {...}}), the session key and the whole
// state after the step.
func recordLine(ev StepEvent) ([]byte, error) {
	in, err := json.Marshal(ev.Input)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(in, &obj); err != nil {
		return nil, err
	}
	if obj["session"], err = json.Marshal(fmt.Sprintf("%s#%d", ev.Session, ev.Generation)); err != nil {
		return nil, err
	}
	if obj["state"], err = json.Marshal(ev.After); err != nil {
		return nil, err
	}
	line, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}
