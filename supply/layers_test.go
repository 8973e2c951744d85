package supply_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// A small world of records, by hand, for the rules of the M-network at year Y (contract
// section 5): AU's mine ships ore to JP's refinery in 2023 and 2024 (reported); the refinery
// ships refined metal to JP; customs report AU → JP refined metal in 2022 and 2024; a plant due
// online in 2027 has a planned offtake; a Chinese smelter closed at the end of 2023.
var (
	nodes = []supply.Node{
		{ID: "AU", Country: "AU", IsCountry: true},                                            // 0
		{ID: "JP", Country: "JP", IsCountry: true},                                            // 1
		{ID: "au-mine", Country: "AU"},                                                        // 2
		{ID: "jp-refinery", Country: "JP"},                                                    // 3
		{ID: "au-plant", Country: "AU", Online: day("2027-07-01")},                            // 4
		{ID: "cn-smelter", Country: "CN", Closed: day("2024-01-01")},                          // 5
		{ID: "au-refinery", Country: "AU"},                                                    // 6
		{ID: "CN", Country: "CN", IsCountry: true},                                            // 7
		{ID: "kr-plant", Country: "KR", Online: day("2020-01-01"), Closed: day("2030-01-01")}, // 8
	}
	ore, refined       = form(mineralmap.FormOre), form(mineralmap.FormRefined)
	reported, trade    = basis(mineralmap.BasisReported), basis(mineralmap.BasisTrade)
	estimated, planned = basis(mineralmap.BasisEstimated), basis(mineralmap.BasisPlanned)
	worldEdges         = []supply.Edge{
		{From: 2, To: 3, Capacity: 100, Year: 2023, Form: ore, Basis: reported},      // 0: superseded by 1
		{From: 2, To: 3, Capacity: 120, Year: 2024, Form: ore, Basis: reported},      // 1
		{From: 3, To: 1, Capacity: 110, Year: 2024, Form: refined, Basis: estimated}, // 2
		{From: 0, To: 1, Capacity: 50, Year: 2022, Form: refined, Basis: trade},      // 3: an older census
		{From: 0, To: 1, Capacity: 80, Year: 2024, Form: refined, Basis: trade},      // 4
		{From: 4, To: 1, Capacity: 30, Year: 2028, Form: refined, Basis: planned},    // 5
		{From: 5, To: 1, Capacity: 40, Year: 2023, Form: refined, Basis: estimated},  // 6
		{From: 6, To: 3, Capacity: 25, Year: 2024, Form: refined, Basis: estimated},  // 7: AU → JP refined, off the trade edge
		{From: 2, To: 6, Capacity: 60, Form: ore, Basis: estimated},                  // 8: no year: always counts
		{From: 7, To: 8, Capacity: 5, Year: 2024, Form: refined, Basis: reported},    // 9
	}
)

func form(f string) uint8  { return uint8(slices.Index(mineralmap.Forms, f)) }
func basis(b string) uint8 { return uint8(slices.Index(mineralmap.Bases, b)) }

func day(s string) time.Time {
	t, err := time.Parse(mineralmap.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func worldLayers(t *testing.T) *supply.Layers {
	t.Helper()
	l, err := supply.NewLayers(supply.Stored{Mineral: "m", Nodes: nodes, Edges: worldEdges, Producers: []int32{2}}, supply.NewSlots(1))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// edgeSet names the edges of a network by "from>to:capacity".
func edgeSet(m *supply.Mineral) []string {
	var out []string
	for _, e := range m.Edges {
		out = append(out, fmt.Sprintf("%s>%s:%03.0f", m.Nodes[e.From].ID, m.Nodes[e.To].ID, e.Capacity))
	}
	slices.Sort(out)
	return out
}

func at(t *testing.T, l *supply.Layers, cond mineralmap.Conditions) (*supply.Mineral, supply.Selected) {
	t.Helper()
	m, sel, err := l.At(cond.Normalized())
	if err != nil {
		t.Fatal(err)
	}
	return m, sel
}

func year(y int64) *int64 { return &y }

func TestTheNetworkAtAYearTakesEachRecordsLatestYearTheCensusAndThePlans(t *testing.T) {
	l := worldLayers(t)
	cases := []struct {
		name      string
		cond      mineralmap.Conditions
		want      []string
		wantYear  int64
		wantTrade int64
	}{
		{
			// 2024: the 2024 ore record, not 2023's; the 2024 census; the closed smelter out;
			// the trade edge AU → JP carries 80 − 25 (the Australian refinery's shipment to JP).
			name: "2024 as of mid-2025", cond: mineralmap.Conditions{Year: year(2024), AsOf: day("2025-06-01")},
			want:     []string{"AU>JP:055", "CN>kr-plant:005", "au-mine>au-refinery:060", "au-mine>jp-refinery:120", "au-refinery>jp-refinery:025", "jp-refinery>JP:110"},
			wantYear: 2024, wantTrade: 2024,
		},
		{
			// 2023: the 2023 ore record; the 2022 census is the latest ≤ 2023; the smelter still
			// takes part at the end of 2023; nothing of 2024.
			name: "2023 as of 2023-06-01", cond: mineralmap.Conditions{Year: year(2023), AsOf: day("2023-06-01")},
			want:     []string{"AU>JP:050", "au-mine>au-refinery:060", "au-mine>jp-refinery:100", "cn-smelter>JP:040"},
			wantYear: 2023, wantTrade: 2022,
		},
		{
			// 2028 as of 2028: the planned offtake counts once its year has come and its plant is
			// online; other records stand at their latest year.
			name: "2028 as of 2028", cond: mineralmap.Conditions{Year: year(2028), AsOf: day("2028-06-01")},
			// The planned edge AU → JP comes off the trade edge too (80 − 25 − 30).
			want:     []string{"AU>JP:025", "CN>kr-plant:005", "au-mine>au-refinery:060", "au-mine>jp-refinery:120", "au-plant>JP:030", "au-refinery>jp-refinery:025", "jp-refinery>JP:110"},
			wantYear: 2028, wantTrade: 2024,
		},
		{
			// No year: the latest year of the records other than planned ones (2024); planned
			// edges up to the year of as_of (2028 → counts, the plant online by then).
			name: "default year as of 2028", cond: mineralmap.Conditions{AsOf: day("2028-06-01")},
			want:     []string{"AU>JP:025", "CN>kr-plant:005", "au-mine>au-refinery:060", "au-mine>jp-refinery:120", "au-plant>JP:030", "au-refinery>jp-refinery:025", "jp-refinery>JP:110"},
			wantYear: 2024, wantTrade: 2024,
		},
		{
			// Only customs figures: nothing to take off the trade edge.
			name: "basis=trade", cond: mineralmap.Conditions{Year: year(2024), AsOf: day("2025-06-01"), Bases: []string{mineralmap.BasisTrade}},
			want:     []string{"AU>JP:080"},
			wantYear: 2024, wantTrade: 2024,
		},
		{
			name: "forms=ore", cond: mineralmap.Conditions{Year: year(2024), AsOf: day("2025-06-01"), Forms: []string{mineralmap.FormOre}},
			want:     []string{"au-mine>au-refinery:060", "au-mine>jp-refinery:120"},
			wantYear: 2024, wantTrade: 2024,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, sel := at(t, l, tc.cond)
			if got := edgeSet(m); !slices.Equal(got, tc.want) {
				t.Errorf("edges %v\nwant  %v", got, tc.want)
			}
			if sel.Year == nil || *sel.Year != tc.wantYear || sel.TradeYear == nil || *sel.TradeYear != tc.wantTrade {
				t.Errorf("year %v, trade year %v; want %d and %d", sel.Year, sel.TradeYear, tc.wantYear, tc.wantTrade)
			}
			if sel.Reason != "" {
				t.Errorf("reason %q for a network with edges", sel.Reason)
			}
		})
	}
}

func TestAYearBeforeAnyRecordIsAnEmptyNetworkWithAReason(t *testing.T) {
	l := worldLayers(t)
	m, sel := at(t, l, mineralmap.Conditions{Year: year(1990), AsOf: day("1990-06-01")})
	// Only the record without a year counts, whatever the year.
	if got := edgeSet(m); !slices.Equal(got, []string{"au-mine>au-refinery:060"}) {
		t.Fatalf("1990: %v", got)
	}
	m, sel = at(t, l, mineralmap.Conditions{Year: year(1990), AsOf: day("1990-06-01"), Bases: []string{mineralmap.BasisReported}})
	if len(m.Edges) != 0 || sel.Reason == "" {
		t.Fatalf("1990, reported only: %v edges, reason %q; want none and a reason", edgeSet(m), sel.Reason)
	}
}

func TestDoubleCountingNeverMakesATradeEdgeNegative(t *testing.T) {
	// Curated flows larger than the customs figure leave the trade edge at 0: it goes.
	edges := []supply.Edge{
		{From: 0, To: 1, Capacity: 20, Year: 2024, Form: refined, Basis: trade},
		{From: 6, To: 3, Capacity: 25, Year: 2024, Form: refined, Basis: estimated},
		{From: 6, To: 1, Capacity: 5, Year: 2024, Form: ore, Basis: estimated}, // another form: not taken off
	}
	l, err := supply.NewLayers(supply.Stored{Mineral: "m", Nodes: nodes, Edges: edges}, supply.NewSlots(1))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := at(t, l, mineralmap.Conditions{AsOf: day("2025-01-01")})
	if got := edgeSet(m); !slices.Equal(got, []string{"au-refinery>JP:005", "au-refinery>jp-refinery:025"}) {
		t.Fatalf("edges %v", got)
	}
}

func TestARestrictionIsInForceOutsideItsSuspensionsAndBlocksOnlyItsForms(t *testing.T) {
	r := supply.Restriction{
		Measure: mineralmap.Measure{Country: "CN", Measure: "ban", Targets: []string{"US"}, Forms: []string{mineralmap.FormRefined}},
		From:    day("2024-12-03"),
		// MOFCOM No. 46 of 2024, suspended by No. 72 of 2025 until 27 Nov 2026.
		Suspended: []mineralmap.Interval{{From: day("2025-11-09"), Until: day("2026-11-27")}},
	}
	for d, want := range map[string]bool{
		"2024-12-02": false, // before
		"2024-12-03": true,  // from its first day
		"2025-11-08": true,  // the last day before the suspension
		"2025-11-09": false, // suspended
		"2026-11-26": false, // the last day of the suspension
		"2026-11-27": true,  // resumed
		"2030-01-01": true,  // no until: in force
	} {
		if got := r.InForce(day(d)); got != want {
			t.Errorf("in force on %s: %v, want %v", d, got, want)
		}
	}
	// CN ships refined metal and ore to the US; the ban covers refined only.
	s := supply.Stored{Mineral: "m",
		Nodes:        []supply.Node{{ID: "cn-mine", Country: "CN"}, {ID: "US", Country: "US", IsCountry: true}, {ID: "cn-refinery", Country: "CN"}},
		Edges:        []supply.Edge{{From: 0, To: 1, Capacity: 3, Form: ore}, {From: 0, To: 2, Capacity: 10, Form: ore}, {From: 2, To: 1, Capacity: 7, Form: refined}},
		Producers:    []int32{0},
		Restrictions: []supply.Restriction{r},
	}
	l, err := supply.NewLayers(s, supply.NewSlots(1))
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]float64{"2025-06-01": 3, "2026-06-01": 10, "2026-12-01": 3} {
		m, _ := at(t, l, mineralmap.Conditions{AsOf: day(d)})
		if got := m.Open(mineralmap.Conditions{AsOf: day(d)}.Normalized()).MaxFlow("US", nil); got != want {
			t.Errorf("US supply on %s: %v, want %v (ore %v passes, refined blocked while the ban is in force)", d, got, want, 3.0)
		}
	}
}

// Requests for one network at once share one build; requests for others do not wait for it.
func TestConcurrentRequestsShareOneNetworkPerConditions(t *testing.T) {
	l := worldLayers(t)
	var wg sync.WaitGroup
	got := make([]*supply.Mineral, 32)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			y := int64(2023 + i%2)
			m, _, err := l.At(mineralmap.Conditions{Year: &y, AsOf: day("2025-06-01")}.Normalized())
			if err != nil {
				t.Error(err)
			}
			got[i] = m
			_ = l.Bytes()
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[i%2] {
			t.Fatalf("request %d got another network than request %d for the same conditions", i, i%2)
		}
	}
	if got[0] == got[1] {
		t.Fatal("2023 and 2024 share a network")
	}
}
