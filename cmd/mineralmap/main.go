// Command mineralmap serves the critical-minerals supply-chain API and loads documents into Neo4j.
//
//	mineralmap serve                 serve the API (configuration from the environment, see README)
//	mineralmap load FILE… | -        load documents (each in one transaction), with progress on stderr
//	mineralmap validate FILE… | -    check documents without writing anything
//	mineralmap check [FILE…]         the data-quality report (contract section 6); exit 1 on an error
//	mineralmap import world [flags]  the world layer (national statistics, customs trade) as a document
//	mineralmap bulk-csv --out DIR FILE…  the CSV files of neo4j-admin's bulk importer (empty database)
//	mineralmap healthcheck           ask the local API's /healthz (for container healthchecks)
//
// It only wires: environment → config → store → analyses → server.
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/neo4j"
)

const usage = `usage:
  mineralmap serve                 serve the API
  mineralmap load [--section NAME] FILE|DIR... | -
                                   load documents into Neo4j (each file in one transaction; a
                                   directory means its *.json files in name order); a .csv
                                   file is one section (--section, else its file name:
                                   supplies.csv, 20-supplies.csv)
  mineralmap template SECTION      the CSV header of a section (its columns, in order)
  mineralmap validate FILE... | -  check documents against the contract and the store, write nothing
  mineralmap check [--mineral ID] [--year Y] [FILE|DIR...]
                                   the data-quality report (GET /v1/quality as text): of the
                                   documents given, read together, else of the store; exit 1
                                   when it has an error finding
  mineralmap import world [--years FROM-TO | --last N] [--minerals a,b] [--dir DIR] [--out FILE | --load] [--report FILE]
                                   the world layer from the cached world data (scripts/world.sh
                                   fetch) as a load document: to standard output, a file, or
                                   loaded into Neo4j; its report (minerals, HS codes and factors,
                                   codes left out) on standard error
  mineralmap bulk-csv --out DIR FILE|DIR...
                                   the offline bulk path for an empty database: the documents as
                                   the CSV files of Neo4j's importer (neo4j-admin database import
                                   full); scripts/neo4j.sh import DIR runs it, Neo4j stopped
  mineralmap healthcheck           exit 0 when the API at $MINERALMAP_ADDR answers /healthz

configuration: environment variables, listed in the README ("Configuration")
`

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig()
	if err != nil {
		printError(err)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, cfg)
	case "load":
		err = load(ctx, cfg, os.Args[2:], false)
	case "template":
		err = template(os.Args[2:], os.Stdout)
	case "validate":
		err = load(ctx, cfg, os.Args[2:], true)
	case "check":
		var failed bool
		failed, err = check(ctx, cfg, os.Args[2:], os.Stdout)
		if err == nil && failed {
			os.Exit(1)
		}
	case "import":
		err = importWorld(ctx, cfg, os.Args[2:])
	case "bulk-csv":
		err = bulkCSV(ctx, os.Args[2:])
	case "healthcheck":
		err = healthcheck(cfg)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		printError(err)
		os.Exit(1)
	}
}

// serveMemoryLimit is the API's soft memory limit unless GOMEMLIMIT sets one: the garbage
// collector works harder as the heap nears it, so resident memory stays under the 256 MiB the
// API is allowed, whatever the graph's size (make bench measures it).
const serveMemoryLimit = 200 << 20

func serve(ctx context.Context, cfg config) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	store, err := neo4j.Open(cfg.store())
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	// Neo4j may be down at start: serve anyway (readyz says 503) and apply the schema when it answers.
	go func() {
		for {
			err := store.EnsureSchema(ctx)
			if err == nil {
				slog.Info("schema applied")
				return
			}
			slog.Warn("schema not applied yet; retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(3 * time.Second):
			}
		}
	}()
	analyses := analysis.New(store, analysis.Options{BrowserURL: cfg.BrowserURL})
	var warming atomic.Bool
	if cfg.WarmInterval > 0 {
		warming.Store(true)
		go warm(ctx, analyses, cfg.WarmInterval, func() { warming.Store(false) })
	}
	api := mmhttp.New(store, analyses, mmhttp.Config{
		APIToken:      cfg.APIToken,
		ReadToken:     cfg.ReadToken,
		BodyLimit:     cfg.BodyLimit,
		MaxConcurrent: cfg.MaxConcurrent,
		QueueTimeout:  cfg.QueueTimeout,
		PublicURL:     cfg.PublicURL,
		PoolSize:      store.Config().MaxPoolSize,
		Warming:       warming.Load,
	})
	store.SetObserver(api.Observer())
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("serving", "addr", cfg.Addr, "neo4j", cfg.Neo4jURI, "browser", cfg.BrowserURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// warm keeps the networks read: at start, and whenever the database changed (a load through
// this API, another replica or the command line), it reads every mineral's network in the
// background, so that the first request after a start or a commit finds it ready.
// Until the first warm has read every network (or found none), /readyz says 503: done is
// called then. A warm that fails (Neo4j down) is tried again; after warmReadyWithin the API
// is ready anyway, and requests read what they need.
func warm(ctx context.Context, a *analysis.Analyses, every time.Duration, done func()) {
	var last mineralmap.Version
	started := time.Now()
	for {
		start := time.Now()
		v, n, err := a.Warm(ctx, last)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Debug("warming the networks", "err", err)
		case n > 0:
			slog.Info("networks warmed", "minerals", n, "seconds", time.Since(start).Seconds())
		}
		if err == nil || time.Since(started) > warmReadyWithin {
			done()
		}
		last = v
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// warmReadyWithin bounds how long /readyz waits for the first warm.
const warmReadyWithin = 2 * time.Minute

func load(ctx context.Context, cfg config, args []string, validateOnly bool) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	section := fs.String("section", "", "the section of the .csv files (default: from each file's name)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) == 0 {
		return errors.New("name at least one file, or - for standard input")
	}
	store, err := neo4j.Open(cfg.store())
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	if !validateOnly {
		if err := store.EnsureSchema(ctx); err != nil {
			return err
		}
	}
	files, err = expandDirs(files)
	if err != nil {
		return err
	}
	for _, name := range files {
		src, cleanup, err := openSource(name)
		if err != nil {
			return err
		}
		var pos *document.CSVPositions
		if strings.EqualFold(filepath.Ext(name), ".csv") {
			var p document.CSVPositions
			var remove func()
			src, p, remove, err = fromCSV(src, name, *section)
			if err != nil {
				cleanup()
				return fmt.Errorf("%s: %w", name, err)
			}
			closeSource := cleanup
			pos, cleanup = &p, func() { closeSource(); remove() }
		}
		located := func(err error) error {
			if pos != nil {
				err = pos.LocateErr(err)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		start := time.Now()
		if validateOnly {
			_, err = document.Validate(ctx, src, store.LookupLabels)
			cleanup()
			if err != nil {
				return located(err)
			}
			fmt.Fprintf(os.Stderr, "%s: valid\n", name)
			continue
		}
		bar := newProgressBar(name)
		res, err := store.Load(ctx, src, bar.update)
		cleanup()
		bar.done()
		if err != nil {
			return located(err)
		}
		secs := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "%s: %d rows in %.2fs (%.0f rows/s): %d nodes created, %d relationships created, %d properties set\n",
			name, res.Rows, secs, float64(res.Rows)/secs, res.NodesCreated, res.RelationshipsCreated, res.PropertiesSet)
	}
	return nil
}

// expandDirs replaces each directory by its *.json files in name order (a .csv file is named
// one by one: a directory of data may hold other tables, as fixtures/ does).
func expandDirs(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		if st, err := os.Stat(n); err == nil && st.IsDir() {
			m, err := filepath.Glob(filepath.Join(n, "*.json"))
			if err != nil {
				return nil, err
			}
			sort.Strings(m)
			out = append(out, m...)
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

// healthcheck asks the local API's /healthz (for container healthchecks, which have no curl).
func healthcheck(cfg config) error {
	addr := cfg.Addr
	if strings.HasPrefix(addr, "0.0.0.0:") || strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1:" + addr[strings.LastIndex(addr, ":")+1:]
	}
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}

// openSource opens a file, or spools standard input to a temporary file, because a load reads
// its document more than once.
func openSource(name string) (document.Source, func(), error) {
	if name != "-" {
		if _, err := os.Stat(name); err != nil {
			return nil, nil, err
		}
		return func() (io.ReadCloser, error) { return os.Open(name) }, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "mineralmap-stdin-*.json")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := io.Copy(tmp, os.Stdin); err != nil {
		cleanup()
		return nil, nil, err
	}
	return func() (io.ReadCloser, error) { return os.Open(tmp.Name()) }, cleanup, nil
}

// progressBar draws rows written on stderr, at most a few times a second.
type progressBar struct {
	name string
	last time.Time
	drew bool
}

func newProgressBar(name string) *progressBar { return &progressBar{name: name} }

func (p *progressBar) update(done, total int64) {
	if time.Since(p.last) < 200*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	p.drew = true
	const width = 30
	filled := 0
	if total > 0 {
		filled = int(done * width / total)
	}
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(os.Stderr, "\r%s [%s] %d/%d rows", p.name, bar, done, total)
}

func (p *progressBar) done() {
	if p.drew {
		fmt.Fprintln(os.Stderr)
	}
}

func printError(err error) {
	fmt.Fprintln(os.Stderr, "mineralmap:", err)
	var e *mineralmap.Error
	if errors.As(err, &e) {
		for _, d := range e.Details {
			switch {
			case d.Line > 0 && d.Column > 0:
				fmt.Fprintf(os.Stderr, "  %s (line %d, column %d): %s\n", d.Path, d.Line, d.Column, d.Message)
			case d.Line > 0:
				fmt.Fprintf(os.Stderr, "  %s (line %d): %s\n", d.Path, d.Line, d.Message)
			default:
				fmt.Fprintf(os.Stderr, "  %s: %s\n", d.Path, d.Message)
			}
		}
	}
}

// fromCSV turns a CSV file into the load document it stands for, in a temporary file (the load
// reads its document more than once); the section is given or taken from the file's name
// (supplies.csv, or the part after the last "-": 20-supplies.csv).
func fromCSV(src document.Source, name, section string) (document.Source, document.CSVPositions, func(), error) {
	if section == "" {
		section = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		if _, err := document.CSVColumns(section); err != nil {
			section = section[strings.LastIndex(section, "-")+1:]
		}
	}
	in, err := src()
	if err != nil {
		return nil, document.CSVPositions{}, nil, err
	}
	defer in.Close()
	tmp, err := os.CreateTemp("", "mineralmap-csv-*.json")
	if err != nil {
		return nil, document.CSVPositions{}, nil, err
	}
	pos, err := document.FromCSV(bufio.NewReader(in), section, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, pos, nil, pos.LocateErr(err)
	}
	return func() (io.ReadCloser, error) { return os.Open(tmp.Name()) }, pos, func() { os.Remove(tmp.Name()) }, nil
}

// template writes the CSV header of a section.
func template(args []string, w io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: mineralmap template SECTION (" + strings.Join(document.Sections, ", ") + ")")
	}
	cols, err := document.CSVColumns(args[0])
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(cols)
	cw.Flush()
	return cw.Error()
}
