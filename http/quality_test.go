package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	mmhttp "github.com/mineralmap/mineralmap/http"
)

// GET /v1/quality on the fixtures as loaded into Neo4j: a report per mineral, in the spec's
// shape (specChecked), none with an error finding; one mineral's report alone with mineral=.
func TestTheQualityReportOfTheStoredFixturesHasNoError(t *testing.T) {
	srv, _ := mustServer(t, mmhttp.Config{})
	resp, err := http.Get(srv.URL + "/v1/quality")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var reports []struct {
		Mineral string `json:"mineral"`
		Unit    string `json:"unit"`
		Stages  []struct {
			Stage  string  `json:"stage"`
			TotalT float64 `json:"total_t"`
		} `json:"stages"`
		Findings []struct{ Severity, Kind, Message string } `json:"findings"`
		Basis    map[string]float64                         `json:"basis_shares"`
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET /v1/quality: %d %s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) < 11 {
		t.Fatalf("%d reports, want one per mineral of the fixtures (11)", len(reports))
	}
	for _, r := range reports {
		// Mining and refining, then demand where the mineral has DEMANDS records (section 7).
		if r.Unit == "" || len(r.Stages) < 2 || len(r.Stages) > 3 || r.Stages[0].Stage != "mining" || r.Stages[1].Stage != "refining" ||
			len(r.Stages) == 3 && r.Stages[2].Stage != "demand" || r.Stages[0].TotalT <= 0 {
			t.Errorf("%s: unit %q, stages %+v", r.Mineral, r.Unit, r.Stages)
		}
		var sum float64
		for _, v := range r.Basis {
			sum += v
		}
		if sum < 0.999 || sum > 1.001 {
			t.Errorf("%s: basis shares %v add up to %v", r.Mineral, r.Basis, sum)
		}
		for _, f := range r.Findings {
			if f.Severity == "error" {
				t.Errorf("%s: %s %s", r.Mineral, f.Kind, f.Message)
			}
		}
	}
	code, one := call(t, "GET", srv.URL+"/v1/quality?mineral=nickel&year=2024", "", nil)
	if code != 200 || one["mineral"] != "nickel" || one["year"] != 2024.0 || one["unit"] != "t Ni" {
		t.Fatalf("nickel: %d %.300v", code, one)
	}
}
