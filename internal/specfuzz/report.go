package specfuzz

import (
	"fmt"
	"sort"
	"strings"
)

// Summary counts how far the specs of a run got.
type Summary struct {
	Specs, Rejected, Loaded, Generated, Built, VetClean, Conforming, Checked int
	Vectors, Failed                                                          int
	// Accepted, RejectedIn and Bound count the compared vectors by the
	// interpreter's outcome; Compared counts checker runs compared with the
	// reference exploration.
	Accepted, RejectedIn, Bound, Compared int
	// BySignature maps a failure signature to the names of the specs that
	// hit it, in run order.
	BySignature map[string][]string
}

// Summarize counts the outcomes of a run.
func Summarize(out []*Outcome) *Summary {
	s := &Summary{BySignature: map[string][]string{}}
	for _, o := range out {
		s.Specs++
		r := o.Rec
		failed := map[string]bool{}
		for _, f := range o.Failures {
			failed[f.Stage] = true
			sig := f.Signature()
			if l := s.BySignature[sig]; len(l) == 0 || l[len(l)-1] != o.Case.Name {
				s.BySignature[sig] = append(l, o.Case.Name)
			}
		}
		if len(o.Failures) > 0 {
			s.Failed++
		}
		if r.Loaded {
			s.Loaded++
		} else if len(r.Rejected) > 0 {
			s.Rejected++
		}
		if r.Stats != "" {
			s.Checked++
		}
		if r.Compared {
			s.Compared++
		}
		if r.Source == nil {
			continue
		}
		s.Generated++
		if failed[StageBuild] {
			continue
		}
		s.Built++
		if !failed[StageVet] {
			s.VetClean++
		}
		if !failed[StageConform] {
			s.Conforming++
			s.Vectors += len(r.Vectors)
			for _, v := range r.Vectors {
				switch v.ErrKind {
				case "":
					s.Accepted++
				case "bound":
					s.Bound++
				default:
					s.RejectedIn++
				}
			}
		}
	}
	return s
}

// String renders the counts and every distinct failure.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "specs: %d, rejected by the loader (names): %d, loaded: %d, Go generated: %d, built: %d, vet-clean: %d, conforming: %d (%d vectors: %d accepted, %d rejected, %d bound errors), checked: %d (%d compared with the reference exploration), with failures: %d\n",
		s.Specs, s.Rejected, s.Loaded, s.Generated, s.Built, s.VetClean, s.Conforming, s.Vectors, s.Accepted, s.RejectedIn, s.Bound, s.Checked, s.Compared, s.Failed)
	sigs := make([]string, 0, len(s.BySignature))
	for sig := range s.BySignature {
		sigs = append(sigs, sig)
	}
	sort.Strings(sigs)
	for _, sig := range sigs {
		names := s.BySignature[sig]
		fmt.Fprintf(&b, "  %4d× %s (first: %s)\n", len(names), sig, names[0])
	}
	return b.String()
}
