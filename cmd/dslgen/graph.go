package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/meerkat-go/dslmachine/emit/graph"
	"github.com/meerkat-go/dslmachine/internal/atomicfile"
)

// Markers of the region that `dslgen graph -embed FILE` replaces.
const (
	embedBegin = "<!-- BEGIN dslgen graph: generated from the spec, do not edit -->"
	embedEnd   = "<!-- END dslgen graph -->"
)

func cmdGraph(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("graph", stderr)
	spec := fs.String("spec", "", "spec file (YAML)")
	format := fs.String("format", "mermaid", "mermaid (a Markdown document, or the bare diagram with -field) or dot")
	field := fs.String("field", "", "draw only the diagram of this field (default: every diagram)")
	out := fs.String("out", "", "write to this file instead of standard output")
	embed := fs.String("embed", "", "also replace the Mermaid sections between the dslgen graph markers in this Markdown file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *spec == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dslgen graph: -spec is required and no arguments are taken")
		return 2
	}
	if *format != "mermaid" && *format != "dot" {
		fmt.Fprintf(stderr, "dslgen graph: unknown -format %q (want mermaid or dot)\n", *format)
		return 2
	}
	m, ok := loadSpec(*spec, stderr)
	if !ok {
		return 2
	}
	ds := graph.Diagrams(m)
	if *field != "" {
		var one *graph.Diagram
		var names []string
		for _, d := range ds {
			names = append(names, d.Field.Name)
			if d.Field.Name == *field {
				one = d
			}
		}
		if one == nil {
			fmt.Fprintf(stderr, "dslgen graph: no diagram for field %q; the diagrams are: %s\n", *field, strings.Join(names, ", "))
			return 2
		}
		ds = []*graph.Diagram{one}
	}
	opt := graph.Options{Source: *spec}
	var data []byte
	switch {
	case *format == "dot":
		data = graph.Dot(m, ds, opt)
	case *field != "":
		data = []byte(graph.MermaidDiagram(ds[0]))
	default:
		data = graph.Mermaid(m, ds, opt)
	}
	if *embed != "" {
		if err := embedSections(*embed, graph.MermaidSections(m, ds, 3)); err != nil {
			fmt.Fprintf(stderr, "dslgen graph: %v\n", err)
			return 2
		}
	}
	if *out == "" {
		_, _ = stdout.Write(data)
		return 0
	}
	if err := atomicfile.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "dslgen graph: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return 0
}

// embedSections replaces the text between the markers in a Markdown file
// (which must contain both, in order) with sections.
func embedSections(path, sections string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i := bytes.Index(old, []byte(embedBegin))
	j := bytes.Index(old, []byte(embedEnd))
	if i < 0 || j < i {
		return fmt.Errorf("%s: no region between %q and %q", path, embedBegin, embedEnd)
	}
	var b bytes.Buffer
	b.Write(old[:i+len(embedBegin)])
	b.WriteString("\n\n")
	b.WriteString(sections)
	b.WriteString("\n")
	b.Write(old[j:])
	if bytes.Equal(b.Bytes(), old) {
		return nil
	}
	return atomicfile.WriteFile(path, b.Bytes(), 0o644) // keeps the file's mode
}
