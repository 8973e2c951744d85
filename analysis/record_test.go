package analysis_test

import (
	"io"
	"math"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
)

// For every mineral and stage, the fixtures' world total is within 2% of the published one
// and the leading country, and its share within 2 points, as fixtures/published.csv gives them
// (a source per row; its status says which of the two figures is published).
func TestTheFixturesMatchThePublishedRecord(t *testing.T) {
	a := loadFixtures(t)
	figures, err := fixtures.Published()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, f := range figures {
		covered[f.Mineral+"/"+f.Stage] = true
		y := f.Year
		c, err := a.Concentration(ctx, f.Mineral, f.Stage, &y, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", f.Mineral, f.Stage, err)
		}
		leader := ""
		for _, s := range c.Shares {
			if s.Country != mineralmap.OtherCountries {
				leader = s.Country
				break
			}
		}
		off := c.TotalT/f.WorldT - 1
		t.Logf("%-11s %-8s %d %-6s total %12.0f vs %12.0f (%+5.1f%%)  %s %5.1f%% vs %s %5.1f%%  [%s]",
			f.Mineral, f.Stage, f.Year, f.Unit, c.TotalT, f.WorldT, 100*off, leader, 100*c.Top1, f.Leader, 100*f.LeaderShare, f.Status)
		// A row's status says what is published: the total and the share ("published"), the
		// total alone ("total"), the share alone ("share"), or neither (an estimate: only its
		// leader is held to it). A derived figure is not tested against itself.
		if (f.Status == "published" || f.Status == "total") && math.Abs(off) > 0.02 {
			t.Errorf("%s %s %d: total %.0f %s, published %.0f (%s)", f.Mineral, f.Stage, f.Year, c.TotalT, f.Unit, f.WorldT, f.Source)
		}
		if leader != f.Leader || (f.Status == "published" || f.Status == "share") && math.Abs(c.Top1-f.LeaderShare) > 0.02 {
			t.Errorf("%s %s %d: leader %s at %.3f, published %s at %.3f (%s)", f.Mineral, f.Stage, f.Year, leader, c.Top1, f.Leader, f.LeaderShare, f.Source)
		}
		if c.Unit != f.Unit {
			t.Errorf("%s: unit %q, the published figure is in %q", f.Mineral, c.Unit, f.Unit)
		}
	}
	// Every mineral of the fixtures has both stages in the table.
	minerals, err := a.Quality(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range minerals.Reports {
		for _, stage := range analysis.Stages {
			if !covered[r.Mineral+"/"+stage] {
				t.Errorf("%s %s has no published figure in fixtures/published.csv", r.Mineral, stage)
			}
		}
	}
}

// The restrictions of the fixtures take effect on their dates: No. 46's ban on antimony to the
// US before, during and after its suspension; Indonesia's ore ban lets its mattes and NPI pass;
// a licence limited to military end users leaves Japan's supply from China standing.
func TestRestrictionsActOnTheirDatesAndForms(t *testing.T) {
	a, s := loadFixturesStore(t)
	usAntimony := func(date string) float64 {
		t.Helper()
		ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "antimony", Consumer: "US", Conditions: mineralmap.Conditions{AsOf: day(date)}})
		if err != nil {
			t.Fatal(err)
		}
		return ch.SupplyT
	}
	before, banned, suspended, resumed := usAntimony("2024-06-01"), usAntimony("2025-06-01"), usAntimony("2026-06-01"), usAntimony("2026-12-01")
	t.Logf("US antimony supply (t Sb): 2024-06 %v, 2025-06 %v (ban), 2026-06 %v (suspended), 2026-12 %v (resumed)", before, banned, suspended, resumed)
	// From 2025 a planned Korea Zinc offtake adds to the US supply, so the suspension restores
	// at least the supply before the ban.
	if !(banned < before && suspended >= before && resumed == banned) {
		t.Errorf("US antimony: before %v, ban %v, suspension %v, after %v; want the ban to cut supply, the suspension to restore it and its end to cut it again",
			before, banned, suspended, resumed)
	}

	// Indonesia bans ore only: its intermediates reach Japan under the default bans.
	id, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "JP", Supplier: "ID", Mineral: "nickel", Conditions: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if *id.SupplyAtRisk <= 0 {
		t.Errorf("Japan's nickel exposure to Indonesia is %v: Indonesia's matte and NPI exports are not banned", *id.SupplyAtRisk)
	}
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "nickel", Consumer: "JP", Conditions: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if ph := riskByID(ch)["PH"]; ph.SinglePointOfFailure {
		t.Errorf("the Philippines is Japan's single point of failure for nickel: %+v", ph)
	}
	t.Logf("Japan's nickel (as of %s): supply %.0f t, exposure to ID %.3f; chokepoints %v", asOf.AsOf.Format("2006-01-02"), ch.SupplyT, *id.SupplyAtRisk, ch.Chokepoints[:min(5, len(ch.Chokepoints))])

	// An ore export from Indonesia, as it would be now: the ban covers its form and blocks it.
	if _, err := s.Load(ctx, source(`{"supplies":[{"from":"ID","to":"JP","mineral":"nickel","form":"ore","volume_t":1000,"year":2024,"basis":"estimated","source":"test"}]}`), nil); err != nil {
		t.Fatal(err)
	}
	blocked, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "nickel", Consumer: "JP", Conditions: asOf})
	if err != nil {
		t.Fatal(err)
	}
	open, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "nickel", Consumer: "JP", Conditions: mineralmap.Conditions{AsOf: asOf.AsOf, Restrictions: mineralmap.RestrictIgnore}})
	if err != nil {
		t.Fatal(err)
	}
	if blocked.SupplyT != ch.SupplyT || open.SupplyT <= blocked.SupplyT {
		t.Errorf("an ore export from Indonesia: supply %v under bans (want %v, the ore hop blocked), %v ignoring restrictions (want more)", blocked.SupplyT, ch.SupplyT, open.SupplyT)
	}
}

// China's January 2026 measure covers military end users: Japan's rare-earth supply from China
// stands (in the customs statistics Japan still took most of its rare-earth compounds from
// China), and its exposure to China is strictly between 0 and 1 since Lynas serves it too.
func TestAnEndUseLicenceLeavesExposureBetweenNothingAndAll(t *testing.T) {
	a := loadFixtures(t)
	for _, cond := range []mineralmap.Conditions{asOf, {}, {Restrictions: mineralmap.RestrictAll, AsOf: asOf.AsOf}} {
		e, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "JP", Supplier: "CN", Mineral: "rare-earths", Conditions: cond})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Japan's rare earths, restrictions=%s as of %s: supply %.0f t REO, exposure to China %.3f (year %v, bases %v)",
			e.Restrictions, e.AsOf, *e.SupplyT, *e.SupplyAtRisk, *e.Year, e.Bases)
		if cond.Restrictions == mineralmap.RestrictAll {
			// Every licence blocks: China's supply is gone already, so removing China costs nothing.
			if *e.SupplyAtRisk != 0 {
				t.Errorf("restrictions=all: exposure %v, want 0 (China's hops already blocked)", *e.SupplyAtRisk)
			}
			continue
		}
		if !(*e.SupplyAtRisk > 0 && *e.SupplyAtRisk < 1) {
			t.Errorf("as of %s: Japan's rare-earth exposure to China %v, want strictly between 0 and 1", e.AsOf, *e.SupplyAtRisk)
		}
	}
}

// A year with no record of the mineral is an empty answer with a reason, not an error; the
// answers say which year and bases they used.
func TestAnswersEchoTheirYearAndAnEmptyYearSaysWhy(t *testing.T) {
	a := loadFixtures(t)
	y := int64(1990)
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: "rare-earths", Consumer: "JP", Conditions: mineralmap.Conditions{Year: &y, AsOf: day("1990-06-01")}})
	if err != nil {
		t.Fatal(err)
	}
	if ch.SupplyT != 0 || len(ch.Chokepoints) != 0 || !strings.Contains(ch.Reason, "1990") || *ch.Year != 1990 {
		t.Errorf("1990: supply %v, %d chokepoints, year %v, reason %q", ch.SupplyT, len(ch.Chokepoints), ch.Year, ch.Reason)
	}
	p, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: "rare-earths", To: "JP", Conditions: mineralmap.Conditions{Bases: []string{mineralmap.BasisReported}, AsOf: asOf.AsOf}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Bases) != 1 || p.Bases[0] != "reported" || p.Year == nil {
		t.Errorf("paths echo year %v, bases %v", p.Year, p.Bases)
	}
	for _, path := range p.Paths {
		for _, e := range path.Edges {
			if e.Basis != "reported" {
				t.Errorf("basis=reported gave an edge of basis %s: %+v", e.Basis, e)
			}
		}
	}
}

func source(doc string) document.Source {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(doc)), nil }
}
