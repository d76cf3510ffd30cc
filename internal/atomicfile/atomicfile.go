// Package atomicfile writes files so that a reader, or a crash, or a full
// disk, never leaves a half-written file: the data goes to a temporary file in
// the destination's directory, which is flushed to disk (fsync) and then
// renamed over the destination. On any error the destination is untouched and
// the temporary file is removed. Writing needs permission to create files in
// the destination's directory, not only to write the destination.
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

func (o ops) write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	tmp, dest, err := o.stage(path, perm, write)
	if err != nil {
		return err
	}
	return o.commit(tmp, dest)
}

// File is one file of a WriteFiles batch.
type File struct {
	Path string
	Data []byte
	Perm fs.FileMode // for a new file; an existing one keeps its own
}

// WriteFiles writes several files as WriteFile does, in two phases: every
// temporary file is written and flushed before any is renamed, so a failure
// while writing (a full disk) leaves every destination untouched. A failure
// of a rename itself (rare: the data is already on disk) can leave the
// files renamed before it replaced.
func WriteFiles(files []File) error { return osOps().writeFiles(files) }

func (o ops) writeFiles(files []File) error {
	type staged struct{ tmp, dest string }
	var done []staged
	for _, f := range files {
		data := f.Data
		tmp, dest, err := o.stage(f.Path, f.Perm, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err != nil {
			for _, s := range done {
				os.Remove(s.tmp)
			}
			return err
		}
		done = append(done, staged{tmp, dest})
	}
	for i, s := range done {
		if err := o.commit(s.tmp, s.dest); err != nil {
			for _, r := range done[i+1:] {
				os.Remove(r.tmp)
			}
			return err
		}
	}
	return nil
}

// stage writes and flushes the temporary file for path (through a symbolic
// link to its target); it returns the temporary file and the destination.
// On error nothing is left behind.
func (o ops) stage(path string, perm fs.FileMode, write func(io.Writer) error) (tmp, dest string, err error) {
	if target, lerr := filepath.EvalSymlinks(path); lerr == nil {
		path = target
	}
	if fi, serr := os.Stat(path); serr == nil {
		if !fi.Mode().IsRegular() {
			return "", "", fmt.Errorf("write %s: not a regular file", path)
		}
		perm = fi.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return "", "", fmt.Errorf("write %s: %w", path, err)
	}
	name := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(name)
		}
	}()
	if err := write(f); err != nil {
		return "", "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return "", "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := o.sync(f); err != nil {
		return "", "", fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("write %s: %w", path, err)
	}
	return name, path, nil
}

// commit renames a staged temporary file over its destination; on error the
// temporary file is removed.
func (o ops) commit(tmp, dest string) error {
	if err := o.rename(tmp, dest); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dest, err)
	}
	// Make the rename durable; a directory that cannot be synced (some file
	// systems refuse) does not undo a write that has already happened.
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
