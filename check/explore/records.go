package explore

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
)

// records is the append-only file of explored states, in breadth-first
// order. Record number i (a state's sequence number) is the packed state,
// the sequence number of its parent (all ones for the initial state), and
// the action and transition that led there. A level is a range of records;
// the next frontier is read back sequentially and a trace by following
// parents with ReadAt.
type records struct {
	f     *os.File
	w     *bufio.Writer
	words int
	size  int    // bytes a record
	n     uint64 // records appended
}

const noParent = ^uint64(0)

func newRecords(dir string, words int) (*records, error) {
	f, err := os.CreateTemp(dir, "explore-*.states")
	if err != nil {
		return nil, fmt.Errorf("explore: record file: %w", err)
	}
	return &records{f: f, w: bufio.NewWriterSize(f, 1<<20), words: words, size: 8*words + 16}, nil
}

// close closes and removes the file.
func (r *records) close() {
	name := r.f.Name()
	r.f.Close()
	os.Remove(name)
}

// put encodes a record into b (len size).
func (r *records) put(b []byte, w []uint64, parent uint64, action, tr int32) {
	for i, x := range w {
		binary.LittleEndian.PutUint64(b[8*i:], x)
	}
	o := 8 * r.words
	binary.LittleEndian.PutUint64(b[o:], parent)
	binary.LittleEndian.PutUint32(b[o+8:], uint32(action))
	binary.LittleEndian.PutUint32(b[o+12:], uint32(tr))
}

// write appends encoded records (a multiple of size bytes).
func (r *records) write(b []byte) error {
	if _, err := r.w.Write(b); err != nil {
		return fmt.Errorf("explore: record file: %w", err)
	}
	r.n += uint64(len(b) / r.size)
	return nil
}

func (r *records) flush() error {
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("explore: record file: %w", err)
	}
	return nil
}

// readStates reads the states of records [first, first+n) into w (n*words)
// and the steps that first reached them into via (n); buf is scratch space,
// returned for reuse.
func (r *records) readStates(first uint64, n int, w []uint64, via []Step, buf []byte) ([]byte, error) {
	need := n * r.size
	if cap(buf) < need {
		buf = make([]byte, need)
	}
	buf = buf[:need]
	if _, err := r.f.ReadAt(buf, int64(first)*int64(r.size)); err != nil {
		return buf, fmt.Errorf("explore: record file: %w", err)
	}
	for i := 0; i < n; i++ {
		b := buf[i*r.size:]
		for j := 0; j < r.words; j++ {
			w[i*r.words+j] = binary.LittleEndian.Uint64(b[8*j:])
		}
		o := 8*r.words + 8
		via[i] = Step{Action: int32(binary.LittleEndian.Uint32(b[o:])), Transition: int32(binary.LittleEndian.Uint32(b[o+4:]))}
	}
	return buf, nil
}

// origin reads the parent, action and transition of record seq.
func (r *records) origin(seq uint64) (parent uint64, action, tr int32, err error) {
	b := make([]byte, 16)
	if _, err := r.f.ReadAt(b, int64(seq)*int64(r.size)+int64(8*r.words)); err != nil {
		return 0, 0, 0, fmt.Errorf("explore: record file: %w", err)
	}
	return binary.LittleEndian.Uint64(b), int32(binary.LittleEndian.Uint32(b[8:])), int32(binary.LittleEndian.Uint32(b[12:])), nil
}

// path returns the steps from the initial state to record seq.
func (r *records) path(seq uint64) ([]Step, error) {
	if err := r.flush(); err != nil {
		return nil, err
	}
	var rev []Step
	for seq != 0 {
		p, a, t, err := r.origin(seq)
		if err != nil {
			return nil, err
		}
		rev = append(rev, Step{Action: a, Transition: t})
		seq = p
	}
	out := make([]Step, len(rev))
	for i, s := range rev {
		out[len(rev)-1-i] = s
	}
	return out, nil
}
