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
	for _, f := range files {
		path := filepath.Join(*out, f.Name)
		if err := atomicfile.WriteFile(path, f.Data, 0o644); err != nil {
			fmt.Fprintf(stderr, "dslgen tla: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return 0
}
