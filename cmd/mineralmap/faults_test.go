package main_test

// Fault tests: the real binary against a real Neo4j, killed, starved and restarted.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap/neo4j"

	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mineralmap-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mineralmap")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// api is one running `mineralmap serve`.
type api struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startAPI runs the binary against neo4jURI and waits for /healthz.
func startAPI(t *testing.T, neo4jURI string, env ...string) *api {
	t.Helper()
	addr := freePort(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "NEO4J_URI="+neo4jURI, "MINERALMAP_ADDR="+addr, "MINERALMAP_API_TOKEN=fault-token")
	cmd.Env = append(cmd.Env, env...)
	logs := &bytes.Buffer{}
	cmd.Stderr, cmd.Stdout = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &api{cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := http.Get(a.url + "/healthz"); err == nil {
			resp.Body.Close()
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("API did not start: %s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(url string) (int, http.Header, string) {
	c := http.Client{Timeout: 20 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// proxy forwards TCP to target while open, and refuses connections while closed: a Neo4j that
// can be taken away and given back without touching the real server.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func (p *proxy) open(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// boltTarget is host:port of the test Neo4j's Bolt connector.
func boltTarget(t *testing.T, cfg neo4j.Config) string {
	t.Helper()
	u := cfg.URI
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if !strings.Contains(u, ":") {
		u += ":7687"
	}
	return u
}

func TestTheAPIStartsWithoutNeo4jAndRecoversWhenItComes(t *testing.T) {
	cfg := neo4jtest.Config(t)
	if strings.HasPrefix(cfg.URI, "neo4j") {
		t.Skip("the proxy test needs a direct bolt:// server")
	}
	p := &proxy{addr: freePort(t), target: boltTarget(t, cfg)}
	defer p.close()
	a := startAPI(t, "bolt://"+p.addr, "NEO4J_USER="+cfg.User, "NEO4J_PASSWORD="+cfg.Password)

	if code, _, body := get(a.url + "/readyz"); code != 503 || !strings.Contains(body, `"unavailable"`) {
		t.Fatalf("readyz without Neo4j: %d %s", code, body)
	}
	code, h, body := get(a.url + "/v1/countries")
	if code != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, `"unavailable"`) {
		t.Fatalf("a query without Neo4j: %d Retry-After=%q %s", code, h.Get("Retry-After"), body)
	}

	p.open(t)
	start := time.Now()
	for {
		if code, _, _ := get(a.url + "/v1/countries"); code == 200 {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the API did not recover within 30 s of Neo4j coming back: %s", a.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("answers good again %.2f s after Neo4j became reachable", time.Since(start).Seconds())
	// Ready once the background warm has read the networks: within its interval (2 s) and a read.
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		code, _, body := get(a.url + "/readyz")
		if code == 200 {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("readyz after recovery: %d %s", code, body)
		}
	}
}

// bigDocument is a load document of n facilities in a chain, tagged so that the test can count
// what of it is stored.
func bigDocument(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"countries":[{"id":"KX","name":"Killland"}],"minerals":[{"id":"kill-ore","name":"Kill ore"}],"facilities":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"kill-%d","name":"Facility %d","kind":"processing","country":"KX","source":"fault test"}`, i, i)
	}
	b.WriteString(`],"supplies":[`)
	for i := 1; i < n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"from":"kill-%d","to":"kill-%d","mineral":"kill-ore","volume_t":%d}`, i-1, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// postDocument loads doc through the API in the background; the channel gets the status (0 when
// the connection broke).
func postDocument(url string, doc []byte) <-chan int {
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/v1/graph", bytes.NewReader(doc))
		req.Header.Set("Authorization", "Bearer fault-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	return done
}

// storedOf counts the kill-test facilities and supplies in the store.
func storedOf(t *testing.T, s *neo4j.Store) (facilities, supplies int64) {
	t.Helper()
	rows, err := s.Query(context.Background(), `
CALL () { MATCH (f:Facility) WHERE f.id STARTS WITH 'kill-' RETURN count(f) AS f }
CALL () { MATCH ()-[s:SUPPLIES]->() WHERE s.mineral = 'kill-ore' RETURN count(s) AS s }
RETURN f, s`, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows[0]["f"].(int64), rows[0]["s"].(int64)
}

// waitForNoLoad waits until Neo4j runs no transaction of a killed client any more.
func waitForNoLoad(t *testing.T, s *neo4j.Store) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rows, err := s.Query(context.Background(), `SHOW TRANSACTIONS YIELD currentQuery WHERE NOT currentQuery CONTAINS 'SHOW TRANSACTIONS' RETURN count(*) AS n`, nil)
		if err == nil && rows[0]["n"].(int64) == 0 {
			return
		}
	}
	t.Fatal("a killed load's transaction still runs after 60 s")
}

func TestAKilledLoadStoresAllOrNothing(t *testing.T) {
	const facilities = 20000
	s := neo4jtest.MustStore(t)
	cfg := neo4jtest.Config(t)
	doc := bigDocument(facilities)
	trials := 20
	r := rand.New(rand.NewPCG(9, 9))
	var none, all int
	for trial := range trials {
		if _, err := s.DeleteAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		a := startAPI(t, cfg.URI, "NEO4J_USER="+cfg.User, "NEO4J_PASSWORD="+cfg.Password)
		delay := time.Duration(50+r.IntN(2500)) * time.Millisecond
		done := postDocument(a.url, doc)
		time.Sleep(delay)
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
		status := <-done
		_ = a.cmd.Wait()
		waitForNoLoad(t, s)
		f, sup := storedOf(t, s)
		switch {
		case f == 0 && sup == 0:
			none++
		case f == facilities && sup == facilities-1:
			all++
		default:
			t.Fatalf("trial %d (killed after %v, load answered %d): the store holds %d facilities and %d supplies of the document — partial", trial, delay, status, f, sup)
		}
	}
	t.Logf("%d SIGKILL trials: %d stored nothing, %d stored the whole document, 0 partial", trials, none, all)
}

func TestSIGTERMLetsAnInFlightLoadFinish(t *testing.T) {
	s := neo4jtest.MustStore(t)
	cfg := neo4jtest.Config(t)
	a := startAPI(t, cfg.URI, "NEO4J_USER="+cfg.User, "NEO4J_PASSWORD="+cfg.Password)
	doc := bigDocument(20000)
	done := postDocument(a.url, doc)
	time.Sleep(300 * time.Millisecond)
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if status := <-done; status != 200 {
		t.Fatalf("the in-flight load answered %d after SIGTERM; logs: %s", status, a.logs)
	}
	if err := a.cmd.Wait(); err != nil {
		t.Fatalf("the API did not exit cleanly: %v", err)
	}
	if f, _ := storedOf(t, s); f != 20000 {
		t.Fatalf("stored %d facilities, want 20000", f)
	}
}

func TestRestartingNeo4jWhileRequestsFlow(t *testing.T) {
	cfg := neo4jtest.Config(t)
	if !strings.Contains(neo4jtest.Provider(), "Maven") {
		t.Skipf("restarts only the Maven-started local Neo4j (provider: %s)", neo4jtest.Provider())
	}
	s := neo4jtest.MustStore(t)
	if _, err := s.Load(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(bigDocument(10))), nil }, nil); err != nil {
		t.Fatal(err)
	}
	a := startAPI(t, cfg.URI)
	root, _ := filepath.Abs("../..")
	var ok, failed, bad atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				switch code, _, _ := get(a.url + "/v1/facilities?limit=5"); code {
				case 200:
					ok.Add(1)
				case 503:
					failed.Add(1)
				default:
					bad.Add(1)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	script := filepath.Join(root, "scripts", "neo4j.sh")
	if out, err := exec.Command("bash", script, "stop").CombinedOutput(); err != nil {
		t.Fatalf("stop: %v %s", err, out)
	}
	stopped := time.Now()
	time.Sleep(time.Second)
	if out, err := exec.Command("bash", script, "start").CombinedOutput(); err != nil {
		t.Fatalf("start: %v %s", err, out)
	}
	up := time.Now()
	// Requests must come good by themselves: wait for a run of successes after the restart.
	var recovered time.Time
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, _, _ := get(a.url + "/v1/facilities?limit=5"); code == 200 {
			recovered = time.Now()
			break
		}
	}
	close(stop)
	wg.Wait()
	if recovered.IsZero() {
		t.Fatalf("no good answer within 60 s of Neo4j answering again: %s", a.logs)
	}
	if failed.Load() == 0 {
		t.Fatal("no request failed while Neo4j was down: the test did not take it away")
	}
	if bad.Load() > 0 {
		t.Fatalf("%d requests answered something other than 200 or 503 while Neo4j restarted", bad.Load())
	}
	t.Logf("Neo4j down %.1f s (stop to ready); answers good %.2f s after Neo4j was ready; %d ok, %d failed (503) meanwhile",
		up.Sub(stopped).Seconds(), recovered.Sub(up).Seconds(), ok.Load(), failed.Load())
	if code, _, body := get(a.url + "/readyz"); code != 200 {
		t.Fatalf("readyz after the restart: %d %s", code, body)
	}
}
