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

// idCheck asks that the id given for param names a node of one of labels; with groups, a
// group reference (group:NAME, contract section 7) is taken too.
type idCheck struct {
	param  string
	id     string
	labels []string
	groups bool
}

// MaxGroups bounds the distinct groups one request names (each is read, and a group consumer
// is a network of its own).
const MaxGroups = 20

// LabelGroup is what resolve answers for a group reference.
const LabelGroup = "Group"

// refs are the ids of a request, resolved: the label of each (LabelGroup for a group) and the
// member countries of each group.
type refs struct {
	labels  map[string]string
	members map[string][]string
	blocs   map[string]map[string][]string // by group: its blocs and their members
}

// countries are the countries ids stand for: a group's members, or the id itself.
func (r refs) countries(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if m, ok := r.members[id]; ok {
			out = append(out, m...)
		} else {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// resolve runs every check with one lookup (and one per group) and returns what the ids name
// and the Version of the database the lookup read; an id that names nothing, a node of another
// label, or a group without members is not_found with every failing parameter listed.
func (a *Analyses) resolve(ctx context.Context, checks ...idCheck) (refs, mineralmap.Version, error) {
	r := refs{members: map[string][]string{}, blocs: map[string]map[string][]string{}}
	ids := make([]string, 0, len(checks))
	var details []mineralmap.Detail
	for _, c := range checks {
		name, isGroup := mineralmap.GroupName(c.id)
		switch {
		case !isGroup:
			ids = append(ids, c.id)
		case !c.groups:
			details = append(details, mineralmap.Detail{Path: c.param, Message: fmt.Sprintf("%q: a group is not taken here; name a %s", c.id, strings.Join(c.labels, " or "))})
		default:
			if _, done := r.members[c.id]; done {
				continue
			}
			if len(r.members) >= MaxGroups {
				return r, "", &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("at most %d groups in one request", MaxGroups),
					Details: []mineralmap.Detail{{Path: c.param, Message: fmt.Sprintf("%q: at most %d distinct groups", c.id, MaxGroups)}}}
			}
			g, err := a.store.GroupMembers(ctx, name)
			if err != nil {
				return r, "", err
			}
			if len(g.Members) == 0 {
				details = append(details, mineralmap.Detail{Path: c.param, Message: fmt.Sprintf("no country is in the group %q", name)})
				continue
			}
			r.members[c.id], r.blocs[c.id] = g.Members, g.Blocs
		}
	}
	slices.Sort(ids)
	got, version, err := a.store.Labels(ctx, slices.Compact(ids))
	if err != nil {
		return r, version, err
	}
	for id := range r.members {
		got[id] = LabelGroup
	}
	r.labels = got
	for _, c := range checks {
		if _, isGroup := mineralmap.GroupName(c.id); isGroup {
			continue
		}
		l, ok := got[c.id]
		switch {
		case !ok:
			details = append(details, mineralmap.Detail{Path: c.param, Message: "unknown id " + strconv.Quote(c.id)})
		case !slices.Contains(c.labels, l):
			details = append(details, mineralmap.Detail{Path: c.param, Message: fmt.Sprintf("%q is a %s, not a %s", c.id, l, strings.Join(c.labels, " or "))})
		}
	}
	if len(details) > 0 {
		return r, version, &mineralmap.Error{Kind: mineralmap.KindNotFound, Message: details[0].Message, Details: details}
	}
	return r, version, nil
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
