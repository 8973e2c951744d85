package graph

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// Source opens a load document. A load reads it more than once (validation, then nodes, then
// relationships), so large documents stream from disk instead of living in memory.
type Source func() (io.ReadCloser, error)

// LabelLookup finds the labels of ids already stored; ids not stored are absent from the answer.
type LabelLookup func(ctx context.Context, ids []string) (map[string]string, error)

// plan is what validation learned about a document: the label of every id it references.
type plan struct {
	labels map[string]string // id → label, for the document's nodes and the stored nodes it references
	docIDs []string          // the ids of the document's own nodes
	rows   int64             // entries in the document
}

// inDoc reports whether the document defines the node id (rather than only referencing it).
func (p *plan) inDoc(id string) bool {
	_, ok := slices.BinarySearch(p.docIDs, id)
	return ok
}

type nodeSeen struct {
	label   string
	pointer string
}

// Validate reads the whole document and returns every problem it has, with JSON Pointers.
// References must resolve to a node of an allowed label in the document or in the store
// (through lookup; nil means an empty store). It writes nothing.
func Validate(ctx context.Context, src Source, lookup LabelLookup) error {
	_, err := validate(ctx, src, lookup)
	return err
}

func validate(ctx context.Context, src Source, lookup LabelLookup) (*plan, error) {
	r, err := src()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var probs problems
	nodes := map[string]nodeSeen{}
	var pending []ref
	// A relationship may appear once per document (the contract: one edge per key); entries are
	// remembered by a 64-bit hash of their section and identity, so a million edges cost 16 MB.
	edges := map[uint64]int32{}
	p := &plan{labels: map[string]string{}}
	err = scanDocument(r, nil, &probs, func(e Entry) error {
		p.rows++
		if e.Section.label != "" {
			id := e.Row["id"].(string)
			if first, dup := nodes[id]; dup {
				probs.add(e.Pointer+"/id", "duplicate id %q (first at %s)", id, first.pointer)
			} else {
				nodes[id] = nodeSeen{label: e.Section.label, pointer: e.Pointer}
			}
		} else {
			key := entryKey(e)
			if first, dup := edges[key]; dup {
				probs.add(e.Pointer, "duplicate %s entry: /%s/%d has the same %s", e.Section.name, e.Section.name, first, keyNames(e.Section))
			} else {
				edges[key] = int32(entryIndex(e.Pointer))
			}
		}
		// References to nodes seen already are checked now; the rest wait for the end.
		for _, rf := range e.refs {
			if n, ok := nodes[rf.id]; ok {
				if !slices.Contains(rf.labels, n.label) {
					probs.add(rf.pointer(), "%q is a %s; expected %s", rf.id, n.label, strings.Join(rf.labels, " or "))
				}
				continue
			}
			pending = append(pending, rf)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for id, n := range nodes {
		p.labels[id] = n.label
		p.docIDs = append(p.docIDs, id)
	}
	slices.Sort(p.docIDs)
	// Ids of the document that are stored under another label would break the graph-wide
	// uniqueness of ids; references not in the document must be stored.
	var ask []string
	for id := range nodes {
		ask = append(ask, id)
	}
	for _, rf := range pending {
		if _, ok := p.labels[rf.id]; !ok {
			ask = append(ask, rf.id)
		}
	}
	stored := map[string]string{}
	if lookup != nil && len(ask) > 0 {
		slices.Sort(ask)
		ask = slices.Compact(ask)
		if stored, err = lookup(ctx, ask); err != nil {
			return nil, err
		}
	}
	for id, n := range nodes {
		if l, ok := stored[id]; ok && l != n.label {
			probs.add(n.pointer+"/id", "id %q is already used by a stored %s", id, l)
		}
	}
	for id, l := range stored {
		if _, ok := p.labels[id]; !ok {
			p.labels[id] = l
		}
	}
	for _, rf := range pending {
		l, ok := p.labels[rf.id]
		switch {
		case !ok:
			probs.add(rf.pointer(), "%s %q is neither in the document nor stored", strings.Join(rf.labels, " or "), rf.id)
		case !slices.Contains(rf.labels, l):
			probs.add(rf.pointer(), "%q is a %s; expected %s", rf.id, l, strings.Join(rf.labels, " or "))
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// entryKey hashes a relationship entry's section and identity (its key fields) with 64-bit
// FNV-1a, without building strings.
func entryKey(e Entry) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
		h *= prime // a separator: ("ab","c") and ("a","bc") differ
	}
	add(e.Section.name)
	for _, f := range e.Section.fields {
		if !f.key {
			continue
		}
		switch v := e.Row[f.name].(type) {
		case string:
			add(v)
		case dbtype.Date:
			add(time.Time(v).Format(dateLayout))
		}
	}
	return h
}

// entryIndex is the index at the end of an entry's pointer (/supplies/12 → 12).
func entryIndex(pointer string) int {
	n, _ := strconv.Atoi(pointer[strings.LastIndexByte(pointer, '/')+1:])
	return n
}

// keyNames lists the fields that identify an entry of a relationship section.
func keyNames(sec *section) string {
	var names []string
	for _, f := range sec.fields {
		if f.key {
			names = append(names, f.name)
		}
	}
	return strings.Join(names, ", ")
}
