package main_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// Two API processes over one Neo4j (docs/scaling.md): a load through one is in the other's next
// answer, and under concurrent reads both give byte-identical answers.
func TestTwoReplicasAgree(t *testing.T) {
	neo4jtest.MustStore(t) // an empty graph
	cfg := neo4jtest.Config(t)
	env := []string{"NEO4J_USER=" + cfg.User, "NEO4J_PASSWORD=" + cfg.Password}
	a, b := startAPI(t, cfg.URI, env...), startAPI(t, cfg.URI, env...)
	body := func(method, u string, doc []byte) (int, []byte) {
		req, _ := http.NewRequest(method, u, bytes.NewReader(doc))
		if doc != nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer fault-token")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	for _, name := range fixtures.Names() {
		r, err := fixtures.Source(name)()
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := io.ReadAll(r)
		r.Close()
		if code, raw := body("POST", a.url+"/v1/graph", doc); code != 200 {
			t.Fatalf("load %s through A: %d %s", name, code, raw)
		}
	}
	for _, api := range []string{a.url, b.url} {
		for deadline := time.Now().Add(2 * time.Minute); ; {
			if code, _ := body("GET", api+"/readyz", nil); code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready", api)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	exposure := "/v1/exposure?consumer=JP&supplier=CN&mineral=rare-earths&as_of=2026-06-01"
	_, before := body("GET", b.url+exposure, nil)

	// A load through A is in B's next answer: a new supplier of Japan outside China.
	doc := []byte(`{"countries":[{"id":"QZ","name":"Replica test","source":"test"}],
"supplies":[{"from":"QZ","to":"JP","mineral":"rare-earths","volume_t":1000,"year":2024,"basis":"reported","source":"test"}]}`)
	if code, raw := body("POST", a.url+"/v1/graph", doc); code != 200 {
		t.Fatalf("load through A: %d %s", code, raw)
	}
	code, after := body("GET", b.url+exposure, nil)
	if code != 200 || bytes.Equal(before, after) || !bytes.Contains(after, []byte(`"supply_t"`)) {
		t.Fatalf("B's next answer after A's load: %d\nbefore %s\nafter  %s", code, before, after)
	}
	if _, fromA := body("GET", a.url+exposure, nil); !bytes.Equal(fromA, after) {
		t.Fatalf("A and B disagree after the load:\nA %s\nB %s", fromA, after)
	}

	// Concurrent reads through both: every answer to a URL is the same bytes.
	urls := []string{exposure,
		"/v1/chokepoints?mineral=rare-earths&consumer=JP&as_of=2026-06-01",
		"/v1/paths?mineral=rare-earths&to=JP&avoid=CN&as_of=2026-06-01",
		"/v1/minerals/lithium/concentration?stage=refining",
		"/v1/outlook?mineral=rare-earths&consumer=group:ministerial-2026&avoid=CN&from=2025&to=2032",
		"/v1/minerals/rare-earths/demand?group=ministerial-2026",
		"/v1/exposure?consumer=group:G7&supplier=CN&as_of=2026-06-01",
	}
	var mu sync.Mutex
	seen := map[string][]byte{}
	var wg sync.WaitGroup
	var failures []string
	const clients, rounds = 16, 6
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for r := range rounds {
				for i, u := range urls {
					api := []string{a.url, b.url}[(c+r+i)%2]
					code, raw := body("GET", api+u, nil)
					mu.Lock()
					switch prev, ok := seen[u]; {
					case code != 200:
						failures = append(failures, fmt.Sprintf("%s%s: %d %.200s", api, u, code, raw))
					case !ok:
						seen[u] = raw
					case !bytes.Equal(prev, raw):
						failures = append(failures, fmt.Sprintf("%s%s: a different answer", api, u))
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d answers differ or failed; first: %s", len(failures), clients*rounds*len(urls), failures[0])
	}
	t.Logf("two replicas, %d concurrent clients: %d answers to %d questions, each question's answers byte-identical, in %v",
		clients, clients*rounds*len(urls), len(urls), time.Since(start).Round(time.Millisecond))
}
