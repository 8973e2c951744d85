package quality_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/quality"
)

var today = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// records reads load documents given as JSON into the records check sees.
func records(t *testing.T, docs ...string) *quality.Records {
	t.Helper()
	r := quality.NewRecords()
	for _, d := range docs {
		if err := document.Scan(strings.NewReader(d), nil, func(_ string, e mineralmap.Entry) error { r.Add(e); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func kinds(r quality.Report, severity string) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == severity {
			out = append(out, f.Kind+" "+strings.Join(f.IDs, ","))
		}
	}
	return out
}

const base = `{"countries":[{"id":"AU","name":"Australia","source":"s"},{"id":"JP","name":"Japan","source":"s"},{"id":"CN","name":"China","source":"s"}],
"minerals":[{"id":"m","name":"M","unit":"t M","source":"s"}],
"facilities":[{"id":"au-mine","name":"AU mine","kind":"mine","country":"AU","source":"s"},
  {"id":"au-mine-2","name":"AU mine 2","kind":"mine","country":"AU","source":"s"},
  {"id":"jp-refinery","name":"JP refinery","kind":"refinery","country":"JP","source":"s"}]}`

func TestTheGateFindsWhatTheRecordsGetWrong(t *testing.T) {
	doc := `{"produces":[
  {"country":"AU","mineral":"m","volume_t":100,"year":2024,"basis":"statistics","source":"s"},
  {"facility":"au-mine","mineral":"m","volume_t":90,"year":2024,"basis":"reported","source":"s"},
  {"facility":"au-mine-2","mineral":"m","volume_t":30,"year":2024,"basis":"reported","source":"s"},
  {"country":"CN","mineral":"m","volume_t":300,"year":2024,"basis":"statistics"}],
"supplies":[
  {"from":"au-mine","to":"jp-refinery","mineral":"m","volume_t":200,"year":2024,"basis":"estimated","source":"s"},
  {"from":"jp-refinery","to":"JP","mineral":"m","volume_t":150,"year":2024,"source":"s"},
  {"from":"AU","to":"JP","mineral":"m","form":"ore","volume_t":100,"year":2024,"basis":"trade","source":"customs"},
  {"from":"CN","to":"JP","mineral":"m","volume_t":10,"source":"s"}]}`
	r := quality.Check(records(t, base, doc).Input("m"), nil, today)
	// au-mine ships 200 but produces 90 and receives nothing; AU's mines make 120 of a
	// national 100; CN's output has no source; curated ore AU → JP (200) is twice customs (100).
	wantErrors := []string{"mass_balance au-mine", "no_source CN", "parts_exceed_total AU"}
	if got := kinds(r, quality.Error); !slices.Equal(got, wantErrors) {
		t.Errorf("errors %v, want %v", got, wantErrors)
	}
	wantWarnings := []string{"no_year CN→JP", "trade_conflict au-mine→jp-refinery"}
	if got := kinds(r, quality.Warning); !slices.Equal(got, wantWarnings) {
		t.Errorf("warnings %v, want %v", got, wantWarnings)
	}
	// Mining: AU's national 100 stands for AU (its mines are parts of it), CN 300: 400.
	if m := r.Stages[0]; m.Stage != "mining" || m.TotalT != 400 || m.Countries != 2 || m.Top[0].Country != "CN" || m.Top[0].Share != 0.75 {
		t.Errorf("mining stage %+v", m)
	}
	// The network of 2024: 200 + 150 estimated, the trade edge's 100 less 200 of curated ore
	// = nothing left of it; CN → JP (no year) 10 estimated.
	if b := r.BasisShares; b["estimated"] != 1 || b["trade"] != 0 {
		t.Errorf("basis shares %v", b)
	}
	if got := kinds(r, quality.Info); !slices.Equal(got, []string{"mostly_estimated m"}) {
		t.Errorf("info %v", got)
	}
	var text bytes.Buffer
	if !quality.WriteText(&text, []quality.Report{r}) || !strings.Contains(text.String(), "au-mine sends out 200 t M of m but produces or refines 90 t M and receives 0 t M") {
		t.Errorf("text report:\n%s", text.String())
	}
}

func TestAMineralWithoutAUnitIsAnError(t *testing.T) {
	r := quality.Check(records(t, `{"minerals":[{"id":"m","name":"M","source":"s"}]}`).Input("m"), nil, today)
	if got := kinds(r, quality.Error); !slices.Equal(got, []string{"no_unit m"}) {
		t.Fatalf("errors %v", got)
	}
}

// The curated fixtures pass the gate: no error finding for any mineral.
func TestTheFixturesPassTheQualityGate(t *testing.T) {
	recs := quality.NewRecords()
	for _, name := range fixtures.Names() {
		r, err := fixtures.Source(name)()
		if err != nil {
			t.Fatal(err)
		}
		err = document.Scan(r, nil, func(_ string, e mineralmap.Entry) error { recs.Add(e); return nil })
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var reports []quality.Report
	for _, m := range recs.Minerals() {
		reports = append(reports, quality.Check(recs.Input(m), nil, today))
	}
	if len(reports) < 11 {
		t.Fatalf("%d minerals in the fixtures, want at least 11 (manganese included)", len(reports))
	}
	var text bytes.Buffer
	if quality.WriteText(&text, reports) {
		t.Fatalf("the fixtures have error findings:\n%s", text.String())
	}
	t.Log(text.String())
}

// One national total per country, stage and year: the record read last stands, and where it
// changed the earlier one by more than 5% the report says so; within 5% it says nothing.
func TestALaterNationalTotalStandsAndAChangeOverFivePercentIsReported(t *testing.T) {
	first := `{"produces":[{"country":"CN","mineral":"m","volume_t":270,"year":2024,"basis":"statistics","source":"USGS"},
  {"country":"AU","mineral":"m","volume_t":100,"year":2024,"basis":"statistics","source":"USGS"}]}`
	second := `{"produces":[{"country":"CN","mineral":"m","volume_t":300,"year":2024,"basis":"estimated","source":"curated"},
  {"country":"AU","mineral":"m","volume_t":103,"year":2024,"basis":"estimated","source":"curated"}]}`
	r := quality.Check(records(t, base, first, second).Input("m"), nil, today)
	if m := r.Stages[0]; m.TotalT != 403 {
		t.Errorf("mining total %v, want 403 (300 + 103: each key once, the later record)", m.TotalT)
	}
	var got []string
	for _, f := range r.Findings {
		if f.Kind == "national_total_replaced" {
			got = append(got, f.Message)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "CN's 2024 mining total is 300 t M (estimated); it replaced 270 t M (statistics; USGS), 11% apart") {
		t.Errorf("replaced totals %q", got)
	}
}

// Customs statistics see only some forms of a mineral: a country whose exports in them exceed
// what the records give it is a warning; the same excess in curated records is an error.
func TestAnImbalanceOfCustomsFiguresIsAWarning(t *testing.T) {
	doc := `{"countries":[{"id":"KR","name":"Korea","source":"s"}],"produces":[
  {"country":"AU","mineral":"m","volume_t":100,"year":2024,"basis":"statistics","source":"s"}],
"supplies":[
  {"from":"AU","to":"JP","mineral":"m","form":"ore","volume_t":100,"year":2024,"basis":"trade","source":"customs"},
  {"from":"JP","to":"KR","mineral":"m","volume_t":400,"year":2024,"basis":"trade","source":"customs"},
  {"from":"KR","to":"CN","mineral":"m","volume_t":50,"year":2024,"basis":"trade","source":"customs"},
  {"from":"KR","to":"CN","mineral":"m","form":"product","volume_t":900,"year":2024,"basis":"estimated","source":"s"}]}`
	r := quality.Check(records(t, base, doc).Input("m"), nil, today)
	if got := kinds(r, quality.Warning); !slices.Contains(got, "mass_balance JP") {
		t.Errorf("JP's customs exports (400) beyond its inflow (100): a warning; warnings %v", got)
	}
	if got := kinds(r, quality.Error); !slices.Equal(got, []string{"mass_balance KR"}) {
		t.Errorf("KR's curated 900 beyond its inflow (400) is an error, even beside customs records; errors %v", got)
	}
}
