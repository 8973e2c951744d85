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
	// Coverage is after_t against the consumer's demand; CoverageBefore is before_t's.
	Coverage
	CoverageBefore *float64 `json:"coverage_before,omitempty"`
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
	checks := []idCheck{{"/mineral", req.Mineral, []string{mineralmap.LabelMineral}, false}}
	add := func(path string, ids []string, groups bool, labels ...string) {
		for _, id := range ids {
			checks = append(checks, idCheck{path, id, labels, groups})
		}
	}
	add("/consumers", req.Consumers, true, mineralmap.LabelCountry, mineralmap.LabelFacility)
	add("/remove/countries", req.Remove.Countries, true, mineralmap.LabelCountry)
	add("/remove/facilities", req.Remove.Facilities, false, mineralmap.LabelFacility)
	for _, r := range req.Restrictions {
		add("/restrictions", append([]string{r.Country}, r.Targets...), true, mineralmap.LabelCountry)
	}
	r, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	// Groups stand for their members: a restricting group is one restriction per member,
	// targets name the members of a targeted group.
	var extra []mineralmap.Measure
	for _, x := range req.Restrictions {
		var targets []string
		if len(x.Targets) > 0 {
			targets = r.countries(x.Targets...)
		}
		for _, c := range r.countries(x.Country) {
			extra = append(extra, mineralmap.Measure{Country: c, Targets: targets, Measure: x.Measure})
		}
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
	d, err := a.demandsOf(ctx, req.Mineral)
	if err != nil {
		return ans, err
	}
	removeCountries := r.countries(req.Remove.Countries...)
	// The open networks, before and after the added restrictions, once per network (the
	// mineral's, and each group consumer's with its super-sink).
	type opened struct{ before, after *supply.Network }
	nets := map[*supply.Mineral]opened{}
	open := func(g *supply.Mineral) opened {
		o, ok := nets[g]
		if !ok {
			o = opened{g.Open(cond), g.OpenWith(cond, extra)}
			nets[g] = o
		}
		return o
	}
	for _, c := range consumers {
		g := n
		if members, ok := r.members[c]; ok {
			g = n.WithSink(c, members)
		}
		// Removal on the consumer's own network: a removed member takes its split half with it.
		o := open(g)
		b, f := o.before.MaxFlow(c, nil), o.after.MaxFlow(c, g.Removal(removeCountries, req.Remove.Facilities))
		res := ScenarioResult{Consumer: c, BeforeT: b, AfterT: f, LostShare: supply.Risk(b, f)}
		countries := consumerCountries(r, c)
		if len(req.Consumers) == 0 { // the default consumers were not resolved: label them from the network
			if info, ok := n.Node(c); ok && info.IsCountry {
				countries = []string{c}
			}
		}
		res.Coverage = d.in(r, c).coverage(f, c, countries, ans.Year,
			groupSupply(r, c, n, func(g *supply.Mineral) *supply.Network { return open(g).after }, removeCountries, req.Remove.Facilities))
		if before := d.in(r, c).coverage(b, c, countries, ans.Year,
			groupSupply(r, c, n, func(g *supply.Mineral) *supply.Network { return open(g).before }, nil, nil)); before.Coverage != nil {
			res.CoverageBefore = before.Coverage
		}
		ans.Results = append(ans.Results, res)
	}
	ans.BrowserURL = a.browserURL(networkView(req.Mineral, slices.Clone(n.IDs()), ans.NetworkEcho))
	return ans, nil
}
