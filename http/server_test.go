package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/fixtures"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

const token = "test-token"

// mustServer serves the API over a fresh store with the fixtures loaded.
func mustServer(t *testing.T, cfg mmhttp.Config) (*httptest.Server, *neo4j.Store) {
	t.Helper()
	s := neo4jtest.MustStore(t)
	for _, name := range fixtures.Names() {
		if _, err := s.Load(context.Background(), fixtures.Source(name), nil); err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
	}
	srv := httptest.NewServer(specChecked(t, mmhttp.New(s, analysis.New(s, analysis.Options{}), cfg).Handler()))
	t.Cleanup(srv.Close)
	return srv, s
}

// call sends a request and decodes the JSON answer.
func call(t *testing.T, method, u, auth string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: not JSON (%d): %s", method, u, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestWritesNeedTheToken(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token})
	doc := []byte(`{"countries":[{"id":"NZ","name":"New Zealand"}]}`)
	if code, body := call(t, "POST", srv.URL+"/v1/graph", "", doc); code != 401 || errorCode(body) != "unauthorized" {
		t.Fatalf("no token: %d %v", code, body)
	}
	if code, _ := call(t, "POST", srv.URL+"/v1/graph", "wrong", doc); code != 401 {
		t.Fatalf("wrong token: %d", code)
	}
	code, body := call(t, "POST", srv.URL+"/v1/graph", token, doc)
	if code != 200 || body["nodes_created"] != 1.0 {
		t.Fatalf("load: %d %v", code, body)
	}
	code, body = call(t, "GET", srv.URL+"/v1/nodes/NZ", "", nil)
	if code != 200 || body["label"] != "Country" || body["properties"].(map[string]any)["name"] != "New Zealand" {
		t.Fatalf("node NZ: %d %v", code, body)
	}

	closed, _ := mustServer(t, mmhttp.Config{})
	code, body = call(t, "POST", closed.URL+"/v1/graph", "anything", doc)
	if code != 403 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "MINERALMAP_API_TOKEN") {
		t.Fatalf("no token configured: %d %v", code, body)
	}
}

func TestABadDocumentIsRefusedWithPointersAndStoresNothing(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token})
	doc := []byte(`{"countries":[{"id":"NZ","name":"New Zealand"}],"facilities":[{"id":"x","name":"X","kind":"mill","country":"NZ"}]}`)
	code, body := call(t, "POST", srv.URL+"/v1/graph", token, doc)
	details := body["error"].(map[string]any)["details"].([]any)
	if code != 422 || errorCode(body) != "invalid" || details[0].(map[string]any)["path"] != "/facilities/0/kind" {
		t.Fatalf("bad kind: %d %v", code, body)
	}
	if code, _ := call(t, "GET", srv.URL+"/v1/nodes/NZ", "", nil); code != 404 {
		t.Fatalf("NZ was stored from a refused document (%d)", code)
	}
	if code, body := call(t, "POST", srv.URL+"/v1/graph", token, []byte(`{"countries":[`)); code != 400 || errorCode(body) != "invalid" {
		t.Fatalf("malformed: %d %v", code, body)
	}
}

func TestTheBodyLimitHoldsOnTheBytesRead(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token, BodyLimit: 1024})
	big := []byte(`{"countries":[` + strings.Repeat(`{"id":"NZ","name":"New Zealand"},`, 100) + `{"id":"AQ","name":"x"}]}`)
	// Chunked, so no Content-Length announces the size.
	req, _ := http.NewRequest("POST", srv.URL+"/v1/graph", io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestListsPageThroughEveryNode(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	var all []string
	next := ""
	pages := 0
	for {
		u := srv.URL + "/v1/countries?limit=7"
		if next != "" {
			u += "&cursor=" + url.QueryEscape(next)
		}
		code, body := call(t, "GET", u, "", nil)
		if code != 200 {
			t.Fatalf("%s: %d %v", u, code, body)
		}
		pages++
		for _, it := range body["items"].([]any) {
			all = append(all, it.(map[string]any)["id"].(string))
		}
		if body["next_cursor"] == nil {
			break
		}
		next = body["next_cursor"].(string)
	}
	if len(all) < 20 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Fatalf("paged %d countries over %d pages: %v", len(all), pages, all)
	}
	for _, want := range []string{"AU", "CN", "JP", "US", "EU"} {
		if !slices.Contains(all, want) {
			t.Errorf("country %s missing from the list", want)
		}
	}
	code, body := call(t, "GET", srv.URL+"/v1/facilities?country=AU&kind=mine&limit=1000", "", nil)
	if code != 200 {
		t.Fatalf("filtered facilities: %d %v", code, body)
	}
	var ids []string
	for _, it := range body["items"].([]any) {
		f := it.(map[string]any)
		if f["country"] != "AU" || f["kind"] != "mine" {
			t.Fatalf("filter let through %v", f)
		}
		ids = append(ids, f["id"].(string))
	}
	if !slices.Contains(ids, "mt-weld") {
		t.Fatalf("Australian mines %v lack mt-weld", ids)
	}
}

func TestBadParametersAreClearErrors(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	cases := []struct {
		path string
		code int
		err  string
	}{
		{"/v1/countries?limit=0", 422, "invalid"},
		{"/v1/countries?limit=1001", 422, "invalid"},
		{"/v1/countries?cursor=garbage", 422, "invalid"},
		{"/v1/countries?colour=red", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths&to=JP&k=21", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths&to=JP&max_hops=13", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths&to=JP&as_of=2026-02-30", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths&to=JP&restrictions=some", 422, "invalid"},
		{"/v1/chokepoints?mineral=rare-earths&consumer=JP&limit=1001", 422, "invalid"},
		{"/v1/paths?mineral=unobtainium&to=JP", 404, "not_found"},
		{"/v1/paths?mineral=rare-earths&to=JP&avoid=CN,atlantis", 404, "not_found"},
		{"/v1/chokepoints?mineral=rare-earths&consumer=QQ", 404, "not_found"},
		{"/v1/chokepoints?mineral=rare-earths&consumer=JP&year=20x4", 422, "invalid"},
		{"/v1/chokepoints?mineral=rare-earths&consumer=JP&basis=rumour", 422, "invalid"},
		{"/v1/paths?mineral=rare-earths&to=JP&forms=ore,dust", 422, "invalid"},
		{"/v1/quality?mineral=unobtainium", 404, "not_found"},
		{"/v1/quality?year=2024.5", 422, "invalid"},
		{"/v1/minerals/unobtainium/concentration", 404, "not_found"},
		{"/v1/minerals/rare-earths/concentration?stage=smelting", 422, "invalid"},
		{"/v1/nodes/nothing-here", 404, "not_found"},
		{"/v1/nowhere", 404, "not_found"},
	}
	for _, tc := range cases {
		code, body := call(t, "GET", srv.URL+tc.path, "", nil)
		if code != tc.code || errorCode(body) != tc.err {
			t.Errorf("%s: %d %v, want %d %s", tc.path, code, body, tc.code, tc.err)
		}
	}
}

func TestEveryAnalysisAnswersWithItsCypherAndABrowserLink(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	for _, path := range []string{
		"/v1/minerals/rare-earths/concentration?stage=refining",
		"/v1/paths?mineral=rare-earths&to=JP&avoid=CN",
		"/v1/chokepoints?mineral=rare-earths&consumer=JP",
		"/v1/exposure?consumer=JP&supplier=CN&mineral=rare-earths",
		"/v1/exposure?consumer=JP&supplier=CN",
	} {
		code, body := call(t, "GET", srv.URL+path, "", nil)
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, body)
		}
		cy, _ := body["cypher"].(string)
		link, _ := body["browser_url"].(string)
		if !strings.Contains(cy, "MATCH") || !strings.HasPrefix(link, "http://127.0.0.1:7474/browser/?cmd=edit&arg=") {
			t.Fatalf("%s: cypher %q, browser_url %q", path, cy, link)
		}
	}
	code, body := call(t, "POST", srv.URL+"/v1/scenarios", "", []byte(`{"mineral":"rare-earths","consumers":["JP"],"remove":{"countries":["CN"]}}`))
	if code != 200 || len(body["results"].([]any)) != 1 {
		t.Fatalf("scenario: %d %v", code, body)
	}
	code, body = call(t, "POST", srv.URL+"/v1/scenarios", "", []byte(`{"mineral":"rare-earths","remove":{"countries":"CN"}}`))
	if code != 422 {
		t.Fatalf("scenario with a wrong type: %d %v", code, body)
	}
}

func TestAReadTokenGuardsEveryRead(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token, ReadToken: "reader"})
	for _, tc := range []struct {
		method, path, auth string
		body               []byte
		want               int
	}{
		{"GET", "/v1/countries", "", nil, 401},
		{"GET", "/v1/countries", "reader", nil, 200},
		{"GET", "/v1/countries", token, nil, 200},
		{"POST", "/v1/scenarios", "", []byte(`{"mineral":"rare-earths"}`), 401},
		{"POST", "/v1/scenarios", "reader", []byte(`{"mineral":"rare-earths"}`), 200},
		{"POST", "/v1/graph", "reader", []byte(`{}`), 401},
		{"GET", "/healthz", "", nil, 200},
	} {
		if code, body := call(t, tc.method, srv.URL+tc.path, tc.auth, tc.body); code != tc.want {
			t.Errorf("%s %s with %q: %d %v, want %d", tc.method, tc.path, tc.auth, code, body, tc.want)
		}
	}
}

// A list parameter takes the comma form, the repeated form Python's clients send, or both, with
// the same limits and duplicate rules; a single-valued parameter given twice is still refused.
func TestListParametersTakeCommasAndRepeats(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	get := func(query string) (int, map[string]any) {
		t.Helper()
		return call(t, "GET", srv.URL+"/v1/paths?mineral=rare-earths&to=JP&as_of=2026-06-01&"+query, "", nil)
	}
	_, comma := get("avoid=CN,MY")
	for _, q := range []string{"avoid=CN&avoid=MY", "avoid=CN&avoid=MY&avoid=CN", "avoid=CN,MY&avoid=MY"} {
		code, body := get(q)
		if code != 200 || !reflect.DeepEqual(body["avoid"], []any{"CN", "MY"}) || !reflect.DeepEqual(body["paths"], comma["paths"]) {
			t.Errorf("%s: %d avoid %v, paths %v; want the answer of avoid=CN,MY (%v)", q, code, body["avoid"], body["paths"], comma["paths"])
		}
	}
	var many []string
	for i := range 101 {
		many = append(many, "avoid=x"+strconv.Itoa(i))
	}
	for _, q := range []string{strings.Join(many, "&"), "avoid=CN&avoid=bad%20id", "k=1&k=2"} {
		if code, body := get(q); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("%.60s: %d %v, want 422 invalid", q, code, body)
		}
	}
}
