package analysis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// idCheck asks that the id given for param names a node of one of labels.
type idCheck struct {
	param  string
	id     string
	labels []string
}

// resolve runs every check with one lookup and returns the label of each id and the Version
// of the database the lookup read; an id that names nothing, or a node of another label, is
// not_found with every failing parameter listed.
func (a *Analyses) resolve(ctx context.Context, checks ...idCheck) (map[string]string, mineralmap.Version, error) {
	ids := make([]string, 0, len(checks))
	for _, c := range checks {
		ids = append(ids, c.id)
	}
	slices.Sort(ids)
	got, version, err := a.store.Labels(ctx, slices.Compact(ids))
	if err != nil {
		return nil, version, err
	}
	var details []mineralmap.Detail
	for _, c := range checks {
		l, ok := got[c.id]
		switch {
		case !ok:
			details = append(details, mineralmap.Detail{Path: c.param, Message: "unknown id " + strconv.Quote(c.id)})
		case !slices.Contains(c.labels, l):
			details = append(details, mineralmap.Detail{Path: c.param, Message: fmt.Sprintf("%q is a %s, not a %s", c.id, l, strings.Join(c.labels, " or "))})
		}
	}
	if len(details) > 0 {
		return nil, version, &mineralmap.Error{Kind: mineralmap.KindNotFound, Message: details[0].Message, Details: details}
	}
	return got, version, nil
}

// network is the M-network of mineral at the conditions' year, bases and forms (contract
// section 5) as stored at version (the database the request's id lookup read), from the
// cache or read again. cond must be normalized.
func (a *Analyses) network(ctx context.Context, version mineralmap.Version, mineral string, cond mineralmap.Conditions) (*supply.Mineral, error) {
	l, err := a.networks.get(ctx, version, mineral)
	if err != nil {
		return nil, err
	}
	m, _, err := l.At(cond)
	a.networks.trim() // the layers just read and the view At may have built count towards the budget
	return m, err
}

// requireLabel checks that id names a node of one of labels: KindNotFound otherwise.
func (a *Analyses) requireLabel(ctx context.Context, param, id string, labels ...string) (string, error) {
	got, _, err := a.store.Labels(ctx, []string{id})
	if err != nil {
		return "", err
	}
	l, ok := got[id]
	if !ok {
		return "", &mineralmap.Error{Kind: mineralmap.KindNotFound, Message: fmt.Sprintf("no node has the id %q", id),
			Details: []mineralmap.Detail{{Path: param, Message: "unknown id " + strconv.Quote(id)}}}
	}
	if !slices.Contains(labels, l) {
		return "", &mineralmap.Error{Kind: mineralmap.KindNotFound, Message: fmt.Sprintf("%q is a %s, not a %s", id, l, strings.Join(labels, " or ")),
			Details: []mineralmap.Detail{{Path: param, Message: "expected a " + strings.Join(labels, " or ")}}}
	}
	return l, nil
}

// NetworkEcho is what every network analysis answer says of the M-network it ran on (contract
// section 5): the year (null: the mineral's records have none), the year of its trade edges,
// the bases and forms of the edges taken, and, when the network is empty, why.
type NetworkEcho struct {
	Year      *int64   `json:"year"`
	TradeYear *int64   `json:"trade_year,omitempty"`
	Bases     []string `json:"bases"`
	Forms     []string `json:"forms"`
	Reason    string   `json:"reason,omitempty"`
}

func echo(m *supply.Mineral) NetworkEcho {
	s := m.Selected()
	return NetworkEcho{Year: s.Year, TradeYear: s.TradeYear, Bases: s.Bases, Forms: s.Forms, Reason: s.Reason}
}

// selectedOr is the values asked for, or all of them when none was.
func selectedOr(asked, all []string) []string {
	if len(asked) == 0 {
		return slices.Clone(all)
	}
	return asked
}
