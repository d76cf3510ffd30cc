// Package pipelinefuzz holds the fuzz targets that take arbitrary spec text
// through the whole front end and every emitter: load and validate, then,
// for a spec that loads, the Go generator, the TLA+ emitter, the Mermaid and
// DOT diagrams and the model checker (on the first profile, with tiny
// limits). None may panic or hang; the Go output must parse. It has no
// non-test code; `make fuzz` runs each target, and `go test` replays the
// crash inputs committed under testdata/fuzz/.
package pipelinefuzz
