package model

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of the bad-spec tests")

// TestBadSpecs loads every spec under testdata/bad and compares every error
// and warning, as file:line:col: message, with its .golden file.
func TestBadSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) < 20 {
		t.Fatalf("want at least 20 bad specs, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			m, err := Load(file)
			var got string
			switch {
			case err != nil:
				var list ErrorList
				if !errors.As(err, &list) {
					t.Fatalf("error is %T, want ErrorList", err)
				}
				got = list.Error() + "\n"
			case len(m.Warnings) > 0:
				got = m.Warnings.Error() + "\n"
			default:
				t.Fatalf("%s loaded without errors or warnings", file)
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run go test ./model -run TestBadSpecs -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("messages differ\n got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestGoodSpecLoads guards the base of the bad specs: it must be clean.
func TestGoodSpecLoads(t *testing.T) {
	m, err := Load("testdata/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 0 {
		t.Fatalf("unexpected warnings: %v", m.Warnings)
	}
}
