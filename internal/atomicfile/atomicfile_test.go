package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errDiskFull = errors.New("no space left on device (simulated)")

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteFile(path, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v, want 0640", fi.Mode().Perm())
	}
	if err := WriteFile(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Errorf("content %q, want two", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.txt", names)
	}
}

// TestExistingModeKept: replacing a file keeps its permissions (an
// executable script, a private file), whatever perm says.
func TestExistingModeKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want the original 0755", fi.Mode().Perm())
	}
}

// TestSymlinkKept: writing through a symbolic link replaces its target and
// keeps the link.
func TestSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.md")
	link := filepath.Join(dir, "link.md")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target.md", link); err != nil {
		t.Skip(err)
	}
	if err := WriteFile(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced by a file (%v)", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("target holds %q, want new", got)
	}
}

// TestFailureLeavesOldContent: whatever step fails — the writer half-way
// through (a full disk), the flush, or the rename — the destination keeps its
// old content, no temporary file is left, and the error wraps the cause.
func TestFailureLeavesOldContent(t *testing.T) {
	halfThenFull := func(w io.Writer) error {
		if _, err := io.WriteString(w, strings.Repeat("half", 1000)); err != nil {
			return err
		}
		return errDiskFull
	}
	full := func(w io.Writer) error {
		_, err := w.Write([]byte("complete"))
		return err
	}
	cases := map[string]struct {
		o     ops
		write func(io.Writer) error
	}{
		"write":  {osOps(), halfThenFull},
		"sync":   {ops{sync: func(*os.File) error { return errDiskFull }, rename: os.Rename}, full},
		"rename": {ops{sync: (*os.File).Sync, rename: func(string, string) error { return errDiskFull }}, full},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "README.md")
			if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := c.o.write(path, 0o644, c.write)
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("error %v, want one wrapping %v", err, errDiskFull)
			}
			if got, _ := os.ReadFile(path); string(got) != "precious" {
				t.Errorf("destination holds %q after a failed write, want the old content", got)
			}
			if names := entries(t, dir); len(names) != 1 {
				t.Errorf("directory holds %v, want only README.md", names)
			}
		})
	}
}

// TestFailureOnNewFile: a failed write of a new file creates nothing.
func TestFailureOnNewFile(t *testing.T) {
	dir := t.TempDir()
	err := Write(filepath.Join(dir, "new.txt"), 0o644, func(io.Writer) error { return errDiskFull })
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v", err)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v after a failed write", names)
	}
}

// TestMissingDirectory: the temporary file lives beside the destination, so
// a missing directory fails before anything is written; nothing is created.
func TestMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "f.txt")
	if err := WriteFile(path, []byte("x"), 0o644); err == nil {
		t.Fatal("no error for a missing directory")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("destination exists: %v", err)
	}
}

// TestNotRegular: a directory (or device) at the destination is an error,
// not replaced.
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x"), 0o644); err == nil {
		t.Fatal("no error writing over a directory")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("directory replaced: %v", err)
	}
}

// TestWriteFilesAllOrNothingBeforeRename: WriteFiles writes and flushes
// every temporary file before renaming any, so a failure while writing (a
// full disk) leaves every destination as it was.
func TestWriteFilesAllOrNothingBeforeRename(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "M.tla"), filepath.Join(dir, "M_ci.cfg")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	o := ops{sync: func(f *os.File) error {
		calls++
		if calls == 2 {
			return errDiskFull
		}
		return f.Sync()
	}, rename: os.Rename}
	err := o.writeFiles([]File{{a, []byte("new module"), 0o644}, {b, []byte("new cfg"), 0o644}})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("error %v", err)
	}
	for _, p := range []string{a, b} {
		if got, _ := os.ReadFile(p); string(got) != "old" {
			t.Errorf("%s holds %q after a failed batch, want old", p, got)
		}
	}
	if names := entries(t, dir); len(names) != 2 {
		t.Errorf("directory holds %v", names)
	}
	if err := WriteFiles([]File{{a, []byte("new module"), 0o644}, {b, []byte("new cfg"), 0o644}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "new cfg" {
		t.Errorf("%s holds %q", b, got)
	}
}
