package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// cmdVersion prints the version of this dslgen binary (see versionLine).
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "dslgen version: no arguments are taken")
		return 2
	}
	bi, _ := debug.ReadBuildInfo() // nil when the binary has none
	fmt.Fprintln(stdout, versionLine(bi))
	return 0
}

// versionLine renders the build information of a dslgen binary as one line:
// the module version ("v0.1.0" when built from a released module, as by
// `go tool dslgen`; "(devel)" or a pseudo-version when built in a checkout),
// the module it was replaced by if any, the VCS revision when the build
// stamped one (with "+dirty" for a modified tree), and the Go version it was
// built with.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "dslgen (unknown version: the binary has no build information)"
	}
	var b strings.Builder
	b.WriteString("dslgen ")
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	b.WriteString(v)
	if r := bi.Main.Replace; r != nil {
		b.WriteString(" => " + r.Path)
		if r.Version != "" {
			b.WriteString(" " + r.Version)
		}
	}
	var rev, modified, at string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			at = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		b.WriteString(" rev " + rev)
		if modified == "true" {
			b.WriteString("+dirty")
		}
		if at != "" {
			b.WriteString(" " + at)
		}
	}
	if bi.GoVersion != "" {
		b.WriteString(" " + bi.GoVersion)
	}
	return b.String()
}
