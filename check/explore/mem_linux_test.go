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

// A table of a huge page or more starts on a huge-page boundary, and
// freeWords returns its memory: a gigabyte allocated, written and freed in
// 4 MB tables leaves the resident memory about where it was.
func TestLargeTablesAlignedAndFreed(t *testing.T) {
	before := rssAnon(t)
	n := (4 << 20) / 8
	for i := 0; i < 256; i++ {
		w, mapped := allocWords(n + i)
		if !mapped {
			t.Fatal("not mapped")
		}
		if p := uintptr(unsafe.Pointer(&w[0])); p%hugePage != 0 {
			t.Fatalf("table at %#x, not on a huge-page boundary", p)
		}
		for j := range w {
			w[j] = uint64(j) | 1
		}
		freeWords(w, mapped)
	}
	if grew := rssAnon(t) - before; grew > 256<<20 {
		t.Errorf("resident memory grew by %d MB", grew>>20)
	}
}
