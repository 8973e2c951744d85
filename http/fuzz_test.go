package http

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
)

// paramErrorOK reports whether err is what a parameter parser may answer: nothing, or an
// invalid-parameter error that names the parameter.
func paramErrorOK(err error) bool {
	if err == nil {
		return true
	}
	var e *mineralmap.Error
	return errors.As(err, &e) && e.Kind == mineralmap.KindInvalid && len(e.Details) > 0
}

// FuzzQueryParameters runs the query-parameter parser, every accessor, on arbitrary query
// strings: it must never panic and answer only clean 422 errors.
func FuzzQueryParameters(f *testing.F) {
	for _, q := range []string{
		"mineral=rare-earths&to=JP&avoid=CN,MY&k=3&max_hops=8&restrictions=bans&as_of=2026-01-01",
		"k=-1&max_hops=99999999999999999999&as_of=2026-02-30",
		"avoid=,,,&restrictions=&limit=1e3&cursor=%ZZ",
		"mineral=%00&to=a%2Fb&year=2024&stage=refining",
		"a=1&a=2",
	} {
		f.Add(q)
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, query string) {
		if _, err := url.ParseQuery(query); err != nil {
			return // net/http would have refused the URL before a handler ran
		}
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/v1/paths?"+url.Values{}.Encode(), nil)
		c.Request.URL.RawQuery = query
		q := parseQuery(c, "mineral", "to", "from", "avoid", "k", "max_hops", "restrictions", "as_of")
		q.integer("k", 3, 1, 20)
		q.id("mineral", true)
		ids := q.idList("avoid")
		q.date("as_of")
		q.enum("restrictions", "bans", "bans", "all", "ignore")
		q.conditions()
		if err := q.err(); !paramErrorOK(err) {
			t.Fatalf("the parser answered %v for %q", err, query)
		}
		for _, id := range ids {
			if !mineralmap.ValidID(id) {
				t.Fatalf("idList let through %q", id)
			}
		}
	})
}

// FuzzScenarioBody feeds arbitrary bodies to the strict scenario decoder.
func FuzzScenarioBody(f *testing.F) {
	f.Add([]byte(`{"mineral":"rare-earths","consumers":["JP"],"remove":{"countries":["CN"],"facilities":[]},"restrictions":[{"country":"CN","targets":["JP"],"measure":"ban"}],"as_of":"2026-01-01"}`))
	f.Add([]byte(`{"mineral":"x","MINERAL":"y"}`))
	f.Add([]byte(`{"mineral":"x","remove":{"countries":"CN"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeScenario(body)
		if err == nil {
			if !mineralmap.ValidID(req.Mineral) {
				t.Fatalf("accepted a scenario with mineral %q", req.Mineral)
			}
			return
		}
		if k := mineralmap.KindOf(err); k != mineralmap.KindMalformed && k != mineralmap.KindInvalid {
			t.Fatalf("unexpected kind %v: %v", k, err)
		}
	})
}

func TestTimeoutsAndOutagesAre503WithRetryAfter(t *testing.T) {
	for kind, code := range map[mineralmap.Kind]string{mineralmap.KindTimeout: "timeout", mineralmap.KindUnavailable: "unavailable"} {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest("GET", "/v1/paths", nil)
		writeError(c, mineralmap.Errorf(kind, "boom"))
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"code":"`+code+`"`) {
			t.Errorf("%s: %d Retry-After=%q %s", code, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}
}

// A scenario's problems are all listed: every unknown member, a repeated one, and the values
// that break a rule, each at its pointer.
func TestScenarioProblemsAreAllListed(t *testing.T) {
	for _, tc := range []struct {
		body  string
		paths []string
	}{
		{`{"mineral":"x","consumers":["bad id"],"remove":{"Countries":[]}}`, []string{"/remove/Countries", "/consumers/0"}},
		{`{"mineral":"bad id","consumers":["JP"],"consumers":["KR"]}`, []string{"/consumers", "/mineral"}},
		{`{"MINERAL":"x","Consumers":[],"restrictions":[{"country":"CN"},{"COUNTRY":"CN","country":"CN","measure":"embargo"}]}`,
			[]string{"/Consumers", "/MINERAL", "/restrictions/1/COUNTRY", "/mineral", "/restrictions/1/measure"}},
	} {
		_, err := decodeScenario([]byte(tc.body))
		var e *mineralmap.Error
		if !errors.As(err, &e) || e.Kind != mineralmap.KindInvalid {
			t.Fatalf("%s: %v, want invalid", tc.body, err)
		}
		var got []string
		for _, d := range e.Details {
			got = append(got, d.Path)
		}
		if !slices.Equal(got, tc.paths) {
			t.Errorf("%s: problems at %v, want %v", tc.body, got, tc.paths)
		}
	}
}
