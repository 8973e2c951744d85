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
