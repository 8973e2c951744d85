// Package e2e_test checks what an analyst sees in Neo4j Browser: the stylesheet and the guide the
// API serves (guide_test.go), and, in headless Chromium, an answer's browser_url drawn as a styled
// graph (browser_test.go).
package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/fixtures"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/neo4j"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// TestMain keeps request logs out of test output; warnings and errors still show.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// mustStore returns the test Neo4j with the fixtures loaded.
func mustStore(t *testing.T) *neo4j.Store {
	t.Helper()
	s := neo4jtest.MustStore(t)
	for _, name := range fixtures.Names() {
		if _, err := s.Load(context.Background(), fixtures.Source(name), nil); err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
	}
	return s
}

// mustServe serves the API over store on ln (nil: any free loopback port), with browser_url
// pointing at browserURL, and returns its base URL.
func mustServe(t *testing.T, store *neo4j.Store, ln net.Listener, browserURL string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(mmhttp.New(store, analysis.New(store, analysis.Options{BrowserURL: browserURL}), mmhttp.Config{}).Handler())
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// get fetches u and returns the response and its body.
func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// parseGrass reads a stylesheet the way Neo4j Browser's parser does: selector → property → value.
// A single quote toggles a string (the quote is dropped, braces inside are kept); outside strings
// '{' and '}' delimit a rule's properties, which split on ';' and then on ':'. A declaration with a
// second ':' fails the test, since Browser would cut its value there.
func parseGrass(t *testing.T, grass string) map[string]map[string]string {
	t.Helper()
	rules := map[string]map[string]string{}
	var selector, props strings.Builder
	inString, inProps := false, false
	for _, c := range grass {
		switch {
		case c == '\'':
			inString = !inString
			continue
		case c == '{' && !inString:
			inProps = true
			continue
		case c == '}' && !inString:
			inProps = false
			rule := map[string]string{}
			for _, decl := range strings.Split(props.String(), ";") {
				if strings.TrimSpace(decl) == "" {
					continue
				}
				k, v, ok := strings.Cut(decl, ":")
				if !ok || strings.Contains(v, ":") {
					t.Fatalf("GraSS %s: %q is not one 'key: value' (Browser splits on ':')", selector.String(), strings.TrimSpace(decl))
				}
				rule[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			rules[selector.String()] = rule
			selector.Reset()
			props.Reset()
			continue
		}
		if inProps {
			props.WriteRune(c)
		} else if !unicode.IsSpace(c) {
			selector.WriteRune(c)
		}
	}
	if inString || inProps || selector.Len() > 0 {
		t.Fatalf("GraSS does not end with a closed rule (string %v, props %v, %q left)", inString, inProps, selector.String())
	}
	return rules
}

// squash collapses whitespace, to compare queries as Browser shows them.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
