package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
	mmhttp "github.com/mineralmap/mineralmap/http"
	"github.com/mineralmap/mineralmap/mock"
)

// mockServer serves the API over store, every answer checked against the spec.
func mockServer(t *testing.T, store *mock.Store, cfg mmhttp.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(specChecked(t, mmhttp.New(store, analysis.New(store, analysis.Options{}), cfg).Handler()))
	t.Cleanup(srv.Close)
	return srv
}

// storeOf knows these ids, loads anything and lists nothing.
func storeOf(labels map[string]string) *mock.Store {
	return &mock.Store{
		LabelsFn: func(_ context.Context, ids []string) (map[string]string, mineralmap.Version, error) {
			out := map[string]string{}
			for _, id := range ids {
				if l, ok := labels[id]; ok {
					out[id] = l
				}
			}
			return out, "v1", nil
		},
		ListFn: func(context.Context, string, mineralmap.ListFilter) (mineralmap.Page, error) {
			return mineralmap.Page{Items: []map[string]any{}}, nil
		},
		LoadFn: func(_ context.Context, src document.Source, _ mineralmap.Progress) (mineralmap.LoadResult, error) {
			r, err := src()
			if err != nil {
				return mineralmap.LoadResult{}, err
			}
			defer r.Close()
			n, _ := io.Copy(io.Discard, r)
			return mineralmap.LoadResult{Rows: n}, nil
		},
	}
}

// A body over the limit gets a 413 the client can read, whatever it sends: a Content-Length
// over the limit, or a chunked body that passes it; the connection is closed after. A load
// refused for its token is drained the same way.
func TestABodyOverTheLimitGetsA413TheClientReads(t *testing.T) {
	// Served without the spec check, which reads whole bodies before the API sees them.
	store := storeOf(nil)
	srv := httptest.NewServer(mmhttp.New(store, analysis.New(store, analysis.Options{}), mmhttp.Config{APIToken: token}).Handler())
	defer srv.Close()
	big := bytes.Repeat([]byte(" "), 20<<20) // 20 MiB: over the 16 MiB default
	for _, tc := range []struct {
		name string
		body io.Reader
	}{
		{"Content-Length over the limit", bytes.NewReader(big)},
		{"chunked, no Content-Length", io.MultiReader(bytes.NewReader(big))},
	} {
		if tc.name == "Content-Length over the limit" {
			// As Python's http.client and requests do: the whole body is written before the
			// answer is read, so a server that answers and closes early resets the connection.
			writeAllThenRead(t, srv.URL, token, big, 413, "too_large")
			writeAllThenRead(t, srv.URL, "wrong-token", big, 401, "unauthorized")
		}
		req, _ := http.NewRequest("POST", srv.URL+"/v1/graph", tc.body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: the client got no answer: %v", tc.name, err)
		}
		var body map[string]any
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(raw, &body); err != nil || resp.StatusCode != 413 || errorCode(body) != "too_large" {
			t.Errorf("%s: %d %s, want 413 too_large", tc.name, resp.StatusCode, raw)
		}
		if !resp.Close {
			t.Errorf("%s: the connection stays open after a refused body", tc.name)
		}
	}
}

// writeAllThenRead posts body to /v1/graph with auth on a raw connection, writing all of it
// before reading the answer, which must be status with code in the error shape.
func writeAllThenRead(t *testing.T, base, auth string, body []byte, status int, code string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	head := fmt.Sprintf("POST /v1/graph HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", auth, len(body))
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatalf("writing the body: %v (the server closed the connection before reading it)", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status || !strings.Contains(string(raw), `"`+code+`"`) {
		t.Fatalf("a body written whole: %d %s, want %d %s", resp.StatusCode, raw, status, code)
	}
}

// A method a path does not take is 405 with Allow, not 422.
func TestAMethodAPathDoesNotTakeIs405WithAllow(t *testing.T) {
	srv := mockServer(t, storeOf(nil), mmhttp.Config{})
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/v1/paths", "GET"},
		{"GET", "/v1/graph", "POST, DELETE"},
		{"DELETE", "/v1/nodes/CN", "GET"},
		{"GET", "/v1/scenarios", "POST"},
	} {
		code, body := call(t, tc.method, srv.URL+tc.path, "", nil)
		if code != 405 || errorCode(body) != "method_not_allowed" {
			t.Errorf("%s %s: %d %v, want 405 method_not_allowed", tc.method, tc.path, code, body)
		}
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if allow := resp.Header.Get("Allow"); !sameMethods(allow, tc.allow) {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, allow, tc.allow)
		}
	}
}

func sameMethods(a, b string) bool {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, x := range strings.Split(s, ",") {
			m[strings.TrimSpace(x)] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for k := range sa {
		if !sb[k] {
			return false
		}
	}
	return true
}

// A list filter that names an unknown id is 404 not_found, as the contract says of every unknown
// query-parameter value; a known one lists.
func TestAListFilterNamingAnUnknownIDIsNotFound(t *testing.T) {
	srv := mockServer(t, storeOf(map[string]string{"CN": "Country", "lithium": "Mineral", "mt-weld": "Facility"}), mmhttp.Config{})
	for _, tc := range []struct {
		path, code, param string
	}{
		{"/v1/facilities?country=ZZ", "not_found", "country"},
		{"/v1/facilities?mineral=unobtainium", "not_found", "mineral"},
		{"/v1/agreements?country=CN&mineral=unobtainium", "not_found", "mineral"},
		{"/v1/minerals?country=mt-weld", "not_found", "country"}, // a facility is not a country
		{"/v1/facilities?country=CN&mineral=lithium", "", ""},
		{"/v1/countries?group=no-such-group", "", ""}, // a group is not an id: an empty list
	} {
		status, body := call(t, "GET", srv.URL+tc.path, "", nil)
		if tc.code == "" {
			if status != 200 {
				t.Errorf("%s: %d %v, want 200", tc.path, status, body)
			}
			continue
		}
		details, _ := body["error"].(map[string]any)["details"].([]any)
		if status != 404 || errorCode(body) != tc.code || len(details) != 1 || details[0].(map[string]any)["path"] != tc.param {
			t.Errorf("%s: %d %v, want 404 %s at %s", tc.path, status, body, tc.code, tc.param)
		}
	}
}

// A body whose Content-Type the route does not take is 415; JSON (with or without a charset),
// and a body without a Content-Type, are read.
func TestABodyOfAnotherMediaTypeIs415(t *testing.T) {
	srv := mockServer(t, storeOf(nil), mmhttp.Config{APIToken: token})
	for _, tc := range []struct {
		path, contentType string
		want              int
	}{
		{"/v1/graph", "text/plain", 415}, // CSV is taken (text/csv; section=NAME, csv_test.go)
		{"/v1/scenarios", "text/csv", 415},
		{"/v1/graph", "application/x-www-form-urlencoded", 415},
		{"/v1/scenarios", "text/plain", 415},
		{"/v1/graph", "application/json", 200},
		{"/v1/graph", "application/json; charset=utf-8", 200},
		{"/v1/graph", "", 200},
	} {
		req, _ := http.NewRequest("POST", srv.URL+tc.path, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("POST %s as %q: %d %s, want %d", tc.path, tc.contentType, resp.StatusCode, raw, tc.want)
		}
		if tc.want == 415 && !strings.Contains(string(raw), `"unsupported_media_type"`) {
			t.Errorf("POST %s as %q: %s", tc.path, tc.contentType, raw)
		}
	}
}

// After a start /readyz says 503 until the networks are read (Config.Warming), then 200.
func TestReadyWaitsForTheFirstWarm(t *testing.T) {
	var warming atomic.Bool
	warming.Store(true)
	srv := mockServer(t, &mock.Store{PingFn: func(context.Context) error { return nil }}, mmhttp.Config{Warming: warming.Load})
	for _, want := range []int{http.StatusServiceUnavailable, http.StatusOK} {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 503 && !strings.Contains(string(body), "reading the networks")) {
			t.Errorf("readyz while warming=%v: %d %s; want %d", warming.Load(), resp.StatusCode, body, want)
		}
		warming.Store(false)
	}
}
