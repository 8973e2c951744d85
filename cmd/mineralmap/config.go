package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/mineralmap/mineralmap/neo4j"
)

// config is the whole configuration, from the environment (README, "Configuration"). An unset or
// empty variable takes its default; a value that does not parse, or is out of range, fails the
// start with a message that names the variable.
type config struct {
	Neo4jURI      string `env:"NEO4J_URI" envDefault:"bolt://127.0.0.1:7687"`
	Neo4jUser     string `env:"NEO4J_USER"`
	Neo4jPassword string `env:"NEO4J_PASSWORD"`
	Neo4jDatabase string `env:"NEO4J_DATABASE"`

	Addr       string `env:"MINERALMAP_ADDR" envDefault:"127.0.0.1:8080"`
	PublicURL  string `env:"MINERALMAP_PUBLIC_URL"` // default http://$MINERALMAP_ADDR
	BrowserURL string `env:"MINERALMAP_BROWSER_URL" envDefault:"http://127.0.0.1:7474/browser/"`
	APIToken   string `env:"MINERALMAP_API_TOKEN"`
	ReadToken  string `env:"MINERALMAP_READ_TOKEN"`

	ReadTimeout   time.Duration `env:"MINERALMAP_READ_TIMEOUT" envDefault:"5s"`
	ScanTimeout   time.Duration `env:"MINERALMAP_SCAN_TIMEOUT" envDefault:"1m"`
	WriteTimeout  time.Duration `env:"MINERALMAP_WRITE_TIMEOUT" envDefault:"10m"`
	MaxConcurrent int           `env:"MINERALMAP_MAX_CONCURRENT" envDefault:"0"` // 0: 4 × cores
	QueueTimeout  time.Duration `env:"MINERALMAP_QUEUE_TIMEOUT" envDefault:"30s"`
	BodyLimit     int64         `env:"MINERALMAP_BODY_LIMIT" envDefault:"16777216"`
	// WarmInterval: how often the API asks whether the database changed, to read the networks
	// again in the background (0: never; the first request after a change reads them).
	WarmInterval time.Duration `env:"MINERALMAP_WARM_INTERVAL" envDefault:"2s"`
	// WorldDir holds the world data's SQLite files (scripts/world.sh fetch).
	WorldDir string `env:"MINERALMAP_WORLD_DIR" envDefault:".data/world"`

	HTTPReadTimeout  time.Duration `env:"MINERALMAP_HTTP_READ_TIMEOUT" envDefault:"2m"`
	HTTPWriteTimeout time.Duration `env:"MINERALMAP_HTTP_WRITE_TIMEOUT" envDefault:"15m"`
}

// loadConfig parses the environment (env.Parse with these tags) and checks the ranges.
func loadConfig() (config, error) {
	cfg, err := env.ParseAs[config]()
	if err != nil {
		return cfg, namedError(err)
	}
	positive := []struct {
		name string
		bad  bool
	}{
		{"MINERALMAP_BODY_LIMIT", cfg.BodyLimit <= 0},
		{"MINERALMAP_MAX_CONCURRENT", cfg.MaxConcurrent < 0},
		{"MINERALMAP_WARM_INTERVAL", cfg.WarmInterval < 0},
		{"MINERALMAP_READ_TIMEOUT", cfg.ReadTimeout <= 0},
		{"MINERALMAP_SCAN_TIMEOUT", cfg.ScanTimeout <= 0},
		{"MINERALMAP_WRITE_TIMEOUT", cfg.WriteTimeout <= 0},
		{"MINERALMAP_QUEUE_TIMEOUT", cfg.QueueTimeout <= 0},
		{"MINERALMAP_HTTP_READ_TIMEOUT", cfg.HTTPReadTimeout <= 0},
		{"MINERALMAP_HTTP_WRITE_TIMEOUT", cfg.HTTPWriteTimeout <= 0},
	}
	for _, p := range positive {
		if p.bad {
			return cfg, fmt.Errorf("configuration: %s must be greater than 0 (MINERALMAP_MAX_CONCURRENT may be 0: 4 × cores)", p.name)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.Addr
	}
	return cfg, nil
}

// namedError says which variables did not parse: env names the struct fields.
func namedError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("configuration: %w", err)
	}
	var msgs []string
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			msgs = append(msgs, e.Error())
			continue
		}
		f, _ := reflect.TypeOf(config{}).FieldByName(pe.Name)
		name := f.Tag.Get("env")
		msgs = append(msgs, fmt.Sprintf("%s=%q: %v", name, os.Getenv(name), pe.Err))
	}
	return fmt.Errorf("configuration: %s", strings.Join(msgs, "; "))
}

func (c config) store() neo4j.Config {
	return neo4j.Config{URI: c.Neo4jURI, User: c.Neo4jUser, Password: c.Neo4jPassword, Database: c.Neo4jDatabase,
		ReadTimeout: c.ReadTimeout, ScanTimeout: c.ScanTimeout, WriteTimeout: c.WriteTimeout}
}
