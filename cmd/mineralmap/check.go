package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/quality"
)

// check writes the quality report of the documents named (read together, in order, as one
// load of them all would store them) or, with none, of the store. It reports whether any
// finding is an error.
func check(ctx context.Context, cfg config, args []string, w io.Writer) (bool, error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	mineral := fs.String("mineral", "", "report on this mineral only")
	year := fs.Int64("year", 0, "the year to report on (default: each mineral's latest)")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	var y *int64
	if *year != 0 {
		if *year < 1800 || *year > 2200 {
			return false, errors.New("--year: a year between 1800 and 2200")
		}
		y = year
	}
	var reports []quality.Report
	if fs.NArg() > 0 {
		files, err := expandDirs(fs.Args())
		if err != nil {
			return false, err
		}
		recs := quality.NewRecords()
		for _, name := range files {
			src, cleanup, err := openSource(name)
			if err != nil {
				return false, err
			}
			r, err := src()
			if err == nil {
				err = document.Scan(r, nil, func(_ string, e mineralmap.Entry) error { recs.Add(e); return nil })
				r.Close()
			}
			cleanup()
			if err != nil {
				return false, fmt.Errorf("%s: %w", name, err)
			}
		}
		ids := recs.Minerals()
		if *mineral != "" {
			if !slices.Contains(ids, *mineral) {
				return false, fmt.Errorf("no mineral %q in the documents (they hold %s)", *mineral, strings.Join(ids, ", "))
			}
			ids = []string{*mineral}
		}
		for _, id := range ids {
			reports = append(reports, quality.Check(recs.Input(id), y, mineralmap.Today()))
		}
	} else {
		store, err := neo4j.Open(cfg.store())
		if err != nil {
			return false, err
		}
		defer store.Close(context.Background())
		ans, err := analysis.New(store, analysis.Options{}).Quality(ctx, *mineral, y)
		if err != nil {
			return false, err
		}
		reports = ans.Reports
	}
	return quality.WriteText(w, reports), nil
}
