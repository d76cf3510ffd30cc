package explore

// recentBits sets the size of a worker's recent-successor filter:
// 1<<recentBits entries of Words() words (256 KB for one-word states).
const recentBits = 15

// recent remembers, direct-mapped by hash, the last successors a worker
// queued for insertion. In a breadth-first search most successors are
// states already known, and many were found moments before: the children
// of sibling states meet again (a diamond: a then b, b then a), and
// siblings are expanded one after another. A worker expands its states in
// frontier order and fires their actions in increasing order, so a
// successor the filter holds was queued by the same worker earlier in
// (parent, action) order (a worker that goes back in that order, to help
// another with its chunks, clears its filter first): that copy is
// inserted first, and this one cannot be new. Dropping it saves a probe of
// the visited set, which in a large space is a cache miss. The filter only drops exact copies, so
// results do not change.
type recent struct {
	words int
	keys  []uint64 // per entry, a successor's words; all zero: empty
}

func newRecent(words int) recent {
	return recent{words: words, keys: make([]uint64, words<<recentBits)}
}

// clear empties the filter.
func (r *recent) clear() { clear(r.keys) }

// seen reports whether the filter holds successor s, of hash h; when it
// does not, s replaces the entry it maps to. (The all-zero state, which
// marks an empty entry, is never held.)
func (r *recent) seen(s []uint64, h uint64) bool {
	i := int(h & (1<<recentBits - 1))
	if r.words == 1 {
		if r.keys[i] == s[0] {
			return s[0] != 0
		}
		r.keys[i] = s[0]
		return false
	}
	k := r.keys[i*r.words : (i+1)*r.words]
	if equal(k, s) {
		return !isZero(s)
	}
	copy(k, s)
	return false
}
