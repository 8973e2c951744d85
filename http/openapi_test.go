package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/mineralmap/mineralmap/analysis"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/mock"
)

// spec is the embedded openapi.json, loaded and validated once, with a router over its paths.
type spec struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	specOnce sync.Once
	theSpec  *spec
	specErr  error
)

func mustSpec(tb testing.TB) *spec {
	tb.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(mmhttp.OpenAPI())
		if err != nil {
			specErr = fmt.Errorf("load: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("validate: %w", err)
			return
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("router: %w", err)
			return
		}
		theSpec = &spec{doc: doc, router: r}
	})
	if specErr != nil {
		tb.Fatalf("openapi.json: %v", specErr)
	}
	return theSpec
}

// check validates one request/response pair against the spec with kin-openapi's openapi3filter:
// a request the spec forbids must be refused with a 4xx, and every response must be one the spec
// documents for its operation and status, headers and body included. A request outside the
// spec's paths must get a 404 (no such path) or a 405 with Allow (no such method) in the error
// shape.
func (s *spec) check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	ctx := context.Background()
	req = req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	// The server reads a body as JSON whatever its Content-Type; the tests' client sends none.
	if len(reqBody) > 0 && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, pathParams, err := s.router.FindRoute(req)
	if err != nil {
		want := map[error]int{routers.ErrPathNotFound: http.StatusNotFound, routers.ErrMethodNotAllowed: http.StatusMethodNotAllowed}
		if want[err] == 0 {
			return fmt.Errorf("finding the route: %w", err)
		}
		if status != want[err] {
			return fmt.Errorf("outside the spec (%v) but answered %d, want %d", err, status, want[err])
		}
		if status == http.StatusMethodNotAllowed && header.Get("Allow") == "" {
			return fmt.Errorf("a 405 without Allow")
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("the %d answer is not JSON: %w", status, err)
		}
		return s.doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		// The server checks tokens itself (and the tests check that it does).
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if reqErr := openapi3filter.ValidateRequest(ctx, in); reqErr != nil && (status < 400 || status >= 500) {
		return fmt.Errorf("the spec refuses the request (%v) but it was answered %d", reqErr, status)
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// specChecked serves h and fails t for every request/response pair that openapi.json does not
// describe, so that every HTTP test also tests the spec.
// The charts' media types (format=svg|png) and the dashboard's page are bodies the validator
// reads as opaque strings: their shape is checked by their own tests (charts_test.go, e2e).
func init() {
	for _, media := range []string{"image/svg+xml", "image/png", "text/html"} {
		openapi3filter.RegisterBodyDecoder(media, openapi3filter.FileBodyDecoder)
	}
}

func specChecked(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	sp := mustSpec(t)
	var checked atomic.Int64
	t.Cleanup(func() { t.Logf("openapi.json: %d request/response pairs checked", checked.Load()) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked.Add(1)
		reqBody, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s %s: reading the body: %v", r.Method, r.URL, err)
		}
		orig := r.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err := sp.check(orig, reqBody, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("%s %s → %d does not match openapi.json: %v\nbody: %.600s", r.Method, r.URL, rec.Code, err, rec.Body.Bytes())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// offlineServer builds the API over a mock store whose Neo4j is down: enough for the routes,
// the spec, and the answers given when Neo4j is down.
func offlineServer(t *testing.T, cfg mmhttp.Config) *mmhttp.Server {
	t.Helper()
	store := &mock.Store{}
	return mmhttp.New(store, analysis.New(store, analysis.Options{}), cfg)
}

func TestTheSpecIsAValidOpenAPI31Document(t *testing.T) {
	sp := mustSpec(t)
	if !sp.doc.IsOpenAPI31OrLater() || !strings.HasPrefix(sp.doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi is %q, want 3.1.x", sp.doc.OpenAPI)
	}
	// Every operation documents its errors in the contract's shape, and every 503 its Retry-After.
	for path, item := range sp.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				if strings.HasPrefix(status, "2") {
					continue
				}
				media := r.Value.Content.Get("application/json")
				if media == nil || r.Ref == "" || !strings.HasPrefix(r.Ref, "#/components/responses/") {
					t.Errorf("%s %s %s: not one of the shared error responses", method, path, status)
				}
				if status == "503" && r.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s %s 503: no Retry-After header", method, path)
				}
			}
		}
	}
}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

func TestEveryRouteIsInTheSpecAndEverySpecPathIsServed(t *testing.T) {
	sp := mustSpec(t)
	var served []string
	for _, r := range offlineServer(t, mmhttp.Config{}).Routes() {
		served = append(served, ginParam.ReplaceAllString(r, "{$1}"))
	}
	var documented []string
	for path, item := range sp.doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	for _, r := range served {
		if !slices.Contains(documented, r) {
			t.Errorf("the router serves %s; openapi.json does not describe it", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(served, r) {
			t.Errorf("openapi.json describes %s; the router does not serve it", r)
		}
	}
	if len(served) < 17 {
		t.Errorf("only %d routes served: %v", len(served), served)
	}
}

func TestTheServedSpecIsTheEmbeddedOne(t *testing.T) {
	srv := httptest.NewServer(specChecked(t, offlineServer(t, mmhttp.Config{}).Handler()))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !bytes.Equal(got, mmhttp.OpenAPI()) {
		t.Fatalf("GET /openapi.json: %d %s, %d bytes (embedded: %d)", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), len(mmhttp.OpenAPI()))
	}
}

// The check must catch answers that break the spec, or a passing suite proves nothing.
func TestTheSpecCheckCatchesAnswersTheSpecDoesNotDescribe(t *testing.T) {
	sp := mustSpec(t)
	get := func(u string) *http.Request { r, _ := http.NewRequest("GET", u, nil); return r }
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	errBody := func(code string) []byte {
		return []byte(`{"error":{"code":"` + code + `","message":"m","details":[]}}`)
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"a well-formed 404", get("/v1/nodes/x"), 404, jsonHeader, string(errBody("not_found")), true},
		{"a 404 with the wrong code", get("/v1/nodes/x"), 404, jsonHeader, string(errBody("invalid")), false},
		{"an undocumented status", get("/v1/nodes/x"), 418, jsonHeader, string(errBody("invalid")), false},
		{"an error without details", get("/v1/nodes/x"), 404, jsonHeader, `{"error":{"code":"not_found","message":"m"}}`, false},
		{"a paths answer missing fields", get("/v1/paths?mineral=a&to=b"), 200, jsonHeader, `{"mineral":"a"}`, false},
		{"a list whose next_cursor is a number", get("/v1/countries"), 200, jsonHeader, `{"items":[],"next_cursor":3}`, false},
		{"a list on its last page", get("/v1/countries"), 200, jsonHeader, `{"items":[{"id":"JP","name":"Japan","groups":["G7"]}],"next_cursor":null}`, true},
		{"a 503 without Retry-After", get("/readyz"), 503, jsonHeader, string(errBody("unavailable")), false},
		{"a 503 with Retry-After", get("/readyz"), 503, http.Header{"Content-Type": {"application/json"}, "Retry-After": {"5"}}, string(errBody("unavailable")), true},
		{"a request the spec refuses, answered 200", get("/v1/paths?mineral=a&to=b&k=99"), 200, jsonHeader, `{}`, false},
		{"a request the spec refuses, answered 422", get("/v1/paths?mineral=a&to=b&k=99"), 422, jsonHeader, string(errBody("invalid")), true},
		{"an unknown path answered 404", get("/v1/nowhere"), 404, jsonHeader, string(errBody("not_found")), true},
		{"an unknown path answered 200", get("/v1/nowhere"), 200, jsonHeader, `{}`, false},
	}
	for _, tc := range cases {
		err := sp.check(tc.req, nil, tc.status, tc.header, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: check says %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// When Neo4j is down, the answers are the documented 503s with Retry-After (the middleware
// checks them against the spec).
func TestAnswersWithoutNeo4jAreInTheSpec(t *testing.T) {
	srv := httptest.NewServer(specChecked(t, offlineServer(t, mmhttp.Config{APIToken: token}).Handler()))
	defer srv.Close()
	for _, tc := range []struct{ method, path string }{
		{"GET", "/readyz"},
		{"GET", "/v1/paths?mineral=rare-earths&to=JP"},
		{"GET", "/v1/countries"},
		{"DELETE", "/v1/graph"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s with Neo4j down: %d, Retry-After %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	code, body := call(t, "GET", srv.URL+"/healthz", "", nil)
	if code != 200 || body["status"] != "ok" {
		t.Errorf("healthz with Neo4j down: %d %v", code, body)
	}
}

// Every operation, asked a question it can answer, answers 200 in its documented shape.
func TestEveryOperationAnswersInItsDocumentedShape(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token})
	for _, tc := range []struct {
		method, path, body string
		want               func(map[string]any) bool
	}{
		{"GET", "/healthz", "", func(b map[string]any) bool { return b["status"] == "ok" }},
		{"GET", "/readyz", "", func(b map[string]any) bool { return b["status"] == "ready" }},
		{"GET", "/v1/nodes/mountain-pass", "", func(b map[string]any) bool {
			return b["label"] == "Facility" && len(b["relationships"].([]any)) > 0
		}},
		{"GET", "/v1/nodes/CN", "", func(b map[string]any) bool { return b["label"] == "Country" }},
		{"GET", "/v1/nodes/rare-earths", "", func(b map[string]any) bool { return b["label"] == "Mineral" }},
		{"GET", "/v1/countries?group=G7", "", func(b map[string]any) bool { return len(b["items"].([]any)) >= 7 }},
		{"GET", "/v1/minerals?limit=2", "", func(b map[string]any) bool { return b["next_cursor"] != nil }},
		{"GET", "/v1/facilities?mineral=rare-earths&kind=magnet", "", func(b map[string]any) bool { return len(b["items"].([]any)) > 0 }},
		{"GET", "/v1/agreements", "", func(b map[string]any) bool { return len(b["items"].([]any)) > 0 }},
		{"GET", "/v1/minerals/rare-earths/concentration", "", func(b map[string]any) bool { return b["year"] != nil }},
		{"GET", "/v1/minerals/rare-earths/concentration?stage=mining&year=1900", "", func(b map[string]any) bool {
			return b["year"] == 1900.0 && len(b["shares"].([]any)) == 0
		}},
		{"GET", "/v1/paths?mineral=rare-earths&to=JP&from=mountain-pass&k=2&max_hops=6&restrictions=ignore&as_of=2025-12-01", "", func(b map[string]any) bool {
			return b["from"] == "mountain-pass" && len(b["paths"].([]any)) > 0
		}},
		{"GET", "/v1/paths?mineral=rare-earths&to=JP&avoid=CN", "", func(b map[string]any) bool { return b["from"] == nil && len(b["paths"].([]any)) > 0 }},
		{"GET", "/v1/chokepoints?mineral=rare-earths&consumer=JP&limit=3&restrictions=ignore", "", func(b map[string]any) bool {
			return len(b["chokepoints"].([]any)) == 3
		}},
		{"GET", "/v1/exposure?consumer=JP&supplier=CN&mineral=rare-earths", "", func(b map[string]any) bool { return b["supply_at_risk"] != nil }},
		{"GET", "/v1/exposure?consumer=JP&supplier=CN", "", func(b map[string]any) bool { return len(b["minerals"].([]any)) > 0 }},
		{"POST", "/v1/scenarios?restrictions=all", `{"mineral":"rare-earths","restrictions":[{"country":"CN","targets":["JP"],"measure":"ban"}],"as_of":"2025-12-01"}`,
			func(b map[string]any) bool { return len(b["results"].([]any)) > 0 }},
		// Contract section 7: groups, demand and coverage, the outlook.
		{"GET", "/v1/chokepoints?mineral=rare-earths&consumer=group:ministerial-2026&limit=5", "", func(b map[string]any) bool {
			return len(b["members"].([]any)) > 10 && b["demand_t"] != nil && b["coverage"] != nil
		}},
		{"GET", "/v1/exposure?consumer=group:G7&supplier=CN&mineral=rare-earths", "", func(b map[string]any) bool {
			return len(b["members"].([]any)) > 0 && b["demand_t"] != nil
		}},
		{"GET", "/v1/exposure?consumer=mp-10x-magnets&supplier=group:EU&mineral=rare-earths", "", func(b map[string]any) bool {
			return b["coverage"] == nil && b["coverage_reason"] != nil && len(b["supplier_members"].([]any)) > 5
		}},
		{"GET", "/v1/minerals/rare-earths/demand?group=ministerial-2026", "", func(b map[string]any) bool {
			g, _ := b["group"].(map[string]any)
			return b["world_total"] == true && g != nil && g["volume_t"].(float64) > 0 && g["share"].(float64) < 1
		}},
		{"GET", "/v1/minerals/lithium/demand?year=2024", "", func(b map[string]any) bool { return b["group"] == nil && b["total_t"] == 220000.0 }},
		{"GET", "/v1/outlook?mineral=rare-earths&consumer=group:ministerial-2026&avoid=CN&from=2025&to=2032&delay_years=2&target=0.5", "", func(b map[string]any) bool {
			return len(b["years"].([]any)) == 8 && b["delay_years"] == 2.0
		}},
		{"GET", "/v1/outlook?mineral=gallium&consumer=JP", "", func(b map[string]any) bool { return len(b["years"].([]any)) == 9 }},
		{"POST", "/v1/scenarios", `{"mineral":"rare-earths","consumers":["group:G7","JP"],"remove":{"countries":["group:EU"]},"restrictions":[{"country":"CN","targets":["group:G7"],"measure":"ban"}]}`,
			func(b map[string]any) bool { return len(b["results"].([]any)) == 2 }},
		{"POST", "/v1/graph", `{"countries":[{"id":"NZ","name":"New Zealand","groups":["OECD"]}],"supplies":[{"from":"NZ","to":"JP","mineral":"rare-earths","volume_t":1,"year":2024}]}`,
			func(b map[string]any) bool { return b["nodes_created"] == 1.0 && b["relationships_created"] == 1.0 }},
		{"DELETE", "/v1/graph", "", func(b map[string]any) bool { return b["nodes_deleted"].(float64) > 100 }},
	} {
		code, body := call(t, tc.method, srv.URL+tc.path, token, []byte(tc.body))
		if code != 200 || !tc.want(body) {
			t.Errorf("%s %s: %d %.400v", tc.method, tc.path, code, body)
		}
	}
	// /metrics is text, not JSON.
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(text), "mineralmap_http_requests_total") {
		t.Errorf("GET /metrics: %d %.200s", resp.StatusCode, text)
	}
}

// Contract section 4: no path is 200 with an empty list, which the spec says is an array.
func TestNoPathIsAnEmptyListNotNull(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	for _, path := range []string{
		"/v1/paths?mineral=rare-earths&to=JP&avoid=CN,MY",
		"/v1/paths?mineral=rare-earths&to=JP&from=mountain-pass&restrictions=all&as_of=2025-12-01",
	} {
		code, body := call(t, "GET", srv.URL+path, "", nil)
		if p, ok := body["paths"].([]any); code != 200 || !ok || len(p) != 0 {
			t.Errorf("%s: %d, paths %#v; want 200 and []", path, code, body["paths"])
		}
	}
}

// The spec closes the scenario body (additionalProperties: false); the server must refuse what
// it refuses, including keys that differ only in case, which encoding/json would take.
func TestScenarioKeysTheSpecRefusesAreRefused(t *testing.T) {
	sp := mustSpec(t)
	srv := httptest.NewServer(specChecked(t, offlineServer(t, mmhttp.Config{}).Handler()))
	defer srv.Close()
	body := sp.doc.Paths.Value("/v1/scenarios").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, tc := range []struct{ body, path string }{
		{`{"MINERAL":"rare-earths"}`, "/MINERAL"},
		{`{"mineral":"rare-earths","Consumers":["JP"]}`, "/Consumers"},
		{`{"mineral":"rare-earths","remove":{"Countries":["CN"]}}`, "/remove/Countries"},
		{`{"mineral":"rare-earths","restrictions":[{"country":"CN"},{"COUNTRY":"CN","country":"CN"}]}`, "/restrictions/1/COUNTRY"},
		{`{"mineral":"rare-earths","mineral":"lithium"}`, "/mineral"}, // JSON Schema cannot see a duplicate
	} {
		var v any
		_ = json.Unmarshal([]byte(tc.body), &v)
		if !strings.Contains(tc.body, `"mineral":"lithium"`) && body.VisitJSON(v, openapi3.EnableJSONSchema2020()) == nil {
			t.Errorf("%s: the spec takes it", tc.body)
		}
		code, ans := call(t, "POST", srv.URL+"/v1/scenarios", "", []byte(tc.body))
		details, _ := ans["error"].(map[string]any)["details"].([]any)
		if code != 422 || errorCode(ans) != "invalid" || len(details) == 0 || details[0].(map[string]any)["path"] != tc.path {
			t.Errorf("%s: %d %v; want 422 invalid at %s", tc.body, code, ans, tc.path)
		}
	}
}

// Contract section 3: exposure without a mineral answers "minerals", an empty list when the
// consumer receives nothing (mountain-pass is a mine: nothing flows into it).
func TestExposureWithoutAMineralAlwaysListsMinerals(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	code, body := call(t, "GET", srv.URL+"/v1/exposure?consumer=mountain-pass&supplier=CN", "", nil)
	if m, ok := body["minerals"].([]any); code != 200 || !ok || len(m) != 0 {
		t.Errorf("exposure of mountain-pass to CN: %d, minerals %#v; want 200 and []", code, body["minerals"])
	}
}

// With a read token configured, reads without it are the documented 401 with its challenge.
func TestRefusedReadsAreInTheSpec(t *testing.T) {
	srv := httptest.NewServer(specChecked(t, offlineServer(t, mmhttp.Config{ReadToken: "read-token"}).Handler()))
	defer srv.Close()
	for _, path := range []string{"/v1/countries", "/v1/nodes/JP", "/v1/paths?mineral=rare-earths&to=JP"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("GET %s without the read token: %d, WWW-Authenticate %q", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if code, _ := call(t, "GET", srv.URL+"/v1/countries", "read-token", nil); code != 503 {
		t.Errorf("GET /v1/countries with the read token and Neo4j down: %d, want 503", code)
	}
}
