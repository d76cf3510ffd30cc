package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/meerkat-go/dslmachine/emit/tla"
	"github.com/meerkat-go/dslmachine/internal/atomicfile"
)

func cmdTLA(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("tla", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	out := fs.String("out", "", "output directory for the TLA+ module and the TLC configurations")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || *out == "" {
		fmt.Fprintln(stderr, "dslgen tla: -spec and -out are required")
		return 2
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	files, err := tla.Generate(m, tla.Options{Source: *spec})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "dslgen tla: %v\n", err)
		return 2
	}
	// Every file is rendered already; write them all or none (see
	// atomicfile.WriteFiles).
	batch := make([]atomicfile.File, len(files))
	for i, f := range files {
		batch[i] = atomicfile.File{Path: filepath.Join(*out, f.Name), Data: f.Data, Perm: 0o644}
	}
	if err := atomicfile.WriteFiles(batch); err != nil {
		fmt.Fprintf(stderr, "dslgen tla: %v\n", err)
		return 2
	}
	for _, f := range batch {
		fmt.Fprintf(stdout, "wrote %s\n", f.Path)
	}
	return 0
}
