// Package worldtest gives integration tests the cached world data (scripts/world.sh fetch) and
// loads parts of the world layer into a test store.
package worldtest

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/world"
)

// Dir is the directory of the cached world data: MINERALMAP_WORLD_DIR, else the repository's
// .data/world. Without the files it skips tb, except under CI=true, where it fails it (CI's
// install fetches them).
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("MINERALMAP_WORLD_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", ".data", "world")
	}
	if _, err := os.Stat(filepath.Join(dir, world.BACIFile)); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("the world data is not cached in %s (scripts/world.sh fetch) and CI=true forbids skipping", dir)
		}
		tb.Skipf("the world data is not cached in %s: run scripts/world.sh fetch", dir)
	}
	return dir
}

// Load imports the world layer for opt (the curated countries and minerals written as the
// curated layer has them, and its national totals kept, as make run does) and loads it into s.
func Load(tb testing.TB, s *neo4j.Store, opt world.Options) *world.Report {
	tb.Helper()
	dir := Dir(tb)
	tables, err := world.DefaultTables()
	if err != nil {
		tb.Fatal(err)
	}
	if opt.CuratedCountries, opt.CuratedMinerals, err = fixtures.Curated(); err != nil {
		tb.Fatal(err)
	}
	if opt.Keep, err = fixtures.CuratedTotals(); err != nil {
		tb.Fatal(err)
	}
	if opt.KeepDemands, err = fixtures.CuratedDemands(); err != nil {
		tb.Fatal(err)
	}
	doc := filepath.Join(tb.TempDir(), "world.json")
	f, err := os.Create(doc)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := world.Import(context.Background(), dir, tables, opt, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Load(context.Background(), func() (io.ReadCloser, error) { return os.Open(doc) }, nil); err != nil {
		tb.Fatal(err)
	}
	return rep
}

// Small writes a small baci.db and world_mining_data.db laid out as the wheel's are, with
// the gotchas of DATA.md: Namibia without an alpha-2, 490 for Taiwan, an aggregate (697), a row
// without a quantity, a flow below a unit-value screen, a code without a factor.
func Small(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	exec := func(db *sql.DB, stmts ...string) {
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	baci, err := sql.Open("sqlite", filepath.Join(dir, world.BACIFile))
	if err != nil {
		t.Fatal(err)
	}
	defer baci.Close()
	exec(baci,
		`CREATE TABLE baci_trade (t TEXT, i TEXT, j TEXT, k INTEGER, v TEXT, q TEXT)`,
		`CREATE TABLE country_codes_V202401b (country_code TEXT, country_name TEXT, country_iso2 TEXT, country_iso3 TEXT)`,
		`CREATE TABLE product_codes_HS92_V202401b (code TEXT, description TEXT)`,
		`INSERT INTO country_codes_V202401b VALUES ('152','Chile','CL','CHL'),('156','China','CN','CHN'),('392','Japan','JP','JPN'),
			('516','Namibia','','NAM'),('490','Other Asia, nes','','S19'),('697','Europe EFTA, nes','','R20'),('36','Australia','AU','AUS'),
			('458','Malaysia','MY','MYS'),('842','USA','US','USA'),('410','Rep. of Korea','KR','KOR')`,
		`INSERT INTO product_codes_HS92_V202401b VALUES ('283691','Lithium carbonates'),('284690','Rare-earth compounds n.e.s.')`,
		`INSERT INTO baci_trade VALUES
			('2024','152','156',283691,'10000','1000'),
			('2024','152','156',282520,'1500','100'),
			('2024','516','392',283691,'100','10'),
			('2024','490','392',283691,'1000','100'),
			('2024','697','392',283691,'1000','100'),
			('2024','36','458',280530,'5200','1000'),
			('2024','156','392',280530,'500','10'),
			('2024','156','842',280530,'10','10'),
			('2024','156','392',284690,'900','50'),
			('2024','392','410',283691,'50',NULL),
			('2024','392','410',260111,'50','5000'),
			('2023','152','156',283691,'5000','500'),
			('2021','152','156',283691,'5000','400')`)
	wmd, err := sql.Open("sqlite", filepath.Join(dir, world.WMDFile))
	if err != nil {
		t.Fatal(err)
	}
	defer wmd.Close()
	for _, table := range []string{"Lithium (Li2O)", "Rare Earths (REO)", "Aluminium"} {
		exec(wmd, `CREATE TABLE "`+table+`" (Country TEXT, Country_Code TEXT, Country_ISO TEXT, "2023" REAL, "2024" REAL, unit TEXT, data_source TEXT)`)
	}
	exec(wmd,
		`INSERT INTO "Lithium (Li2O)" VALUES ('Chile','152','CHL',50,100,'metr. t','r'),('Australia','36','AUS',NULL,200,'metr. t','e'),
			('Total','DELETE','DELETE',50,400,'metr. t','nan')`,
		`INSERT INTO "Rare Earths (REO)" VALUES ('China','156','CHN',200,270,'metr. t','r'),('Total','DELETE','DELETE',200,270,'metr. t','nan')`,
		`INSERT INTO "Aluminium" VALUES ('China','156','CHN',40,41,'metr. t','r'),('Kosovo','','XKX',1,1,'metr. t','r'),('Total','DELETE','DELETE',41,42,'metr. t','nan')`)
	return dir
}
