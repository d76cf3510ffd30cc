package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The spec, generate directive and program of the scratch service in
// TestGoToolFromAnotherModule: the flow README.md documents.
const (
	scratchSpec = `machine: Light
package: light
enums:
  LightPhase: [Off, On]
fields:
  phase: {type: LightPhase, initial: Off}
  flips: {type: uint, max: 3, initial: 0}
phase: phase
inputs:
  Flip: {}
transitions:
  - name: TurnOn
    on: Flip
    from: [Off]
    to: On
    guards:
      - bulb_alive: flips < 3
    do:
      - flips := flips + 1
  - name: TurnOff
    on: Flip
    from: [On]
    to: Off
`
	// One line: go generate runs any line of a .go file that starts with the directive.
	scratchGenerate = "package light\n\n//go:generate go tool dslgen generate -spec light.yaml -out . -package light\n"
	scratchMain     = `package main

import (
	"errors"
	"fmt"

	"example.com/svc/light"
)

func main() {
	s := light.Initial()
	for i := 0; i < 7; i++ {
		if _, err := s.Apply(light.Flip{}); errors.Is(err, light.ErrRejected) {
			fmt.Println("rejected:", err)
			return
		}
	}
}
`
)

// TestGoToolFromAnotherModule follows README.md's recipe in a scratch module
// outside this tree: go get -tool, a //go:generate go tool dslgen directive,
// go mod tidy (which must keep the tool), go generate, go build, go run. It
// asserts that the service keeps its go line (the module does not force a
// newer Go on its users) and that no dependency of the generator (jennifer,
// yaml, this module) is in the service's build list. It runs offline:
// GOPROXY=off, the modules come from the module cache, this checkout stands in
// for the released module through a replace, and the service's go.sum is
// seeded from this module's go.sum (the checksum database is not reachable
// offline).
func TestGoToolFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	// The one step that may use the network: put this module's requirements
	// in the module cache (nothing to do when they are there, as after any
	// build or `go mod tidy -diff` here).
	if out, err := exec.Command(goBin, "mod", "download").CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off")
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const tool = "github.com/meerkat-go/dslmachine/cmd/dslgen"
	write("go.mod", "module example.com/svc\n\ngo 1.24\n")
	write("go.sum", string(sum))
	goCmd("mod", "edit", "-replace", "github.com/meerkat-go/dslmachine="+root)
	goCmd("get", "-tool", tool)
	write("light/light.yaml", scratchSpec)
	write("light/generate.go", scratchGenerate)
	write("main.go", scratchMain)
	goCmd("mod", "tidy")
	mod := goCmd("mod", "edit", "-json")
	if !strings.Contains(mod, `"Path": "`+tool+`"`) {
		t.Fatalf("go mod tidy dropped the tool line:\n%s", mod)
	}
	if !strings.Contains(mod, `"Go": "1.24"`) {
		t.Errorf("the service's go line changed from 1.24 (a dependency forces a newer Go):\n%s", mod)
	}
	goCmd("generate", "./...")
	if _, err := os.Stat(filepath.Join(dir, "light", "light_gen.go")); err != nil {
		t.Fatalf("go generate wrote no light/light_gen.go: %v", err)
	}
	goCmd("build", "./...")
	if out := goCmd("run", "."); !strings.Contains(out, "rejected: input Flip rejected in phase Off: transition TurnOn refused by guard bulb_alive") {
		t.Errorf("the service printed %q, want the guard rejection after three flips on", out)
	}
	deps := goCmd("list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./...")
	for _, p := range strings.Fields(deps) {
		if !strings.HasPrefix(p, "example.com/svc") {
			t.Errorf("the service's build list has %s, a dependency of the generator", p)
		}
	}
	if v := goCmd("tool", "dslgen", "version"); !strings.HasPrefix(v, "dslgen ") {
		t.Errorf("go tool dslgen version printed %q", v)
	}
}
