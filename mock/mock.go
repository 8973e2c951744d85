// Package mock stands in for the Neo4j store in the HTTP layer's fast tests: Store implements
// http.Graph and analysis.Store with a function per method (as in benbjohnson/wtf's mock
// package). A method whose function is nil answers Err, or, when Err is nil, a KindUnavailable
// error, as a store whose Neo4j is down would.
package mock

import (
	"context"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/quality"
	"github.com/mineralmap/mineralmap/supply"
)

// Store is a store whose answers the test sets.
type Store struct {
	Err error // answered by every method without a function; nil: Neo4j is not reachable

	LoadFn             func(ctx context.Context, src document.Source, progress mineralmap.Progress) (mineralmap.LoadResult, error)
	DeleteAllFn        func(ctx context.Context) (int64, error)
	NodeFn             func(ctx context.Context, id string) (mineralmap.NodeView, error)
	ListFn             func(ctx context.Context, label string, f mineralmap.ListFilter) (mineralmap.Page, error)
	PingFn             func(ctx context.Context) error
	LabelsFn           func(ctx context.Context, ids []string) (map[string]string, mineralmap.Version, error) // LookupLabels too
	NetworkFn          func(ctx context.Context, after mineralmap.Version, mineral string) (supply.Stored, error)
	StageOutputFn      func(ctx context.Context, mineral, stage string, year *int64, bases []string) (analysis.Outputs, error)
	QualityInputFn     func(ctx context.Context, mineral string) (quality.Input, error)
	MineralIDsFn       func(ctx context.Context) ([]string, error)
	MineralsReceivedFn func(ctx context.Context, consumer, label string) ([]string, error)
	CountryNamesFn     func(ctx context.Context, ids []string) (map[string]string, error)
	DemandsFn          func(ctx context.Context, mineral string) (analysis.Demands, error)
	GroupMembersFn     func(ctx context.Context, group string) (analysis.Group, error)
	FacilityOutputsFn  func(ctx context.Context, mineral string) ([]analysis.FacilityOutput, error)
}

var _ analysis.Store = (*Store)(nil)

func (s *Store) err() error {
	if s.Err != nil {
		return s.Err
	}
	return mineralmap.Errorf(mineralmap.KindUnavailable, "Neo4j is not reachable (mock store)")
}

func (s *Store) Load(ctx context.Context, src document.Source, progress mineralmap.Progress) (mineralmap.LoadResult, error) {
	if s.LoadFn == nil {
		return mineralmap.LoadResult{}, s.err()
	}
	return s.LoadFn(ctx, src, progress)
}

func (s *Store) DeleteAll(ctx context.Context) (int64, error) {
	if s.DeleteAllFn == nil {
		return 0, s.err()
	}
	return s.DeleteAllFn(ctx)
}

func (s *Store) Node(ctx context.Context, id string) (mineralmap.NodeView, error) {
	if s.NodeFn == nil {
		return mineralmap.NodeView{}, s.err()
	}
	return s.NodeFn(ctx, id)
}

func (s *Store) List(ctx context.Context, label string, f mineralmap.ListFilter) (mineralmap.Page, error) {
	if s.ListFn == nil {
		return mineralmap.Page{}, s.err()
	}
	return s.ListFn(ctx, label, f)
}

func (s *Store) Ping(ctx context.Context) error {
	if s.PingFn == nil {
		return s.err()
	}
	return s.PingFn(ctx)
}

func (s *Store) Labels(ctx context.Context, ids []string) (map[string]string, mineralmap.Version, error) {
	if s.LabelsFn == nil {
		return nil, "", s.err()
	}
	return s.LabelsFn(ctx, ids)
}

// LookupLabels is Labels without the Version.
func (s *Store) LookupLabels(ctx context.Context, ids []string) (map[string]string, error) {
	labels, _, err := s.Labels(ctx, ids)
	return labels, err
}

func (s *Store) Network(ctx context.Context, after mineralmap.Version, mineral string) (supply.Stored, error) {
	if s.NetworkFn == nil {
		return supply.Stored{}, s.err()
	}
	return s.NetworkFn(ctx, after, mineral)
}

// NetworkCypher names the mock's network read.
func (s *Store) NetworkCypher() string { return "// the mock store's M-network" }

func (s *Store) StageOutput(ctx context.Context, mineral, stage string, year *int64, bases []string) (analysis.Outputs, error) {
	if s.StageOutputFn == nil {
		return analysis.Outputs{}, s.err()
	}
	return s.StageOutputFn(ctx, mineral, stage, year, bases)
}

func (s *Store) MineralsReceived(ctx context.Context, consumer, label string) ([]string, error) {
	if s.MineralsReceivedFn == nil {
		return nil, s.err()
	}
	return s.MineralsReceivedFn(ctx, consumer, label)
}

func (s *Store) QualityInput(ctx context.Context, mineral string) (quality.Input, error) {
	if s.QualityInputFn == nil {
		return quality.Input{}, s.err()
	}
	return s.QualityInputFn(ctx, mineral)
}

// QualityCypher names the mock's quality read.
func (s *Store) QualityCypher() string { return "// the mock store's quality records" }

func (s *Store) MineralIDs(ctx context.Context) ([]string, error) {
	if s.MineralIDsFn == nil {
		return nil, s.err()
	}
	return s.MineralIDsFn(ctx)
}

func (s *Store) CountryNames(ctx context.Context, ids []string) (map[string]string, error) {
	if s.CountryNamesFn == nil {
		return nil, s.err()
	}
	return s.CountryNamesFn(ctx, ids)
}

func (s *Store) Demands(ctx context.Context, mineral string) (analysis.Demands, error) {
	if s.DemandsFn == nil {
		return analysis.Demands{}, s.err()
	}
	return s.DemandsFn(ctx, mineral)
}

func (s *Store) DemandCypher() string { return "// the mock store's demand records" }

func (s *Store) GroupMembers(ctx context.Context, group string) (analysis.Group, error) {
	if s.GroupMembersFn == nil {
		return analysis.Group{}, s.err()
	}
	return s.GroupMembersFn(ctx, group)
}

func (s *Store) FacilityOutputs(ctx context.Context, mineral string) ([]analysis.FacilityOutput, error) {
	if s.FacilityOutputsFn == nil {
		return nil, s.err()
	}
	return s.FacilityOutputsFn(ctx, mineral)
}
