package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/neo4j"
)

var (
	browserCmd = regexp.MustCompile(`[?&]cmd=([^&#]*)`)
	browserArg = regexp.MustCompile(`[?&]arg=([^&#]*)`)
)

// browserEditor returns what Neo4j Browser 5 puts in its editor for a ?cmd=edit&arg=… URL: it
// turns '+' into spaces, percent-decodes the whole URL, then takes every arg up to the next '&'
// or '#' and joins them with newlines (populateEditorFromUrlEpic).
func browserEditor(t *testing.T, u string) string {
	t.Helper()
	decoded, err := url.PathUnescape(strings.ReplaceAll(u, "+", " "))
	if err != nil {
		t.Fatalf("Browser cannot decode %s: %v", u, err)
	}
	if m := browserCmd.FindStringSubmatch(u); m == nil || m[1] != "edit" {
		t.Fatalf("browser_url %s: cmd is not edit", u)
	}
	var args []string
	for _, m := range browserArg.FindAllStringSubmatch(decoded, -1) {
		args = append(args, m[1])
	}
	return strings.Join(args, "\n")
}

// Every analysis answer's browser_url puts, as Browser reads it, the exact query the URL carries
// (values inlined, nothing cut) in the editor, and that query runs on the fixtures and returns the
// graph of the answer.
func TestEveryAnswerOpensItsQueryInBrowser(t *testing.T) {
	const browser = "http://127.0.0.1:7474/browser/"
	store := mustStore(t)
	api := mustServe(t, store, nil, browser)
	cases := []struct {
		name, method, path, body string
		noRows                   bool // the answer is empty; Browser shows the search itself
	}{
		{name: "concentration", method: "GET", path: "/v1/minerals/rare-earths/concentration?stage=refining"},
		{name: "paths", method: "GET", path: "/v1/paths?mineral=rare-earths&to=JP&avoid=CN"},
		{name: "no path", method: "GET", path: "/v1/paths?mineral=rare-earths&to=JP&avoid=CN,AU", noRows: true},
		{name: "chokepoints", method: "GET", path: "/v1/chokepoints?mineral=rare-earths&consumer=US"},
		{name: "exposure of one mineral", method: "GET", path: "/v1/exposure?consumer=US&supplier=CN&mineral=rare-earths"},
		{name: "exposure of every mineral", method: "GET", path: "/v1/exposure?consumer=US&supplier=CN"},
		{name: "scenario", method: "POST", path: "/v1/scenarios",
			body: `{"mineral":"rare-earths","restrictions":[{"country":"CN","targets":[],"measure":"ban"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, api+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var ans struct {
				BrowserURL string `json:"browser_url"`
			}
			var raw bytes.Buffer
			raw.ReadFrom(resp.Body)
			if err := json.Unmarshal(raw.Bytes(), &ans); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, raw.String())
			}
			if !strings.HasPrefix(ans.BrowserURL, browser+"?") {
				t.Fatalf("browser_url %q does not open %s", ans.BrowserURL, browser)
			}
			u, _ := url.Parse(ans.BrowserURL)
			query := browserEditor(t, ans.BrowserURL)
			if want := strings.TrimSpace(u.Query().Get("arg")); query != want {
				t.Fatalf("Browser's editor would hold\n%s\nbut browser_url carries\n%s", query, want)
			}
			if strings.Contains(query, "$") {
				t.Errorf("a parameter is left in the Browser query; Browser has no values for it:\n%s", query)
			}
			recs, err := store.Query(context.Background(), query, nil)
			if err != nil {
				t.Fatalf("the Browser query fails: %v\n%s", err, query)
			}
			if tc.noRows {
				if len(recs) != 0 {
					t.Errorf("%d rows; the answer had no path", len(recs))
				}
				return
			}
			if len(recs) == 0 {
				t.Fatalf("the Browser query returns nothing on the fixtures:\n%s", query)
			}
			drawable := false
			for _, v := range recs[0] {
				switch v.(type) {
				case neo4j.Node, neo4j.Relationship, neo4j.Path:
					drawable = true
				}
			}
			if !drawable {
				t.Errorf("the Browser query returns no node, relationship or path to draw: %v", recs[0])
			}
		})
	}
}
