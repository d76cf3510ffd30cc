package main

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "dslgen (unknown version: the binary has no build information)"},
		{"released module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/meerkat-go/dslmachine", Version: "v0.1.0"}},
			"dslgen v0.1.0 go1.26.8"},
		{"in-tree build with VCS stamp", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/meerkat-go/dslmachine", Version: "(devel)"},
			Settings: []debug.BuildSetting{
				{Key: "vcs", Value: "git"},
				{Key: "vcs.revision", Value: "049c3e5a1b2c3d4e5f60718293a4b5c6d7e8f901"},
				{Key: "vcs.time", Value: "2026-11-30T22:00:00Z"},
				{Key: "vcs.modified", Value: "true"},
			}},
			"dslgen (devel) rev 049c3e5a1b2c+dirty 2026-11-30T22:00:00Z go1.26.8"},
		{"empty version, clean tree", &debug.BuildInfo{Main: debug.Module{Path: "github.com/meerkat-go/dslmachine"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}},
			"dslgen (devel) rev abc123"},
		{"replaced by a directory", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/meerkat-go/dslmachine",
			Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "../dslmachine"}}},
			"dslgen v0.0.0-00010101000000-000000000000 => ../dslmachine go1.26.8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionLine(tc.bi); got != tc.want {
				t.Errorf("versionLine = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	for _, arg := range []string{"version", "-version", "--version"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{arg}, &stdout, &stderr); code != 0 {
			t.Fatalf("dslgen %s: exit %d, stderr %q", arg, code, stderr.String())
		}
		out := stdout.String()
		if !strings.HasPrefix(out, "dslgen ") || !strings.HasSuffix(out, " "+runtime.Version()+"\n") {
			t.Errorf("dslgen %s printed %q, want one line \"dslgen VERSION ... %s\"", arg, out, runtime.Version())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("dslgen version extra: exit %d, want 2", code)
	}
}
