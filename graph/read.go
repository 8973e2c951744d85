package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// NodeView is one node with its properties and relationships (GET /v1/nodes/{id}).
type NodeView struct {
	ID            string         `json:"id"`
	Label         string         `json:"label"`
	Properties    map[string]any `json:"properties"`
	Relationships []RelView      `json:"relationships"`
	Truncated     bool           `json:"relationships_truncated"`
}

// RelView is one relationship seen from a node.
type RelView struct {
	Type       string         `json:"type"`
	Direction  string         `json:"direction"`
	Other      string         `json:"other"`
	OtherLabel string         `json:"other_label"`
	Properties map[string]any `json:"properties"`
}

// maxNodeRelationships bounds the relationships GET /v1/nodes/{id} returns.
const maxNodeRelationships = 1000

// Node returns one node by id. KindNotFound when no node has that id.
func (s *Store) Node(ctx context.Context, id string) (NodeView, error) {
	if !ValidID(id) {
		return NodeView{}, Errorf(KindNotFound, "no node has the id %q", truncate(id))
	}
	out, err := s.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `CALL () {
  MATCH (n:Country {id: $id}) RETURN n
  UNION MATCH (n:Mineral {id: $id}) RETURN n
  UNION MATCH (n:Facility {id: $id}) RETURN n
  UNION MATCH (n:Agreement {id: $id}) RETURN n
}
CALL (n) {
  OPTIONAL MATCH (n)-[r]-(o)
  RETURN r, o ORDER BY type(r), o.id LIMIT $limit
}
RETURN n, collect({type: type(r), out: startNode(r) = n, other: o.id, other_label: labels(o)[0], props: properties(r)}) AS rels`,
			map[string]any{"id": id, "limit": maxNodeRelationships + 1})
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return NodeView{}, err
	}
	recs := out.([]*neo4j.Record)
	if len(recs) == 0 {
		// A node without relationships still comes back (collect of nothing is []); none means no node.
		return NodeView{}, Errorf(KindNotFound, "no node has the id %q", id)
	}
	n := recs[0].Values[0].(neo4j.Node)
	v := NodeView{ID: id, Label: n.Labels[0], Properties: plain(n.Props).(map[string]any), Relationships: []RelView{}}
	for _, raw := range recs[0].Values[1].([]any) {
		m := raw.(map[string]any)
		if m["type"] == nil { // OPTIONAL MATCH found no relationship
			continue
		}
		if len(v.Relationships) == maxNodeRelationships {
			v.Truncated = true
			break
		}
		dir := "in"
		if m["out"].(bool) {
			dir = "out"
		}
		other, _ := m["other"].(string)
		otherLabel, _ := m["other_label"].(string)
		v.Relationships = append(v.Relationships, RelView{Type: m["type"].(string), Direction: dir, Other: other,
			OtherLabel: otherLabel, Properties: plain(m["props"]).(map[string]any)})
	}
	return v, nil
}

// plain turns driver values into JSON-friendly ones (dates as YYYY-MM-DD).
func plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case dbtype.Date:
		return time.Time(x).Format(dateLayout)
	case nil:
		return map[string]any{}
	}
	return v
}

// ListFilter selects and pages a list of nodes.
type ListFilter struct {
	Country string // facilities in, agreements with this party
	Mineral string // facilities that produce, refine or supply it
	Kind    string // facility or agreement kind; mineral category
	Group   string // countries in this group
	Limit   int
	Cursor  string // from the previous page's next_cursor
}

// Page is one page of a list.
type Page struct {
	Items      []map[string]any `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// listQueries are the list Cypher per label; filters are parameters, null meaning "any".
// Paging is keyset on id, so a page costs the same wherever it starts.
var listQueries = map[string]string{
	LabelCountry: `MATCH (n:Country) WHERE n.id > $after AND ($group IS NULL OR $group IN n.groups)
RETURN n ORDER BY n.id LIMIT $limit`,
	LabelMineral: `MATCH (n:Mineral) WHERE n.id > $after AND ($kind IS NULL OR n.category = $kind)
AND ($country IS NULL OR EXISTS { (:Facility {country: $country})-[:PRODUCES|REFINES]->(n) })
RETURN n ORDER BY n.id LIMIT $limit`,
	LabelFacility: `MATCH (n:Facility) WHERE n.id > $after AND ($country IS NULL OR n.country = $country)
AND ($kind IS NULL OR n.kind = $kind)
AND ($mineral IS NULL OR EXISTS { (n)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral}) }
     OR EXISTS { (n)-[s:SUPPLIES]-() WHERE s.mineral = $mineral })
RETURN n ORDER BY n.id LIMIT $limit`,
	LabelAgreement: `MATCH (n:Agreement) WHERE n.id > $after AND ($kind IS NULL OR n.kind = $kind)
AND ($country IS NULL OR $country IN n.parties)
AND ($mineral IS NULL OR EXISTS { (n)-[:FINANCES]->(:Facility)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral}) })
RETURN n ORDER BY n.id LIMIT $limit`,
}

// MaxListLimit bounds a list page.
const MaxListLimit = 1000

// List returns one page of nodes of label. KindInvalid for a bad cursor or limit.
func (s *Store) List(ctx context.Context, label string, f ListFilter) (Page, error) {
	q, ok := listQueries[label]
	if !ok {
		return Page{}, Errorf(KindInternal, "no list for label %q", label)
	}
	if f.Limit <= 0 || f.Limit > MaxListLimit {
		return Page{}, &Error{Kind: KindInvalid, Message: fmt.Sprintf("limit must be between 1 and %d", MaxListLimit),
			Details: []Detail{{Path: "limit", Message: fmt.Sprintf("got %d", f.Limit)}}}
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return Page{}, err
	}
	params := map[string]any{"after": after, "limit": f.Limit + 1,
		"country": nullable(f.Country), "mineral": nullable(f.Mineral), "kind": nullable(f.Kind), "group": nullable(f.Group)}
	out, err := s.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, params)
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return Page{}, err
	}
	recs := out.([]*neo4j.Record)
	page := Page{Items: make([]map[string]any, 0, len(recs))}
	for i, rec := range recs {
		if i == f.Limit {
			next := encodeCursor(page.Items[len(page.Items)-1]["id"].(string))
			page.NextCursor = &next
			break
		}
		page.Items = append(page.Items, plain(rec.Values[0].(neo4j.Node).Props).(map[string]any))
	}
	return page, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func encodeCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("after:" + lastID))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	id, ok := strings.CutPrefix(string(b), "after:")
	if err != nil || !ok || !ValidID(id) {
		return "", &Error{Kind: KindInvalid, Message: "cursor is not one this service issued",
			Details: []Detail{{Path: "cursor", Message: "use next_cursor from the previous page"}}}
	}
	return id, nil
}

// Exists reports which of ids are stored with label; analyses use it to answer 404 for unknown ids.
func (s *Store) Exists(ctx context.Context, label string, ids []string) (map[string]bool, error) {
	if !slices.Contains(NodeLabels, label) {
		return nil, Errorf(KindInternal, "unknown label %q", label)
	}
	out, err := s.Read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, fmt.Sprintf(`UNWIND $ids AS id MATCH (n:%s {id: id}) RETURN n.id`, label), map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	})
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, rec := range out.([]*neo4j.Record) {
		found[rec.Values[0].(string)] = true
	}
	return found, nil
}
