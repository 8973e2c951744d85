package quality

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/mineralmap/mineralmap"
)

// Records gathers load-document entries (mineralmap check FILE…) into one Input per mineral:
// Add every entry of the documents, in any order, then take Inputs.
type Records struct {
	nodes        map[string]Node
	minerals     map[string]*mineralmap.Mineral
	supplies     []*mineralmap.Supply
	outputs      []*mineralmap.Output
	restrictions []*mineralmap.Restriction
	demands      map[string]*mineralmap.Demand // by key: the later stands
	kinds        map[string]string             // facility kinds, for the default form
}

// NewRecords is an empty set of records.
func NewRecords() *Records {
	return &Records{nodes: map[string]Node{}, minerals: map[string]*mineralmap.Mineral{}, kinds: map[string]string{}, demands: map[string]*mineralmap.Demand{}}
}

// Add takes one entry; a later entry of the same node or key replaces an earlier one, as a
// load would.
func (r *Records) Add(e mineralmap.Entry) {
	switch x := e.(type) {
	case *mineralmap.Country:
		r.nodes[x.ID] = Node{ID: x.ID, Name: x.Name, Country: x.ID, IsCountry: true, HasSource: x.Source != nil}
	case *mineralmap.Facility:
		n := Node{ID: x.ID, Name: x.Name, Country: x.Country, HasSource: x.Source != nil}
		if x.Online != nil {
			n.Online = *x.Online
		}
		if x.Closed != nil {
			n.Closed = *x.Closed
		}
		r.nodes[x.ID] = n
		r.kinds[x.ID] = x.Kind
	case *mineralmap.Mineral:
		r.minerals[x.ID] = x
	case *mineralmap.Supply:
		r.supplies = append(r.supplies, x)
	case *mineralmap.Output:
		r.outputs = append(r.outputs, x)
	case *mineralmap.Restriction:
		r.restrictions = append(r.restrictions, x)
	case *mineralmap.Demand:
		var y int64
		if x.Year != nil {
			y = *x.Year
		}
		r.demands[fmt.Sprintf("%s|%s|%d", x.Country, x.Mineral, y)] = x
	}
}

// Minerals lists the minerals of the records, sorted.
func (r *Records) Minerals() []string {
	var ids []string
	for id := range r.minerals {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Input is the records of one mineral. References to nodes the records do not hold are left
// out (a document checked alone may point at stored nodes).
func (r *Records) Input(mineral string) Input {
	in := Input{Mineral: mineral}
	if m := r.minerals[mineral]; m != nil {
		in.HasSource = m.Source != nil
		if m.Unit != nil {
			in.Unit = *m.Unit
		}
	}
	index := map[string]int32{}
	node := func(id string) (int32, bool) {
		if i, ok := index[id]; ok {
			return i, true
		}
		n, ok := r.nodes[id]
		if !ok {
			return 0, false
		}
		index[id] = int32(len(in.Nodes))
		in.Nodes = append(in.Nodes, n)
		return index[id], true
	}
	type supplyKey struct {
		from, to, form string
		year           int64
	}
	seen := map[supplyKey]int{}
	for _, s := range r.supplies {
		if s.Mineral != mineral {
			continue
		}
		a, okA := node(s.From)
		b, okB := node(s.To)
		if !okA || !okB {
			continue
		}
		form := mineralmap.DefaultForm(r.kinds[s.From])
		if s.Form != nil {
			form = *s.Form
		}
		year := yearOf(s.Year)
		rec := Supply{From: a, To: b, Form: form, Basis: basisOf(s.Basis), Year: year, VolumeT: s.VolumeT, HasSource: s.Source != nil}
		k := supplyKey{s.From, s.To, form, year}
		if i, ok := seen[k]; ok {
			in.Supplies[i] = rec // the upsert key: the later record stands
			continue
		}
		seen[k] = len(in.Supplies)
		in.Supplies = append(in.Supplies, rec)
	}
	type outputKey struct {
		node    int32
		refines bool
		year    int64
	}
	outputAt := map[outputKey]int{}
	for _, o := range r.outputs {
		if o.Mineral != mineral {
			continue
		}
		n, ok := node(o.Node())
		if !ok {
			continue
		}
		year := yearOf(o.Year)
		rec := Output{Node: n, Refines: o.Refines, Basis: basisOf(o.Basis), Year: year, VolumeT: o.VolumeT, HasSource: o.Source != nil, source: deref(o.Source)}
		k := outputKey{n, o.Refines, year}
		if i, ok := outputAt[k]; ok {
			// The upsert key: the later record stands; a national total it changes by more
			// than 5% is reported as the store would (section 5).
			old := in.Outputs[i]
			rec.Replaced = old.Replaced
			if in.Nodes[n].IsCountry && math.Abs(old.VolumeT-rec.VolumeT) > 0.05*old.VolumeT {
				rec.Replaced = &Replaced{VolumeT: old.VolumeT, Basis: old.Basis, Source: old.source}
			}
			in.Outputs[i] = rec
			continue
		}
		outputAt[k] = len(in.Outputs)
		in.Outputs = append(in.Outputs, rec)
	}
	for _, x := range r.restrictions {
		if x.Mineral == mineral {
			in.Restrictions = append(in.Restrictions, Restriction{Country: x.Country, Measure: x.Measure, From: x.From, HasSource: x.Source != nil})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.demands)) {
		if x := r.demands[k]; x.Mineral == mineral {
			d := Demand{Country: x.Country, VolumeT: x.VolumeT, Basis: basisOf(x.Basis), HasSource: x.Source != nil}
			if x.Year != nil {
				d.Year = *x.Year
			}
			in.Demands = append(in.Demands, d)
		}
	}
	return in
}

// basisOf is a record's basis; none given: estimated (section 5).
func basisOf(b *string) string {
	if b == nil {
		return mineralmap.BasisEstimated
	}
	return *b
}

// yearOf is a record's year; 0 when it has none.
func yearOf(y *int64) int64 {
	if y == nil {
		return 0
	}
	return *y
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
