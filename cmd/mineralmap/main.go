// Command mineralmap serves the critical-minerals supply-chain API and loads documents into Neo4j.
//
//	mineralmap serve                 serve the API (configuration from the environment, see README)
//	mineralmap load FILE… | -        load documents (each in one transaction), with progress on stderr
//	mineralmap validate FILE… | -    check documents without writing anything
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mineralmap/mineralmap/graph"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/queries"
)

const usage = `usage:
  mineralmap serve                 serve the API
  mineralmap load FILE|DIR... | -  load documents into Neo4j (each file in one transaction; a
                                   directory means its *.json files in name order)
  mineralmap validate FILE... | -  check documents against the contract and the store, write nothing
`

func main() {
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(ctx)
	case "load":
		err = load(ctx, os.Args[2:], false)
	case "validate":
		err = load(ctx, os.Args[2:], true)
	case "healthcheck":
		err = healthcheck()
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		printError(err)
		os.Exit(1)
	}
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	d, err := time.ParseDuration(env(key, def.String()))
	if err != nil {
		slog.Warn("bad duration; using the default", "key", key, "default", def.String())
		return def
	}
	return d
}

func storeConfig() graph.Config {
	return graph.Config{
		URI:          env("NEO4J_URI", "bolt://127.0.0.1:7687"),
		User:         env("NEO4J_USER", ""),
		Password:     env("NEO4J_PASSWORD", ""),
		Database:     env("NEO4J_DATABASE", ""),
		ReadTimeout:  envDuration("MINERALMAP_READ_TIMEOUT", 5*time.Second),
		ScanTimeout:  envDuration("MINERALMAP_SCAN_TIMEOUT", time.Minute),
		WriteTimeout: envDuration("MINERALMAP_WRITE_TIMEOUT", 10*time.Minute),
	}
}

// serveMemoryLimit is the API's soft memory limit unless GOMEMLIMIT sets one: the garbage
// collector works harder as the heap nears it, so resident memory stays under the 256 MiB the
// API is allowed, whatever the graph's size (make bench measures it).
const serveMemoryLimit = 200 << 20

func serve(ctx context.Context) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
	store, err := graph.Open(storeConfig())
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
	bodyLimit, _ := strconv.ParseInt(env("MINERALMAP_BODY_LIMIT", "16777216"), 10, 64)
	maxConcurrent, _ := strconv.Atoi(env("MINERALMAP_MAX_CONCURRENT", "0"))
	browser := env("MINERALMAP_BROWSER_URL", "http://127.0.0.1:7474/browser/")
	addr := env("MINERALMAP_ADDR", "127.0.0.1:8080")
	api := mmhttp.New(store, queries.New(store, browser), mmhttp.Config{
		APIToken:      os.Getenv("MINERALMAP_API_TOKEN"),
		ReadToken:     os.Getenv("MINERALMAP_READ_TOKEN"),
		BodyLimit:     bodyLimit,
		MaxConcurrent: maxConcurrent,
		QueueTimeout:  envDuration("MINERALMAP_QUEUE_TIMEOUT", 30*time.Second),
		BrowserURL:    browser,
		PublicURL:     env("MINERALMAP_PUBLIC_URL", "http://"+addr),
	})
	srv := &http.Server{
		Addr:              addr,
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       envDuration("MINERALMAP_HTTP_READ_TIMEOUT", 2*time.Minute),
		WriteTimeout:      envDuration("MINERALMAP_HTTP_WRITE_TIMEOUT", 15*time.Minute),
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("serving", "addr", addr, "neo4j", storeConfig().URI, "browser", browser)
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

func load(ctx context.Context, files []string, validateOnly bool) error {
	if len(files) == 0 {
		return errors.New("name at least one file, or - for standard input")
	}
	store, err := graph.Open(storeConfig())
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
		start := time.Now()
		if validateOnly {
			err = graph.Validate(ctx, src, store.LookupLabels)
			cleanup()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(os.Stderr, "%s: valid\n", name)
			continue
		}
		bar := newProgressBar(name)
		res, err := store.Load(ctx, src, bar.update)
		cleanup()
		bar.done()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		secs := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "%s: %d rows in %.2fs (%.0f rows/s): %d nodes created, %d relationships created, %d properties set\n",
			name, res.Rows, secs, float64(res.Rows)/secs, res.NodesCreated, res.RelationshipsCreated, res.PropertiesSet)
	}
	return nil
}

// expandDirs replaces each directory by its *.json files in name order.
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
func healthcheck() error {
	addr := env("MINERALMAP_ADDR", "127.0.0.1:8080")
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
func openSource(name string) (graph.Source, func(), error) {
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
	var e *graph.Error
	if errors.As(err, &e) {
		for _, d := range e.Details {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", d.Path, d.Message)
		}
	}
}
