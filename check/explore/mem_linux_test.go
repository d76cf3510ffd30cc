package explore

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// rssAnon returns the process's anonymous resident memory in bytes.
func rssAnon(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "RssAnon:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssAnon in /proc/self/status")
	return 0
}

// A table of hugeFrom bytes or more is rounded up to whole huge pages and
// starts on a huge-page boundary, a smaller one is as asked, and freeWords
// returns their memory: 1.5 GB allocated, written to the last word and
// freed, in tables of either kind, leaves the resident memory about where
// it was.
func TestTablesRoundedAlignedAndFreed(t *testing.T) {
	before := rssAnon(t)
	for i := 0; i < 300; i++ {
		n := (hugeFrom/8 - 150) + i // both sides of hugeFrom
		if i%2 == 1 {
			n = (4<<20)/8 + i*1000 // tables of 4 MB and more
		}
		w, mem := allocWords(n)
		if mem == nil {
			t.Fatal("not mapped")
		}
		switch {
		case n*8 < hugeFrom:
			if len(w) != n {
				t.Fatalf("%d words asked, %d given", n, len(w))
			}
		default:
			if p := uintptr(unsafe.Pointer(&w[0])); p%hugePage != 0 {
				t.Fatalf("table of %d words at %#x, not on a huge-page boundary", n, p)
			}
			if len(w) < n || len(w)*8%hugePage != 0 || len(w)*8-n*8 >= hugePage {
				t.Fatalf("%d words asked, %d given: not the least whole number of huge pages", n, len(w))
			}
		}
		for j := range w {
			if w[j] != 0 {
				t.Fatalf("word %d of a new table is %#x", j, w[j])
			}
			w[j] = uint64(j) | 1
		}
		freeWords(mem)
	}
	if grew := rssAnon(t) - before; grew > 256<<20 {
		t.Errorf("resident memory grew by %d MB", grew>>20)
	}
}
