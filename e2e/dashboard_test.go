package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dashboardPanel is what e2e/dashboard.mjs read of one panel.
type dashboardPanel struct {
	Loaded      string   `json:"loaded"`
	ChartWidth  *int     `json:"chart_width"`
	ChartSrc    string   `json:"chart_src"`
	Rows        int      `json:"rows"`
	FirstRow    []string `json:"first_row"`
	Note        string   `json:"note"`
	BrowserLink *string  `json:"browser_link"`
}

// Contract section 8: an analyst opens the dashboard at GET /, sees the charts, the tables behind
// them, the data-quality findings and each answer's Browser link, and picks another consumer.
// The screenshot is left in test-results/dashboard.png.
func TestTheDashboardShowsChartsTablesAndLinks(t *testing.T) {
	chromium := needBrowser(t)
	store := mustStore(t)
	api := mustServe(t, store, nil, "")
	shot, _ := filepath.Abs(filepath.Join("..", "test-results", "dashboard.png"))
	os.Remove(shot)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", "dashboard.mjs", "--url", api+"/", "--chromium", chromium, "--consumer", "group:ministerial-2026", "--screenshot", shot)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var rep struct {
		First, Second map[string]dashboardPanel
		Choices       map[string]string
		PageErrors    []string `json:"page_errors"`
		Error         string
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &rep); err != nil {
		t.Fatalf("node dashboard.mjs: %v; no report (%v)\nstdout: %s\nstderr: %s", runErr, err, stdout.String(), stderr.String())
	}
	if runErr != nil || rep.Error != "" || len(rep.PageErrors) > 0 {
		t.Fatalf("dashboard: %v %s; page errors %v", runErr, rep.Error, rep.PageErrors)
	}
	if rep.Choices["mineral"] != "rare-earths" || rep.Choices["consumer"] != "JP" || rep.Choices["avoid"] != "CN" {
		t.Errorf("the first choices: %v", rep.Choices)
	}
	for _, read := range []struct {
		name   string
		panels map[string]dashboardPanel
	}{{"JP", rep.First}, {"group:ministerial-2026", rep.Second}} {
		for _, id := range []string{"concentration", "chokepoints", "exposure", "outlook", "quality"} {
			p, ok := read.panels[id]
			switch {
			case !ok || p.Loaded != "yes":
				t.Errorf("%s: the %s panel did not load: %+v", read.name, id, p)
			case p.Rows == 0:
				t.Errorf("%s: the %s table is empty: %+v", read.name, id, p)
			case id != "quality" && (p.ChartWidth == nil || *p.ChartWidth < 700 || !strings.Contains(p.ChartSrc, "format=svg")):
				t.Errorf("%s: the %s chart was not drawn: %+v", read.name, id, p)
			case id != "quality" && (p.BrowserLink == nil || !strings.Contains(*p.BrowserLink, "/browser/?cmd=edit")):
				t.Errorf("%s: the %s panel has no Browser link: %+v", read.name, id, p)
			}
		}
	}
	if c := rep.First["concentration"]; len(c.FirstRow) == 0 || c.FirstRow[0] != "CN" {
		t.Errorf("rare-earth refining: first row %v, want China", c.FirstRow)
	}
	if o := rep.Second["outlook"]; !strings.Contains(o.ChartSrc, "consumer=group%3Aministerial-2026") {
		t.Errorf("the outlook after picking the ministerial group: %+v", o)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("dashboard: 5 panels twice (JP, then the ministerial group); screenshot %s", shot)
}
