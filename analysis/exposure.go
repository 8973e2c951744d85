package analysis

import (
	"context"
	"fmt"
	"slices"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
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
	Coverage
}

// MemberExposure is one member country of a group consumer: its own deliverable supply and
// supply at risk (as a country consumer), with its demand and coverage.
type MemberExposure struct {
	Country      string  `json:"country"`
	SupplyT      float64 `json:"supply_t"`
	SupplyAtRisk float64 `json:"supply_at_risk"`
	Coverage
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
	Mineral      *string  `json:"mineral,omitempty"`
	SupplyT      *float64 `json:"supply_t,omitempty"`
	SupplyAtRisk *float64 `json:"supply_at_risk,omitempty"`
	*Coverage
	// Members: with a mineral and a group consumer, one row per member country in the
	// mineral's network; SupplierMembers: a group supplier's countries.
	Members         []MemberExposure  `json:"members,omitempty"`
	SupplierMembers []string          `json:"supplier_members,omitempty"`
	Minerals        []MineralExposure `json:"minerals,omitzero"`
	Cypher          string            `json:"cypher"`
	BrowserURL      string            `json:"browser_url"`
}

// Exposure is the supply at risk for the consumer from removing the supplier country (its node
// and its facilities), for one mineral or for each mineral the consumer receives. Either may
// be a group (contract section 7): a group consumer receives through a super-sink fed by its
// members' nodes; a group supplier removes every member and their facilities.
// KindNotFound for unknown ids; KindInvalid when the supplier is the consumer's own country
// (or one of a group consumer's members).
func (a *Analyses) Exposure(ctx context.Context, req ExposureRequest) (ExposureAnswer, error) {
	req.Conditions = req.Conditions.Normalized()
	ans := ExposureAnswer{Consumer: req.Consumer, Supplier: req.Supplier, Restrictions: req.Restrictions, AsOf: req.AsOf.Format(mineralmap.DateLayout)}
	checks := []idCheck{{"consumer", req.Consumer, []string{mineralmap.LabelCountry, mineralmap.LabelFacility}, true},
		{"supplier", req.Supplier, []string{mineralmap.LabelCountry}, true}}
	if req.Mineral != "" {
		checks = append(checks, idCheck{"mineral", req.Mineral, []string{mineralmap.LabelMineral}, false})
	}
	r, version, err := a.resolve(ctx, checks...)
	if err != nil {
		return ans, err
	}
	consumerLabel := r.labels[req.Consumer]
	suppliers := r.countries(req.Supplier)
	if r.labels[req.Supplier] == LabelGroup {
		ans.SupplierMembers = suppliers
	}
	for _, c := range consumerCountries(r, req.Consumer) {
		if slices.Contains(suppliers, c) {
			msg := "the supplier is the consumer itself"
			if c != req.Consumer || c != req.Supplier {
				msg = fmt.Sprintf("the consumer and the supplier share the country %s", c)
			}
			return ans, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: msg,
				Details: []mineralmap.Detail{{Path: "supplier", Message: "name another country or group"}}}
		}
	}
	minerals := []string{req.Mineral}
	if req.Mineral == "" {
		var received []string
		receivers := []string{req.Consumer}
		labelOf := func(string) string { return consumerLabel }
		if consumerLabel == LabelGroup {
			receivers = r.members[req.Consumer]
			labelOf = func(string) string { return mineralmap.LabelCountry }
		}
		for _, c := range receivers {
			got, err := a.store.MineralsReceived(ctx, c, labelOf(c))
			if err != nil {
				return ans, err
			}
			received = append(received, got...)
		}
		slices.Sort(received)
		minerals = slices.Compact(received)
		if minerals == nil {
			minerals = []string{}
		}
		ans.Minerals = []MineralExposure{}
		ans.Year, ans.Bases, ans.Forms = req.Year, selectedOr(req.Bases, mineralmap.Bases), selectedOr(req.Forms, mineralmap.Forms)
	}
	var view []string
	for _, mineral := range minerals {
		n, err := a.network(ctx, version, mineral, req.Conditions)
		if err != nil {
			return ans, err
		}
		removed := n.Removal(suppliers, nil)
		group := n
		if members, ok := r.members[req.Consumer]; ok {
			group = n.WithSink(req.Consumer, members)
		}
		net := group.Open(req.Conditions)
		e := MineralExposure{Mineral: mineral, SupplyT: net.MaxFlow(req.Consumer, nil),
			SupplyAtRisk: net.SupplyAtRisk(req.Consumer, removed)}
		ne := echo(n)
		e.Year, e.Reason = ne.Year, ne.Reason
		d, err := a.demandsOf(ctx, mineral)
		if err != nil {
			return ans, err
		}
		e.Coverage = d.in(r, req.Consumer).coverage(e.SupplyT, req.Consumer, consumerCountries(r, req.Consumer), e.Year,
			groupSupply(r, req.Consumer, n, func(g *supply.Mineral) *supply.Network { return g.Open(req.Conditions) }, nil, nil))
		if req.Mineral != "" || ans.Bases == nil {
			ans.NetworkEcho = ne
		}
		if req.Mineral == "" {
			ans.Year, ans.TradeYear, ans.Reason = req.Year, nil, ""
			ans.Minerals = append(ans.Minerals, e)
			continue
		}
		ans.Mineral, ans.SupplyT, ans.SupplyAtRisk, ans.Coverage = &e.Mineral, &e.SupplyT, &e.SupplyAtRisk, &e.Coverage
		view = withConsumer(net.OnSomePath(req.Consumer), req.Consumer, r.members[req.Consumer])
		if members, ok := r.members[req.Consumer]; ok {
			own := n.Open(req.Conditions)
			ans.Members = []MemberExposure{}
			for _, c := range members {
				if _, in := n.Node(c); !in {
					continue
				}
				me := MemberExposure{Country: c, SupplyT: own.MaxFlow(c, nil), SupplyAtRisk: own.SupplyAtRisk(c, removed)}
				me.Coverage = d.coverage(me.SupplyT, c, []string{c}, e.Year)
				ans.Members = append(ans.Members, me)
			}
		}
	}
	if req.Mineral != "" {
		ans.BrowserURL = a.browserURL(networkView(req.Mineral, view, ans.NetworkEcho))
	} else {
		ans.BrowserURL = a.browserURL(inline(`MATCH (s)-[r:SUPPLIES]->(c)
WHERE c.id IN $consumers
RETURN s, r, c`, map[string]any{"consumers": r.countries(req.Consumer)}))
	}
	ans.Cypher = a.store.NetworkCypher()
	return ans, nil
}
