package analysis_test

import (
	"slices"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j"
)

// loadFixtures loads the real fixtures into a fresh store.
func loadFixtures(t *testing.T) *analysis.Analyses {
	t.Helper()
	a, _ := loadFixturesStore(t)
	return a
}

// loadFixturesStore loads the real fixtures into a fresh store and returns the store too.
func loadFixturesStore(t *testing.T) (*analysis.Analyses, *neo4j.Store) {
	t.Helper()
	a, s := mustAnalyses(t)
	for _, name := range fixtures.Names() {
		if _, err := s.Load(ctx, fixtures.Source(name), nil); err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
	}
	return a, s
}

// asOf fixes the date of the fixture analyses so that restrictions lapsing later do not change them.
var asOf = mineralmap.Conditions{AsOf: day("2026-06-01")}

func TestFixturesAnswerWhatTheDataSays(t *testing.T) {
	a := loadFixtures(t)

	t.Run("rare-earth mining reproduces USGS 2024", func(t *testing.T) {
		c, err := a.Concentration(ctx, "rare-earths", "mining", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// USGS Mineral Commodity Summaries 2025, mine production 2024 (t REO).
		usgs := map[string]float64{"CN": 270000, "US": 45000, "MM": 31000, "AU": 13000, "NG": 13000, "TH": 13000, "IN": 2900, "RU": 2500, "MG": 2000}
		for _, s := range c.Shares {
			if want, ok := usgs[s.Country]; ok && s.VolumeT != want {
				t.Errorf("%s mined %v t, USGS says %v", s.Country, s.VolumeT, want)
			}
		}
		if c.Year == nil || *c.Year != 2024 || c.Shares[0].Country != "CN" || c.Top1 < 0.68 || c.Top1 > 0.70 {
			t.Fatalf("year %v, top country %s with %.3f; want 2024 and China ≈ 69%%", c.Year, c.Shares[0].Country, c.Top1)
		}
		t.Logf("rare-earth mining %d: top1 %.3f, top3 %.3f, HHI %.0f", *c.Year, c.Top1, c.Top3, c.HHI)
	})

	t.Run("China dominates rare-earth refining", func(t *testing.T) {
		c, err := a.Concentration(ctx, "rare-earths", "refining", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Seeds: China supplies 85–95% of refined rare earths.
		if c.Shares[0].Country != "CN" || c.Top1 < 0.85 || c.Top1 > 0.95 {
			t.Fatalf("refining: %s with %.3f, want China within 85–95%%", c.Shares[0].Country, c.Top1)
		}
		t.Logf("rare-earth refining: top1 %.3f, top3 %.3f, HHI %.0f", c.Top1, c.Top3, c.HHI)
	})

	t.Run("China is a single point of failure where no non-Chinese refiner serves", func(t *testing.T) {
		ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "rare-earths", Consumer: "KR", Conditions: asOf})
		if err != nil {
			t.Fatal(err)
		}
		cn := riskByID(ch)["CN"]
		if ch.SupplyT <= 0 || !cn.SinglePointOfFailure {
			t.Fatalf("Korea's rare earths: supply %v, China %+v; want China a single point of failure", ch.SupplyT, cn)
		}
	})

	t.Run("Japan has a rare-earth route that avoids China, through Lynas", func(t *testing.T) {
		p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: "rare-earths", To: "JP", Avoid: []string{"CN"}, Conditions: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Paths) == 0 {
			t.Fatal("no rare-earth path to Japan avoids China")
		}
		for _, path := range p.Paths {
			ids := pathIDs([]analysis.Path{path})[0]
			if !slices.Contains(ids, "lynas-malaysia") {
				t.Errorf("path %v avoids China without Lynas Malaysia", ids)
			}
			for _, n := range path.Nodes {
				if n.Country == "CN" {
					t.Errorf("path %v touches China", ids)
				}
			}
		}
		ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "rare-earths", Consumer: "JP", Conditions: mineralmap.Conditions{Restrictions: mineralmap.RestrictIgnore, AsOf: asOf.AsOf}})
		if err != nil {
			t.Fatal(err)
		}
		if riskByID(ch)["CN"].SinglePointOfFailure {
			t.Fatal("with Lynas in the network China cannot be a single point of failure for Japan")
		}
	})
}
