package neo4j

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap"
)

// maxNodeRelationships bounds the relationships GET /v1/nodes/{id} returns. They come by type,
// other end, then the keys that tell parallel relationships apart (a country's several
// RESTRICTS of one mineral), so the order is the same on every read.
const maxNodeRelationships = 1000

const nodeCypher = `CALL () {
  MATCH (n:Country {id: $id}) RETURN n
  UNION MATCH (n:Mineral {id: $id}) RETURN n
  UNION MATCH (n:Facility {id: $id}) RETURN n
  UNION MATCH (n:Agreement {id: $id}) RETURN n
}
CALL (n) {
  OPTIONAL MATCH (n)-[r]-(o)
  RETURN r, o ORDER BY type(r), o.id, r.mineral, r.measure, r.from LIMIT $limit
}
RETURN n, collect({type: type(r), out: startNode(r) = n, other: o.id, other_label: labels(o)[0], props: properties(r)}) AS rels`

// Node returns one node by id. KindNotFound when no node has that id.
func (s *Store) Node(ctx context.Context, id string) (mineralmap.NodeView, error) {
	if !mineralmap.ValidID(id) {
		return mineralmap.NodeView{}, mineralmap.Errorf(mineralmap.KindNotFound, "no node has the id %q", mineralmap.Clip(id))
	}
	type found struct {
		node driver.Node
		rels []any
	}
	recs, err := collect(ctx, s, nodeCypher, map[string]any{"id": id, "limit": maxNodeRelationships + 1},
		func(r *driver.Record) (found, error) {
			n, err := value[driver.Node](r, "n")
			if err != nil {
				return found{}, err
			}
			rels, err := value[[]any](r, "rels")
			return found{n, rels}, err
		})
	if err != nil {
		return mineralmap.NodeView{}, err
	}
	if len(recs) == 0 {
		// A node without relationships still comes back (collect of nothing is []); none means no node.
		return mineralmap.NodeView{}, mineralmap.Errorf(mineralmap.KindNotFound, "no node has the id %q", id)
	}
	n := recs[0].node
	v := mineralmap.NodeView{ID: id, Label: n.Labels[0], Properties: properties(n.Props), Relationships: []mineralmap.RelView{}}
	for _, raw := range recs[0].rels {
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
		props, _ := m["props"].(map[string]any)
		v.Relationships = append(v.Relationships, mineralmap.RelView{Type: m["type"].(string), Direction: dir, Other: other,
			OtherLabel: otherLabel, Properties: properties(props)})
	}
	return v, nil
}

// properties turns a node's or relationship's properties into plain values.
func properties(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[k] = Plain(v)
	}
	return out
}

// Plain turns a driver value into plain Go: dates as YYYY-MM-DD strings, nodes, relationships
// and paths as the types below, lists and maps element by element.
func Plain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return properties(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Plain(e)
		}
		return out
	case dbtype.Date:
		return time.Time(x).Format(mineralmap.DateLayout)
	case driver.Node:
		return plainNode(x)
	case driver.Relationship:
		return plainRelationship(x)
	case driver.Path:
		p := Path{}
		for _, n := range x.Nodes {
			p.Nodes = append(p.Nodes, plainNode(n))
		}
		for _, r := range x.Relationships {
			p.Relationships = append(p.Relationships, plainRelationship(r))
		}
		return p
	}
	return v
}

// Node, Relationship and Path are graph values of a Query answer.
type (
	Node struct {
		Labels []string
		Props  map[string]any
	}
	Relationship struct {
		Type  string
		Props map[string]any
	}
	Path struct {
		Nodes         []Node
		Relationships []Relationship
	}
)

func plainNode(n driver.Node) Node { return Node{Labels: n.Labels, Props: properties(n.Props)} }
func plainRelationship(r driver.Relationship) Relationship {
	return Relationship{Type: r.Type, Props: properties(r.Props)}
}

// Query runs one read statement (values as parameters) and returns its records as maps of
// plain values (see Plain), for tools, tests and Browser queries; the service's own reads use
// the typed methods.
func (s *Store) Query(ctx context.Context, cypher string, params map[string]any) ([]map[string]any, error) {
	return collect(ctx, s, cypher, params, func(r *driver.Record) (map[string]any, error) {
		return properties(r.AsMap()), nil
	})
}

// listQueries are the list Cypher per label; filters are parameters, null meaning "any".
// Paging is keyset on id, so a page costs the same wherever it starts.
var listQueries = map[string]string{
	mineralmap.LabelCountry: `MATCH (n:Country) WHERE n.id > $after AND ($group IS NULL OR $group IN n.groups)
RETURN n ORDER BY n.id LIMIT $limit`,
	mineralmap.LabelMineral: `MATCH (n:Mineral) WHERE n.id > $after AND ($kind IS NULL OR n.category = $kind)
AND ($country IS NULL OR EXISTS { (:Facility {country: $country})-[:PRODUCES|REFINES]->(n) })
RETURN n ORDER BY n.id LIMIT $limit`,
	mineralmap.LabelFacility: `MATCH (n:Facility) WHERE n.id > $after AND ($country IS NULL OR n.country = $country)
AND ($kind IS NULL OR n.kind = $kind)
AND ($mineral IS NULL OR EXISTS { (n)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral}) }
     OR EXISTS { (n)-[s:SUPPLIES]-() WHERE s.mineral = $mineral })
RETURN n ORDER BY n.id LIMIT $limit`,
	mineralmap.LabelAgreement: `MATCH (n:Agreement) WHERE n.id > $after AND ($kind IS NULL OR n.kind = $kind)
AND ($country IS NULL OR $country IN n.parties)
AND ($mineral IS NULL OR EXISTS { (n)-[:FINANCES]->(:Facility)-[:PRODUCES|REFINES]->(:Mineral {id: $mineral}) })
RETURN n ORDER BY n.id LIMIT $limit`,
}

// List returns one page of nodes of label. KindInvalid for a bad cursor or limit.
func (s *Store) List(ctx context.Context, label string, f mineralmap.ListFilter) (mineralmap.Page, error) {
	q, ok := listQueries[label]
	if !ok {
		return mineralmap.Page{}, mineralmap.Errorf(mineralmap.KindInternal, "no list for label %q", label)
	}
	if f.Limit <= 0 || f.Limit > mineralmap.MaxListLimit {
		return mineralmap.Page{}, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("limit must be between 1 and %d", mineralmap.MaxListLimit),
			Details: []mineralmap.Detail{{Path: "limit", Message: fmt.Sprintf("got %d", f.Limit)}}}
	}
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return mineralmap.Page{}, err
	}
	params := map[string]any{"after": after, "limit": f.Limit + 1,
		"country": nullable(f.Country), "mineral": nullable(f.Mineral), "kind": nullable(f.Kind), "group": nullable(f.Group)}
	items, err := collect(ctx, s, q, params, func(r *driver.Record) (map[string]any, error) {
		n, err := value[driver.Node](r, "n")
		return properties(n.Props), err
	})
	if err != nil {
		return mineralmap.Page{}, err
	}
	if items == nil {
		items = []map[string]any{}
	}
	page := mineralmap.Page{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		next := encodeCursor(page.Items[f.Limit-1]["id"].(string))
		page.NextCursor = &next
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
	if err != nil || !ok || !mineralmap.ValidID(id) {
		return "", &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "cursor is not one this service issued",
			Details: []mineralmap.Detail{{Path: "cursor", Message: "use next_cursor from the previous page"}}}
	}
	return id, nil
}

// lookupCypher answers the label of each stored id among $ids.
const lookupCypher = `UNWIND $ids AS id
CALL (id) {
  MATCH (n:Country {id: id}) RETURN 'Country' AS label
  UNION MATCH (n:Mineral {id: id}) RETURN 'Mineral' AS label
  UNION MATCH (n:Facility {id: id}) RETURN 'Facility' AS label
  UNION MATCH (n:Agreement {id: id}) RETURN 'Agreement' AS label
}
RETURN id, label`

// LookupLabels answers the label of each stored id among ids (a document.LabelLookup).
func (s *Store) LookupLabels(ctx context.Context, ids []string) (map[string]string, error) {
	out, _, err := s.Labels(ctx, ids)
	return out, err
}

// Labels is LookupLabels, and the Version of the database it read (of its last transaction
// when the ids take more than one).
func (s *Store) Labels(ctx context.Context, ids []string) (map[string]string, mineralmap.Version, error) {
	out := map[string]string{}
	var version mineralmap.Version
	const chunk = 10000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		var err error
		version, err = readInto(ctx, s, out, part)
		if err != nil {
			return nil, "", err
		}
	}
	return out, version, nil
}

func readInto(ctx context.Context, s *Store, out map[string]string, ids []string) (mineralmap.Version, error) {
	type pair struct{ id, label string }
	pairs, version, err := read(ctx, s, s.cfg.ReadTimeout, "", func(tx driver.ManagedTransaction) ([]pair, error) {
		r, err := tx.Run(ctx, lookupCypher, map[string]any{"ids": ids})
		if err != nil {
			return nil, err
		}
		return driver.CollectTWithContext(ctx, r, func(rec *driver.Record) (pair, error) {
			id, err := value[string](rec, "id")
			if err != nil {
				return pair{}, err
			}
			label, err := value[string](rec, "label")
			return pair{id, label}, err
		})
	})
	for _, p := range pairs {
		out[p.id] = p.label
	}
	return version, err
}

// DeleteAll removes every node this service manages (and so their relationships), in batches
// so that a large graph does not need one huge transaction. It returns the nodes deleted.
func (s *Store) DeleteAll(ctx context.Context) (int64, error) {
	sess := s.session(ctx, driver.AccessModeWrite, "")
	defer sess.Close(context.WithoutCancel(ctx))
	var total int64
	for _, label := range mineralmap.NodeLabels {
		// CALL … IN TRANSACTIONS needs an auto-commit transaction, hence Run.
		r, err := sess.Run(ctx, fmt.Sprintf(`MATCH (n:%s) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, label), nil)
		if err != nil {
			return total, classify(err, "delete graph")
		}
		sum, err := r.Consume(ctx)
		if err != nil {
			return total, classify(err, "delete graph")
		}
		total += int64(sum.Counters().NodesDeleted())
	}
	return total, nil
}
