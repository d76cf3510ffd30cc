package model

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a spec file. Line and Column are 1-based; a zero Line
// means the position is unknown.
type Pos struct {
	File   string
	Line   int
	Column int
}

// String renders the position as file:line:col.
func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// less orders positions by file, line and column.
func (p Pos) less(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Column < q.Column
}

// Error is one problem found in a spec, at a position.
type Error struct {
	Pos     Pos
	Msg     string
	Warning bool
}

// Error renders the problem as file:line:col: message (warnings say so).
func (e *Error) Error() string {
	if e.Warning {
		return fmt.Sprintf("%s: warning: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// ErrorList is every problem found in a spec, sorted by position.
type ErrorList []*Error

// Error renders one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the list by position, then by message, and drops exact duplicates.
func (l *ErrorList) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Pos != s[j].Pos {
			return s[i].Pos.less(s[j].Pos)
		}
		return s[i].Msg < s[j].Msg
	})
	out := s[:0]
	for i, e := range s {
		if i > 0 && *e == *s[i-1] {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// errs collects problems while a spec is loaded.
type errs struct {
	list     ErrorList
	warnings ErrorList
}

func (e *errs) add(p Pos, format string, args ...any) {
	e.list = append(e.list, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (e *errs) warn(p Pos, format string, args ...any) {
	e.warnings = append(e.warnings, &Error{Pos: p, Msg: fmt.Sprintf(format, args...), Warning: true})
}
