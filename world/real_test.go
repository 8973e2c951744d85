package world_test

import (
	"context"
	"database/sql"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
	"github.com/mineralmap/mineralmap/world"
	"github.com/mineralmap/mineralmap/world/worldtest"
)

// The real files, imported, loaded into Neo4j and asked what DATA.md and the published record
// say: national shares from World Mining Data, Japan's rare-earth imports from customs data,
// and the fall of Japan's dependence on China after the 2010 embargo.
func TestTheRealWorldFilesAnswerAsThePublishedRecord(t *testing.T) {
	dir := worldtest.Dir(t)
	ctx := context.Background()
	tables, err := world.DefaultTables()
	if err != nil {
		t.Fatal(err)
	}

	// Customs data by hand: Japan's 2024 imports of rare-earth compounds and metals from China
	// (DATA.md's checked figure: 15,969 t of product), and their contained REO as the factor
	// table says: 2846.10 × 0.80; 2846.90 × 0.99 (separated oxides from CN, at ≥ $3,000/t);
	// 2805.30 × 1.17 (metal, at ≥ $20,000/t).
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, world.BACIFile)+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var product, contained float64
	if err := db.QueryRow(`SELECT SUM(CAST(q AS REAL)),
		SUM(CASE k WHEN 284610 THEN 0.80 * q
		            WHEN 284690 THEN CASE WHEN CAST(v AS REAL) * 1000 / q >= 3000 THEN 0.99 * q ELSE 0 END
		            WHEN 280530 THEN CASE WHEN CAST(v AS REAL) * 1000 / q >= 20000 THEN 1.17 * q ELSE 0 END END)
		FROM baci_trade WHERE t = '2024' AND i = '156' AND j = '392' AND k IN (284610, 284690, 280530) AND q <> ''`).Scan(&product, &contained); err != nil {
		t.Fatal(err)
	}
	if math.Round(product) != 15969 {
		t.Errorf("Japan's 2024 rare-earth imports from China: %.0f t of product, DATA.md says 15,969", product)
	}

	s := neo4jtest.MustStore(t)
	cc, cm, err := fixtures.Curated()
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(t.TempDir(), "world.json")
	f, err := os.Create(doc)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := world.Import(ctx, dir, tables, world.Options{From: 2009, To: 2024, CuratedCountries: cc, CuratedMinerals: cm,
		Minerals: map[string]bool{"rare-earths": true, "nickel": true, "cobalt": true}}, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("import: %v rows; minerals %+v", rep.Rows, rep.Minerals)
	if _, err := s.Load(ctx, func() (io.ReadCloser, error) { return os.Open(doc) }, nil); err != nil {
		t.Fatal(err)
	}
	a := analysis.New(s, analysis.Options{})

	// World Mining Data 2024 shares (DATA.md): DR Congo 74.5% of cobalt, Indonesia 62.2% of
	// nickel, China 67.8% of rare earths (REO).
	for _, c := range []struct {
		mineral, leader string
		share           float64
	}{{"cobalt", "CD", 0.745}, {"nickel", "ID", 0.622}, {"rare-earths", "CN", 0.678}} {
		ans, err := a.Concentration(ctx, c.mineral, "mining", ptr(int64(2024)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ans.Shares) == 0 || ans.Shares[0].Country != c.leader || math.Abs(ans.Top1-c.share) > 0.001 {
			t.Errorf("%s mining 2024: leader %v, top1 %.4f; World Mining Data says %s %.3f", c.mineral, ans.Shares[:min(1, len(ans.Shares))], ans.Top1, c.leader, c.share)
		}
	}

	// Japan's rare-earth exposure to China in customs data: the flows into Japan in 2024 from
	// China are those computed by hand above.
	exposure := func(year int64) analysis.ExposureAnswer {
		m := "rare-earths"
		ans, err := a.Exposure(ctx, analysis.ExposureRequest{Consumer: "JP", Supplier: "CN", Mineral: m,
			Conditions: mineralmap.Conditions{Year: &year, Bases: []string{mineralmap.BasisTrade}}})
		if err != nil {
			t.Fatal(err)
		}
		if ans.TradeYear == nil || *ans.TradeYear != year || ans.SupplyAtRisk == nil {
			t.Fatalf("exposure %d: trade year %v, at risk %v", year, ans.TradeYear, ans.SupplyAtRisk)
		}
		return ans
	}
	e2009, e2012, e2024 := exposure(2009), exposure(2012), exposure(2024)
	t.Logf("JP's rare-earth supply at risk from CN (customs, t REO): 2009 %.3f of %.0f t, 2012 %.3f of %.0f t, 2024 %.3f of %.0f t",
		*e2009.SupplyAtRisk, *e2009.SupplyT, *e2012.SupplyAtRisk, *e2012.SupplyT, *e2024.SupplyAtRisk, *e2024.SupplyT)
	if *e2009.SupplyAtRisk < 0.9 || *e2012.SupplyAtRisk > *e2009.SupplyAtRisk-0.1 || *e2024.SupplyAtRisk > *e2012.SupplyAtRisk {
		t.Errorf("Japan's dependence on China fell after the 2010 embargo: 2009 %.3f, 2012 %.3f, 2024 %.3f", *e2009.SupplyAtRisk, *e2012.SupplyAtRisk, *e2024.SupplyAtRisk)
	}
	// Direct imports from China are at least that hand-computed content (indirect routes via
	// third countries add to what is at risk).
	if at := *e2024.SupplyAtRisk * *e2024.SupplyT; at < contained*0.999 {
		t.Errorf("2024: %.0f t REO at risk, less than the %.0f t REO Japan imports from China directly", at, contained)
	}
}

func ptr[T any](v T) *T { return &v }
