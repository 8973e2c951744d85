package http_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	mmhttp "github.com/mineralmap/mineralmap/http"
)

// fetch asks for u (GET, or POST with body) with the Accept header given and answers the status,
// the Content-Type and the body.
func fetch(t *testing.T, u, accept, body string) (int, string, []byte) {
	t.Helper()
	method := http.MethodGet
	if body != "" {
		method = http.MethodPost
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), raw
}

// Contract section 8: every list and analysis answers CSV, one row per item with a header line;
// parsed back, its numbers are the JSON answer's.
func TestEveryListAndAnalysisAnswersCSVWithTheJSONNumbers(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	scenario := `{"mineral":"rare-earths","restrictions":[{"country":"CN","targets":[],"measure":"ban"}],"as_of":"2025-12-01"}`
	for _, tc := range []struct {
		name, path, body string
		items            func(map[string]any) []any // the JSON items the CSV rows are
		columns          map[string]string          // CSV column → the JSON item's field ("." prefix: the answer's)
	}{
		{"countries", "/v1/countries?limit=5", "", field("items"), map[string]string{"id": "id", "name": "name"}},
		{"concentration", "/v1/minerals/rare-earths/concentration?stage=refining", "", field("shares"),
			map[string]string{"country": "country", "volume_t": "volume_t", "share": "share", "total_t": ".total_t", "hhi": ".hhi"}},
		{"paths", "/v1/paths?mineral=rare-earths&to=JP&avoid=CN&k=3", "", field("paths"), map[string]string{"hops": "hops", "bottleneck_t": "bottleneck_t"}},
		{"chokepoints", "/v1/chokepoints?mineral=rare-earths&consumer=JP", "", field("chokepoints"),
			map[string]string{"id": "id", "supply_at_risk": "supply_at_risk", "supply_t": ".supply_t", "demand_t": ".demand_t", "coverage": ".coverage"}},
		{"exposure, every mineral", "/v1/exposure?consumer=US&supplier=CN", "", field("minerals"),
			map[string]string{"mineral": "mineral", "supply_t": "supply_t", "supply_at_risk": "supply_at_risk", "coverage": "coverage"}},
		{"exposure, one mineral", "/v1/exposure?consumer=US&supplier=CN&mineral=rare-earths", "", func(b map[string]any) []any { return []any{b} },
			map[string]string{"mineral": "mineral", "supply_t": "supply_t", "supply_at_risk": "supply_at_risk", "demand_t": "demand_t"}},
		{"scenario", "/v1/scenarios", scenario, field("results"), map[string]string{"consumer": "consumer", "before_t": "before_t", "after_t": "after_t", "lost_share": "lost_share"}},
		{"quality", "/v1/quality?mineral=nickel", "", field("findings"), map[string]string{"severity": "severity", "kind": "kind", "message": "message"}},
		{"demand", "/v1/minerals/rare-earths/demand?year=2024", "", field("countries"), map[string]string{"country": "country", "volume_t": "volume_t", "share": "share", "basis": "basis"}},
		{"outlook", "/v1/outlook?mineral=rare-earths&consumer=group:ministerial-2026&avoid=CN&from=2025&to=2030", "", field("years"),
			map[string]string{"year": "year", "supply_t": "supply_t", "supply_avoiding_t": "supply_avoiding_t", "demand_t": "demand_t", "coverage": "coverage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, raw := fetch(t, srv.URL+tc.path, "", tc.body)
			var ans map[string]any
			if err := json.Unmarshal(raw, &ans); err != nil || code != 200 {
				t.Fatalf("JSON: %d %.300s", code, raw)
			}
			sep := "?"
			if strings.Contains(tc.path, "?") {
				sep = "&"
			}
			code, ctype, raw := fetch(t, srv.URL+tc.path+sep+"format=csv", "", tc.body)
			if code != 200 || !strings.HasPrefix(ctype, "text/csv") {
				t.Fatalf("CSV: %d %s %.300s", code, ctype, raw)
			}
			records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil {
				t.Fatalf("the CSV does not parse: %v\n%s", err, raw)
			}
			items := tc.items(ans)
			if len(records) != len(items)+1 || len(items) == 0 {
				t.Fatalf("%d CSV lines for %d items (want a header and a row each)", len(records), len(items))
			}
			col := map[string]int{}
			for i, h := range records[0] {
				col[h] = i
			}
			for i, item := range items {
				row := records[i+1]
				for c, f := range tc.columns {
					at, ok := col[c]
					if !ok {
						t.Fatalf("no column %q in %v", c, records[0])
					}
					src := item.(map[string]any)
					if strings.HasPrefix(f, ".") {
						src, f = ans, f[1:]
					}
					if got, want := row[at], src[f]; !same(got, want) {
						t.Errorf("row %d, %s: CSV %q, JSON %v", i+1, c, got, want)
					}
				}
			}
		})
	}
	// Accept: text/csv asks for CSV too; errors stay JSON; format takes json or csv only.
	if code, ctype, _ := fetch(t, srv.URL+"/v1/chokepoints?mineral=rare-earths&consumer=JP", "text/csv", ""); code != 200 || !strings.HasPrefix(ctype, "text/csv") {
		t.Errorf("Accept: text/csv: %d %s", code, ctype)
	}
	if code, ctype, _ := fetch(t, srv.URL+"/v1/chokepoints?mineral=nothing&consumer=JP&format=csv", "", ""); code != 404 || !strings.HasPrefix(ctype, "application/json") {
		t.Errorf("an error asked as CSV: %d %s", code, ctype)
	}
	if code, _, _ := fetch(t, srv.URL+"/v1/chokepoints?mineral=rare-earths&consumer=JP&format=xml", "", ""); code != 422 {
		t.Errorf("format=xml: %d, want 422", code)
	}
}

func field(name string) func(map[string]any) []any {
	return func(b map[string]any) []any { v, _ := b[name].([]any); return v }
}

// same compares a CSV cell with a JSON value: numbers as numbers, null as an empty cell.
func same(cell string, v any) bool {
	switch x := v.(type) {
	case nil:
		return cell == ""
	case float64:
		f, err := strconv.ParseFloat(cell, 64)
		return err == nil && f == x
	case string:
		return cell == x
	case bool:
		return cell == strconv.FormatBool(x)
	}
	return false
}

// post sends a body with a Content-Type and the write token, and answers the status and the
// decoded answer.
func post(t *testing.T, u, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// Contract section 8: POST /v1/graph takes one section as CSV; its problems name line and
// column beside the pointer; nothing of a document with a problem is stored; a second load
// changes nothing.
func TestPostingASectionAsCSV(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{APIToken: token})
	u := srv.URL + "/v1/graph"
	countries := "id,name,groups\nQQ,Country QQ,OECD;G99\nQR,\"Country QR, with a comma\",[]\n"
	code, ans := post(t, u, "text/csv; section=countries", countries)
	if code != 200 || ans["nodes_created"] != 2.0 {
		t.Fatalf("countries: %d %v", code, ans)
	}
	if code, ans = post(t, u, "text/csv; section=countries", countries); code != 200 || ans["nodes_created"] != 0.0 || ans["properties_set"] != 0.0 {
		t.Fatalf("the same CSV again: %d %v", code, ans)
	}
	// Line 3's volume is no number, and line 4 fills a column the section does not have.
	bad := "from,to,mineral,volume_t,year,colour\nQQ,JP,rare-earths,12,2024,\nQQ,JP,rare-earths,lots,2023,\nQR,JP,rare-earths,5,2024,red\n"
	code, ans = post(t, u, "text/csv; section=supplies", bad)
	details := detailsOf(ans)
	want := map[string][2]float64{"/supplies/1/volume_t": {3, 4}, "/supplies/2/colour": {4, 6}}
	if code != 422 || len(details) < len(want) {
		t.Fatalf("bad CSV: %d %v", code, ans)
	}
	for _, d := range details {
		if w, ok := want[d["path"].(string)]; ok {
			if d["line"] != w[0] || d["column"] != w[1] {
				t.Errorf("%s: line %v column %v, want %v", d["path"], d["line"], d["column"], w)
			}
			delete(want, d["path"].(string))
		}
	}
	if len(want) > 0 {
		t.Errorf("problems not reported: %v (got %v)", want, details)
	}
	// Nothing of it was stored: QQ supplies nothing; a good CSV loads.
	code, node := call(t, "GET", srv.URL+"/v1/nodes/QQ", "", nil)
	if code != 200 {
		t.Fatalf("QQ: %d", code)
	}
	for _, r := range node["relationships"].([]any) {
		if r.(map[string]any)["type"] == "SUPPLIES" {
			t.Errorf("a supply of the refused CSV was stored: %v", r)
		}
	}
	if code, ans := post(t, u, "text/csv; section=supplies", "from,to,mineral,volume_t,year\nQQ,JP,rare-earths,12,2024\n"); code != 200 || ans["relationships_created"] != 1.0 {
		t.Errorf("supplies: %d %v", code, ans)
	}
	for _, tc := range []struct {
		ctype, body string
		code        int
	}{
		{"text/csv", "id,name\nQS,S\n", 422},                          // no section
		{"text/csv; section=nonsense", "id,name\nQS,S\n", 422},        // no such section
		{"text/csv; section=countries", "id,name\nQS,S,extra\n", 422}, // a row longer than the header
		{"text/csv; section=countries", "id,name\n\"QS,S\n", 400},     // a quote never closed
		{"text/plain", "id,name\nQS,S\n", 415},
	} {
		if code, ans := post(t, u, tc.ctype, tc.body); code != tc.code {
			t.Errorf("%s %q: %d %v, want %d", tc.ctype, tc.body, code, ans, tc.code)
		}
	}
}

func detailsOf(ans map[string]any) []map[string]any {
	e, _ := ans["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	var out []map[string]any
	for _, d := range ds {
		out = append(out, d.(map[string]any))
	}
	return out
}
