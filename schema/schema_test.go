package schema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/meerkat-go/dslmachine/model"
)

const (
	schemaFile = "dslmachine.schema.json"
	schemaURL  = "https://github.com/meerkat-go/dslmachine/schema/dslmachine.schema.json"
	modeline   = "# yaml-language-server: $schema="
)

// compile compiles the schema with a real JSON Schema (2020-12) validator.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("%s does not compile: %v", schemaFile, err)
	}
	return sch
}

// instance reads a YAML document as the JSON value an editor's YAML language
// server validates.
func instance(src []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("as JSON: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// TestSchemaKeysAreLoaderKeys: every fixed-key mapping of the schema accepts
// exactly the keys of the loader's table, requires exactly its required keys
// and rejects any other key.
func TestSchemaKeysAreLoaderKeys(t *testing.T) {
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	props, _ := root["properties"].(map[string]any)
	fairness, _ := props["fairness"].(map[string]any)
	where := map[string]map[string]any{model.MappingSpec: root, model.MappingFairness: fairness}
	for _, name := range []string{model.MappingField, model.MappingTransition, model.MappingProfile, model.MappingLiveness,
		model.MappingConstant, model.MappingInput, model.MappingEffect, model.MappingParam} {
		d, ok := defs[name].(map[string]any)
		if !ok {
			t.Fatalf("the schema has no $defs/%s", name)
		}
		where[name] = d
	}
	tables := model.KeyTables()
	if len(tables) != len(where) {
		t.Fatalf("model.KeyTables has %d mappings, the test knows %d: map the new one to its place in the schema", len(tables), len(where))
	}
	for name, table := range tables {
		s := where[name]
		if s == nil {
			t.Errorf("no place in the schema for the loader's %q mapping", name)
			continue
		}
		props, _ := s["properties"].(map[string]any)
		var keys []string
		for k := range props {
			keys = append(keys, k)
		}
		if got, want := sorted(keys), sorted(table.Keys); !slices.Equal(got, want) {
			t.Errorf("%s: schema properties %v, loader keys %v", name, got, want)
		}
		var req []string
		if r, ok := s["required"].([]any); ok {
			for _, k := range r {
				req = append(req, fmt.Sprint(k))
			}
		}
		if got, want := sorted(req), sorted(table.Required); !slices.Equal(got, want) {
			t.Errorf("%s: schema requires %v, the loader %v", name, got, want)
		}
		if s["additionalProperties"] != false {
			t.Errorf("%s: the schema must reject unknown keys (additionalProperties: false), as the loader does", name)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// specFiles returns every YAML file in the repository except the specs that
// are wrong on purpose (model/testdata/bad) and the random specs the spec
// generator shrank (internal/specfuzz/testdata), which use hostile names.
func specFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != ".." || p == filepath.Join("..", "model", "testdata", "bad") ||
			p == filepath.Join("..", "internal", "specfuzz", "testdata")) {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %d spec files: %v", len(files), files)
	}
	return files
}

// TestEverySpecValidates: every spec in the repository loads, starts with the
// yaml-language-server modeline pointing at this schema (a relative path),
// and validates against the schema.
func TestEverySpecValidates(t *testing.T) {
	sch := compile(t)
	abs, err := filepath.Abs(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range specFiles(t) {
		t.Run(filepath.ToSlash(strings.TrimPrefix(p, ".."+string(filepath.Separator))), func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := model.Load(p); err != nil {
				t.Fatalf("not a valid spec: %v", err)
			}
			first, _, _ := bufio.NewReader(bytes.NewReader(src)).ReadLine()
			rel, ok := strings.CutPrefix(string(first), modeline)
			switch {
			case !ok:
				t.Errorf("first line is %q, want the modeline %q followed by the schema's relative path", first, modeline)
			case filepath.IsAbs(rel) || strings.Contains(rel, "://"):
				t.Errorf("modeline path %q is not relative", rel)
			default:
				if got, _ := filepath.Abs(filepath.Join(filepath.Dir(p), filepath.FromSlash(rel))); got != abs {
					t.Errorf("modeline path %q resolves to %s, not %s", rel, got, abs)
				}
			}
			inst, err := instance(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("does not validate against %s: %v", schemaFile, err)
			}
		})
	}
}

// TestSchemaRejects: the schema is strict where the loader is: unknown keys
// in every fixed-key mapping and missing required keys are errors.
func TestSchemaRejects(t *testing.T) {
	sch := compile(t)
	src, err := os.ReadFile(filepath.Join("..", "spec", "examples", "doorlock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() map[string]any {
		v, err := instance(src)
		if err != nil {
			t.Fatal(err)
		}
		return v.(map[string]any)
	}
	// Where each fixed-key mapping of the loader sits in doorlock.yaml.
	at := map[string]func(map[string]any) map[string]any{
		model.MappingSpec:       func(m map[string]any) map[string]any { return m },
		model.MappingField:      func(m map[string]any) map[string]any { return m["fields"].(map[string]any)["alarm"].(map[string]any) },
		model.MappingTransition: func(m map[string]any) map[string]any { return m["transitions"].([]any)[0].(map[string]any) },
		model.MappingProfile:    func(m map[string]any) map[string]any { return m["profiles"].(map[string]any)["ci"].(map[string]any) },
		model.MappingFairness:   func(m map[string]any) map[string]any { return m["fairness"].(map[string]any) },
		model.MappingLiveness: func(m map[string]any) map[string]any {
			return m["liveness"].(map[string]any)["lockout_ends"].(map[string]any)
		},
		model.MappingConstant: func(m map[string]any) map[string]any {
			return m["constants"].(map[string]any)["MaxWrongCodes"].(map[string]any)
		},
		model.MappingInput: func(m map[string]any) map[string]any {
			return m["inputs"].(map[string]any)["PresentCredential"].(map[string]any)
		},
		model.MappingEffect: func(m map[string]any) map[string]any {
			return m["effects"].(map[string]any)["CredentialRejected"].(map[string]any)
		},
		model.MappingParam: func(m map[string]any) map[string]any {
			return m["inputs"].(map[string]any)["PresentCredential"].(map[string]any)["params"].(map[string]any)["valid"].(map[string]any)
		},
	}
	if err := sch.Validate(fresh()); err != nil {
		t.Fatalf("doorlock.yaml does not validate: %v", err)
	}
	for name, table := range model.KeyTables() {
		get := at[name]
		if get == nil {
			t.Errorf("no place in doorlock.yaml for the loader's %q mapping", name)
			continue
		}
		m := fresh()
		get(m)["no_such_key"] = "x"
		if sch.Validate(m) == nil {
			t.Errorf("%s: an unknown key validates", name)
		}
		for _, k := range table.Required {
			m := fresh()
			delete(get(m), k)
			if sch.Validate(m) == nil {
				t.Errorf("%s: a %s without %q validates", name, name, k)
			}
		}
	}
	bad, err := os.ReadFile(filepath.Join("..", "model", "testdata", "bad", "unknown_key.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := instance(bad)
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("model/testdata/bad/unknown_key.yaml validates")
	}
}
