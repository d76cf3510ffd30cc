package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/meerkat-go/dslmachine/emit/gocode"
	"github.com/meerkat-go/dslmachine/internal/atomicfile"
)

func cmdGenerate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("generate", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	out := fs.String("out", "", "output directory for the Go package")
	pkg := fs.String("package", "", "Go package name (default: the spec's package)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || *out == "" {
		fmt.Fprintln(stderr, "dslgen generate: -spec and -out are required")
		return 2
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	src, err := gocode.Generate(m, gocode.Options{Package: *pkg, Source: *spec})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "dslgen generate: %v\n", err)
		return 2
	}
	path := filepath.Join(*out, gocode.FileName(m))
	if err := atomicfile.WriteFile(path, src, 0o644); err != nil {
		fmt.Fprintf(stderr, "dslgen generate: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return 0
}
