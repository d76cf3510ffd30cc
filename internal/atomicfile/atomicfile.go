// Package atomicfile writes files so that a reader, or a crash, or a full
// disk, never leaves a half-written file: the data goes to a temporary file in
// the destination's directory, which is flushed to disk (fsync) and then
// renamed over the destination. On any error the destination is untouched and
// the temporary file is removed.
package atomicfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically. A new file gets the permissions
// perm; an existing file keeps its own.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write calls write with a temporary file in path's directory and, when write
// and the flush succeed, renames it to path. A new file gets the permissions
// perm; an existing file keeps its own. When path is a symbolic link, the
// file it points to is replaced and the link kept. On any error (write's
// included, returned wrapped) path is untouched and the temporary file is
// removed.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	return osOps().write(path, perm, write)
}

// ops holds the file operations that can fail after the data is written;
// tests replace them to simulate a full disk or a failing rename.
type ops struct {
	sync   func(*os.File) error
	rename func(oldpath, newpath string) error
}

// osOps returns the operations of the real file system.
func osOps() ops {
	return ops{sync: (*os.File).Sync, rename: os.Rename}
}

func (o ops) write(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	if target, lerr := filepath.EvalSymlinks(path); lerr == nil {
		path = target
	}
	if fi, serr := os.Stat(path); serr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := o.sync(f); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := o.rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Make the rename durable; a directory that cannot be synced (some file
	// systems refuse) does not undo a write that has already happened.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
