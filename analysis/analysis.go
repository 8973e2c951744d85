// Package analysis answers the analysis questions of the contract (sections 3–4) over a Store it
// owns the interface of: each analysis resolves its ids, takes the mineral's M-network from a
// cache (read through the store when the database changed), runs the supply engine on it and
// shapes the answer, with the Cypher behind it and a Neo4j Browser link that draws it.
package analysis

import (
	"context"
	"runtime"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/quality"
	"github.com/mineralmap/mineralmap/supply"
)

// Store is what the analyses read. Errors are *mineralmap.Error: KindUnavailable or
// KindTimeout when the database fails.
type Store interface {
	// Labels answers the label of each stored id among ids (absent: not stored), and the
	// Version of the database it read.
	Labels(ctx context.Context, ids []string) (map[string]string, mineralmap.Version, error)
	// Network reads the M-network of mineral from a database at least as recent as after.
	Network(ctx context.Context, after mineralmap.Version, mineral string) (supply.Stored, error)
	// NetworkCypher is the Cypher Network runs, shown in answers.
	NetworkCypher() string
	// StageOutput is the output of mineral at stage ("mining": PRODUCES, "refining": REFINES)
	// by the facilities' country for year (nil: the latest year present).
	// Per country: its national total (a Country record) where one exists for the year, else
	// the sum of its facilities' records (contract section 5); bases (empty: every basis)
	// select the records.
	StageOutput(ctx context.Context, mineral, stage string, year *int64, bases []string) (Outputs, error)
	// MineralsReceived lists, sorted, the minerals of the SUPPLIES edges into consumer, a node
	// of label.
	MineralsReceived(ctx context.Context, consumer, label string) ([]string, error)
	// CountryNames names the stored countries among ids.
	CountryNames(ctx context.Context, ids []string) (map[string]string, error)
	// QualityInput reads every record of mineral for the quality report (KindNotFound when
	// no such mineral is stored); QualityCypher is the Cypher it runs.
	QualityInput(ctx context.Context, mineral string) (quality.Input, error)
	QualityCypher() string
	// MineralIDs lists the stored minerals, sorted.
	MineralIDs(ctx context.Context) ([]string, error)
	// Demands reads every DEMANDS record of mineral (contract section 7); DemandCypher is the
	// Cypher it runs.
	Demands(ctx context.Context, mineral string) (Demands, error)
	DemandCypher() string
	// GroupMembers lists, sorted, the countries of a group (contract section 7): those whose
	// groups name it, and the members of a bloc member named as a group (the EU's member
	// states). Empty: no country is in the group.
	GroupMembers(ctx context.Context, group string) (Group, error)
	// FacilityOutputs reads the PRODUCES and REFINES records of mineral's facilities (the
	// outlook's capacity of a facility coming online).
	FacilityOutputs(ctx context.Context, mineral string) ([]FacilityOutput, error)
}

// FacilityOutput is one PRODUCES or REFINES record of a facility (Year 0: none).
type FacilityOutput struct {
	Facility string
	Refines  bool
	VolumeT  float64
	Year     int64
	Basis    string
}

// Group is a group's countries, sorted, and the blocs among them with their own members (a
// bloc's demand record is not added to its members' records).
type Group struct {
	Members []string
	Blocs   map[string][]string
}

// Demands are a mineral's DEMANDS records, by country then year.
type Demands struct {
	Unit    string
	Records []DemandRecord
}

// DemandRecord is one DEMANDS record: what a country consumes of the mineral in a year (0:
// the record has none).
type DemandRecord struct {
	Country string
	VolumeT float64
	Year    int64
	Basis   string
	Source  string
}

// Outputs is a stage's output by country, largest first (ties by country).
type Outputs struct {
	Year      *int64 // the year read; nil when the graph has none
	Unit      string // the mineral's unit ("" when it has none)
	ByCountry []CountryVolume
	Cypher    string
}

// CountryVolume is one country's output.
type CountryVolume struct {
	Country  string
	VolumeT  float64
	National bool     // a national total, not a sum of facilities
	Bases    []string // the bases of the records counted
}

// Bounds of the analyses' parameters.
const (
	MaxK         = 20
	MaxHops      = 12
	MaxLimit     = 1000
	DefaultK     = 3
	DefaultHops  = 8
	DefaultLimit = 20
)

// Stages of the concentration analysis.
var Stages = []string{"mining", "refining"}

// Options tune the analyses.
type Options struct {
	BrowserURL  string // Neo4j Browser's address, for browser_url (default http://127.0.0.1:7474/browser/)
	CacheBudget int64  // bytes of M-networks kept (default 96 MiB)
	FlowSlots   int    // max-flows running at once (default GOMAXPROCS)
}

// Analyses answers the analysis questions over a store.
type Analyses struct {
	store       Store
	browserBase string
	networks    *networkCache
}

// New returns the analyses over store.
func New(store Store, opt Options) *Analyses {
	if opt.BrowserURL == "" {
		opt.BrowserURL = "http://127.0.0.1:7474/browser/"
	}
	if opt.CacheBudget <= 0 {
		opt.CacheBudget = 96 << 20
	}
	if opt.FlowSlots <= 0 {
		opt.FlowSlots = runtime.GOMAXPROCS(0)
	}
	return &Analyses{store: store, browserBase: opt.BrowserURL,
		networks: newNetworkCache(store, opt.CacheBudget, supply.NewSlots(opt.FlowSlots))}
}
