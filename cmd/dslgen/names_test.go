package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoNameErrorsAtValidate checks that every command that loads a spec
// reports the names the Go generator cannot use, at their positions.
func TestGoNameErrorsAtValidate(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "clash.yaml")
	src := "machine: Clash\nenums:\n  Phase: [A]\nfields:\n  phase: {type: Phase, initial: A}\nphase: phase\ninputs:\n  Push: {}\n  push: {}\ntransitions: []\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	want := spec + `:9:3: input "push" becomes the Go identifier Push, which clashes with input "Push"`
	for _, args := range [][]string{
		{"validate", "-spec", spec},
		{"generate", "-spec", spec, "-out", t.TempDir()},
		{"tla", "-spec", spec, "-out", t.TempDir()},
		{"graph", "-spec", spec},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d, want 2", args[0], code)
		}
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: stderr %q does not contain %q", args[0], stderr.String(), want)
		}
	}
}

// TestGenerateBadPackage checks that an unusable -package is a one-line
// usage error, not a dump of the generated source.
func TestGenerateBadPackage(t *testing.T) {
	for _, pkg := range []string{"9bad", "func", "my-pkg", `x; import "os"`, "main"} {
		var stdout, stderr bytes.Buffer
		out := t.TempDir()
		code := run([]string{"generate", "-spec", "../../spec/examples/doorlock.yaml", "-out", out, "-package", pkg}, &stdout, &stderr)
		if code != 2 {
			t.Errorf("-package %q: exit %d, want 2", pkg, code)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "invalid package name") {
			t.Errorf("-package %q: stderr %q", pkg, msg)
		}
		if files, _ := os.ReadDir(out); len(files) > 0 {
			t.Errorf("-package %q: wrote %d files", pkg, len(files))
		}
	}
}
