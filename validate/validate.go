// Package validate says what `dslgen validate` means by a valid spec: one
// that the loader accepts (package model: syntax, names, types) and whose
// names the Go generator can use (gocode.Check). Every dslgen command loads
// specs through Load, so a spec that validates is one that generate, check,
// simulate and graph accept, and whose generated package builds. What only
// the TLA+ emitter cannot represent (integers above 2^31-1, an id parameter
// a profile fires without a domain) is a warning here and an error of
// `dslgen tla`, so that a spec meant for Go alone is not refused for TLC's
// sake; so is a collection field that `dslgen check` cannot code under a
// profile (an error of check).
package validate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/emit/tla"
	"github.com/meerkat-go/dslmachine/model"
)

// Load loads a spec file and validates it. The error, when not nil, is a
// model.ErrorList of file:line:col errors (or the file's read error).
func Load(path string) (*model.Machine, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	if err := Machine(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Parse is Load for spec text held in memory; filename is used in positions.
func Parse(filename string, src []byte) (*model.Machine, error) {
	m, err := model.Parse(filename, src)
	if err != nil {
		return nil, err
	}
	if err := Machine(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Machine adds to a loaded machine the checks of the emitters: Go names are
// errors (returned as a model.ErrorList), what the TLA+ emitter refuses is
// appended to m.Warnings.
func Machine(m *model.Machine) error {
	if errs := gocode.Check(m); len(errs) > 0 {
		return errs
	}
	if err := tla.Check(m); err != nil {
		m.Warnings = append(m.Warnings, tlaWarning(m, err))
	}
	m.Warnings = append(m.Warnings, codingWarnings(m)...)
	return nil
}

// codingWarnings warns, at the field, about a collection field that
// `dslgen check` cannot code under a profile (a map of uint values without
// a bound on it, a map or set too wide for 64 bits): check refuses such a
// profile with exit 2, while generate and simulate accept the spec.
func codingWarnings(m *model.Machine) []*model.Error {
	hasColl := false
	for _, f := range m.Fields {
		hasColl = hasColl || f.Type.IsCollection()
	}
	if !hasColl {
		return nil
	}
	profiles := m.Profiles
	if len(profiles) == 0 {
		profiles = []*model.Profile{check.DefaultProfile()}
	}
	var out []*model.Error
	for _, p := range profiles {
		_, err := check.DescribeLayout(m, p)
		var ce *check.CodingError
		if errors.As(err, &ce) {
			out = append(out, &model.Error{Pos: ce.Field.Pos, Warning: true,
				Msg: fmt.Sprintf("field %s: %v (dslgen check refuses profile %s)", ce.Field.Name, ce.Err, p.Name)})
		}
	}
	return out
}

// tlaWarning turns a tla.Check error ("file:line:col: tla: message") into a
// positioned warning.
func tlaWarning(m *model.Machine, err error) *model.Error {
	msg := err.Error()
	w := &model.Error{Pos: model.Pos{File: m.File, Line: 1, Column: 1}, Warning: true}
	if rest, ok := strings.CutPrefix(msg, m.File+":"); ok {
		var line, col int
		if n, _ := fmt.Sscanf(rest, "%d:%d:", &line, &col); n == 2 {
			w.Pos.Line, w.Pos.Column = line, col
			msg = rest[strings.Index(rest, ": ")+2:]
		}
	}
	w.Msg = strings.TrimPrefix(msg, "tla: ") + " (dslgen tla refuses this spec)"
	return w
}

// IsSpecError reports whether err is a positioned spec error (as opposed to
// an I/O error reading the file).
func IsSpecError(err error) bool {
	var list model.ErrorList
	return errors.As(err, &list)
}
