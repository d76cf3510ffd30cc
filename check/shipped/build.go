package shipped

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The helper's module path. It is this module's path, so that the runner and
// the engine, copied as source, keep their import paths; the helper module
// has no requirements and is built with GOWORK=off, so nothing is fetched.
const helperModule = "github.com/meerkat-go/dslmachine"

// goLine is the go line of the helper's go.mod: the version the generated
// code needs (docs/DSL.md), no newer than this module's.
const goLine = "1.23"

//go:embed runner/runner.go
var runnerFS embed.FS

// ErrNoGo is wrapped by the error of a check that needs a Go toolchain when
// there is none on PATH, or it is older than the generated code needs.
var ErrNoGo = errors.New("no suitable Go toolchain")

// BuildError is returned when the helper program does not build: the
// generated package (or the one given with -gen) does not compile with the
// driver. Output holds the go command's messages.
type BuildError struct {
	Output string
	Err    error
}

// Error describes the failure.
func (e *BuildError) Error() string {
	return fmt.Sprintf("building the helper program: %v\n%s", e.Err, strings.TrimSpace(e.Output))
}

// Unwrap returns the go command's error.
func (e *BuildError) Unwrap() error { return e.Err }

// toolchain is the go command and its version.
type toolchain struct {
	path    string
	version string // e.g. go1.26.8
	env     []string
}

var goVersionRE = regexp.MustCompile(`^go(\d+)\.(\d+)`)

// findGo looks up the go command (goCmd, or "go" on PATH) and checks that it
// is at least goLine.
func findGo(ctx context.Context, goCmd string) (*toolchain, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	p, err := exec.LookPath(goCmd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoGo, err)
	}
	tc := &toolchain{path: p, env: helperEnv(os.Environ())}
	cmd := exec.CommandContext(ctx, p, "env", "GOVERSION", "GOOS", "GOARCH")
	cmd.Env = tc.env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s env: %v", ErrNoGo, p, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) < 3 {
		return nil, fmt.Errorf("%w: %s env printed %q", ErrNoGo, p, out)
	}
	tc.version = lines[0] + " " + lines[1] + "/" + lines[2]
	mm := goVersionRE.FindStringSubmatch(lines[0])
	if mm == nil {
		return nil, fmt.Errorf("%w: %s reports version %q", ErrNoGo, p, lines[0])
	}
	major, _ := strconv.Atoi(mm[1])
	minor, _ := strconv.Atoi(mm[2])
	wantMinor, _ := strconv.Atoi(strings.TrimPrefix(goLine, "1."))
	if major < 1 || major == 1 && minor < wantMinor {
		return nil, fmt.Errorf("%w: %s is %s, the generated code needs go%s or later", ErrNoGo, p, lines[0], goLine)
	}
	return tc, nil
}

// helperEnv is the environment of the go command that builds the helper:
// outside any workspace, offline, with the local toolchain, without cgo, and
// without the GOFLAGS flags that would break its build (see dropFlag).
func helperEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", "GOTOOLCHAIN", "GOPROXY", "GO111MODULE", "CGO_ENABLED", "GOFLAGS":
			if k == "GOFLAGS" {
				var keep []string
				for _, f := range strings.Fields(v) {
					if dropFlag(f) {
						continue
					}
					keep = append(keep, f)
				}
				if len(keep) > 0 {
					out = append(out, "GOFLAGS="+strings.Join(keep, " "))
				}
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GO111MODULE=on", "CGO_ENABLED=0")
}

// dropFlag reports whether a GOFLAGS flag would break the helper's build:
// -mod and -modfile (the helper's module has no vendor directory and its own
// go.mod), and -race, -msan and -asan (they need cgo, which is off).
func dropFlag(f string) bool {
	name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(f, "-"), "-"), "=")
	switch name {
	case "mod", "modfile", "race", "msan", "asan":
		return true
	}
	return false
}

// module is the helper's source: file paths (slash-separated, relative to
// the module root) and their contents.
type module map[string][]byte

// key hashes the module's sources and the toolchain's version.
func (mod module) key(tc *toolchain) string {
	h := sha256.New()
	fmt.Fprintf(h, "dslgen helper 1\n%s\n", tc.version)
	names := make([]string, 0, len(mod))
	for n := range mod {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%s %d\n", n, len(mod[n]))
		h.Write(mod[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// addFS copies the files of fsys under dir into the module at prefix.
func (mod module) addFS(fsys fs.FS, dir, prefix string) error {
	return fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		}
		mod[path.Join(prefix, rel)] = b
		return nil
	})
}

// defaultCacheDir is where built helpers are kept: $DSLGEN_CACHE when set
// ("off": nowhere), else os.UserCacheDir()/dslgen.
func defaultCacheDir() string {
	if d := os.Getenv("DSLGEN_CACHE"); d != "" {
		if d == "off" {
			return ""
		}
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "dslgen")
}

// build returns the path of the helper binary for the module, from the
// cache when it is there. cleanup removes what is not cached.
func build(ctx context.Context, tc *toolchain, mod module, cacheDir string, log io.Writer) (bin string, cleanup func(), err error) {
	key := mod.key(tc)
	var cached string
	if cacheDir != "" {
		cached = filepath.Join(cacheDir, "helpers", key, "helper")
		if st, err := os.Stat(cached); err == nil && st.Mode().IsRegular() {
			return cached, func() {}, nil
		}
	}
	if log != nil {
		fmt.Fprintln(log, "dslgen check: building the helper program that runs the generated package (once per spec, profile and Go version)")
	}
	tmp, err := os.MkdirTemp("", "dslgen-helper-")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "src")
	for name, b := range mod {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", nil, err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", nil, err
		}
	}
	out := filepath.Join(tmp, "helper")
	cmd := exec.CommandContext(ctx, tc.path, "build", "-trimpath", "-o", out, "./cmd/helper")
	cmd.Dir = src
	cmd.Env = tc.env
	var msgs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &msgs, &msgs
	// Cancelling interrupts the go command, which then cleans up.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return "", nil, ctx.Err()
	}
	if err != nil {
		return "", nil, &BuildError{Output: msgs.String(), Err: err}
	}
	if cached != "" {
		if err := install(out, cached); err == nil {
			return cached, func() {}, nil
		} else if log != nil {
			fmt.Fprintf(log, "dslgen check: cannot cache the helper program: %v\n", err)
		}
	}
	// No cache: keep the binary in a temporary directory of its own.
	keep, err := os.MkdirTemp("", "dslgen-helper-bin-")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(keep, "helper")
	if err := os.Rename(out, bin); err != nil {
		os.RemoveAll(keep)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(keep) }, nil
}

// install copies a built binary into the cache: to a temporary file in the
// target's directory, then renamed, so that a concurrent check never sees
// half a binary.
func install(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.CreateTemp(filepath.Dir(to), ".helper-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Chmod(0o755); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), to); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
