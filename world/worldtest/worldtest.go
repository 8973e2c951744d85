// Package worldtest gives integration tests the cached world data (scripts/world.sh fetch) and
// loads parts of the world layer into a test store.
package worldtest

import (
	"context"
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
