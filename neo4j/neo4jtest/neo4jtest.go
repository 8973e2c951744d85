// Package neo4jtest provisions a real Neo4j for integration tests, in this order:
//
//  1. NEO4J_URI (+ NEO4J_USER, NEO4J_PASSWORD) when set: an existing server or cluster;
//  2. a testcontainers neo4j:5.26-community container when a Docker engine answers;
//  3. the Maven-started local server (scripts/neo4j.sh start), the default on machines
//     without a Docker engine.
//
// When none can be had the test is skipped with the reason, except under CI=true, where it fails:
// in CI the integration tests must run. With -short (make unit) they are skipped without asking.
package neo4jtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcneo4j "github.com/testcontainers/testcontainers-go/modules/neo4j"

	"github.com/mineralmap/mineralmap/neo4j"
)

// Image is the Neo4j image used with a Docker engine.
const Image = "neo4j:5.26-community"

var (
	once    sync.Once
	cfg     neo4j.Config
	how     string
	browser string // Neo4j Browser of the provisioned server
	failure error
)

// Config returns how to reach the test Neo4j, provisioning it on first use; it skips or fails tb
// when there is none.
func Config(tb testing.TB) neo4j.Config {
	tb.Helper()
	if testing.Short() {
		tb.Skip("integration test: needs Neo4j (not run with -short)")
	}
	once.Do(provision)
	if failure != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("integration test needs Neo4j and CI=true forbids skipping: %v", failure)
		}
		tb.Skipf("no Neo4j for integration tests (set NEO4J_URI, start a Docker engine, or run scripts/neo4j.sh start): %v", failure)
	}
	record(tb)
	return cfg
}

// record appends the test's name to $MINERALMAP_INTEGRATION_LOG, so that CI can check how many
// integration tests really ran against Neo4j.
func record(tb testing.TB) {
	path := os.Getenv("MINERALMAP_INTEGRATION_LOG")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		tb.Fatalf("integration log: %v", err)
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\t%s\n", tb.Name(), how)
}

// Provider says where the test Neo4j came from (for test logs).
func Provider() string { return how }

// BrowserURL returns the Neo4j Browser of the test Neo4j, provisioning it on first use (skipping
// or failing tb as Config does): NEO4J_BROWSER_URL when set, else the HTTP port of the container
// or of the local server; with NEO4J_URI, http://127.0.0.1:7474/browser/.
func BrowserURL(tb testing.TB) string {
	tb.Helper()
	Config(tb)
	return envOr("NEO4J_BROWSER_URL", browser)
}

// MustStore returns a store on the test Neo4j with the schema applied and the graph emptied.
// Tests of one package share the database, so they must not run in parallel with each other;
// `make test` runs packages one at a time (-p 1).
func MustStore(tb testing.TB) *neo4j.Store {
	tb.Helper()
	s, err := neo4j.Open(Config(tb))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	ctx := context.Background()
	if err := s.EnsureSchema(ctx); err != nil {
		tb.Fatalf("schema: %v", err)
	}
	if _, err := s.DeleteAll(ctx); err != nil {
		tb.Fatalf("empty the graph: %v", err)
	}
	return s
}

func provision() {
	if uri := os.Getenv("NEO4J_URI"); uri != "" {
		cfg = neo4j.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"),
			Database: os.Getenv("NEO4J_DATABASE"), ReadTimeout: 30 * time.Second}
		how = "NEO4J_URI " + uri
		browser = "http://127.0.0.1:7474/browser/"
		failure = ping(cfg)
		return
	}
	if dockerAnswers() {
		failure = startContainer()
		if failure == nil {
			return
		}
	}
	failure = startLocal()
}

func ping(c neo4j.Config) error {
	s, err := neo4j.Open(c)
	if err != nil {
		return err
	}
	defer s.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		if last = s.Ping(ctx); last == nil {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("%s does not answer: %w", c.URI, last)
}

func dockerAnswers() bool {
	if _, err := os.Stat("/var/run/docker.sock"); err != nil && os.Getenv("DOCKER_HOST") == "" {
		return false
	}
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return false
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return p.Health(ctx) == nil
}

func startContainer() error {
	ctx := context.Background()
	c, err := tcneo4j.Run(ctx, Image, tcneo4j.WithoutAuthentication())
	if err != nil {
		return fmt.Errorf("testcontainers: %w", err)
	}
	uri, err := c.BoltUrl(ctx)
	if err != nil {
		return err
	}
	cfg = neo4j.Config{URI: uri, ReadTimeout: 30 * time.Second}
	how = "testcontainers " + Image
	if web, err := c.PortEndpoint(ctx, "7474/tcp", "http"); err == nil {
		browser = web + "/browser/"
	}
	return ping(cfg)
}

// startLocal starts (or finds) the Maven-started server through the project's script.
func startLocal() error {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "neo4j.sh"), "start")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/neo4j.sh start: %v: %s", err, strings.TrimSpace(string(out)))
	}
	cfg = neo4j.Config{URI: "bolt://127.0.0.1:" + envOr("NEO4J_LOCAL_BOLT_PORT", "7687"), ReadTimeout: 30 * time.Second}
	how = "local Neo4j started from Maven jars (scripts/neo4j.sh)"
	browser = "http://127.0.0.1:" + envOr("NEO4J_LOCAL_HTTP_PORT", "7474") + "/browser/"
	return ping(cfg)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// BulkServer imports the neo4j-admin CSV files in dir (neo4j.WriteBulkCSV) into a Neo4j of its
// own, with the project's jars (scripts/neo4j.sh import, then start, in a temporary home on free
// loopback ports), and returns how to reach it; the server stops when tb ends. It needs java and
// the jars scripts/neo4j.sh fetches; without them it skips tb (fails it under CI=true).
func BulkServer(tb testing.TB, dir string) neo4j.Config {
	tb.Helper()
	Config(tb) // provisions the main test server (and the jars, for the local server)
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	lib := filepath.Join(envOr("NEO4J_LOCAL_HOME", filepath.Join(root, ".neo4j")), "lib")
	if _, err := exec.LookPath("java"); err != nil || !exists(filepath.Join(lib, ".complete")) {
		msg := fmt.Sprintf("the bulk path needs java and the Neo4j jars in %s (scripts/neo4j.sh fetch)", lib)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	home := tb.TempDir()
	if err := os.Symlink(lib, filepath.Join(home, "lib")); err != nil {
		tb.Fatal(err)
	}
	bolt, web := freePort(tb), freePort(tb)
	env := append(os.Environ(), "NEO4J_LOCAL_HOME="+home, "NEO4J_LOCAL_BOLT_PORT="+bolt, "NEO4J_LOCAL_HTTP_PORT="+web,
		"NEO4J_LOCAL_HEAP=1g", "NEO4J_LOCAL_PAGECACHE=256m", "NEO4J_LOCAL_IMPORT_HEAP=1g", "NEO4J_LOCAL_AUTH=off")
	run := func(args ...string) {
		cmd := exec.Command("bash", append([]string{filepath.Join(root, "scripts", "neo4j.sh")}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("scripts/neo4j.sh %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("import", dir)
	tb.Cleanup(func() { run("stop") })
	run("start")
	c := neo4j.Config{URI: "bolt://127.0.0.1:" + bolt, ReadTimeout: 30 * time.Second}
	if err := ping(c); err != nil {
		tb.Fatal(err)
	}
	return c
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func freePort(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
