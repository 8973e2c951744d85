package analysis

import (
	"context"

	"github.com/mineralmap/mineralmap"
)

// ExposureRequest is GET /v1/exposure.
type ExposureRequest struct {
	Consumer string
	Supplier string // a country id
	Mineral  string // empty: every mineral the consumer receives
	mineralmap.Conditions
}

// MineralExposure is the exposure for one mineral.
type MineralExposure struct {
	Mineral      string  `json:"mineral"`
	Year         *int64  `json:"year"`
	SupplyT      float64 `json:"supply_t"`
	SupplyAtRisk float64 `json:"supply_at_risk"`
	Reason       string  `json:"reason,omitempty"`
}

// ExposureAnswer is GET /v1/exposure. With a mineral, Mineral, SupplyT and SupplyAtRisk are
// set; without, Minerals is.
type ExposureAnswer struct {
	Consumer     string                     `json:"consumer"`
	Supplier     string                     `json:"supplier"`
	Restrictions mineralmap.RestrictionMode `json:"restrictions"`
	AsOf         string                     `json:"as_of"`
	// Year is the network's with a mineral; without one, the year asked (each row has its own).
	NetworkEcho
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
	req.Conditions = req.Conditions.Normalized()
	ans := ExposureAnswer{Consumer: req.Consumer, Supplier: req.Supplier, Restrictions: req.Restrictions, AsOf: req.AsOf.Format(mineralmap.DateLayout)}
	checks := []idCheck{{"consumer", req.Consumer, []string{mineralmap.LabelCountry, mineralmap.LabelFacility}},
		{"supplier", req.Supplier, []string{mineralmap.LabelCountry}}}
	if req.Mineral != "" {
		checks = append(checks, idCheck{"mineral", req.Mineral, []string{mineralmap.LabelMineral}})
	}
	labels, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	consumerLabel := labels[req.Consumer]
	if consumerLabel == mineralmap.LabelCountry && req.Consumer == req.Supplier {
		return ans, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "the supplier is the consumer itself",
			Details: []mineralmap.Detail{{Path: "supplier", Message: "name another country"}}}
	}
	minerals := []string{req.Mineral}
	if req.Mineral == "" {
		received, err := a.store.MineralsReceived(ctx, req.Consumer, consumerLabel)
		if err != nil {
			return ans, err
		}
		minerals = received
		ans.Minerals = []MineralExposure{}
		ans.Year, ans.Bases, ans.Forms = req.Year, selectedOr(req.Bases, mineralmap.Bases), selectedOr(req.Forms, mineralmap.Forms)
	}
	var view []string
	for _, m := range minerals {
		n, err := a.network(ctx, version, m, req.Conditions)
		if err != nil {
			return ans, err
		}
		net := n.Open(req.Conditions)
		e := MineralExposure{Mineral: m, SupplyT: net.MaxFlow(req.Consumer, nil),
			SupplyAtRisk: net.SupplyAtRisk(req.Consumer, n.Removal([]string{req.Supplier}, nil))}
		ne := echo(n)
		e.Year, e.Reason = ne.Year, ne.Reason
		if req.Mineral != "" || ans.Bases == nil {
			ans.NetworkEcho = ne
		}
		if req.Mineral == "" {
			ans.Year, ans.TradeYear, ans.Reason = req.Year, nil, ""
		}
		if req.Mineral != "" {
			ans.Mineral, ans.SupplyT, ans.SupplyAtRisk = &e.Mineral, &e.SupplyT, &e.SupplyAtRisk
			view = append(net.OnSomePath(req.Consumer), req.Consumer)
		} else {
			ans.Minerals = append(ans.Minerals, e)
		}
	}
	if req.Mineral != "" {
		ans.BrowserURL = a.browserURL(networkView(req.Mineral, view, ans.NetworkEcho))
	} else {
		ans.BrowserURL = a.browserURL(inline(`MATCH (s)-[r:SUPPLIES]->(c {id: $consumer})
RETURN s, r, c`, map[string]any{"consumer": req.Consumer}))
	}
	ans.Cypher = a.store.NetworkCypher()
	return ans, nil
}
