package analysis

import (
	"context"
	"slices"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// ChokepointsRequest is GET /v1/chokepoints.
type ChokepointsRequest struct {
	Mineral  string
	Consumer string
	Limit    int
	mineralmap.Conditions
}

// ChokepointItem is one ranked chokepoint.
type ChokepointItem struct {
	ID                   string  `json:"id"`
	Type                 string  `json:"type"`
	Name                 string  `json:"name"`
	Country              string  `json:"country"`
	SupplyAtRisk         float64 `json:"supply_at_risk"`
	SinglePointOfFailure bool    `json:"single_point_of_failure"`
}

// ChokepointsAnswer is the answer of GET /v1/chokepoints.
type ChokepointsAnswer struct {
	Mineral      string                     `json:"mineral"`
	Consumer     string                     `json:"consumer"`
	Restrictions mineralmap.RestrictionMode `json:"restrictions"`
	AsOf         string                     `json:"as_of"`
	NetworkEcho
	SupplyT float64 `json:"supply_t"`
	Coverage
	// Members are a group consumer's countries (contract section 7); absent for a country or
	// facility consumer.
	Members     []string         `json:"members,omitempty"`
	Chokepoints []ChokepointItem `json:"chokepoints"`
	Cypher      string           `json:"cypher"`
	BrowserURL  string           `json:"browser_url"`
}

// Chokepoints ranks the facilities (other than the consumer) and countries (node plus
// facilities; not the consumer's own) on the mineral's supply paths to the consumer by the
// supply at risk from removing them; those at 1 are single points of failure.
// KindNotFound for unknown ids.
func (a *Analyses) Chokepoints(ctx context.Context, req ChokepointsRequest) (ChokepointsAnswer, error) {
	req.Conditions = req.Conditions.Normalized()
	if req.Limit == 0 {
		req.Limit = DefaultLimit
	}
	ans := ChokepointsAnswer{Mineral: req.Mineral, Consumer: req.Consumer, Restrictions: req.Restrictions,
		AsOf: req.AsOf.Format(mineralmap.DateLayout), Chokepoints: []ChokepointItem{}}
	r, version, err := a.resolve(ctx, idCheck{"mineral", req.Mineral, []string{mineralmap.LabelMineral}, false},
		idCheck{"consumer", req.Consumer, []string{mineralmap.LabelCountry, mineralmap.LabelFacility}, true})
	if err != nil {
		return ans, err
	}
	m, err := a.network(ctx, version, req.Mineral, req.Conditions)
	if err != nil {
		return ans, err
	}
	ans.Cypher = a.store.NetworkCypher()
	ans.NetworkEcho = echo(m)
	// A group consumer: the network with its super-sink; its members are not candidates
	// (removing one removes part of the consumer), their facilities are.
	own := map[string]bool{}
	base := m
	if members, ok := r.members[req.Consumer]; ok {
		m = m.WithSink(req.Consumer, members)
		ans.Members = members
		for _, c := range members {
			own[c] = true
		}
	} else if c := m.CountryOf(req.Consumer); c != "" {
		own[c] = true
	} else { // a consumer outside the M-network: its country is itself or its facility's
		own[req.Consumer] = true
	}
	net := m.Open(req.Conditions)
	onPath := net.OnSomePath(req.Consumer)
	var candidates []supply.Candidate
	countries := map[string]bool{}
	for _, id := range onPath {
		info, _ := m.Node(id)
		if !info.IsCountry && id != req.Consumer {
			candidates = append(candidates, supply.Candidate{ID: id, Type: "facility", Members: []string{id}})
		}
		if !own[info.Country] && info.Country != req.Consumer {
			countries[info.Country] = true
		}
	}
	// The order of candidates does not matter: they are ranked by supply at risk, then id.
	// Members are a copy: the cached network's lists are shared by concurrent requests.
	for c := range countries {
		candidates = append(candidates, supply.Candidate{ID: c, Type: "country", Members: append(slices.Clip(m.CountryMembers(c)), c)})
	}
	names, err := a.countryNames(ctx, m, countries)
	if err != nil {
		return ans, err
	}
	supplyT, ranked := net.RankChokepoints(req.Consumer, candidates, req.Limit)
	ans.SupplyT = supplyT
	d, err := a.demandsOf(ctx, req.Mineral)
	if err != nil {
		return ans, err
	}
	ans.Coverage = d.in(r, req.Consumer).coverage(supplyT, req.Consumer, consumerCountries(r, req.Consumer), ans.Year,
		groupSupply(r, req.Consumer, base, func(g *supply.Mineral) *supply.Network { return g.Open(req.Conditions) }, nil, nil))
	for _, c := range ranked {
		item := ChokepointItem{ID: c.ID, Type: c.Type, SupplyAtRisk: c.SupplyAtRisk, SinglePointOfFailure: c.SinglePointOfFailure}
		if c.Type == "facility" {
			info, _ := m.Node(c.ID)
			item.Name, item.Country = info.Name, info.Country
		} else {
			item.Name, item.Country = names[c.ID], c.ID
		}
		ans.Chokepoints = append(ans.Chokepoints, item)
	}
	ans.BrowserURL = a.browserURL(networkView(req.Mineral, withConsumer(onPath, req.Consumer, ans.Members), ans.NetworkEcho))
	return ans, nil
}

// countryNames names the countries, from the network where their node is in it, else from the store.
func (a *Analyses) countryNames(ctx context.Context, m *supply.Mineral, countries map[string]bool) (map[string]string, error) {
	names := map[string]string{}
	var missing []string
	for c := range countries {
		if info, ok := m.Node(c); ok && info.IsCountry {
			names[c] = info.Name
		} else {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return names, nil
	}
	stored, err := a.store.CountryNames(ctx, missing)
	if err != nil {
		return nil, err
	}
	for c, n := range stored {
		names[c] = n
	}
	return names, nil
}
