package http_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	mmhttp "github.com/mineralmap/mineralmap/http"
)

// Contract section 8: concentration, chokepoints, exposure by mineral and the outlook answer as
// SVG and PNG charts, titled, with units and sources; other answers have none.
func TestChartsAsAnswers(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	for _, tc := range []struct {
		name, path string
		texts      []string // in the SVG: the title's words, the unit, the source
	}{
		{"concentration", "/v1/minerals/rare-earths/concentration?stage=refining", []string{"Rare earths, refining 2024", "t REO", "Source: mineralmap", "CN"}},
		{"chokepoints", "/v1/chokepoints?mineral=rare-earths&consumer=JP", []string{"chokepoints of JP", "supply at risk", "Source: mineralmap"}},
		{"exposure by mineral", "/v1/exposure?consumer=US&supplier=CN", []string{"US", "exposure to CN", "by mineral", "Source: mineralmap"}},
		{"outlook", "/v1/outlook?mineral=rare-earths&consumer=group:ministerial-2026&avoid=CN&from=2025&to=2032&delay_years=2",
			[]string{"Rare earths to group:ministerial-2026", "supply avoiding CN", "2 years late", "t REO per year", "demand"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ctype, body := fetch(t, srv.URL+tc.path+"&format=svg", "", "")
			if code != 200 || ctype != "image/svg+xml" || !bytes.Contains(body, []byte("<svg")) {
				t.Fatalf("svg: %d %s %.200s", code, ctype, body)
			}
			for _, want := range tc.texts {
				if !strings.Contains(string(body), want) {
					t.Errorf("the SVG has no %q", want)
				}
			}
			code, ctype, body = fetch(t, srv.URL+tc.path+"&format=png", "", "")
			if code != 200 || ctype != "image/png" {
				t.Fatalf("png: %d %s", code, ctype)
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("the PNG does not decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 700 || b.Dy() < 390 {
				t.Errorf("PNG of %v", b)
			}
		})
	}
	for _, path := range []string{"/v1/paths?mineral=rare-earths&to=JP&format=svg", "/v1/exposure?consumer=US&supplier=CN&mineral=rare-earths&format=png",
		"/v1/countries?format=png"} {
		if code, _, _ := fetch(t, srv.URL+path, "", ""); code != 422 {
			t.Errorf("%s: %d, want 422 (no chart)", path, code)
		}
	}
}
