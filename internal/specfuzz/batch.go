package specfuzz

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// scratchModule is the module path of the scratch module the generated
// packages are built in.
const scratchModule = "specfuzz.test"

const goTimeout = 15 * time.Minute

// BuildOptions configures the batched Go stages.
type BuildOptions struct {
	// Dir is the scratch module's directory (created, and emptied first).
	Dir string
	// Staticcheck is the path of a staticcheck binary, or "" to skip it.
	Staticcheck string
	// Corrupt, when set, may rewrite a generated file before it is built
	// (for the self-test).
	Corrupt func(name string, src []byte) []byte
	// Log, when set, receives progress lines.
	Log func(format string, args ...any)
}

// BuildAll writes every generated package of recs into one scratch module,
// builds and vets them with one command each, runs every package that
// builds against its interpreter vectors in one driver program, and returns
// the failures by record name.
func BuildAll(recs []*Record, opt BuildOptions) (map[string][]Failure, error) {
	fails := map[string][]Failure{}
	add := func(name, st, msg string) { fails[name] = append(fails[name], Failure{Stage: st, Msg: msg}) }
	if err := os.RemoveAll(opt.Dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(opt.Dir, "go.mod"), []byte("module "+scratchModule+"\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	var names []string
	byName := map[string]*Record{}
	for _, r := range recs {
		if r.Source == nil {
			continue
		}
		src := r.Source
		if opt.Corrupt != nil {
			src = opt.Corrupt(r.Name, src)
		}
		if err := os.MkdirAll(filepath.Join(opt.Dir, r.Name), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(opt.Dir, r.Name, r.GoFile), src, 0o644); err != nil {
			return nil, err
		}
		names = append(names, r.Name)
		byName[r.Name] = r
	}
	if len(names) == 0 {
		return fails, nil
	}
	sort.Strings(names)
	ok := names
	for _, st := range []struct {
		stage string
		args  []string
	}{
		{StageBuild, []string{"go", "build"}},
		{StageVet, []string{"go", "vet"}},
		{StageStaticcheck, []string{opt.Staticcheck}},
	} {
		if st.args[0] == "" || len(ok) == 0 {
			continue
		}
		t0 := time.Now()
		out, err := goCmd(opt.Dir, append(st.args, pkgArgs(ok)...)...)
		if opt.Log != nil {
			opt.Log("%s of %d packages: %v", st.stage, len(ok), time.Since(t0).Round(time.Millisecond))
		}
		if err == nil {
			continue
		}
		per := attribute(out, ok)
		if len(per) == 0 {
			return nil, fmt.Errorf("%s failed with output no package is named in: %v\n%s", strings.Join(st.args, " "), err, out)
		}
		var next []string
		for _, n := range ok {
			if msg, bad := per[n]; bad {
				add(n, st.stage, msg)
			} else {
				next = append(next, n)
			}
		}
		if st.stage == StageBuild {
			ok = next // vet and the driver only make sense on what builds
		}
	}
	t0 := time.Now()
	res, err := runDriver(opt.Dir, ok, byName, fails)
	if opt.Log != nil {
		opt.Log("driver over %d packages: %v", len(ok), time.Since(t0).Round(time.Millisecond))
	}
	if err != nil {
		return nil, err
	}
	for _, n := range ok {
		if msg := compare(byName[n], res[n]); msg != "" {
			add(n, StageConform, msg)
		}
	}
	return fails, nil
}

func pkgArgs(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "./" + n
	}
	return out
}

func goCmd(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), goTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

var headerRE = regexp.MustCompile(`^# ` + regexp.QuoteMeta(scratchModule) + `/([^ \[]+)`)

// attribute splits go command output into messages per package directory:
// a "# module/dir" header starts a package's section, and a line naming
// "dir/" belongs to that package.
func attribute(out string, names []string) map[string]string {
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	per := map[string][]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		if m := headerRE.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		owner := cur
		for _, field := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ':' }) {
			d, _, found := strings.Cut(strings.TrimPrefix(field, "./"), "/")
			if found && known[d] {
				owner = d
				break
			}
		}
		if known[owner] && len(per[owner]) < 6 {
			per[owner] = append(per[owner], strings.TrimSpace(line))
		}
	}
	msgs := map[string]string{}
	for n, lines := range per {
		msgs[n] = strings.Join(lines, "\n")
	}
	return msgs
}
