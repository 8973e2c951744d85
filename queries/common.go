package queries

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap/graph"
)

// Bounds of the analyses' parameters.
const (
	MaxK         = 20
	MaxHops      = 12
	MaxLimit     = 1000
	DefaultK     = 3
	DefaultHops  = 8
	DefaultLimit = 20
)

// Restrictions says which stored restrictions block a hop (contract section 4).
type Restrictions string

const (
	RestrictBans   Restrictions = "bans"   // only measure "ban" blocks (the default)
	RestrictAll    Restrictions = "all"    // every measure blocks
	RestrictIgnore Restrictions = "ignore" // nothing stored blocks
)

// RestrictionModes lists the values of the restrictions parameter.
var RestrictionModes = []string{string(RestrictBans), string(RestrictAll), string(RestrictIgnore)}

// measures returns the measures that block under mode.
func (r Restrictions) measures() []string {
	switch r {
	case RestrictAll:
		return slices.Clone(graph.Measures)
	case RestrictIgnore:
		return []string{}
	}
	return []string{"ban"}
}

// Conditions are the restriction settings shared by every analysis.
type Conditions struct {
	Restrictions Restrictions
	AsOf         time.Time // zero: today (UTC)
}

func (c Conditions) normalized() Conditions {
	if c.Restrictions == "" {
		c.Restrictions = RestrictBans
	}
	if c.AsOf.IsZero() {
		now := time.Now().UTC()
		c.AsOf = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	return c
}

func (c Conditions) params() map[string]any {
	return map[string]any{"as_of": dbtype.Date(c.AsOf), "measures": c.Restrictions.measures()}
}

// restriction is an active RESTRICTS edge of one mineral.
type restriction struct {
	Country string
	Targets []string
	Measure string
}

// appliesTo reports whether the restriction covers a hop from country a to country b.
func (r restriction) appliesTo(a, b string) bool {
	return a != b && r.Country == a && (len(r.Targets) == 0 || slices.Contains(r.Targets, b))
}

func toRestrictions(v any) []restriction {
	var out []restriction
	for _, x := range v.([]any) {
		m := x.(map[string]any)
		r := restriction{Country: m["country"].(string), Measure: str(m["measure"])}
		for _, t := range asList(m["targets"]) {
			r.Targets = append(r.Targets, t.(string))
		}
		out = append(out, r)
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

// collect runs one read query and returns its records.
func (a *Analyses) collect(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	out, err := a.store.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return nil, err
	}
	return out.([]*neo4j.Record), nil
}

// labelsOf returns the label of each stored id; missing ones are 404 (not_found) with the
// parameter that named them.
func (a *Analyses) labelsOf(ctx context.Context, param string, ids ...string) (map[string]string, error) {
	labels, err := a.store.LookupLabels(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, ok := labels[id]; !ok {
			return nil, &graph.Error{Kind: graph.KindNotFound, Message: fmt.Sprintf("no node has the id %q", id),
				Details: []graph.Detail{{Path: param, Message: "unknown id " + strconv.Quote(id)}}}
		}
	}
	return labels, nil
}

// idCheck asks that the id given for param names a node of one of labels.
type idCheck struct {
	param  string
	id     string
	labels []string
}

// resolve runs every check with one lookup and returns the label of each id; an id that names
// nothing, or a node of another label, is not_found with every failing parameter listed.
func (a *Analyses) resolve(ctx context.Context, checks ...idCheck) (map[string]string, graph.Version, error) {
	ids := make([]string, 0, len(checks))
	for _, c := range checks {
		ids = append(ids, c.id)
	}
	slices.Sort(ids)
	got, version, err := a.store.LookupLabelsVersion(ctx, slices.Compact(ids))
	if err != nil {
		return nil, version, err
	}
	var details []graph.Detail
	for _, c := range checks {
		l, ok := got[c.id]
		switch {
		case !ok:
			details = append(details, graph.Detail{Path: c.param, Message: "unknown id " + strconv.Quote(c.id)})
		case !slices.Contains(c.labels, l):
			details = append(details, graph.Detail{Path: c.param, Message: fmt.Sprintf("%q is a %s, not a %s", c.id, l, strings.Join(c.labels, " or "))})
		}
	}
	if len(details) > 0 {
		return nil, version, &graph.Error{Kind: graph.KindNotFound, Message: details[0].Message, Details: details}
	}
	return got, version, nil
}

// requireLabel checks that id names a node of one of labels.
func (a *Analyses) requireLabel(ctx context.Context, param, id string, labels ...string) (string, error) {
	got, err := a.labelsOf(ctx, param, id)
	if err != nil {
		return "", err
	}
	if !slices.Contains(labels, got[id]) {
		return "", &graph.Error{Kind: graph.KindNotFound, Message: fmt.Sprintf("%q is a %s, not a %s", id, got[id], strings.Join(labels, " or ")),
			Details: []graph.Detail{{Path: param, Message: "expected a " + strings.Join(labels, " or ")}}}
	}
	return got[id], nil
}

// cypherLiteral writes v as a Cypher literal, for the query shown in Neo4j Browser; strings are
// single-quoted with backslash escapes, so no value can end the literal.
func cypherLiteral(v any) string {
	switch x := v.(type) {
	case string:
		var b strings.Builder
		b.WriteByte('\'')
		for _, r := range x {
			switch r {
			case '\\':
				b.WriteString(`\\`)
			case '\'':
				b.WriteString(`\'`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			default:
				if r < 0x20 {
					fmt.Fprintf(&b, `\u%04x`, r)
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('\'')
		return b.String()
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = cypherLiteral(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case time.Time:
		return "date(" + cypherLiteral(x.Format("2006-01-02")) + ")"
	case dbtype.Date:
		return cypherLiteral(time.Time(x))
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	panic(fmt.Sprintf("cypherLiteral: unsupported %T", v))
}

// inline replaces each $name in a Browser query by the literal of params[name]. Names are
// replaced longest first so $to never eats $total.
func inline(cypher string, params map[string]any) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	for _, k := range names {
		cypher = strings.ReplaceAll(cypher, "$"+k, cypherLiteral(params[k]))
	}
	return cypher
}

// browserURL opens Neo4j Browser with cypher in its editor, ready to run (checked in Browser 5.24
// by e2e/browser_test.go). Browser turns '+' into spaces and percent-decodes the whole URL before
// it splits the parameters, so the query must hold no '&' or '#': the inlined values are ids,
// dates and numbers, and the queries use neither.
func (a *Analyses) browserURL(cypher string) string {
	return a.browserBase + "?cmd=edit&arg=" + url.QueryEscape(strings.TrimSpace(cypher))
}
