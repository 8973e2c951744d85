package analysis_test

import (
	"reflect"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
)

// pendingMine is a mine under construction (status construction) that takes part from online.
func (d doc) pendingMine(id, country, status, online string) doc {
	d["facilities"] = append(d["facilities"], map[string]any{"id": id, "name": "Mine " + id, "kind": "mine", "country": country,
		"status": status, "online": online})
	d["produces"] = append(d["produces"], map[string]any{"facility": id, "mineral": testMineral, "volume_t": 1000, "basis": "planned"})
	return d
}

// record is a SUPPLIES record with a year and a basis.
func (d doc) record(from, to string, volume float64, year int, basis string) doc {
	d["supplies"] = append(d["supplies"], map[string]any{"from": from, "to": to, "mineral": testMineral, "volume_t": volume,
		"year": year, "basis": basis})
	return d
}

func (d doc) demand(country string, volume float64, year int) doc {
	d["demands"] = append(d["demands"], map[string]any{"country": country, "mineral": testMineral, "volume_t": volume, "year": year,
		"basis": "reported", "source": "test"})
	return d
}

// grouped puts countries in a group.
func (d doc) grouped(group string, countries ...string) doc {
	for _, c := range d["countries"] {
		for _, id := range countries {
			if c["id"] == id {
				gs, _ := c["groups"].([]string)
				c["groups"] = append(gs, group)
			}
		}
	}
	return d
}

// pipelineDoc: TT gets 10 t a year from mine a (AA) and 8 t from mine c (CN); mine p (AA),
// under construction, comes online in mid-2028 and is to deliver 6 t from 2028, financed by
// "deal". TT needs 20 t (2024). UU receives 3 t from c and has no demand record.
func pipelineDoc() doc {
	return newDoc().country("AA", "CN", "TT", "UU").
		mine("a", "AA").mine("c", "CN").pendingMine("p", "AA", "construction", "2028-06-01").
		record("a", "TT", 10, 2024, "reported").record("c", "TT", 8, 2024, "reported").record("c", "UU", 3, 2024, "reported").
		record("p", "TT", 6, 2028, "planned").
		agreement("deal", "p").
		demand("TT", 20, 2024)
}

func TestTheOutlookAddsAFacilityInItsOnlineYearAndDelayShiftsIt(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, pipelineDoc())

	ans, err := a.Outlook(ctx, analysis.OutlookRequest{Mineral: testMineral, Consumer: "TT", Avoid: []string{"CN"}, From: 2026, To: 2031, Target: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ supply, avoiding, coverage float64 }
	got := map[int64]row{}
	for _, y := range ans.Years {
		if y.Coverage.Coverage == nil || y.DemandT == nil || *y.DemandT != 20 {
			t.Fatalf("%d: demand %v coverage %v, want demand 20 and a coverage", y.Year, y.DemandT, y.Coverage.Coverage)
		}
		got[y.Year] = row{y.SupplyT, y.SupplyAvoidingT, *y.Coverage.Coverage}
	}
	// 2027 without p, 2028 with it: online 2028 adds its capacity in 2028 and not 2027.
	if got[2027] != (row{18, 10, 0.5}) || got[2028] != (row{24, 16, 0.8}) || got[2031] != (row{24, 16, 0.8}) {
		t.Fatalf("years: %+v", got)
	}
	if y := ans.Years[2]; y.Year != 2028 || len(y.Online) != 1 || y.Online[0].Facility != "p" || y.Online[0].DeliversT != 6 || y.Online[0].VolumeT == nil || *y.Online[0].VolumeT != 1000 ||
		!reflect.DeepEqual(y.FinancedBy, []analysis.Financing{{Agreement: "deal", Facility: "p"}}) {
		t.Fatalf("2028: online %+v, financed by %+v", y.Online, y.FinancedBy)
	}
	if len(ans.Years[1].Online) != 0 {
		t.Fatalf("2027: online %+v, want none", ans.Years[1].Online)
	}
	if ans.SufficesFrom == nil || *ans.SufficesFrom != 2028 {
		t.Fatalf("suffices_from %v, want 2028", ans.SufficesFrom)
	}

	late, err := a.Outlook(ctx, analysis.OutlookRequest{Mineral: testMineral, Consumer: "TT", Avoid: []string{"CN"}, From: 2026, To: 2031, Target: 0.8, Delay: 2})
	if err != nil {
		t.Fatal(err)
	}
	if late.SufficesFrom == nil || *late.SufficesFrom != 2030 || late.Years[3].SupplyAvoidingT != 10 || late.Years[4].SupplyAvoidingT != 16 {
		t.Fatalf("delay 2: suffices_from %v, years %+v", late.SufficesFrom, late.Years)
	}
	if len(late.Years[4].Online) != 1 || late.Years[4].Online[0].Facility != "p" {
		t.Fatalf("delay 2: online in 2030 %+v", late.Years[4].Online)
	}
}

func TestMissingDemandGivesNullCoverageNeverZero(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, pipelineDoc())
	out, err := a.Outlook(ctx, analysis.OutlookRequest{Mineral: testMineral, Consumer: "UU", From: 2026, To: 2027})
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range out.Years {
		if y.SupplyT != 3 || y.DemandT != nil || y.Coverage.Coverage != nil || y.CoverageReason == "" {
			t.Fatalf("UU %d: supply %v demand %v coverage %v reason %q", y.Year, y.SupplyT, y.DemandT, y.Coverage.Coverage, y.CoverageReason)
		}
	}
	if out.SufficesFrom != nil {
		t.Fatalf("suffices_from %v without demand", *out.SufficesFrom)
	}
	ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "UU", Supplier: "CN", Mineral: testMineral})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Coverage == nil || ex.Coverage.Coverage != nil || ex.Coverage.DemandT != nil || ex.CoverageReason == "" {
		t.Fatalf("exposure of UU: %+v", ex.Coverage)
	}
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "TT"})
	if err != nil {
		t.Fatal(err)
	}
	if ch.DemandT == nil || *ch.DemandT != 20 || ch.Coverage.Coverage == nil || *ch.Coverage.Coverage != 0.9 {
		t.Fatalf("chokepoints of TT: supply %v, %+v", ch.SupplyT, ch.Coverage)
	}
	sc, err := a.Scenario(ctx, analysis.ScenarioRequest{Mineral: testMineral, Consumers: []string{"TT", "UU"}, Remove: analysis.ScenarioRemove{Countries: []string{"CN"}}}, conditionsNone())
	if err != nil {
		t.Fatal(err)
	}
	tt, uu := sc.Results[0], sc.Results[1]
	if tt.Coverage.Coverage == nil || *tt.Coverage.Coverage != 0.5 || tt.CoverageBefore == nil || *tt.CoverageBefore != 0.9 ||
		uu.Coverage.Coverage != nil || uu.CoverageReason == "" {
		t.Fatalf("scenario: TT %+v, UU %+v", tt, uu)
	}
}

func TestDemandByCountryWithAGroupsShare(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, pipelineDoc().demand("AA", 5, 2023).demand("AA", 30, 2025).demand("CN", 75, 2024).grouped("G", "TT", "AA", "UU").grouped("H", "UU"))
	ans, err := a.Demand(ctx, testMineral, ptr(int64(2024)), "G")
	if err != nil {
		t.Fatal(err)
	}
	// AA's latest record ≤ 2024 is 2023's.
	want := []analysis.DemandShare{{Country: "CN", VolumeT: 75, Share: 0.75, Basis: "reported", Year: 2024, Source: "test"},
		{Country: "TT", VolumeT: 20, Share: 0.2, Basis: "reported", Year: 2024, Source: "test"},
		{Country: "AA", VolumeT: 5, Share: 0.05, Basis: "reported", Year: 2023, Source: "test"}}
	if ans.TotalT != 100 || !reflect.DeepEqual(ans.Countries, want) {
		t.Fatalf("total %v, countries %+v", ans.TotalT, ans.Countries)
	}
	if g := ans.Group; g == nil || g.VolumeT == nil || *g.VolumeT != 25 || *g.Share != 0.25 || g.Known != 2 || !reflect.DeepEqual(g.Missing, []string{"UU"}) {
		t.Fatalf("group %+v", ans.Group)
	}
	// An apparent record of another year is not carried into this one, and makes no world total.
	app := pipelineDoc().demand("AA", 5, 2023).demand("CN", 75, 2024)
	app["demands"] = append(app["demands"], map[string]any{"country": "UU", "mineral": testMineral, "volume_t": 9, "year": 2023, "basis": "apparent", "source": "test"})
	loadDoc(t, s, app.grouped("G", "TT", "AA", "UU").grouped("H", "UU"))
	ans, err = a.Demand(ctx, testMineral, ptr(int64(2024)), "G")
	if err != nil {
		t.Fatal(err)
	}
	if ans.WorldTotal || ans.TotalT != 100 || ans.Group == nil || ans.Group.Known != 2 {
		t.Fatalf("with UU's 2023 apparent record: total %v, world_total %v, group %+v", ans.TotalT, ans.WorldTotal, ans.Group)
	}
	if ans.WorldTotal || ans.Note == "" {
		t.Fatalf("without a rest-of-world record the total is no world total: world_total %v, note %q", ans.WorldTotal, ans.Note)
	}
	// A group none of whose members has a record: unknown, not 0.
	none, err := a.Demand(ctx, testMineral, ptr(int64(2024)), "H")
	if err != nil {
		t.Fatal(err)
	}
	if g := none.Group; g == nil || g.VolumeT != nil || g.Share != nil || g.Known != 0 {
		t.Fatalf("group H: %+v", none.Group)
	}
	if _, err := a.Demand(ctx, testMineral, nil, "nobody"); err == nil {
		t.Fatal("a group without members answered")
	}
}

func TestAGroupConsumerLiesBetweenItsLargestMemberAndTheSumOfItsMembers(t *testing.T) {
	a, s := mustAnalyses(t)
	// AA (a source: a national producer) exports 4 t to TT; c (CN) sends TT 8 t and UU 3 t
	// through hub HH, which also feeds TT 2 t of its own mine's output.
	d := newDoc().country("AA", "CN", "HH", "TT", "UU").mine("c", "CN").mine("h", "HH").
		supply("c", "HH", 11).supply("HH", "TT", 10).supply("HH", "UU", 3).supply("h", "HH", 2).supply("AA", "TT", 4).
		grouped("G", "AA", "TT", "UU").demand("TT", 20, 2024).demand("UU", 10, 2024)
	d["produces"] = append(d["produces"], map[string]any{"country": "AA", "mineral": testMineral, "volume_t": 50, "year": 2024})
	loadDoc(t, s, d)
	supplyOf := func(consumer string) float64 {
		ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: consumer, Supplier: "CN", Mineral: testMineral})
		if err != nil {
			t.Fatal(err)
		}
		return *ex.SupplyT
	}
	tt, uu, aa, g := supplyOf("TT"), supplyOf("UU"), supplyOf("AA"), supplyOf("group:G")
	// TT: 10 from HH (capped by c→HH + h→HH = 13) and 4 from AA; UU: 3; the group: HH's 13 t
	// out (10 + 3) and AA's 4 t to TT, all reaching members.
	if tt != 14 || uu != 3 || aa != 0 || g != 17 {
		t.Fatalf("supply TT %v UU %v AA %v group %v", tt, uu, aa, g)
	}
	if g < max(tt, uu, aa) || g > tt+uu+aa {
		t.Fatalf("group %v outside [%v, %v]", g, max(tt, uu, aa), tt+uu+aa)
	}
	ex, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "group:G", Supplier: "CN", Mineral: testMineral})
	if err != nil {
		t.Fatal(err)
	}
	// Without CN: h's 2 t and AA's 4 t remain of 17.
	if !near(*ex.SupplyAtRisk, 11.0/17) || ex.DemandT == nil || *ex.DemandT != 30 || len(ex.Members) != 3 {
		t.Fatalf("group exposure: risk %v, demand %v, members %+v", *ex.SupplyAtRisk, ex.DemandT, ex.Members)
	}
	ch, err := a.Chokepoints(ctx, analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "group:G"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ch.Chokepoints {
		if c.ID == "AA" || c.ID == "TT" || c.ID == "UU" {
			t.Fatalf("a member is a chokepoint of its own group: %+v", c)
		}
	}
	if got := riskByID(ch); ch.SupplyT != 17 || !near(got["HH"].SupplyAtRisk, 13.0/17) || !near(got["CN"].SupplyAtRisk, 11.0/17) {
		t.Fatalf("group chokepoints: supply %v, %+v", ch.SupplyT, ch.Chokepoints)
	}
	sc, err := a.Scenario(ctx, analysis.ScenarioRequest{Mineral: testMineral, Consumers: []string{"group:G"}, Remove: analysis.ScenarioRemove{Countries: []string{"group:H"}}}, conditionsNone())
	if err == nil {
		t.Fatalf("an unknown group in remove answered %+v", sc)
	}
	// Removing a member of the group consumer takes what reaches it: without TT, UU's 3 t and
	// nothing of AA's (it went to TT).
	sc, err = a.Scenario(ctx, analysis.ScenarioRequest{Mineral: testMineral, Consumers: []string{"group:G"}, Remove: analysis.ScenarioRemove{Countries: []string{"TT"}}}, conditionsNone())
	if err != nil {
		t.Fatal(err)
	}
	if res := sc.Results[0]; res.BeforeT != 17 || res.AfterT != 3 {
		t.Fatalf("group without TT: %+v, want 17 → 3", res)
	}
}

func ptr[T any](v T) *T { return &v }

func conditionsNone() mineralmap.Conditions { return mineralmap.Conditions{} }
