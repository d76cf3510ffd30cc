package check

import (
	"math"
	"sync"
)

// The visited set. States are stored packed (layout.words uint64 words
// each), exactly: there is no fingerprint collision to worry about.
//
// Every explored state has a sequence number, its position in breadth-first
// order; the global store keeps, by sequence number, the packed state, the
// sequence number of its parent and the action (input value and transition)
// that led there, so a trace is read back by following parents.
//
// Within one BFS level the states found are "pending": they live in the
// shard of the hash table that owns them, with their origin, the pair
// (parent sequence number, action) packed into one uint64. When several
// parents reach the same new state, the smallest origin wins, so that the
// result (sequence numbers, parents, traces) does not depend on how the
// workers interleaved. At the end of the level the pending states get their
// sequence numbers in origin order.

const (
	blockBits  = 16
	blockSize  = 1 << blockBits
	nShards    = 64
	pendingBit = 1 << 31
	noSeq      = math.MaxUint32
	// maxStates keeps sequence numbers and pending indices below pendingBit.
	maxStates = pendingBit - 2
)

// store holds the explored states by sequence number.
type store struct {
	w      int
	words  [][]uint64
	parent [][]uint32
	action [][]uint32
	n      uint32
}

func (st *store) add(w []uint64, parent, action uint32) uint32 {
	seq := st.n
	b, o := seq>>blockBits, seq&(blockSize-1)
	if int(b) == len(st.words) {
		st.words = append(st.words, make([]uint64, blockSize*st.w))
		st.parent = append(st.parent, make([]uint32, blockSize))
		st.action = append(st.action, make([]uint32, blockSize))
	}
	copy(st.words[b][int(o)*st.w:], w)
	st.parent[b][o] = parent
	st.action[b][o] = action
	st.n++
	return seq
}

func (st *store) get(seq uint32) []uint64 {
	b, o := seq>>blockBits, int(seq&(blockSize-1))
	return st.words[b][o*st.w : (o+1)*st.w]
}

func (st *store) origin(seq uint32) (parent, action uint32) {
	b, o := seq>>blockBits, seq&(blockSize-1)
	return st.parent[b][o], st.action[b][o]
}

// shard is one part of the visited set, with its own lock. Its table is
// open-addressed with linear probing; a slot is W+1 words: a meta word
// (hash>>32 <<32 | val, where val is seq+1 or pendingBit|pending index; 0
// for an empty slot) followed by the packed state, so that a lookup reads
// one place in memory.
type shard struct {
	mu         sync.Mutex
	table      []uint64
	slots      int // number of slots (a power of two)
	n          int
	pendWords  []uint64
	pendOrigin []uint64
	pendSeq    []uint32
	_          [64]byte // keep shards on separate cache lines
}

func hashWords(w []uint64) uint64 {
	h := uint64(0x9E3779B97F4A7C15)
	for _, x := range w {
		h ^= x
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func equalWords(a, b []uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// insert outcomes.
const (
	seen     = iota // already known, with an origin at least as good
	added           // new state, pending
	improved        // pending state, its origin lowered to this one
)

// insert adds a packed state with hash h and origin to the shard. It returns
// the outcome and the pending index of the state (for added and improved).
func (sh *shard) insert(w []uint64, h uint64, origin uint64) (int, uint32) {
	W := len(w)
	S := W + 1
	sh.mu.Lock()
	if (sh.n+1)*4 > sh.slots*3 {
		sh.grow(S)
	}
	mask := uint64(sh.slots - 1)
	hi := h >> 32
	t := sh.table
	for i := hi & mask; ; i = (i + 1) & mask {
		at := int(i) * S
		e := t[at]
		if e == 0 {
			idx := uint32(len(sh.pendOrigin))
			t[at] = hi<<32 | uint64(pendingBit|idx)
			copy(t[at+1:at+S], w)
			sh.n++
			sh.pendWords = append(sh.pendWords, w...)
			sh.pendOrigin = append(sh.pendOrigin, origin)
			sh.pendSeq = append(sh.pendSeq, noSeq)
			sh.mu.Unlock()
			return added, idx
		}
		if e>>32 != hi || !equalWords(t[at+1:at+S], w) {
			continue
		}
		val := uint32(e)
		if val&pendingBit != 0 {
			idx := val &^ pendingBit
			if origin < sh.pendOrigin[idx] {
				sh.pendOrigin[idx] = origin
				sh.mu.Unlock()
				return improved, idx
			}
		}
		sh.mu.Unlock()
		return seen, 0
	}
}

func (sh *shard) grow(S int) {
	n := sh.slots * 2
	if n == 0 {
		n = 1024
	}
	t := make([]uint64, n*S)
	mask := uint64(n - 1)
	for at := 0; at < len(sh.table); at += S {
		e := sh.table[at]
		if e == 0 {
			continue
		}
		i := e >> 32 & mask
		for t[int(i)*S] != 0 {
			i = (i + 1) & mask
		}
		copy(t[int(i)*S:int(i+1)*S], sh.table[at:at+S])
	}
	sh.table, sh.slots = t, n
}

// settle rewrites the table entries of this level's pending states to their
// sequence numbers and empties the pending lists.
func (sh *shard) settle(W int) {
	S := W + 1
	mask := uint64(sh.slots - 1)
	for idx := range sh.pendOrigin {
		w := sh.pendWords[idx*W : (idx+1)*W]
		hi := hashWords(w) >> 32
		want := hi<<32 | uint64(pendingBit|uint32(idx))
		if sh.pendSeq[idx] == noSeq {
			panic("check: a pending state got no sequence number")
		}
		for i := hi & mask; ; i = (i + 1) & mask {
			at := int(i) * S
			e := sh.table[at]
			if e == 0 {
				panic("check: pending state missing from its shard")
			}
			if e == want {
				sh.table[at] = hi<<32 | uint64(sh.pendSeq[idx]+1)
				break
			}
		}
	}
	sh.pendWords = sh.pendWords[:0]
	sh.pendOrigin = sh.pendOrigin[:0]
	sh.pendSeq = sh.pendSeq[:0]
}
