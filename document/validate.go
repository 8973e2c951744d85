package document

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/mineralmap/mineralmap"
)

// Source opens a load document. A load reads it more than once (validation, then nodes, then
// relationships), so large documents stream from disk instead of living in memory.
type Source func() (io.ReadCloser, error)

// LabelLookup finds the labels of ids already stored; ids not stored are absent from the answer.
type LabelLookup func(ctx context.Context, ids []string) (map[string]string, error)

// Plan is what validation learned about a document.
type Plan struct {
	Labels map[string]string // id → label (mineralmap.LabelCountry …), for the document's nodes and the stored nodes it references
	DocIDs []string          // the ids of the document's own nodes, sorted
	Rows   int64             // entries in the document
}

// InDoc reports whether the document defines the node id (rather than only referencing it).
func (p *Plan) InDoc(id string) bool {
	_, ok := slices.BinarySearch(p.DocIDs, id)
	return ok
}

// nodeAt is where the document defines a node: its section and index.
type nodeAt struct {
	sec  uint8
	idx  int
	form string // the default form of the SUPPLIES it sends (mineralmap.DefaultForm)
}

func (n nodeAt) label() string   { return sections[n.sec].label }
func (n nodeAt) pointer() string { return entryPointer(int(n.sec), n.idx) }

// ctxEvery is how many entries Validate reads between two looks at its context.
const ctxEvery = 4096

// Validate reads the whole document and returns every problem it has, with JSON Pointers: a
// *mineralmap.Error of KindInvalid with Details (KindMalformed for bad JSON). Besides the
// rules of every entry, node ids must be unique across the node sections, a relationship may
// appear once per document by its key fields, and references must resolve to a node of an
// allowed label in the document or in the store (through lookup, called once; nil means an
// empty store). It writes nothing.
func Validate(ctx context.Context, src Source, lookup LabelLookup) (*Plan, error) {
	r, err := src()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var probs problems
	nodes := map[string]nodeAt{}
	// A relationship may appear once per document (the contract: one edge per key); entries
	// are remembered by a 64-bit hash of their section and key fields and their index.
	edges := map[uint64]int32{}
	var pending []ref // references to ids not (yet) seen in the document
	var rows int64
	s := newScanner(r, nil, &probs, func(s *scanner, e mineralmap.Entry) error {
		rows++
		if rows%ctxEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if s.sec.label != "" {
			id := s.keys[0]
			if first, dup := nodes[id]; dup {
				s.problem("id", "duplicate id %q (first at %s)", id, first.pointer())
			} else {
				n := nodeAt{sec: uint8(s.si), idx: s.idx, form: mineralmap.FormRefined}
				if f, ok := e.(*mineralmap.Facility); ok {
					n.form = mineralmap.DefaultForm(f.Kind)
				}
				nodes[id] = n
			}
		} else {
			// A supply without a form keys on its supplying node's default form (section 5):
			// known for a node the document gave before it; otherwise the form as written.
			if sup, ok := e.(*mineralmap.Supply); ok && sup.Form == nil {
				if n, ok := nodes[sup.From]; ok {
					s.keys[3] = n.form
				}
			}
			key := s.key()
			if first, dup := edges[key]; dup {
				name := s.sec.name
				s.probs.add(s.entryPointer(), "duplicate %s entry: /%s/%d has the same %s", name, name, first, s.sec.keyNames)
			} else {
				edges[key] = int32(s.idx)
			}
		}
		// References to nodes seen already are checked now; the rest wait for the end.
		for i := range s.refs {
			rf := &s.refs[i]
			if n, ok := nodes[rf.id]; ok {
				if l := n.label(); !slices.Contains(rf.labels(), l) {
					probs.add(rf.pointer(), "%q is a %s; expected %s", rf.id, l, strings.Join(rf.labels(), " or "))
				}
				continue
			}
			pending = append(pending, *rf)
		}
		return nil
	})
	if err := s.run(); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	p := &Plan{Labels: make(map[string]string, len(nodes)), DocIDs: make([]string, 0, len(nodes)), Rows: rows}
	for id, n := range nodes {
		p.Labels[id] = n.label()
		p.DocIDs = append(p.DocIDs, id)
	}
	slices.Sort(p.DocIDs)
	// Ids of the document that are stored under another label would break the graph-wide
	// uniqueness of ids; references not in the document must be stored.
	ask := slices.Clone(p.DocIDs)
	for i := range pending {
		if _, ok := p.Labels[pending[i].id]; !ok {
			ask = append(ask, pending[i].id)
		}
	}
	var stored map[string]string
	if lookup != nil && len(ask) > 0 {
		slices.Sort(ask)
		ask = slices.Compact(ask)
		if stored, err = lookup(ctx, ask); err != nil {
			return nil, err
		}
	}
	for _, id := range p.DocIDs {
		if l, ok := stored[id]; ok && l != p.Labels[id] {
			probs.add(nodes[id].pointer()+"/id", "id %q is already used by a stored %s", id, l)
		}
	}
	for id, l := range stored {
		if _, ok := p.Labels[id]; !ok {
			p.Labels[id] = l
		}
	}
	for i := range pending {
		rf := &pending[i]
		l, ok := p.Labels[rf.id]
		switch {
		case !ok:
			probs.add(rf.pointer(), "%s %q is neither in the document nor stored", strings.Join(rf.labels(), " or "), rf.id)
		case !slices.Contains(rf.labels(), l):
			probs.add(rf.pointer(), "%q is a %s; expected %s", rf.id, l, strings.Join(rf.labels(), " or "))
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return p, nil
}
