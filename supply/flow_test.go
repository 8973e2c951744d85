package supply_test

import (
	"encoding/json"
	"fmt"
	"github.com/mineralmap/mineralmap/supply"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func supplies(from, to string, volumeT float64) supply.FlowEdge {
	return supply.FlowEdge{From: from, To: to, Capacity: volumeT}
}

func removing(ids ...string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// flowCase is one question an analyst asks about deliverable supply: how much
// reaches sink, and how much of it is lost when removed go away.
type flowCase struct {
	name      string
	edges     []supply.FlowEdge
	producers []string // sources are supply.DefaultSources(edges, producers)
	sink      string
	removed   []string
	wantAll   float64 // deliverable supply with nothing removed
	wantAfter float64 // deliverable supply without removed
	wantRisk  float64
}

var (
	diamond = []supply.FlowEdge{
		supplies("mine", "refinery-a", 10), supplies("mine", "refinery-b", 10),
		supplies("refinery-a", "magnets", 10), supplies("refinery-b", "magnets", 10),
	}
	chain = []supply.FlowEdge{
		supplies("mine", "refinery", 5), supplies("refinery", "magnet-plant", 5),
		supplies("magnet-plant", "automaker", 5),
	}
	// China ships 3 t as a country-level aggregate and 5 t through its own
	// mine and refinery; Australia ships 2 t.
	countries = []supply.FlowEdge{
		supplies("CN", "magnets", 3),
		supplies("cn-mine", "cn-refinery", 10), supplies("cn-refinery", "magnets", 5),
		supplies("au-mine", "magnets", 2),
	}
)

var flowCases = []flowCase{
	{
		name: "diamond: losing one of two equal routes halves supply", edges: diamond,
		sink: "magnets", removed: []string{"refinery-a"}, wantAll: 20, wantAfter: 10, wantRisk: 0.5,
	},
	{
		name: "diamond: losing a route keeps supply when the other has spare capacity",
		edges: []supply.FlowEdge{
			supplies("mine", "refinery-a", 10), supplies("mine", "refinery-b", 10),
			supplies("refinery-a", "hub", 10), supplies("refinery-b", "hub", 10),
			supplies("hub", "magnets", 10),
		},
		sink: "magnets", removed: []string{"refinery-a"}, wantAll: 10, wantAfter: 10, wantRisk: 0,
	},
	{
		name: "chain: the refinery every tonne crosses takes all supply", edges: chain,
		sink: "automaker", removed: []string{"refinery"}, wantAll: 5, wantAfter: 0, wantRisk: 1,
	},
	{
		name: "cycle: material going round a loop is not counted twice",
		edges: []supply.FlowEdge{
			supplies("mine", "trader-a", 10), supplies("trader-a", "trader-b", 10),
			supplies("trader-b", "trader-a", 10), supplies("trader-b", "smelter", 4),
		},
		producers: []string{"mine"},
		sink:      "smelter", removed: []string{"trader-b"}, wantAll: 4, wantAfter: 0, wantRisk: 1,
	},
	{
		name: "consumer with no supply: nothing to deliver, nothing at risk",
		edges: []supply.FlowEdge{
			supplies("exporter", "elsewhere", 5), supplies("mine", "other-plant", 3),
		},
		sink: "exporter", removed: []string{"mine"}, wantAll: 0, wantAfter: 0, wantRisk: 0,
	},
	{
		name:  "parallel sources: losing the larger mine loses its share",
		edges: []supply.FlowEdge{supplies("mine-1", "plant", 6), supplies("mine-2", "plant", 4)},
		sink:  "plant", removed: []string{"mine-1"}, wantAll: 10, wantAfter: 4, wantRisk: 0.6,
	},
	{
		name: "capacity bottleneck: a thin edge limits delivery",
		edges: []supply.FlowEdge{
			supplies("mine", "refinery", 100), supplies("refinery", "plant", 1),
			supplies("mine", "trader", 50), supplies("trader", "plant", 2),
		},
		sink: "plant", removed: []string{"trader"}, wantAll: 3, wantAfter: 1, wantRisk: 2.0 / 3,
	},
	{
		name: "country group: removing China removes its node and its facilities", edges: countries,
		sink: "magnets", removed: []string{"CN", "cn-mine", "cn-refinery"},
		wantAll: 10, wantAfter: 2, wantRisk: 0.8,
	},
	{
		name: "removed source supplies nothing",
		edges: []supply.FlowEdge{
			supplies("mine-1", "refinery", 5), supplies("refinery", "plant", 5),
			supplies("mine-2", "plant", 1),
		},
		sink: "plant", removed: []string{"mine-1"}, wantAll: 6, wantAfter: 1, wantRisk: 5.0 / 6,
	},
	{
		name: "removing the consumer itself leaves nothing deliverable", edges: chain,
		sink: "automaker", removed: []string{"automaker"}, wantAll: 5, wantAfter: 0, wantRisk: 1,
	},
	{
		name: "a consumer that is also a producer counts only supply from others",
		edges: []supply.FlowEdge{
			supplies("mine", "plant", 5), supplies("plant", "exporter", 50),
		},
		producers: []string{"plant"},
		sink:      "plant", wantAll: 5, wantAfter: 5, wantRisk: 0,
	},
	{
		name: "unknown consumer: no supply", edges: chain,
		sink: "nowhere", removed: []string{"refinery"}, wantAll: 0, wantAfter: 0, wantRisk: 0,
	},
	{
		name:  "parallel edges between the same pair add up",
		edges: []supply.FlowEdge{supplies("mine", "plant", 2), supplies("mine", "plant", 3)},
		sink:  "plant", wantAll: 5, wantAfter: 5,
	},
	{
		name:      "a self-loop carries nothing",
		edges:     []supply.FlowEdge{supplies("mine", "mine", 100), supplies("mine", "plant", 1)},
		producers: []string{"mine"},
		sink:      "plant", wantAll: 1, wantAfter: 1,
	},
	{
		name: "two-way trade: each direction keeps its own capacity",
		edges: []supply.FlowEdge{
			supplies("mine", "AU", 10), supplies("AU", "JP", 5), supplies("JP", "AU", 3),
			supplies("JP", "plant", 10),
		},
		producers: []string{"mine"},
		sink:      "plant", removed: []string{"nowhere"}, wantAll: 5, wantAfter: 5,
	},
	{
		name: "edges into a source and out of the consumer change nothing",
		edges: []supply.FlowEdge{
			supplies("mine", "plant", 5), supplies("plant", "mine", 5), supplies("plant", "recycler", 7),
		},
		producers: []string{"mine"},
		sink:      "plant", wantAll: 5, wantAfter: 5,
	},
}

func TestFlowDeliverableSupplyAndRisk(t *testing.T) {
	for _, tc := range flowCases {
		t.Run(tc.name, func(t *testing.T) {
			n := supply.NewNetwork(tc.edges, supply.DefaultSources(tc.edges, tc.producers))
			if got := n.MaxFlow(tc.sink, nil); !near(got, tc.wantAll) {
				t.Errorf("MaxFlow(%s) = %v, want %v", tc.sink, got, tc.wantAll)
			}
			removed := removing(tc.removed...)
			if got := n.MaxFlow(tc.sink, removed); !near(got, tc.wantAfter) {
				t.Errorf("MaxFlow(%s without %v) = %v, want %v", tc.sink, tc.removed, got, tc.wantAfter)
			}
			if got := n.SupplyAtRisk(tc.sink, removed); !near(got, tc.wantRisk) {
				t.Errorf("SupplyAtRisk(%s, %v) = %v, want %v", tc.sink, tc.removed, got, tc.wantRisk)
			}
		})
	}
}

func TestFlowSupplyAtRiskIsRounded(t *testing.T) {
	// 0.1 + 0.2 tonnes: float noise must not show as risk, and losing all
	// of it must be exactly 1.
	edges := []supply.FlowEdge{supplies("a", "plant", 0.1), supplies("b", "plant", 0.2), supplies("c", "plant", 0.3)}
	n := supply.NewNetwork(edges, []string{"a", "b", "c"})
	if got := n.SupplyAtRisk("plant", removing("c")); got != 0.5 {
		t.Errorf("risk without c = %v, want exactly 0.5", got)
	}
	if got := n.SupplyAtRisk("plant", removing("a", "b", "c")); got != 1 {
		t.Errorf("risk without every source = %v, want exactly 1", got)
	}
	if got := n.SupplyAtRisk("plant", nil); got != 0 {
		t.Errorf("risk without anything removed = %v, want exactly 0", got)
	}
}

func facility(id string) supply.Candidate {
	return supply.Candidate{ID: id, Type: "facility", Members: []string{id}}
}

func country(id string, members ...string) supply.Candidate {
	return supply.Candidate{ID: id, Type: "country", Members: members}
}

func TestChokepoints(t *testing.T) {
	cases := []struct {
		name       string
		edges      []supply.FlowEdge
		producers  []string
		sink       string
		candidates []supply.Candidate
		limit      int
		want       []supply.Chokepoint
	}{
		{
			name: "chain: every hop is a single point of failure, ties by id", edges: chain,
			sink:       "automaker",
			candidates: []supply.Candidate{facility("refinery"), facility("magnet-plant"), facility("mine")},
			want: []supply.Chokepoint{
				{ID: "magnet-plant", Type: "facility", SupplyAtRisk: 1, SinglePointOfFailure: true},
				{ID: "mine", Type: "facility", SupplyAtRisk: 1, SinglePointOfFailure: true},
				{ID: "refinery", Type: "facility", SupplyAtRisk: 1, SinglePointOfFailure: true},
			},
		},
		{
			name: "diamond with unequal routes: the shared mine is the only SPOF",
			edges: []supply.FlowEdge{
				supplies("mine", "refinery-a", 6), supplies("mine", "refinery-b", 4),
				supplies("refinery-a", "magnets", 6), supplies("refinery-b", "magnets", 4),
			},
			sink:       "magnets",
			candidates: []supply.Candidate{facility("refinery-b"), facility("refinery-a"), facility("mine")},
			want: []supply.Chokepoint{
				{ID: "mine", Type: "facility", SupplyAtRisk: 1, SinglePointOfFailure: true},
				{ID: "refinery-a", Type: "facility", SupplyAtRisk: 0.6},
				{ID: "refinery-b", Type: "facility", SupplyAtRisk: 0.4},
			},
		},
		{
			name: "countries rank with facilities", edges: countries, sink: "magnets",
			candidates: []supply.Candidate{
				facility("cn-mine"), facility("cn-refinery"), facility("au-mine"),
				country("CN", "CN", "cn-mine", "cn-refinery"), country("AU", "au-mine"),
			},
			want: []supply.Chokepoint{
				{ID: "CN", Type: "country", SupplyAtRisk: 0.8},
				{ID: "cn-mine", Type: "facility", SupplyAtRisk: 0.5},
				{ID: "cn-refinery", Type: "facility", SupplyAtRisk: 0.5},
				{ID: "AU", Type: "country", SupplyAtRisk: 0.2},
				{ID: "au-mine", Type: "facility", SupplyAtRisk: 0.2},
			},
		},
		{
			name: "limit keeps the worst", edges: countries, sink: "magnets", limit: 2,
			candidates: []supply.Candidate{
				facility("cn-mine"), facility("cn-refinery"), facility("au-mine"),
				country("CN", "CN", "cn-mine", "cn-refinery"), country("AU", "au-mine"),
			},
			want: []supply.Chokepoint{
				{ID: "CN", Type: "country", SupplyAtRisk: 0.8},
				{ID: "cn-mine", Type: "facility", SupplyAtRisk: 0.5},
			},
		},
		{
			name:  "consumer with no supply has no chokepoints",
			edges: []supply.FlowEdge{supplies("exporter", "elsewhere", 5)}, sink: "exporter",
			candidates: []supply.Candidate{facility("elsewhere")},
			want:       []supply.Chokepoint{},
		},
		{
			name: "facilities off every route or with spare routes are not chokepoints",
			edges: []supply.FlowEdge{
				supplies("mine", "refinery-a", 10), supplies("mine", "refinery-b", 10),
				supplies("refinery-a", "hub", 10), supplies("refinery-b", "hub", 10),
				supplies("hub", "magnets", 10), supplies("mine", "stockpile", 10),
				supplies("magnets", "recycler", 1),
			},
			sink: "magnets",
			candidates: []supply.Candidate{
				facility("refinery-a"), facility("refinery-b"), facility("stockpile"),
				facility("recycler"), facility("hub"), facility("not-in-network"),
			},
			want: []supply.Chokepoint{{ID: "hub", Type: "facility", SupplyAtRisk: 1, SinglePointOfFailure: true}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := supply.NewNetwork(tc.edges, supply.DefaultSources(tc.edges, tc.producers))
			got := ranked(n, tc.sink, tc.candidates, tc.limit)
			if !slices.EqualFunc(got, tc.want, func(a, b supply.Chokepoint) bool {
				return a.ID == b.ID && a.Type == b.Type && near(a.SupplyAtRisk, b.SupplyAtRisk) &&
					a.SinglePointOfFailure == b.SinglePointOfFailure
			}) || got == nil {
				t.Errorf("Chokepoints(%s) =\n  %+v\nwant\n  %+v", tc.sink, got, tc.want)
			}
		})
	}
}

func TestFlowOnSomePath(t *testing.T) {
	edges := []supply.FlowEdge{
		supplies("mine", "refinery", 5), supplies("refinery", "plant", 5),
		supplies("mine", "stockpile", 5), // dead end: reaches no consumer
		supplies("plant", "recycler", 1), // downstream of the consumer only
		supplies("recycler", "plant", 1), // ... even though it feeds back
		supplies("island", "islet", 1),   // unconnected
		supplies("loop-a", "loop-b", 1),  // a loop no source feeds ...
		supplies("loop-b", "loop-a", 1),
		supplies("loop-b", "refinery", 1), // ... delivers nothing
	}
	n := supply.NewNetwork(edges, supply.DefaultSources(edges, nil))
	want := []string{"mine", "refinery"}
	if got := n.OnSomePath("plant"); !slices.Equal(got, want) {
		t.Errorf("OnSomePath(plant) = %v, want %v", got, want)
	}
	if got := n.OnSomePath("nowhere"); len(got) != 0 {
		t.Errorf("OnSomePath(nowhere) = %v, want none", got)
	}
}

func TestFlowDefaultSources(t *testing.T) {
	edges := []supply.FlowEdge{
		supplies("mine", "refinery", 5), supplies("refinery", "plant", 5),
		supplies("trader", "plant", 1), supplies("trader", "refinery", 1),
		supplies("loop-a", "loop-b", 1), supplies("loop-b", "loop-a", 1),
	}
	got := supply.DefaultSources(edges, []string{"refinery", "mine", "idle-mine"})
	want := []string{"idle-mine", "mine", "refinery", "trader"}
	if !slices.Equal(got, want) {
		t.Errorf("supply.DefaultSources = %v, want %v", got, want)
	}
}

func TestFlowIsSafeForConcurrentUse(t *testing.T) {
	n := supply.NewNetwork(diamond, supply.DefaultSources(diamond, nil))
	done := make(chan float64)
	for i := range 8 {
		go func() {
			var removed map[string]bool
			if i%2 == 0 {
				removed = removing("refinery-a")
			}
			sum := 0.0
			for range 200 {
				sum += n.MaxFlow("magnets", removed)
			}
			done <- sum
		}()
	}
	total := 0.0
	for range 8 {
		total += <-done
	}
	if want := 4*200*20.0 + 4*200*10.0; total != want {
		t.Errorf("total over goroutines = %v, want %v", total, want)
	}
}

func TestFlowReusesItsScratchSpace(t *testing.T) {
	n := supply.NewNetwork(diamond, supply.DefaultSources(diamond, nil))
	removed := removing("refinery-a")
	n.MaxFlow("magnets", removed) // the first run allocates the residuals
	if allocs := testing.AllocsPerRun(100, func() { n.MaxFlow("magnets", removed) }); allocs != 0 {
		t.Errorf("MaxFlow allocates %v times per run, want 0", allocs)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }

// layeredNetwork is a synthetic supply chain: layers of width facilities, each
// shipping to fanout random facilities of the next layer, 1% of edges running
// back a layer (cycles), the last layer feeding one consumer. Layer 0 mines.
func layeredNetwork(layers, width, fanout int) (edges []supply.FlowEdge, producers []string, sink string) {
	r := rand.New(rand.NewPCG(1, 2))
	id := func(l, i int) string { return fmt.Sprintf("f%d-%d", l, i) }
	for i := range width {
		producers = append(producers, id(0, i))
	}
	for l := range layers - 1 {
		for i := range width {
			for range fanout {
				to, back := l+1, r.IntN(100) == 0
				if back && l > 0 {
					to = l - 1
				}
				edges = append(edges, supplies(id(l, i), id(to, r.IntN(width)), float64(1+r.IntN(100))))
			}
		}
	}
	sink = "consumer"
	for i := range width {
		edges = append(edges, supplies(id(layers-1, i), sink, float64(1+r.IntN(100))))
	}
	return edges, producers, sink
}

// benchShapes are ~100k nodes and ~1M edges each. The deep one has paths of
// 100 hops, far longer than real supply chains, so it is the hard case.
var benchShapes = []struct {
	name                  string
	layers, width, fanout int
}{
	{"deep-100x1000x10", 100, 1000, 10},
	{"shallow-10x10000x10", 10, 10000, 10},
}

func BenchmarkMaxFlow(b *testing.B) {
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) {
			edges, producers, sink := layeredNetwork(shape.layers, shape.width, shape.fanout)
			n := supply.NewNetwork(edges, producers)
			n.MaxFlow(sink, nil) // allocate the residuals once
			for b.Loop() {
				n.MaxFlow(sink, nil)
			}
			b.ReportMetric(float64(len(n.IDs())), "nodes")
			b.ReportMetric(float64(len(edges)), "edges")
		})
	}
}

// BenchmarkChokepoints ranks 50 candidates: 40 facilities and 10 countries of
// 100 facilities each, spread over the layers.
func BenchmarkChokepoints(b *testing.B) {
	for _, shape := range benchShapes {
		b.Run(shape.name, func(b *testing.B) {
			edges, producers, sink := layeredNetwork(shape.layers, shape.width, shape.fanout)
			n := supply.NewNetwork(edges, producers)
			r := rand.New(rand.NewPCG(3, 4))
			member := func() string { return fmt.Sprintf("f%d-%d", r.IntN(shape.layers), r.IntN(shape.width)) }
			var candidates []supply.Candidate
			for range 40 {
				candidates = append(candidates, facility(member()))
			}
			for c := range 10 {
				cand := country(fmt.Sprintf("C%d", c))
				for range 100 {
					cand.Members = append(cand.Members, member())
				}
				candidates = append(candidates, cand)
			}
			var found int
			for b.Loop() {
				found = len(ranked(n, sink, candidates, 0))
			}
			b.ReportMetric(float64(len(candidates)), "candidates")
			b.ReportMetric(float64(found), "chokepoints")
		})
	}
}

func BenchmarkNewNetwork(b *testing.B) {
	edges, producers, _ := layeredNetwork(100, 1000, 10)
	for b.Loop() {
		supply.NewNetwork(edges, producers)
	}
}

// BenchmarkChokepointsOnDump ranks the chokepoints of a network dumped by bench/graphdump
// (MINERALMAP_BENCH_NETWORK=/tmp/mineralmap-bench/network-1000000.json): the work of one
// /v1/chokepoints request once its network is cached, without Neo4j, for pprof. Restrictions
// in the dump are not applied.
func BenchmarkChokepointsOnDump(b *testing.B) {
	path := os.Getenv("MINERALMAP_BENCH_NETWORK")
	if path == "" {
		b.Skip("set MINERALMAP_BENCH_NETWORK to a bench/graphdump network file")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var dump struct {
		Consumer  string            `json:"consumer"`
		Edges     [][3]any          `json:"edges"`
		Nodes     map[string][2]any `json:"nodes"` // id → [country, is a country]
		Producers []string          `json:"producers"`
	}
	if err := json.Unmarshal(raw, &dump); err != nil {
		b.Fatal(err)
	}
	var edges []supply.FlowEdge
	for _, e := range dump.Edges {
		edges = append(edges, supplies(e[0].(string), e[1].(string), e[2].(float64)))
	}
	n := supply.NewNetwork(edges, supply.DefaultSources(edges, dump.Producers))
	own := dump.Nodes[dump.Consumer][0].(string)
	countries := map[string]*supply.Candidate{}
	var candidates []supply.Candidate
	for _, id := range n.OnSomePath(dump.Consumer) {
		info := dump.Nodes[id]
		c := info[0].(string)
		if !info[1].(bool) {
			candidates = append(candidates, facility(id))
		}
		if c != own {
			if countries[c] == nil {
				countries[c] = &supply.Candidate{ID: c, Type: "country"}
			}
			countries[c].Members = append(countries[c].Members, id)
		}
	}
	for _, c := range countries {
		candidates = append(candidates, *c)
	}
	var found []supply.Chokepoint
	for b.Loop() {
		found = ranked(n, dump.Consumer, candidates, 20)
	}
	b.ReportMetric(float64(len(edges)), "edges")
	b.ReportMetric(float64(len(candidates)), "candidates")
	if len(found) > 0 {
		b.ReportMetric(found[0].SupplyAtRisk, "top-risk")
	}
}

// ranked is the chokepoint ranking of RankChokepoints, without the supply.
func ranked(n *supply.Network, sink string, candidates []supply.Candidate, limit int) []supply.Chokepoint {
	_, out := n.RankChokepoints(sink, candidates, limit)
	return out
}
