package world_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/world"
	"github.com/mineralmap/mineralmap/world/worldtest"
)

func testTables(t *testing.T) *world.Tables {
	t.Helper()
	open := func(name string) io.Reader {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b)
	}
	tables, err := world.ParseTables(open("minerals.csv"), open("hs-factors.csv"), open("groups.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

type doc struct {
	Countries []map[string]any
	Minerals  []map[string]any
	Produces  []map[string]any
	Refines   []map[string]any
	Supplies  []map[string]any
}

func importDoc(t *testing.T, opt world.Options) (*doc, *world.Report, []byte) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := world.Import(context.Background(), worldtest.Small(t), testTables(t), opt, &buf)
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatalf("the document is not JSON: %v\n%s", err, buf.String())
	}
	return &d, rep, buf.Bytes()
}

func find(rows []map[string]any, kv ...string) []map[string]any {
	var out []map[string]any
next:
	for _, r := range rows {
		for i := 0; i < len(kv); i += 2 {
			if s, _ := r[kv[i]].(string); s != kv[i+1] {
				if f, ok := r[kv[i]].(float64); !ok || kv[i+1] != jsonNum(f) {
					continue next
				}
			}
		}
		out = append(out, r)
	}
	return out
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func near(t *testing.T, what string, got any, want float64) {
	t.Helper()
	g, _ := got.(float64)
	if math.Abs(g-want) > 1e-6 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestTheImportWritesAValidDocumentOfTheWorldFiles(t *testing.T) {
	d, rep, raw := importDoc(t, world.Options{From: 2023, To: 2024})
	// The document is a load document: it validates on its own (no store to resolve against).
	src := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	if _, err := document.Validate(context.Background(), src, nil); err != nil {
		t.Fatalf("the import's document does not validate: %v", err)
	}
	// Countries: Namibia from its alpha-3, Taiwan for 490, the aggregate left out and reported.
	if len(find(d.Countries, "id", "NA", "name", "Namibia")) != 1 || len(find(d.Countries, "id", "TW")) != 1 {
		t.Errorf("Namibia (NA) and Taiwan (TW) are countries of the document: %v", d.Countries)
	}
	if len(find(d.Countries, "id", "XX")) != 1 {
		t.Error("XX (other countries) is a country of the document")
	}
	if jp := find(d.Countries, "id", "JP"); len(jp) != 1 || !strings.Contains(jsonNum0(jp[0]["groups"]), "ministerial-2026") {
		t.Errorf("JP carries its groups: %v", jp)
	}
	if !strings.Contains(strings.Join(rep.Unmapped, ";"), "697") || rep.UnmappedRows != 1 {
		t.Errorf("the aggregate 697 is left out and counted: %v, %d rows", rep.Unmapped, rep.UnmappedRows)
	}
	// Two codes of one mineral and form between two countries in a year make one record.
	cl := find(d.Supplies, "from", "CL", "to", "CN", "year", "2024")
	if len(cl) != 1 {
		t.Fatalf("CL→CN 2024: %d records, want 1 (two HS codes summed): %v", len(cl), cl)
	}
	near(t, "CL→CN 2024 t Li", cl[0]["volume_t"], 1000*0.187+100*0.165)
	if cl[0]["basis"] != "trade" || cl[0]["form"] != "refined" || !strings.Contains(cl[0]["source"].(string), "HS 282520 ×0.165, 283691 ×0.187") {
		t.Errorf("a trade record names its basis, form, codes and factors: %v", cl[0])
	}
	near(t, "CL→CN 2023 t Li", find(d.Supplies, "from", "CL", "to", "CN", "year", "2023")[0]["volume_t"], 500*0.187)
	if len(find(d.Supplies, "year", "2021")) != 0 {
		t.Error("a year outside --years is left out")
	}
	near(t, "NA→JP", find(d.Supplies, "from", "NA", "to", "JP")[0]["volume_t"], 10*0.187)
	near(t, "TW→JP", find(d.Supplies, "from", "TW", "to", "JP")[0]["volume_t"], 100*0.187)
	// The flow-specific row: Lynas concentrate AU→MY is an intermediate at 35% REO.
	au := find(d.Supplies, "from", "AU", "to", "MY")
	if len(au) != 1 || au[0]["form"] != "intermediate" {
		t.Fatalf("AU→MY under 280530 is Lynas concentrate (intermediate): %v", au)
	}
	near(t, "AU→MY t REO", au[0]["volume_t"], 350)
	// The unit-value screen: CN→US at $1,000/t is dropped, CN→JP at $50,000/t is metal.
	near(t, "CN→JP t REO", find(d.Supplies, "from", "CN", "to", "JP", "mineral", "rare-earths")[0]["volume_t"], 11.7)
	if len(find(d.Supplies, "from", "CN", "to", "US")) != 0 {
		t.Error("a flow below the code's unit-value screen is dropped")
	}
	codes := map[int]world.CodeStat{}
	for _, c := range rep.Codes {
		codes[c.HS] = c
	}
	if codes[280530].Screened != 1 || codes[284690].LeftOut != 1 || codes[284690].Reason == "" || rep.NoQuantity != 1 {
		t.Errorf("the report counts screened (%d), left-out (%d, %q) and quantity-less (%d) rows", codes[280530].Screened, codes[284690].LeftOut, codes[284690].Reason, rep.NoQuantity)
	}
	if len(find(d.Supplies, "mineral", "iron")) != 0 || len(d.Supplies) != 6 {
		t.Errorf("6 trade records (no out-of-scope code), got %d: %v", len(d.Supplies), d.Supplies)
	}
	// National totals in the mineral's unit, the residual on XX, refining tables as REFINES.
	near(t, "CL lithium 2024 (Li2O × 0.4645)", find(d.Produces, "country", "CL", "year", "2024")[0]["volume_t"], 46.45)
	au24 := find(d.Produces, "country", "AU", "year", "2024")
	if len(au24) != 1 || !strings.Contains(au24[0]["note"].(string), "estimated") || au24[0]["basis"] != "statistics" {
		t.Errorf("AU 2024 lithium is a statistics record flagged as WMD's estimate: %v", au24)
	}
	near(t, "XX lithium 2024", find(d.Produces, "country", "XX", "mineral", "lithium", "year", "2024")[0]["volume_t"], 100*0.4645)
	near(t, "XX lithium 2023", find(d.Produces, "country", "XX", "mineral", "lithium", "year", "2023")[0]["volume_t"], 0)
	if len(find(d.Produces, "country", "AU", "year", "2023")) != 0 {
		t.Error("a missing value is no record, not 0")
	}
	near(t, "XX aluminium 2024 (Kosovo has no alpha-2 in BACI's table)", find(d.Refines, "country", "XX", "year", "2024")[0]["volume_t"], 1)
	if len(find(d.Produces, "mineral", "aluminium")) != 0 || len(find(d.Refines, "country", "CN")) != 2 {
		t.Error("a refining table's national totals are REFINES")
	}
	if rep.ResidualsZero != 3 { // lithium 2023, rare earths 2023 and 2024
		t.Errorf("residuals set to 0: %d, want 3", rep.ResidualsZero)
	}
}

func jsonNum0(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestTheImportSelectsMineralsAndUsesCuratedEntries(t *testing.T) {
	curated := map[string]map[string]any{"JP": {"id": "JP", "name": "Japan (curated)", "groups": []any{"G7"}, "source": "curated"}}
	minerals := map[string]map[string]any{"lithium": {"id": "lithium", "name": "Lithium (curated)", "unit": "t Li", "source": "curated"}}
	d, rep, _ := importDoc(t, world.Options{From: 2024, To: 2024, Minerals: map[string]bool{"lithium": true},
		CuratedCountries: curated, CuratedMinerals: minerals})
	for _, s := range d.Supplies {
		if s["mineral"] != "lithium" {
			t.Fatalf("--minerals lithium wrote %v", s)
		}
	}
	if len(d.Minerals) != 1 || d.Minerals[0]["name"] != "Lithium (curated)" {
		t.Errorf("a curated mineral is written as the curated layer has it: %v", d.Minerals)
	}
	jp := find(d.Countries, "id", "JP")
	if len(jp) != 1 || jp[0]["name"] != "Japan (curated)" || jsonNum0(jp[0]["groups"]) != `["G7","MSP","ministerial-2026"]` {
		t.Errorf("a curated country keeps its entry, its groups joined with the table's: %v", jp)
	}
	if len(rep.Minerals) != 1 || rep.Minerals[0].Trade != 3 {
		t.Errorf("the report covers lithium only, 3 trade records: %+v", rep.Minerals)
	}
}

func TestAWrongTableIsAnError(t *testing.T) {
	_, err := world.ParseTables(strings.NewReader("mineral,name,unit,stage,wmd_table,wmd_factor,lists,factor_source,note\nli,L,t Li,mining,T,1,,,\nli,L,t Li2O,mining,U,1,,,\n"),
		strings.NewReader("hs6,mineral,form,factor,exporters,importers,min_usd_per_t,status,source,note\n"), strings.NewReader("country,groups,source\n"))
	if err == nil || !strings.Contains(err.Error(), "two units") {
		t.Errorf("a mineral with two units: %v", err)
	}
	_, err = world.ParseTables(strings.NewReader("mineral,name,unit,stage,wmd_table,wmd_factor,lists,factor_source,note\n"),
		strings.NewReader("hs6,mineral,form,factor,exporters,importers,min_usd_per_t,status,source,note\n283691,lithium,refined,0.187,,,,A,x,\n"), strings.NewReader("country,groups,source\n"))
	if err == nil || !strings.Contains(err.Error(), "not in minerals.csv") {
		t.Errorf("a factor for an unknown mineral: %v", err)
	}
	if _, err := world.Import(context.Background(), t.TempDir(), testTables(t), world.Options{}, io.Discard); err == nil || !strings.Contains(err.Error(), "world.sh fetch") {
		t.Errorf("missing files say how to fetch them: %v", err)
	}
}

func TestTheProjectTablesParse(t *testing.T) {
	tables, err := world.DefaultTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.Minerals) == 0 || len(tables.Factors) == 0 {
		t.Fatal("fixtures/world has minerals and factors")
	}
}

// Apparent consumption (contract section 7): production + imports − exports, per country,
// mineral and year the production table covers; a negative balance is no record.
func TestTheImportWritesApparentConsumption(t *testing.T) {
	_, rep, b := importDoc(t, world.Options{From: 2023, To: 2024})
	var raw struct{ Demands []map[string]any }
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	demand := func(country, mineral, year string) []map[string]any {
		return find(raw.Demands, "country", country, "mineral", mineral, "year", year)
	}
	for _, c := range []struct {
		country, mineral, year string
		want                   float64
	}{
		{"CN", "lithium", "2024", 1000*0.187 + 100*0.165}, // imports only
		{"JP", "lithium", "2024", 10*0.187 + 100*0.187},   // from NA and TW
		{"AU", "lithium", "2024", 200 * 0.4645},           // production only
		{"CN", "rare-earths", "2024", 270 - 11.7},         // production − exports
		{"MY", "rare-earths", "2024", 350},
		{"CN", "lithium", "2023", 500 * 0.187},
	} {
		got := demand(c.country, c.mineral, c.year)
		if len(got) != 1 || got[0]["basis"] != "apparent" {
			t.Errorf("%s %s %s: %v; want one apparent record", c.country, c.mineral, c.year, got)
			continue
		}
		near(t, c.country+" "+c.mineral+" "+c.year, got[0]["volume_t"], c.want)
	}
	// Chile exports more than it mines here (2023 and 2024); Australia's rare earths, Namibia's
	// and Taiwan's lithium have no production record: no record, counted (5).
	if len(demand("CL", "lithium", "2024")) != 0 || len(demand("AU", "rare-earths", "2024")) != 0 || rep.NegativeDemands != 5 {
		t.Errorf("negative balances: CL %v, AU %v, counted %d; want none and 5", demand("CL", "lithium", "2024"), demand("AU", "rare-earths", "2024"), rep.NegativeDemands)
	}
}

// apparent.csv decides which minerals get apparent consumption; --apparent all writes the
// others too, each record's note saying why it is no consumption figure; a published figure
// (KeepDemands) always stands.
func TestApparentConsumptionOnlyWhereTheCustomsFileHoldsTheMainForms(t *testing.T) {
	run := func(all bool, keep map[string]bool) ([]map[string]any, *world.Report) {
		tables := testTables(t)
		if err := tables.ParseApparent(strings.NewReader("mineral,apparent,reason\nlithium,no,spodumene is not in the file\nrare-earths,yes,oxides and compounds are\n")); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		rep, err := world.Import(context.Background(), worldtest.Small(t), tables, world.Options{From: 2023, To: 2024, AllApparent: all, KeepDemands: keep}, &buf)
		if err != nil {
			t.Fatal(err)
		}
		var raw struct{ Demands []map[string]any }
		if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		return raw.Demands, rep
	}
	checked, rep := run(false, map[string]bool{"MY|rare-earths|2024": true})
	if got := find(checked, "mineral", "lithium"); len(got) != 0 {
		t.Errorf("lithium apparent consumption written: %v", got)
	}
	if len(find(checked, "country", "CN", "mineral", "rare-earths", "year", "2024")) != 1 || len(find(checked, "country", "MY", "mineral", "rare-earths")) != 0 || rep.KeptDemands != 1 {
		t.Errorf("rare earths: %v; kept %d", find(checked, "mineral", "rare-earths"), rep.KeptDemands)
	}
	if len(rep.NoApparent) == 0 || rep.NoApparent[0].Mineral != "lithium" || rep.NoApparent[0].Reason != "spodumene is not in the file" {
		t.Errorf("the report's minerals without apparent consumption: %+v", rep.NoApparent)
	}
	all, _ := run(true, nil)
	li := find(all, "country", "CN", "mineral", "lithium", "year", "2024")
	if len(li) != 1 || !strings.Contains(li[0]["note"].(string), "spodumene is not in the file") {
		t.Errorf("--apparent all: CN lithium %v; want one record whose note says why it is no consumption figure", li)
	}
}
