package supply

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mineralmap/mineralmap"
)

// Layers is every stored record of one mineral's M-network, of every year, basis and form: the
// analyses take the M-network at a year from it (contract section 5, At). It never changes after
// NewLayers; the networks it hands out are built on first use and kept.
type Layers struct {
	stored Stored
	slots  Slots
	latest int32 // the latest year of the records other than planned ones; 0: none has a year
	// dated: some node has an online or closed date; planned: some edge is planned. Without
	// them the date of a request does not change which records make the network, and
	// requests of every date share one.
	dated, planned bool

	mu    sync.Mutex
	views map[viewKey]*view
}

// view is one network of the layers, built once by the first request that needs it, outside
// the layers' lock (building a large one takes a while; others wait only for the one they need).
type view struct {
	once sync.Once
	net  atomic.Pointer[Mineral]
}

type viewKey struct {
	year, plannedUntil int32
	bases, forms       uint8
	asOf               time.Time
}

// maxViews bounds the networks (year × bases × forms × date) a Layers keeps.
const maxViews = 4

// NewLayers keeps the stored records of a mineral; the networks they make share slots. A
// record naming a node the store did not list, or a form or basis out of range, is an error.
func NewLayers(s Stored, slots Slots) (*Layers, error) {
	l := &Layers{stored: s, slots: slots, views: map[viewKey]*view{}}
	planned := basisIndex(mineralmap.BasisPlanned)
	n := int32(len(s.Nodes))
	for i, e := range s.Edges {
		if e.From < 0 || e.From >= n || e.To < 0 || e.To >= n || int(e.Form) >= len(mineralmap.Forms) || int(e.Basis) >= len(mineralmap.Bases) {
			return nil, fmt.Errorf("the %s network: edge %d (%d → %d, form %d, basis %d) is out of range of its %d nodes", s.Mineral, i, e.From, e.To, e.Form, e.Basis, n)
		}
		if e.Basis != planned && e.Year > l.latest {
			l.latest = e.Year
		}
		l.planned = l.planned || e.Basis == planned
	}
	for _, nd := range s.Nodes {
		l.dated = l.dated || !nd.Online.IsZero() || !nd.Closed.IsZero()
	}
	for _, from := range s.ProducerFrom {
		l.planned = l.planned || from > 0 // a planned PRODUCES record counts from its year
	}
	for _, p := range s.Producers {
		if p < 0 || p >= n {
			return nil, fmt.Errorf("the %s network: producer %d is out of range of its %d nodes", s.Mineral, p, n)
		}
	}
	return l, nil
}

// Mineral is the id of the layers' mineral.
func (l *Layers) Mineral() string { return l.stored.Mineral }

// Latest is the latest year of the mineral's records other than planned ones (0: none).
func (l *Layers) Latest() int32 { return l.latest }

// Bytes estimates the memory the layers and their networks hold, for a cache's budget.
func (l *Layers) Bytes() int64 {
	b := int64(len(l.stored.Edges))*24 + int64(len(l.stored.Nodes))*180
	l.mu.Lock()
	views := make([]*Mineral, 0, len(l.views))
	for _, v := range l.views {
		if m := v.net.Load(); m != nil { // one being built is counted once it is
			views = append(views, m)
		}
	}
	l.mu.Unlock()
	for _, m := range views {
		b += m.Bytes()
	}
	return b
}

// Selected says which network At took: its year (nil: the records have none), the year of
// its trade edges (nil: none), the bases and forms taken, and why it is empty when it is.
type Selected struct {
	Year      *int64
	TradeYear *int64
	Bases     []string
	Forms     []string
	Edges     int
	Reason    string
}

// At is the M-network at the conditions' year (section 5), as of their date:
//   - trade edges: those of the latest year ≤ Y that has any trade edge (trade records without
//     a year only when no year has one);
//   - planned edges: those whose year ≤ Y (without a year given: ≤ the year of as_of);
//   - other edges: for each (from, to, form), the record of the latest year ≤ Y; records
//     without a year always count;
//   - only edges whose both ends take part at as_of (a facility's online and closed);
//   - the bases and forms asked for;
//   - no double counting: a trade edge from country X to country Z carries only what the other
//     edges of its form from X or its facilities to Z or its facilities leave of it.
//
// cond must be normalized; a year before any record is an empty network with a reason.
func (l *Layers) At(cond mineralmap.Conditions) (*Mineral, Selected, error) {
	key := viewKey{year: l.latest, asOf: cond.AsOf, plannedUntil: int32(cond.AsOf.Year())}
	if cond.Year != nil {
		key.year, key.plannedUntil = int32(*cond.Year), int32(*cond.Year)
	}
	if !l.dated {
		key.asOf = time.Time{}
	}
	if !l.planned {
		key.plannedUntil = 0
	}
	var err error
	if key.bases, err = mask(cond.Bases, mineralmap.Bases, "basis"); err != nil {
		return nil, Selected{}, err
	}
	if key.forms, err = mask(cond.Forms, mineralmap.Forms, "forms"); err != nil {
		return nil, Selected{}, err
	}
	l.mu.Lock()
	v, ok := l.views[key]
	if !ok {
		if len(l.views) >= maxViews {
			clear(l.views) // requests building the dropped views still get theirs
		}
		v = &view{}
		l.views[key] = v
	}
	l.mu.Unlock()
	v.once.Do(func() {
		stored, tradeYear := l.pick(key)
		m := NewMineral(stored, l.slots)
		m.selected = l.describe(key, tradeYear, m)
		v.net.Store(m)
	})
	m := v.net.Load()
	if m == nil { // the build panicked in another request
		return nil, Selected{}, fmt.Errorf("the %s network at %+v could not be built", l.stored.Mineral, key)
	}
	return m, m.selected, nil
}

func mask(names, all []string, param string) (uint8, error) {
	if len(names) == 0 {
		return 1<<len(all) - 1, nil
	}
	var m uint8
	for _, n := range names {
		i := slices.Index(all, n)
		if i < 0 {
			return 0, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("%s: unknown value %q", param, mineralmap.Clip(n)),
				Details: []mineralmap.Detail{{Path: param, Message: "must be among " + fmt.Sprint(all)}}}
		}
		m |= 1 << i
	}
	return m, nil
}

func basisIndex(b string) uint8 { return uint8(slices.Index(mineralmap.Bases, b)) }

// pick picks the records of the network at key, and the year of its trade edges (0: none).
func (l *Layers) pick(key viewKey) (Stored, int32) {
	s := l.stored
	planned := basisIndex(mineralmap.BasisPlanned)
	takesPart := make([]bool, len(s.Nodes))
	for i, n := range s.Nodes {
		takesPart[i] = (n.Online.IsZero() || !n.Online.After(key.asOf)) && (n.Closed.IsZero() || n.Closed.After(key.asOf))
	}
	return l.pickWith(key, takesPart, func(e Edge) bool { return e.Basis == planned && (e.Year == 0 || e.Year <= key.plannedUntil) },
		func(i int) bool { return l.producerFrom(i) <= key.plannedUntil })
}

// producerFrom is the year from which the i-th PRODUCES record counts (a record that is not
// planned, or planned without a year: always).
func (l *Layers) producerFrom(i int) int32 {
	if i >= len(l.stored.ProducerFrom) || l.stored.ProducerFrom[i] <= 0 {
		return math.MinInt32
	}
	return l.stored.ProducerFrom[i]
}

// pickWith is pick with the nodes that take part, the planned edges and the PRODUCES records
// (by their index in Producers) that count given.
func (l *Layers) pickWith(key viewKey, takesPart []bool, plannedIn func(Edge) bool, producerIn func(int) bool) (Stored, int32) {
	s := l.stored
	trade, planned := basisIndex(mineralmap.BasisTrade), basisIndex(mineralmap.BasisPlanned)
	// The year of the trade census and, per (from, to, form), the latest other record.
	type pair struct {
		from, to int32
		form     uint8
	}
	var tradeYear int32
	latest := map[pair]int32{}
	for _, e := range s.Edges {
		switch {
		case e.Year == 0 || key.year != 0 && e.Year > key.year:
		case e.Basis == trade:
			tradeYear = max(tradeYear, e.Year)
		case e.Basis != planned:
			p := pair{e.From, e.To, e.Form}
			latest[p] = max(latest[p], e.Year)
		}
	}
	out := s
	out.Producers, out.ProducerFrom = nil, nil
	for i, p := range s.Producers {
		if producerIn(i) {
			out.Producers = append(out.Producers, p)
		}
	}
	out.Edges = make([]Edge, 0, len(s.Edges))
	for _, e := range s.Edges {
		var in bool
		switch {
		case e.Basis == planned:
			in = plannedIn(e)
		case e.Basis == trade:
			// A census is a census: trade records without a year count only when there is none.
			in = e.Year == tradeYear || e.Year == 0 && tradeYear == 0
		case e.Year == 0:
			in = true
		default:
			in = (key.year == 0 || e.Year <= key.year) && e.Year == latest[pair{e.From, e.To, e.Form}]
		}
		if in && takesPart[e.From] && takesPart[e.To] && key.bases&(1<<e.Basis) != 0 && key.forms&(1<<e.Form) != 0 {
			out.Edges = append(out.Edges, e)
		}
	}
	// No double counting: what other edges carry between two countries, by form, comes off
	// the trade edge between them.
	type flow struct {
		from, to string
		form     uint8
	}
	other := map[flow]float64{}
	hasTrade := false
	for _, e := range out.Edges {
		if e.Basis == trade {
			hasTrade = true
			continue
		}
		other[flow{s.Nodes[e.From].Country, s.Nodes[e.To].Country, e.Form}] += e.Capacity
	}
	if hasTrade {
		kept := out.Edges[:0]
		for _, e := range out.Edges {
			if e.Basis == trade && s.Nodes[e.From].IsCountry && s.Nodes[e.To].IsCountry {
				e.Capacity = max(0, e.Capacity-other[flow{s.Nodes[e.From].ID, s.Nodes[e.To].ID, e.Form}])
				if e.Capacity <= 0 {
					continue
				}
			}
			kept = append(kept, e)
		}
		out.Edges = kept
	}
	return out, tradeYear
}

// describe says what pick took for key; m is the network it made.
func (l *Layers) describe(key viewKey, tradeYear int32, m *Mineral) Selected {
	sel := Selected{Edges: len(m.Edges)}
	if key.year != 0 {
		y := int64(key.year)
		sel.Year = &y
	}
	if tradeYear != 0 {
		y := int64(tradeYear)
		sel.TradeYear = &y
	}
	for i, b := range mineralmap.Bases {
		if key.bases&(1<<i) != 0 {
			sel.Bases = append(sel.Bases, b)
		}
	}
	for i, f := range mineralmap.Forms {
		if key.forms&(1<<i) != 0 {
			sel.Forms = append(sel.Forms, f)
		}
	}
	if len(m.Edges) == 0 {
		at := ""
		if !key.asOf.IsZero() { // the date matters only when some facility has online or closed dates
			at = " as of " + key.asOf.Format(mineralmap.DateLayout)
		}
		switch {
		case len(l.stored.Edges) == 0:
			sel.Reason = fmt.Sprintf("no %s supply is stored", l.stored.Mineral)
		case sel.Year != nil:
			sel.Reason = fmt.Sprintf("no %s supply edge of the bases %s and forms %s is in the network of %d%s",
				l.stored.Mineral, strings.Join(sel.Bases, ", "), strings.Join(sel.Forms, ", "), *sel.Year, at)
		default:
			sel.Reason = fmt.Sprintf("no %s supply edge of the bases %s and forms %s is in the network%s",
				l.stored.Mineral, strings.Join(sel.Bases, ", "), strings.Join(sel.Forms, ", "), at)
		}
	}
	return sel
}

// Outlook is the M-network of year y for the outlook (contract section 7): the network of that
// year as At picks it (trade edges of the latest census year ≤ y, for each (from, to, form) the
// latest other record ≤ y), with planned capacity: planned edges count from their year, and a
// facility takes part from the year of its online date to the year before its closed date.
// For pending facilities (status planned or construction) delay years are added to their
// online year and to the year of the planned edges from or to them, and of their planned
// PRODUCES records. The sources are that year's network's (section 4: its producers, and the
// nodes with outgoing and no incoming edges in it), as for At. Restrictions are not
// applied here: the caller opens the network as of its date (1 July of y). The network is
// built for the caller and not kept; bases and forms select edges as in At.
func (l *Layers) Outlook(y, delay int32, bases, forms []string) (*Mineral, error) {
	key := viewKey{year: y, plannedUntil: y}
	var err error
	if key.bases, err = mask(bases, mineralmap.Bases, "basis"); err != nil {
		return nil, err
	}
	if key.forms, err = mask(forms, mineralmap.Forms, "forms"); err != nil {
		return nil, err
	}
	s := l.stored
	shift := func(i int32) int32 {
		if s.Nodes[i].Pending {
			return delay
		}
		return 0
	}
	takesPart := make([]bool, len(s.Nodes))
	for i, n := range s.Nodes {
		online := n.Online.IsZero() || int32(n.Online.Year())+shift(int32(i)) <= y
		open := n.Closed.IsZero() || int32(n.Closed.Year()) > y
		takesPart[i] = online && open
	}
	planned := basisIndex(mineralmap.BasisPlanned)
	stored, tradeYear := l.pickWith(key, takesPart, func(e Edge) bool {
		return e.Basis == planned && (e.Year == 0 || e.Year+max(shift(e.From), shift(e.To)) <= y)
	}, func(i int) bool {
		from := l.producerFrom(i)
		return from == math.MinInt32 || from+shift(s.Producers[i]) <= y
	})
	m := NewMineral(stored, l.slots)
	m.selected = l.describe(key, tradeYear, m)
	return m, nil
}

// Stored is every record of the layers; the caller must not change it.
func (l *Layers) Stored() Stored { return l.stored }
