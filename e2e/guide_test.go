package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/world"
	"github.com/mineralmap/mineralmap/world/worldtest"
)

// The stylesheet gives every label a colour and a caption, and every relationship type a caption,
// in a form Browser's parser reads, fetchable cross-origin from Browser's page.
func TestStylesheetStylesEveryLabelAndRelationship(t *testing.T) {
	api := mustServe(t, mustStore(t), nil, "")
	resp, body := get(t, api+mmhttp.StylePath)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", mmhttp.StylePath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q; Browser fetches the stylesheet from Neo4j's origin", got)
	}
	rules := parseGrass(t, body)
	colours := map[string]string{}
	for _, label := range mineralmap.NodeLabels {
		r := rules["node."+label]
		if r == nil {
			t.Errorf("no rule for node.%s", label)
			continue
		}
		if !regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`).MatchString(r["color"]) || r["diameter"] == "" || r["caption"] != "{name}" {
			t.Errorf("node.%s = %v; want a #rrggbb color, a diameter and caption {name}", label, r)
		}
		if other, dup := colours[r["color"]]; dup {
			t.Errorf("node.%s and node.%s share the colour %s", label, other, r["color"])
		}
		colours[r["color"]] = label
	}
	wantCaption := map[string][]string{
		mineralmap.RelSupplies: {"{volume_t}", "{mineral}"}, mineralmap.RelRefines: {"{volume_t}"}, mineralmap.RelProduces: {"{volume_t}"},
		mineralmap.RelRestricts: {"{measure}"}, mineralmap.RelFinances: {"{instrument}"}, mineralmap.RelLocatedIn: nil, mineralmap.RelPartyTo: nil,
	}
	for rel, parts := range wantCaption {
		r := rules["relationship."+rel]
		if r == nil || r["caption"] == "" || r["color"] == "" || r["shaft-width"] == "" {
			t.Errorf("relationship.%s = %v; want a caption, a color and a shaft-width", rel, r)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(r["caption"], p) {
				t.Errorf("relationship.%s caption %q does not show %s", rel, r["caption"], p)
			}
		}
	}

	// `:play` sends Pragma and Cache-Control, so Browser preflights the guide.
	req, _ := http.NewRequest(http.MethodOptions, api+mmhttp.GuidePath, nil)
	req.Header.Set("Origin", "http://127.0.0.1:7474")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "pragma,cache-control")
	pre, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	allowed := strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers"))
	if pre.StatusCode != http.StatusNoContent || pre.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(allowed, "pragma") || !strings.Contains(allowed, "cache-control") {
		t.Errorf("preflight of the guide: %d, headers %v", pre.StatusCode, pre.Header)
	}
}

var (
	slideRe    = regexp.MustCompile(`(?s)<slide[ >].*?</slide>`)
	runnableRe = regexp.MustCompile(`(?s)<pre[^>]*class="runnable"[^>]*>(.*?)</pre>`)
	titleRe    = regexp.MustCompile(`<h3>(.*?)</h3>`)
)

// The guide walks through the fixtures; every query on every slide runs on them and answers.
func TestGuideQueriesRunOnFixtures(t *testing.T) {
	store := mustStore(t)
	// The embargo slide reads the world layer's rare-earth customs records, as make run loads them.
	worldtest.Load(t, store, world.Options{From: 2005, To: 2024, Minerals: map[string]bool{"rare-earths": true}})
	api := mustServe(t, store, nil, "")
	resp, body := get(t, api+mmhttp.GuidePath)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET %s: %d %v", mmhttp.GuidePath, resp.StatusCode, resp.Header)
	}
	slides := slideRe.FindAllString(body, -1)
	var titles []string
	for _, s := range slides {
		titles = append(titles, html.UnescapeString(titleRe.FindStringSubmatch(s)[1]))
	}
	want := []string{"mineralmap", "Rare earths to Japan", "China's refining share", "Paths that avoid China",
		"Restrictions", "Who finances the alternatives", "Japan after the 2010 embargo",
		"When does supply avoiding China cover the ministerial group's rare earths?", "From the API"}
	if !slices.Equal(titles, want) {
		t.Fatalf("slides %q; want %q", titles, want)
	}

	rows := map[string][]map[string]any{} // each query → its rows
	for i, s := range slides {
		queries := 0
		for _, m := range runnableRe.FindAllStringSubmatch(s, -1) {
			q := strings.TrimSpace(html.UnescapeString(m[1])) // what Browser puts in the editor
			if strings.HasPrefix(q, ":") {
				if q != ":style "+api+mmhttp.StylePath {
					t.Errorf("slide %q: command %q; want :style of this API's stylesheet", titles[i], q)
				}
				continue
			}
			queries++
			got, err := store.Query(context.Background(), q, nil)
			if err != nil {
				t.Errorf("slide %q: %v\n%s", titles[i], err, q)
				continue
			}
			if len(got) == 0 {
				t.Errorf("slide %q: no rows on the fixtures\n%s", titles[i], q)
			}
			rows[q] = got
		}
		if queries == 0 {
			t.Errorf("slide %q has no runnable query", titles[i])
		}
	}

	// A few answers an analyst reads off the slides.
	rowsOf := func(marker string) []map[string]any {
		for q, r := range rows {
			if strings.Contains(q, marker) {
				return r
			}
		}
		t.Fatalf("no guide query has %q", marker)
		return nil
	}
	share := rowsOf("AS share_pct")
	if share[0]["country"] != "CN" || share[0]["share_pct"] != 92.0 {
		t.Errorf("rare-earth refining shares %v; want China first at 92.0%% (IEA)", share)
	}
	// Japan's rare-earth imports from China, in customs data: down after the 2010 embargo.
	embargo := rowsOf("AS from_china_pct")
	if len(embargo) != 3 {
		t.Fatalf("embargo slide: %v; want 2009, 2012 and 2024", embargo)
	}
	pct := func(i int) float64 { v, _ := embargo[i]["from_china_pct"].(float64); return v }
	if pct(0) < 75 || pct(1) > pct(0)-15 || pct(2) > pct(0) {
		t.Errorf("Japan's rare-earth imports from China: %.1f%% (2009), %.1f%% (2012), %.1f%% (2024); want a fall after 2010", pct(0), pct(1), pct(2))
	}
	t.Logf("Japan's rare-earth imports from China (customs, t REO): %v", embargo)

	// The pipeline slide: planned capacity with its financing, and the group's demand.
	var planned []string
	for _, r := range rowsOf("AS planned_t_reo") {
		planned = append(planned, r["facility"].(string))
	}
	for _, want := range []string{"Iluka Eneabba rare-earth refinery", "Arafura Nolans project", "MP Materials 10X magnet campus, Northlake"} {
		if !slices.Contains(planned, want) {
			t.Errorf("pipeline slide: %q not among %q", want, planned)
		}
	}
	if dem := rowsOf("AS share_of_world_pct"); len(dem) < 2 || dem[0]["country"] != "JP" {
		t.Errorf("the group's rare-earth demand %v; want Japan first (JSNM)", dem)
	}
	outlook := func(delay int) map[string]any {
		_, body := get(t, fmt.Sprintf("%s/v1/outlook?mineral=rare-earths&consumer=group:ministerial-2026&avoid=CN&from=2025&to=2032&delay_years=%d", api, delay))
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("outlook: %v %.300s", err, body)
		}
		return out
	}
	onTime, late := outlook(0), outlook(2)
	years, _ := onTime["years"].([]any)
	online, financed := 0, 0
	for _, y := range years {
		row := y.(map[string]any)
		if row["coverage"] == nil || row["demand_t"] == nil {
			t.Errorf("outlook %v: no coverage", row["year"])
		}
		online += len(row["online"].([]any))
		financed += len(row["financed_by"].([]any))
	}
	if len(years) != 8 || online == 0 || financed == 0 {
		t.Errorf("outlook: %d years, %d facilities coming online, %d financing links", len(years), online, financed)
	}
	if s0, sd := onTime["suffices_from"], late["suffices_from"]; s0 != nil && sd != nil && sd.(float64) < s0.(float64) {
		t.Errorf("suffices_from %v on time, %v two years late", s0, sd)
	}
	t.Logf("outlook for the ministerial group's rare earths avoiding China: suffices_from %v on time, %v two years late", onTime["suffices_from"], late["suffices_from"])

	var chinaFree []string
	for _, r := range rowsOf("AS bottleneck_t") {
		var names []string
		for _, n := range r["path"].([]any) {
			names = append(names, n.(string))
		}
		chinaFree = append(chinaFree, strings.Join(names, " → "))
	}
	if len(chinaFree) != 4 || chinaFree[0] != "Mt Weld mine → Lynas Malaysia, Gebeng (Kuantan) → Japan" {
		t.Errorf("China-free rare-earth paths to Japan %q; want 4, the shortest Mt Weld → Lynas Malaysia → Japan", chinaFree)
	}
	var financiers []string
	for _, r := range rowsOf("UNWIND nodes(p) AS fac") {
		financiers = append(financiers, r["facility"].(string))
	}
	if !slices.Contains(financiers, "Mt Weld mine") || !slices.Contains(financiers, "Lynas Malaysia, Gebeng (Kuantan)") {
		t.Errorf("financed facilities on China-free paths %q; want Mt Weld and Lynas Malaysia (JARE)", financiers)
	}
}
