package analysis

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mineralmap/mineralmap/supply"
)

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
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return "null"
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

// maxViewNodes bounds the node list inlined into a Browser query.
const maxViewNodes = 300

// networkView is the Browser query that draws the mineral's supply edges among nodes.
//
// The edges are those of the network at the answer's year, bases and forms (section 5): per
// pair and form the record of the latest year ≤ year, and the records without a year.
func networkView(mineral string, nodes []string, net NetworkEcho) string {
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	if len(nodes) > maxViewNodes {
		nodes = nodes[:maxViewNodes]
	}
	year := 9999
	if net.Year != nil {
		year = int(*net.Year)
	}
	return inline(`MATCH (a)-[s:SUPPLIES]->(b)
WHERE s.mineral = $mineral AND a.id IN $ids AND b.id IN $ids
  AND coalesce(s.basis, 'estimated') IN $bases AND s.form IN $forms AND coalesce(s.year, 0) <= $year
WITH a, b, s.form AS form, collect(s) AS records
WITH a, b, [r IN records WHERE r.year IS NULL] AS undated, [r IN records WHERE r.year IS NOT NULL] AS dated
UNWIND undated + CASE size(dated) WHEN 0 THEN [] ELSE
  [reduce(latest = head(dated), r IN dated | CASE WHEN r.year > latest.year THEN r ELSE latest END)] END AS s
RETURN a, s, b`, map[string]any{"mineral": mineral, "ids": nodes, "bases": net.Bases, "forms": net.Forms, "year": year})
}

// withConsumer is the nodes of a view with the consumer: a group's member countries in place
// of the group (the super-sink is not a stored node).
func withConsumer(nodes []string, consumer string, members []string) []string {
	out := slices.Clone(nodes)
	if len(members) == 0 {
		return append(out, consumer)
	}
	out = slices.DeleteFunc(out, func(id string) bool { return id == consumer || supply.IsSplit(id) })
	return append(out, members...)
}
