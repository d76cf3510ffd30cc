package explore

import (
	"math/bits"
	"sync/atomic"
)

// The visited set is split into nParts partitions by the top bits of a
// state's hash. During an insert phase each partition is written by exactly
// one worker (its owner), so a partition needs no lock and no atomic
// operation. A partition is an open-addressing table with linear probing
// whose slot is the key itself: the packed state (exact mode, Words words a
// slot) or its 64-bit hash (fingerprint mode, one word a slot). An all-zero
// slot is empty; the one key that is all zeros is remembered by a flag.
// Tables live outside the Go heap where the platform allows (allocWords).
// There are 16 partitions: enough to share out among the workers, few
// enough that on `ci` each table passes the size from which allocWords
// backs it with huge pages.
//
// A table of any size is addressed by the hash's remaining bits scaled to
// it (home), so that it can grow by 3/2 when it would be more than 17/20
// full: between two growths a table is 17/30 to 17/20 full, which bounds
// its bytes per state (8 a slot: 9.4 to 14.1; 16 a slot: 18.8 to 28.2),
// plus at most one huge page a table from allocWords' rounding. The
// engine grows the tables before an insert phase, to hold all of the
// phase's candidates (see tooSmall). Most lookups find a known state,
// which linear probing finds within a few slots even at 17/20.

const (
	partBits         = 4
	nParts           = 1 << partBits
	loadNum, loadDen = 17, 20
	growNum, growDen = 3, 2
	firstSlots       = 1 << 10
)

type partition struct {
	table []uint64
	mem   []byte // the mapping holding table, if any
	slots uint64
	n     uint64
	zero  bool // the all-zero key is present
	_     [64]byte
}

type visited struct {
	kw    int  // key words a slot
	fp    bool // fingerprint mode: the key is the state's hash
	parts [nParts]partition
	bytes atomic.Int64 // bytes held by the tables
	peak  atomic.Int64
}

func newVisited(kw int, fp bool) *visited {
	v := &visited{kw: kw, fp: fp}
	for i := range v.parts {
		v.alloc(&v.parts[i], firstSlots)
	}
	return v
}

func (v *visited) alloc(p *partition, slots uint64) {
	p.table, p.mem = allocWords(int(slots) * v.kw)
	p.slots = uint64(len(p.table) / v.kw)
	b := v.bytes.Add(int64(p.slots) * int64(v.kw) * 8)
	for {
		pk := v.peak.Load()
		if b <= pk || v.peak.CompareAndSwap(pk, b) {
			break
		}
	}
}

func (v *visited) free() {
	for i := range v.parts {
		p := &v.parts[i]
		freeWords(p.mem)
		v.bytes.Add(-int64(p.slots) * int64(v.kw) * 8)
		p.table, p.slots = nil, 0
	}
}

// part returns the partition of a hash.
func part(h uint64) int { return int(h >> (64 - partBits)) }

func isZero(k []uint64) bool {
	for _, x := range k {
		if x != 0 {
			return false
		}
	}
	return true
}

// insert adds key k (kw words) with hash h to partition p, which the
// caller owns; it reports whether k was new.
func (v *visited) insert(p *partition, k []uint64, h uint64) bool {
	if isZero(k) {
		if p.zero {
			return false
		}
		p.zero = true
		p.n++
		return true
	}
	if v.tooSmall(p, 1) {
		v.grow(p, p.n+1)
	}
	t := p.table
	n := p.slots
	if v.kw == 1 {
		x := k[0]
		for i := home(h, n); ; {
			e := t[i]
			if e == x {
				return false
			}
			if e == 0 {
				t[i] = x
				p.n++
				return true
			}
			if i++; i == n {
				i = 0
			}
		}
	}
	kw := uint64(v.kw)
	for i := home(h, n); ; i = next(i, n) {
		s := t[i*kw : i*kw+kw]
		if isZero(s) {
			copy(s, k)
			p.n++
			return true
		}
		if equal(s, k) {
			return false
		}
	}
}

// home is the first slot a key with hash h probes in a table of n slots:
// the hash's bits below the partition's, scaled to n.
func home(h, n uint64) uint64 {
	hi, _ := bits.Mul64(h<<partBits, n)
	return hi
}

// next is the slot after i in a table of n slots.
func next(i, n uint64) uint64 {
	if i++; i == n {
		return 0
	}
	return i
}

func equal(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// touch loads the first slot each of the candidates cand (stride words
// each: the state's W words, then its hash) will probe, and returns a
// value that depends on them.
func (v *visited) touch(cand []uint64, stride, W int) uint64 {
	var s uint64
	kw := uint64(v.kw)
	for i := W; i < len(cand); i += stride {
		h := cand[i]
		p := &v.parts[part(h)]
		s += p.table[home(h, p.slots)*kw]
	}
	return s
}

// tooSmall reports whether partition p's table would pass its load limit
// with more keys; grow(p, p.n+more) then makes it large enough.
func (v *visited) tooSmall(p *partition, more uint64) bool {
	return (p.n+more)*loadDen > p.slots*loadNum
}

// grow enlarges a partition's table by growNum/growDen, or more if that
// would not hold keys keys within the load limit.
func (v *visited) grow(p *partition, keys uint64) {
	old, oldMem, oldSlots := p.table, p.mem, p.slots
	slots := oldSlots * growNum / growDen
	if least := keys*loadDen/loadNum + 1; slots < least {
		slots = least
	}
	v.alloc(p, slots)
	kw := v.kw
	n := p.slots
	t := p.table
	if kw == 1 {
		for _, x := range old {
			if x == 0 {
				continue
			}
			h := x
			if !v.fp {
				h = hash1(x)
			}
			j := home(h, n)
			for t[j] != 0 {
				j = next(j, n)
			}
			t[j] = x
		}
		freeWords(oldMem)
		v.bytes.Add(-int64(oldSlots) * 8)
		return
	}
	for i := 0; i < int(oldSlots); i++ {
		s := old[i*kw : (i+1)*kw]
		if isZero(s) {
			continue
		}
		j := home(v.rehash(s), n)
		for !isZero(t[int(j)*kw : int(j+1)*kw]) {
			j = next(j, n)
		}
		copy(t[int(j)*kw:], s)
	}
	freeWords(oldMem)
	v.bytes.Add(-int64(oldSlots) * int64(kw) * 8)
}

// rehash is the hash a stored key was placed with: the hash of the state
// (exact mode), or the key itself (fingerprint mode, where the key is the
// hash).
func (v *visited) rehash(k []uint64) uint64 {
	if v.fp {
		return k[0]
	}
	return hashWords(k)
}

// hash1 is hashWords of the one word x.
func hash1(x uint64) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	h ^= x
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 31
	return final(h)
}

// final is hashWords' avalanche.
func final(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// hashWords is a 64-bit hash of packed words (a multiply-xorshift mix per
// word and a final avalanche).
func hashWords(w []uint64) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, x := range w {
		h ^= x
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	return final(h)
}
