package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/world"
)

// importWorld writes the world layer (package world) as a load document, to standard output,
// to --out, or, with --load, into the store (through a temporary file, with the load's
// progress bar). The import's report goes to standard error, and as JSON to --report.
func importWorld(ctx context.Context, cfg config, args []string) error {
	if len(args) == 0 || args[0] != "world" {
		return errors.New("usage: mineralmap import world [--years FROM-TO | --last N] [--minerals a,b] [--dir DIR] [--out FILE | --load] [--report FILE] [--keep-curated-totals] [--apparent checked|all]")
	}
	fs := flag.NewFlagSet("import world", flag.ContinueOnError)
	years := fs.String("years", "", "years FROM-TO or one year (default: every year of the files)")
	last := fs.Int("last", 0, "the latest N years of the trade file (instead of --years)")
	minerals := fs.String("minerals", "", "comma list of mineral ids (default: every mineral of fixtures/world/minerals.csv)")
	dir := fs.String("dir", cfg.WorldDir, "directory of baci.db and world_mining_data.db (scripts/world.sh fetch)")
	out := fs.String("out", "", "write the document to this file (default: standard output)")
	loadIt := fs.Bool("load", false, "load the document into Neo4j instead of writing it")
	reportFile := fs.String("report", "", "also write the import's report as JSON to this file")
	apparent := fs.String("apparent", "checked", "apparent consumption (production + imports − exports) for the minerals fixtures/world/apparent.csv finds it defensible for (checked), or for every mineral (all: figures where the customs file lacks a main form are wrong, their notes say so)")
	keep := fs.Bool("keep-curated-totals", false, "write no national total for a mineral, stage and year the curated layer has national totals for (they stand, with its XX residual); the report lists where World Mining Data differs by more than 5%")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *loadIt && *out != "" {
		return errors.New("--out and --load: choose one")
	}
	opt := world.Options{Last: *last}
	if *last < 0 || (*last > 0 && *years != "") {
		return errors.New("--last N (N ≥ 1) or --years, not both")
	}
	if *years != "" {
		from, to, err := parseYears(*years)
		if err != nil {
			return err
		}
		opt.From, opt.To = from, to
	}
	tables, err := world.DefaultTables()
	if err != nil {
		return err
	}
	if *minerals != "" {
		units := tables.Units()
		opt.Minerals = map[string]bool{}
		for _, m := range strings.Split(*minerals, ",") {
			if _, ok := units[m]; !ok {
				return fmt.Errorf("--minerals: %q is not a mineral of the world layer (fixtures/world/minerals.csv)", m)
			}
			opt.Minerals[m] = true
		}
	}
	if opt.CuratedCountries, opt.CuratedMinerals, err = fixtures.Curated(); err != nil {
		return err
	}
	switch *apparent {
	case "checked":
	case "all":
		opt.AllApparent = true
	default:
		return fmt.Errorf("--apparent: %q is neither checked nor all", *apparent)
	}
	// Published demand figures stand over apparent consumption, whatever --keep-curated-totals.
	if opt.KeepDemands, err = fixtures.CuratedDemands(); err != nil {
		return err
	}
	if *keep {
		if opt.Keep, err = fixtures.CuratedTotals(); err != nil {
			return err
		}
	}
	var w io.Writer = os.Stdout
	target := "standard output"
	if *loadIt || *out != "" {
		var f *os.File
		if *loadIt {
			f, err = os.CreateTemp("", "mineralmap-world-*.json")
		} else {
			f, err = os.Create(*out)
		}
		if err != nil {
			return err
		}
		defer f.Close()
		if *loadIt {
			defer os.Remove(f.Name())
		}
		w, target = f, f.Name()
	}
	bar := newProgressBar("import world (trade rows)")
	opt.Progress = bar.update
	start := time.Now()
	rep, err := world.Import(ctx, *dir, tables, opt, w)
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import world: %d–%d written to %s in %.1fs\n", rep.From, rep.To, target, time.Since(start).Seconds())
	writeReport(os.Stderr, rep)
	if *reportFile != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *loadIt {
		return load(ctx, cfg, []string{target}, false)
	}
	return nil
}

func parseYears(s string) (int, int, error) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		b = a
	}
	from, err1 := strconv.Atoi(a)
	to, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || from < 1800 || to > 2200 || from > to {
		return 0, 0, fmt.Errorf("--years %q: a year or FROM-TO, 1800–2200", s)
	}
	return from, to, nil
}

// writeReport prints the import's report as tables: rows per section, minerals, HS codes used
// and left out.
func writeReport(w io.Writer, r *world.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "rows:")
	for _, s := range []string{"countries", "minerals", "produces", "refines", "supplies", "demands"} {
		fmt.Fprintf(tw, " %s %d", s, r.Rows[s])
	}
	fmt.Fprintf(tw, "\nBACI rows without a quantity: %d; rows of an aggregate with no ISO code (%s): %d; XX residuals set to 0: %d\n",
		r.NoQuantity, strings.Join(r.Unmapped, ", "), r.UnmappedRows, r.ResidualsZero)
	fmt.Fprintln(tw, "mineral\tunit\tnational totals\ttrade records\ttrade (contained, all years)")
	for _, m := range r.Minerals {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\n", m.Mineral, m.Unit, m.Production, m.Trade, m.TradeT)
	}
	fmt.Fprintln(tw, "HS code\tmineral\tform\tfactor\tstatus\trows used\tleft out\tscreened\tt product\tt contained\twhy left out")
	for _, c := range r.Codes {
		factor := "-"
		if c.Factor > 0 {
			factor = strconv.FormatFloat(c.Factor, 'g', -1, 64)
		}
		reason := c.Reason
		if len(reason) > 90 {
			reason = reason[:87] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%.0f\t%.0f\t%s\n", c.HS, c.Mineral, c.Form, factor, c.Status, c.Used, c.LeftOut, c.Screened, c.ProductT, c.ContainedT, reason)
	}
	if len(r.Kept) > 0 {
		fmt.Fprintln(tw, "kept national totals (curated)\tyear\tkept total\tWMD world\tcountries where WMD differs by more than 5% (kept → WMD)")
		for _, k := range r.Kept {
			var d []string
			for _, x := range k.Diffs {
				d = append(d, fmt.Sprintf("%s %.0f → %.0f", x.Country, x.KeptT, x.WMDT))
			}
			fmt.Fprintf(tw, "%s %s\t%d\t%.0f\t%.0f\t%s (and %d countries in XX)\n", k.Mineral, k.Stage, k.Year, k.KeptT, k.WMDT, strings.Join(d, "; "), k.Others)
		}
	}
	tw.Flush()
}
