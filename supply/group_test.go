package supply

import (
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
)

// A group consumer (contract section 7): what enters a member reaches the super-sink, what a
// member sends another counts (a member that is a source still supplies), nothing transits a
// member, a removed member takes its incoming half with it, and no restriction blocks the sink.
func TestAGroupReceivesThroughASuperSinkFedByItsMembers(t *testing.T) {
	// CN → JP 10, CN → KR 5; AU (a national producer, in the group) → JP 4; JP → XX 3.
	s := Stored{Mineral: "ore",
		Nodes: []Node{{ID: "CN", Country: "CN", IsCountry: true}, {ID: "JP", Country: "JP", IsCountry: true},
			{ID: "KR", Country: "KR", IsCountry: true}, {ID: "AU", Country: "AU", IsCountry: true}, {ID: "XX", Country: "XX", IsCountry: true}},
		Edges:     []Edge{{From: 0, To: 1, Capacity: 10}, {From: 0, To: 2, Capacity: 5}, {From: 3, To: 1, Capacity: 4}, {From: 1, To: 4, Capacity: 3}},
		Producers: []int32{0, 3}}
	m := NewMineral(s, nil)
	g := m.WithSink("group:G", []string{"JP", "KR", "AU"})
	cond := mineralmap.Conditions{}.Normalized()
	net := g.Open(cond)
	if got := net.MaxFlow("group:G", nil); got != 19 {
		t.Fatalf("group supply %v, want 19 (10 + 5 from CN, 4 from AU)", got)
	}
	if jp := m.Open(cond).MaxFlow("JP", nil); jp != 14 {
		t.Fatalf("JP alone %v, want 14", jp)
	}
	if got := net.MaxFlow("group:G", g.Removal([]string{"JP"}, nil)); got != 5 {
		t.Fatalf("without JP %v, want 5 (KR's): the removed member's incoming half goes too", got)
	}
	if got := net.MaxFlow("group:G", m.Removal([]string{"CN"}, nil)); got != 4 {
		t.Fatalf("without CN %v, want 4", got)
	}
	// JP bans every destination: JP's own hops are blocked, the hop into the sink is not.
	banned := Stored(s)
	banned.Restrictions = []Restriction{{Measure: mineralmap.Measure{Country: "JP", Measure: "ban"}, From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	bg := NewMineral(banned, nil).WithSink("group:G", []string{"JP", "KR", "AU"})
	if got := bg.Open(cond).MaxFlow("group:G", nil); got != 19 {
		t.Fatalf("with JP's ban %v, want 19", got)
	}
	if again := m.WithSink("group:G", []string{"AU", "KR", "JP"}); again != g {
		t.Fatal("the same group's network is built again instead of kept")
	}
}

// The outlook's network of a year is that year's network as At takes it (section 5): a feed
// planned into an unbounded source (outgoing edges, no incoming one) counts from its year.
func TestTheOutlookNetworkOfAYearIsThatYearsNetwork(t *testing.T) {
	online := time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC)
	s := Stored{Mineral: "ore",
		Nodes: []Node{{ID: "AU", Country: "AU", IsCountry: true}, {ID: "JP", Country: "JP", IsCountry: true}, {ID: "f", Country: "AU", Online: online, Pending: true}},
		Edges: []Edge{{From: 0, To: 1, Capacity: 100, Year: 2024, Basis: basisIndex("estimated"), Form: 2},
			{From: 2, To: 0, Capacity: 50, Year: 2028, Basis: basisIndex("planned"), Form: 2}},
		Producers: []int32{2}, ProducerFrom: []int32{2028}}
	l, err := NewLayers(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range []int32{2025, 2028} {
		o, err := l.Outlook(y, 0, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		year := int64(y)
		cond := mineralmap.Conditions{Year: &year, AsOf: time.Date(int(y), 7, 1, 0, 0, 0, 0, time.UTC)}.Normalized()
		at, _, err := l.At(cond)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := o.Open(cond).MaxFlow("JP", nil), at.Open(cond).MaxFlow("JP", nil); a != b {
			t.Fatalf("%d: outlook %v, At %v", y, a, b)
		}
	}
	// Delayed two years, f and its planned feed are not there in 2028: AU is a source again.
	o, _ := l.Outlook(2028, 2, nil, nil)
	if got := o.Open(mineralmap.Conditions{}.Normalized()).MaxFlow("JP", nil); got != 100 {
		t.Fatalf("2028 with delay 2: %v, want 100", got)
	}
}
