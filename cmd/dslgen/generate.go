package main

import (
	"fmt"
	"io"
)

func cmdGenerate(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "dslgen generate: not implemented yet")
	return 2
}
