package graph

import (
	"context"
	"io"
	"slices"
	"strings"
)

// Source opens a load document. A load reads it more than once (validation, then nodes, then
// relationships), so large documents stream from disk instead of living in memory.
type Source func() (io.ReadCloser, error)

// LabelLookup finds the labels of ids already stored; ids not stored are absent from the answer.
type LabelLookup func(ctx context.Context, ids []string) (map[string]string, error)

// plan is what validation learned about a document: the label of every id it references.
type plan struct {
	labels map[string]string // id → label, for the document's nodes and the stored nodes it references
	rows   int64             // entries in the document
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
		}
		pending = append(pending, e.refs...)
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
	}
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
			probs.add(rf.pointer, "%s %q is neither in the document nor stored", strings.Join(rf.labels, " or "), rf.id)
		case !slices.Contains(rf.labels, l):
			probs.add(rf.pointer, "%q is a %s; expected %s", rf.id, l, strings.Join(rf.labels, " or "))
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return p, nil
}
