package check

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/bits"
	"os"
	"path"
	"strconv"
	"strings"
	"unsafe"

	"github.com/meerkat-go/dslmachine/model"
)

// This file holds the limits that protect the checker from running out of
// memory before its own MaxMemory check can stop it: the input values a
// profile fires are counted from the domain sizes before any is
// materialized, and the default memory limit follows the cgroup's.

// ErrTooManyInputs is wrapped by the error Run returns when a profile fires
// more input values than the checker can hold: more than the action coding
// allows, or more than half of Options.MaxMemory.
var ErrTooManyInputs = errors.New("too many input values")

// InputCount returns how many input values a profile fires (see
// model.Machine.InputValues): per fired input, the product of its
// parameters' domain sizes, summed. It materializes only the domains, never
// their product, and saturates at math.MaxUint64 instead of overflowing.
func InputCount(m *model.Machine, p *model.Profile) (uint64, error) {
	var total uint64
	for _, in := range m.Inputs {
		if p != nil && !p.Fires(in) {
			continue
		}
		n, err := inputCount(p, in)
		if err != nil {
			return 0, err
		}
		total = satAdd(total, n)
	}
	return total, nil
}

// inputCount is the number of argument tuples of one input under a profile.
func inputCount(p *model.Profile, in *model.Input) (uint64, error) {
	if p == nil {
		p = &model.Profile{Name: "default"}
	}
	n := uint64(1)
	for _, prm := range in.Params {
		d, err := p.ParamDomain(in, prm)
		if err != nil {
			return 0, err
		}
		n = satMul(n, uint64(len(d)))
	}
	return n, nil
}

func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// inputValueBytes estimates what the checker holds per input value of an
// input: the model.InputValue and its arguments, the coded arguments, and
// one candidate list for every phase in which a transition on the input is
// allowed.
func inputValueBytes(m *model.Machine, in *model.Input) uint64 {
	k := uint64(len(in.Params))
	var value model.Value
	var iv model.InputValue
	var ic inputCase
	b := uint64(unsafe.Sizeof(iv)) + k*uint64(unsafe.Sizeof(value)) + uint64(unsafe.Sizeof(ic)) + k*8
	var pc phaseCase
	for ph := range m.PhaseEnum().Values {
		cands := uint64(0)
		for _, t := range m.Transitions {
			if t.Input == in && t.Allows(ph) {
				cands++
			}
		}
		if cands > 0 {
			b += uint64(unsafe.Sizeof(pc)) + 8*cands
		}
	}
	return b
}

// checkInputLimits refuses, before anything is materialized, a profile that
// fires more input values than the action coding can number (with nTrans
// transitions), or whose input values alone would take more than half of
// opt.MaxMemory. The error wraps ErrTooManyInputs.
func checkInputLimits(m *model.Machine, p *model.Profile, opt Options) error {
	var count, mem uint64
	var worst *model.Input
	var worstN uint64
	for _, in := range m.Inputs {
		if !p.Fires(in) {
			continue
		}
		n, err := inputCount(p, in)
		if err != nil {
			return err
		}
		count = satAdd(count, n)
		mem = satAdd(mem, satMul(n, inputValueBytes(m, in)))
		if n > worstN {
			worst, worstN = in, n
		}
	}
	where := fmt.Sprintf("profile %s", p.Name)
	if p.Pos.Line > 0 {
		where = p.Pos.String() + ": " + where
	}
	largest := ""
	if worst != nil {
		var sizes []string
		for _, prm := range worst.Params {
			d, _ := p.ParamDomain(worst, prm)
			sizes = append(sizes, fmt.Sprintf("%s.%s: %d", worst.Name, prm.Name, len(d)))
		}
		largest = fmt.Sprintf(" (the largest input, %s, has %d: %s)", worst.Name, worstN, strings.Join(sizes, " x "))
	}
	nTrans := uint64(max(len(m.Transitions), 1))
	if satMul(count, nTrans) >= math.MaxUint32 {
		return fmt.Errorf("%s fires %s input values%s, more than the checker can number with %d transition(s) (%d); shrink the profile's domains: %w",
			where, countString(count), largest, nTrans, uint64(math.MaxUint32)/nTrans, ErrTooManyInputs)
	}
	if opt.MaxMemory > 0 && mem > opt.MaxMemory/2 {
		return fmt.Errorf("%s fires %s input values%s, which would take about %s, more than half of the memory limit %s (-max-mem); shrink the profile's domains: %w",
			where, countString(count), largest, gibString(mem), gibString(opt.MaxMemory), ErrTooManyInputs)
	}
	return nil
}

func countString(n uint64) string {
	if n == math.MaxUint64 {
		return "more than 2^64"
	}
	return strconv.FormatUint(n, 10)
}

func gibString(b uint64) string {
	if b == math.MaxUint64 {
		return "more than 2^64 bytes"
	}
	return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
}

// maxDefaultMemory is the largest default memory limit, 16 GiB.
const maxDefaultMemory = 16 << 30

// DefaultMaxMemory is the default of Options.MaxMemory for dslgen check: the
// smallest of 16 GiB, three quarters of the memory limit of the process's
// cgroup (cgroup v2 memory.max, or v1 memory.limit_in_bytes, of its cgroup
// and every ancestor), and three quarters of the physical memory
// (/proc/meminfo). The quarter left is for what the Go runtime holds beyond
// the limit between two of the checker's once-a-second memory samples, so
// that the search stops with its summary instead of being killed.
func DefaultMaxMemory() uint64 { return defaultMaxMemory(os.DirFS("/")) }

// defaultMaxMemory is DefaultMaxMemory over a file system rooted at /.
func defaultMaxMemory(fsys fs.FS) uint64 {
	limit := uint64(maxDefaultMemory)
	for _, l := range []uint64{cgroupLimit(fsys), memTotal(fsys)} {
		if l > 0 && l/4*3 < limit {
			limit = l / 4 * 3
		}
	}
	return limit
}

// unlimited is the smallest limit read as "no limit" (cgroup v1 reports
// no limit as a number close to 2^63).
const unlimited = 1 << 62

// cgroupLimit returns the smallest memory limit of the process's cgroup and
// its ancestors, v2 or v1; 0 when there is none or nothing is readable.
func cgroupLimit(fsys fs.FS) uint64 {
	data, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0
	}
	var best uint64
	take := func(dir, file string) {
		for {
			if v := readLimit(fsys, path.Join(dir, file)); v > 0 && (best == 0 || v < best) {
				best = v
			}
			if dir == "sys/fs/cgroup" || dir == "sys/fs/cgroup/memory" || dir == "." || dir == "/" {
				return
			}
			dir = path.Dir(dir)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		rel := strings.TrimPrefix(path.Clean("/"+parts[2]), "/")
		switch {
		case parts[0] == "0" && parts[1] == "":
			take(path.Join("sys/fs/cgroup", rel), "memory.max")
		case hasController(parts[1], "memory"):
			take(path.Join("sys/fs/cgroup/memory", rel), "memory.limit_in_bytes")
		}
	}
	return best
}

func hasController(list, c string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == c {
			return true
		}
	}
	return false
}

// readLimit reads a cgroup memory limit file; 0 for "max", no limit, or an
// unreadable file.
func readLimit(fsys fs.FS, name string) uint64 {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || v >= unlimited {
		return 0
	}
	return v
}

// memTotal returns the physical memory from /proc/meminfo; 0 if unknown.
func memTotal(fsys fs.FS) uint64 {
	data, err := fs.ReadFile(fsys, "proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0
			}
			return satMul(kb, 1024)
		}
	}
	return 0
}
