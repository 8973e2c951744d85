package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap/neo4j"

	"github.com/mineralmap/mineralmap"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// browserReport is what e2e/browser.mjs prints.
type browserReport struct {
	TimingsMS         map[string]int `json:"timings_ms"`
	QueryFrameCommand string         `json:"query_frame_command"`
	Graph             drawnGraph     `json:"graph"`
	Style             struct {
		Command string `json:"command"`
		Applied bool   `json:"applied"`
		Text    string `json:"text"`
	} `json:"style"`
	Guide struct {
		Slides int        `json:"slides"`
		Title  string     `json:"title"`
		Query  string     `json:"query"`
		Ran    string     `json:"frame_command"`
		Graph  drawnGraph `json:"graph"`
	} `json:"guide"`
	PageErrors        []string `json:"page_errors"`
	Error             string   `json:"error"`
	FailureScreenshot string   `json:"failure_screenshot"`
}

type drawnGraph struct {
	Nodes []struct {
		Caption string `json:"caption"`
		Fill    string `json:"fill"`
		Stroke  string `json:"stroke"`
	} `json:"nodes"`
	Relationships []struct {
		Caption string `json:"caption"`
		Color   string `json:"color"`
	} `json:"relationships"`
}

// node returns the drawn node whose caption holds name.
func (g drawnGraph) node(name string) (fill, stroke string, ok bool) {
	for _, n := range g.Nodes {
		if strings.Contains(n.Caption, name) {
			return n.Fill, n.Stroke, true
		}
	}
	return "", "", false
}

// needBrowser skips the test when Chromium, Node.js or playwright-core is missing, except under
// CI=true, where the browser test must run. It returns the path of Chromium.
func needBrowser(t *testing.T) string {
	t.Helper()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, "Debian's chromium ("+chromium+")")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules/playwright-core")
	}
	if len(missing) > 0 {
		msg := "browser e2e test needs " + strings.Join(missing, ", ") + "; run scripts/install-browser.sh"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true forbids skipping)")
		}
		t.Skip(msg)
	}
	return chromium
}

// An analyst opens the browser_url of a paths answer: Browser shows the query in its editor,
// connects, draws the paths with the mineralmap stylesheet (applied on connect by the server's
// browser.post_connect_cmd when the API runs where it points), and the guide plays.
func TestBrowserDrawsPathsAnswerWithStylesheet(t *testing.T) {
	start := time.Now()
	chromium := needBrowser(t)
	store := mustStore(t)
	cfg := neo4jtest.Config(t)
	browserURL := neo4jtest.BrowserURL(t)
	mustAnswerAsBrowser(t, browserURL)

	// Serve the API where the server's post-connect stylesheet points, when that address is free;
	// else anywhere, and apply the stylesheet and the guide by hand.
	postConnect := postConnectCommand(t, store)
	ln, base := listenAt(postConnect)
	api := mustServe(t, store, ln, browserURL)
	styleURL, guideURL := api+mmhttp.StylePath, api+mmhttp.GuidePath
	if ln != nil {
		styleURL, guideURL = base+mmhttp.StylePath, base+mmhttp.GuidePath
	}
	postStyle, postGuide := hasCommand(postConnect, "style "+styleURL), hasCommand(postConnect, "play "+guideURL)
	if !postStyle || !postGuide {
		t.Logf("post_connect_cmd %q does not reach this test's API at %s (address taken, or not set); "+
			"the test runs :style and :play in Browser itself", postConnect, api)
	}

	resp, body := get(t, api+"/v1/paths?mineral=rare-earths&to=JP&avoid=CN")
	var paths struct {
		Paths []struct {
			Nodes []struct{ ID, Label, Name string } `json:"nodes"`
		} `json:"paths"`
		BrowserURL string `json:"browser_url"`
	}
	if err := json.Unmarshal([]byte(body), &paths); err != nil || resp.StatusCode != http.StatusOK || len(paths.Paths) == 0 {
		t.Fatalf("GET /v1/paths: %d %v %s", resp.StatusCode, err, body)
	}
	if !strings.HasPrefix(paths.BrowserURL, browserURL+"?") {
		t.Fatalf("browser_url %q does not open %s", paths.BrowserURL, browserURL)
	}
	drawn := map[string]string{} // the answer's nodes: name → label
	for _, p := range paths.Paths {
		for _, n := range p.Nodes {
			drawn[n.Name] = n.Label
		}
	}

	shot, _ := filepath.Abs(filepath.Join("..", "test-results", "browser-e2e.png"))
	guideShot := filepath.Join(filepath.Dir(shot), "browser-guide.png")
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(shot)
	os.Remove(strings.TrimSuffix(shot, ".png") + "-failure.png")
	args := []string{"browser.mjs", "--url", paths.BrowserURL, "--bolt", boltURL(t, cfg.URI),
		"--style", styleURL, "--guide", guideURL, "--chromium", chromium,
		"--screenshot", shot, "--guide-screenshot", guideShot}
	if postStyle {
		args = append(args, "--post-connect-style")
	}
	if postGuide {
		args = append(args, "--post-connect-guide")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	nodeStart := time.Now()
	runErr := cmd.Run()
	var rep browserReport
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &rep); err != nil {
		t.Fatalf("node browser.mjs: %v; no report (%v)\nstdout: %s\nstderr: %s", runErr, err, stdout.String(), stderr.String())
	}
	if runErr != nil {
		t.Fatalf("node browser.mjs: %v: %s\nscreenshot: %s\npage errors: %v\nstderr: %s", runErr, rep.Error, rep.FailureScreenshot, rep.PageErrors, stderr.String())
	}

	// The editor held the answer's query, values inlined: Browser ran exactly what browser_url carries.
	u, _ := url.Parse(paths.BrowserURL)
	if want := squash(u.Query().Get("arg")); rep.QueryFrameCommand != want {
		t.Errorf("Browser ran\n%s\nwant the browser_url query\n%s", rep.QueryFrameCommand, want)
	}

	// The stylesheet was taken, and the graph is drawn with it.
	rules := parseGrass(t, mustGet(t, styleURL))
	if rep.Style.Command != ":style "+styleURL || !rep.Style.Applied {
		t.Errorf("style frame %q applied=%v: %s", rep.Style.Command, rep.Style.Applied, rep.Style.Text)
	}
	if len(rep.Graph.Nodes) != len(drawn) {
		t.Errorf("Browser drew %d nodes; the answer's paths have %d: %+v", len(rep.Graph.Nodes), len(drawn), rep.Graph.Nodes)
	}
	for _, name := range []string{"Mt Weld", "Lynas Malaysia", "Japan"} {
		label := ""
		for full, l := range drawn {
			if strings.HasPrefix(full, name) {
				label = l
			}
		}
		fill, stroke, ok := rep.Graph.node(name)
		style := rules["node."+label]
		switch {
		case label == "":
			t.Errorf("the paths answer has no %s", name)
		case !ok:
			t.Errorf("Browser did not draw %s: %+v", name, rep.Graph.Nodes)
		case !strings.EqualFold(fill, style["color"]) || !strings.EqualFold(stroke, style["border-color"]):
			t.Errorf("%s (%s) drawn fill %s stroke %s; the stylesheet says %s / %s", name, label, fill, stroke, style["color"], style["border-color"])
		}
	}
	supplies := rules["relationship."+mineralmap.RelSupplies]
	volume := regexp.MustCompile(`^\d+(\.\d+)? t`)
	captioned := 0
	for _, r := range rep.Graph.Relationships {
		if volume.MatchString(r.Caption) {
			captioned++
			if !strings.EqualFold(r.Color, supplies["color"]) {
				t.Errorf("SUPPLIES %q drawn in %s; the stylesheet says %s", r.Caption, r.Color, supplies["color"])
			}
		}
	}
	if captioned < len(drawn)-1 {
		t.Errorf("%d relationships captioned with their volume; want every SUPPLIES edge: %+v", captioned, rep.Graph.Relationships)
	}

	// The guide played, and its rare-earth chain query drew the chain.
	if want := len(slideRe.FindAllString(mustGet(t, guideURL), -1)); rep.Guide.Slides != want || rep.Guide.Title != "mineralmap" {
		t.Errorf("guide frame: %d slides titled %q; want %d titled mineralmap", rep.Guide.Slides, rep.Guide.Title, want)
	}
	if rep.Guide.Ran != rep.Guide.Query || !strings.Contains(rep.Guide.Query, "kalgoorlie") {
		t.Errorf("the guide's play icon ran %q; the slide's query is %q", rep.Guide.Ran, rep.Guide.Query)
	}
	for _, name := range []string{"Mt Weld", "Lynas Kalgoorlie", "Lynas Malaysia", "Japan"} {
		if _, _, ok := rep.Guide.Graph.node(name); !ok {
			t.Errorf("the guide's chain query did not draw %s: %+v", name, rep.Guide.Graph.Nodes)
		}
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("post_connect_cmd verified: style %v, guide %v; Browser steps (ms since launch): %v", postStyle, postGuide, rep.TimingsMS)
	t.Logf("screenshot %s; node script %s, whole test %s", shot, time.Since(nodeStart).Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
}

func mustGet(t *testing.T, u string) string {
	t.Helper()
	resp, body := get(t, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return body
}

// mustAnswerAsBrowser checks that browserURL serves Neo4j Browser; else skips (fails under CI).
func mustAnswerAsBrowser(t *testing.T, browserURL string) {
	t.Helper()
	err := func() error {
		resp, err := http.Get(browserURL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(b.String(), "Neo4j Browser") {
			return fmt.Errorf("%s answers %d without Neo4j Browser", browserURL, resp.StatusCode)
		}
		return nil
	}()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no Neo4j Browser at %s (set NEO4J_BROWSER_URL to the test Neo4j's /browser/): %v", browserURL, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// postConnectCommand returns the server's browser.post_connect_cmd, as Browser reads it.
func postConnectCommand(t *testing.T, store *neo4j.Store) string {
	t.Helper()
	rows, err := store.Query(context.Background(), "CALL dbms.clientConfig() YIELD name, value WHERE name = 'browser.post_connect_cmd' RETURN value", nil)
	if err != nil {
		t.Fatalf("dbms.clientConfig: %v", err)
	}
	if len(rows) == 0 {
		return "" // not set
	}
	v, _ := rows[0]["value"].(string)
	return v
}

// listenAt listens on the loopback address of the stylesheet URL in the post-connect command, so
// that Browser's own post-connect commands reach this test's API, and returns that URL's base
// (scheme and host, as written). ln is nil when there is no such URL or the address is taken.
func listenAt(postConnect string) (ln net.Listener, base string) {
	var style *url.URL
	for _, c := range strings.Split(postConnect, ";") {
		if arg, found := strings.CutPrefix(strings.TrimSpace(c), "style "); found {
			style, _ = url.Parse(strings.TrimSpace(arg))
		}
	}
	if style == nil || style.Scheme != "http" || style.Path != mmhttp.StylePath ||
		(style.Hostname() != "127.0.0.1" && style.Hostname() != "localhost") {
		return nil, ""
	}
	ln, err := net.Listen("tcp", style.Host)
	if err != nil {
		return nil, ""
	}
	return ln, style.Scheme + "://" + style.Host
}

// hasCommand reports whether the post-connect command list holds cmd.
func hasCommand(postConnect, cmd string) bool {
	for _, c := range strings.Split(postConnect, ";") {
		if strings.TrimSpace(c) == cmd {
			return true
		}
	}
	return false
}

// boltURL is the address Browser connects to: bolt:// with the test server's host and port.
func boltURL(t *testing.T, uri string) string {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		t.Fatal(errors.Join(fmt.Errorf("test Neo4j URI %q", uri), err))
	}
	return "bolt://" + u.Host
}
