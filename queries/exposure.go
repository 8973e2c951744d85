package queries

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/mineralmap/mineralmap/graph"
)

//go:embed exposure_minerals.cypher
var exposureMineralsCypher string

// ExposureRequest is GET /v1/exposure.
type ExposureRequest struct {
	Consumer string
	Supplier string // a country id
	Mineral  string // empty: every mineral the consumer receives
	Conditions
}

// MineralExposure is the exposure for one mineral.
type MineralExposure struct {
	Mineral      string  `json:"mineral"`
	SupplyT      float64 `json:"supply_t"`
	SupplyAtRisk float64 `json:"supply_at_risk"`
}

// ExposureAnswer is GET /v1/exposure. With a mineral, Mineral, SupplyT and SupplyAtRisk are
// set; without, Minerals is.
type ExposureAnswer struct {
	Consumer     string            `json:"consumer"`
	Supplier     string            `json:"supplier"`
	Restrictions Restrictions      `json:"restrictions"`
	AsOf         string            `json:"as_of"`
	Mineral      *string           `json:"mineral,omitempty"`
	SupplyT      *float64          `json:"supply_t,omitempty"`
	SupplyAtRisk *float64          `json:"supply_at_risk,omitempty"`
	Minerals     []MineralExposure `json:"minerals,omitzero"`
	Cypher       string            `json:"cypher"`
	BrowserURL   string            `json:"browser_url"`
}

// Exposure is the supply at risk for the consumer from removing the supplier country (its node
// and its facilities), for one mineral or for each mineral the consumer receives.
// KindNotFound for unknown ids; KindInvalid when the supplier is the consumer's own country.
func (a *Analyses) Exposure(ctx context.Context, req ExposureRequest) (ExposureAnswer, error) {
	req.Conditions = req.Conditions.normalized()
	ans := ExposureAnswer{Consumer: req.Consumer, Supplier: req.Supplier, Restrictions: req.Restrictions, AsOf: req.AsOf.Format("2006-01-02")}
	checks := []idCheck{{"consumer", req.Consumer, []string{graph.LabelCountry, graph.LabelFacility}},
		{"supplier", req.Supplier, []string{graph.LabelCountry}}}
	if req.Mineral != "" {
		checks = append(checks, idCheck{"mineral", req.Mineral, []string{graph.LabelMineral}})
	}
	labels, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	consumerLabel := labels[req.Consumer]
	if consumerLabel == graph.LabelCountry && req.Consumer == req.Supplier {
		return ans, &graph.Error{Kind: graph.KindInvalid, Message: "the supplier is the consumer itself",
			Details: []graph.Detail{{Path: "supplier", Message: "name another country"}}}
	}
	minerals := []string{req.Mineral}
	if req.Mineral == "" {
		recs, err := a.collect(ctx, strings.Replace(exposureMineralsCypher, "(c {id: $consumer})", fmt.Sprintf("(c:%s {id: $consumer})", consumerLabel), 1),
			map[string]any{"consumer": req.Consumer})
		if err != nil {
			return ans, err
		}
		minerals = minerals[:0]
		for _, r := range recs {
			minerals = append(minerals, str(r.Values[0]))
		}
		ans.Minerals = []MineralExposure{}
	}
	var view []string
	for _, m := range minerals {
		n, err := a.fetchNetwork(ctx, version, m, req.Conditions, nil)
		if err != nil {
			return ans, err
		}
		ans.Cypher = n.cypher
		net := n.openNetwork()
		e := MineralExposure{Mineral: m, SupplyT: net.MaxFlow(req.Consumer, nil),
			SupplyAtRisk: net.SupplyAtRisk(req.Consumer, n.removal([]string{req.Supplier}, nil))}
		if req.Mineral != "" {
			ans.Mineral, ans.SupplyT, ans.SupplyAtRisk = &e.Mineral, &e.SupplyT, &e.SupplyAtRisk
			view = append(net.OnSomePath(req.Consumer), req.Consumer)
		} else {
			ans.Minerals = append(ans.Minerals, e)
		}
	}
	if req.Mineral != "" {
		ans.BrowserURL = a.browserURL(networkView(req.Mineral, view))
	} else {
		ans.BrowserURL = a.browserURL(inline(`MATCH (s)-[r:SUPPLIES]->(c {id: $consumer})
RETURN s, r, c`, map[string]any{"consumer": req.Consumer}))
	}
	if ans.Cypher == "" {
		ans.Cypher = networkCypher
	}
	return ans, nil
}
