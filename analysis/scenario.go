package analysis

import (
	"context"
	"slices"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// ScenarioRequest is POST /v1/scenarios (its body as the API reads it: http.scenarioBody).
type ScenarioRequest struct {
	Mineral      string
	Consumers    []string
	Remove       ScenarioRemove
	Restrictions []ScenarioRestriction
	AsOf         string
	// Year, Bases and Forms pick the network as the query parameters of the other analyses
	// do (section 5); nil: not given in the body.
	Year         *int64
	Bases, Forms []string
}

// ScenarioRemove lists what a scenario takes out of the network.
type ScenarioRemove struct {
	Countries  []string
	Facilities []string
}

// ScenarioRestriction is a restriction added by a scenario; it blocks whatever its measure.
type ScenarioRestriction struct {
	Country string
	Targets []string
	Measure string
}

// ScenarioResult is one consumer's supply before and after.
type ScenarioResult struct {
	Consumer  string  `json:"consumer"`
	BeforeT   float64 `json:"before_t"`
	AfterT    float64 `json:"after_t"`
	LostShare float64 `json:"lost_share"`
}

// ScenarioAnswer is the answer of POST /v1/scenarios.
type ScenarioAnswer struct {
	Mineral string `json:"mineral"`
	NetworkEcho
	Results    []ScenarioResult `json:"results"`
	Cypher     string           `json:"cypher"`
	BrowserURL string           `json:"browser_url"`
}

// Scenario computes each consumer's deliverable supply before and after the removals and the
// added restrictions. It only reads: the stored graph never changes. KindNotFound for unknown ids.
func (a *Analyses) Scenario(ctx context.Context, req ScenarioRequest, cond mineralmap.Conditions) (ScenarioAnswer, error) {
	cond = cond.Normalized()
	ans := ScenarioAnswer{Mineral: req.Mineral, Results: []ScenarioResult{}}
	checks := []idCheck{{"/mineral", req.Mineral, []string{mineralmap.LabelMineral}}}
	add := func(path string, ids []string, labels ...string) {
		for _, id := range ids {
			checks = append(checks, idCheck{path, id, labels})
		}
	}
	add("/consumers", req.Consumers, mineralmap.LabelCountry, mineralmap.LabelFacility)
	add("/remove/countries", req.Remove.Countries, mineralmap.LabelCountry)
	add("/remove/facilities", req.Remove.Facilities, mineralmap.LabelFacility)
	var extra []mineralmap.Measure
	for _, r := range req.Restrictions {
		add("/restrictions", append([]string{r.Country}, r.Targets...), mineralmap.LabelCountry)
		extra = append(extra, mineralmap.Measure{Country: r.Country, Targets: r.Targets, Measure: r.Measure})
	}
	_, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	n, err := a.network(ctx, version, req.Mineral, cond)
	if err != nil {
		return ans, err
	}
	ans.NetworkEcho = echo(n)
	ans.Cypher = a.store.NetworkCypher()
	consumers := req.Consumers
	if len(consumers) == 0 {
		consumers = n.Consumers()
	}
	before, after := n.Open(cond), n.OpenWith(cond, extra)
	removed := n.Removal(req.Remove.Countries, req.Remove.Facilities)
	for _, c := range consumers {
		b, f := before.MaxFlow(c, nil), after.MaxFlow(c, removed)
		ans.Results = append(ans.Results, ScenarioResult{Consumer: c, BeforeT: b, AfterT: f, LostShare: supply.Risk(b, f)})
	}
	ans.BrowserURL = a.browserURL(networkView(req.Mineral, slices.Clone(n.IDs()), ans.NetworkEcho))
	return ans, nil
}
