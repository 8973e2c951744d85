package neo4j

import (
	"fmt"

	"github.com/mineralmap/mineralmap"
)

// batchSize rows go to Neo4j in one UNWIND (bench/RESULTS.md: 10,000-row batches write
// relationships faster than 5,000-row ones); the Go side holds three batches at most.
const batchSize = 10000

// The Cypher of loads. Labels and types are fixed here; values are parameters.

// setChanged sets an entity's properties from row.props only when one differs, so a reload of the
// same document reports no properties set. SET += keeps properties the document does not mention.
func setChanged(v string) string {
	return fmt.Sprintf(`
WITH *
CALL (%[1]s, row) {
  WITH %[1]s, row WHERE any(k IN keys(row.props) WHERE %[1]s[k] IS NULL OR %[1]s[k] <> row.props[k])
  SET %[1]s += row.props
}`, v)
}

// upsert holds the Cypher for each section. Labels and types are fixed here; values are
// parameters. Nodes MERGE on their unique id. Relationships are matched with OPTIONAL MATCH and
// created when missing instead of MERGEd: relationship MERGE grows quadratically with the
// relationships a transaction has created, while this form stays linear (bench/RESULTS.md,
// "Loads"). Without MERGE's locking, two loads could create the same
// relationship at once, so loads take the load lock first (see lockLoads) and run one at a time.
var upsertNode = map[string]string{
	mineralmap.LabelCountry: `UNWIND $rows AS row MERGE (n:Country {id: row.id})` + setChanged("n"),
	mineralmap.LabelMineral: `UNWIND $rows AS row MERGE (n:Mineral {id: row.id})` + setChanged("n"),
	mineralmap.LabelFacility: `UNWIND $rows AS row
MERGE (n:Facility {id: row.id})` + setChanged("n") + `
WITH n, row
MATCH (c:Country {id: row.props.country})
OPTIONAL MATCH (n)-[l:LOCATED_IN]->(:Country)
WITH n, c, collect(l) AS links
CALL (n, c, links) {
  WITH * WHERE none(l IN links WHERE endNode(l) = c)
  CREATE (n)-[:LOCATED_IN]->(c)
}
CALL (c, links) {
  UNWIND links AS l
  WITH l, c WHERE endNode(l) <> c
  DELETE l
}`,
	mineralmap.LabelAgreement: `UNWIND $rows AS row
MERGE (n:Agreement {id: row.id})` + setChanged("n") + `
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  MERGE (c)-[:PARTY_TO]->(n)
}`,
}

// keyProp is a property that identifies a relationship beside its ends, and the Cypher
// expression of its value in a row (a and b are bound: SUPPLIES' default form comes from a).
type keyProp struct {
	name, expr string
	nullable   bool // absent is a value of its own (a record without a year)
}

func key(name string) keyProp { return keyProp{name: name, expr: "row." + name} }

func (k keyProp) matches() string {
	if k.nullable {
		return fmt.Sprintf("coalesce(x.%s, -1) = coalesce(%s, -1)", k.name, k.expr)
	}
	return fmt.Sprintf("x.%s = %s", k.name, k.expr)
}

// supplyForm is the form of a SUPPLIES row: the record's, else its supplying node's default
// (mineralmap.DefaultForm).
const supplyForm = `coalesce(row.form, CASE WHEN a:Country THEN 'refined' WHEN a.kind = 'mine' THEN 'ore' WHEN a.kind = 'magnet' THEN 'product' ELSE 'refined' END)`

func keyProps(keys []keyProp) string {
	create := ""
	for i, k := range keys {
		if i > 0 {
			create += ", "
		}
		create += fmt.Sprintf("%s: %s", k.name, k.expr)
	}
	return create
}

// upsertRelationship writes the Cypher that upserts relationships of type rel from a to b (node
// patterns with labels from code), identified by the key properties besides its ends.
func upsertRelationship(a, b, rel, beforeSet string, keys ...keyProp) string {
	match := "true"
	for _, k := range keys {
		match += " AND " + k.matches()
	}
	// The key properties are compared after the expansion, not in the pattern: with them in
	// the pattern the planner may choose the SUPPLIES(mineral) index when its statistics are
	// stale, and scan every edge of the mineral for each row (bench/RESULTS.md, "Loads").
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH %s
MATCH %s
OPTIONAL MATCH (a)-[x:%s]->(b)
WITH a, b, row, [x IN collect(x) WHERE %s][0] AS r
CALL (a, b, r, row) {
  WITH * WHERE r IS NULL
  CREATE (a)-[n:%s {%s}]->(b) SET n += row.props
}
WITH r, row WHERE r IS NOT NULL`, a, b, rel, match, rel, keyProps(keys)) + beforeSet + setChanged("r")
}

// createRelationship writes the Cypher that creates relationships whose start or end node is
// new in this load, so none can exist yet: no lookup needed. Reading relationships inside a
// transaction that has created many was the slow part of loads (per-row cost grew with the
// relationships created so far), so the common case of a new graph never reads them.
func createRelationship(a, b, rel string, keys ...keyProp) string {
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH %s
MATCH %s
CREATE (a)-[n:%s {%s}]->(b) SET n += row.props`, a, b, rel, keyProps(keys))
}

// relWriter holds the Cypher forms for one relationship section and the fields naming its
// start and end node. create[m] matches the start node by its internal id when m&1 is set and
// the end node when m&2 is: nodes this load created are found by id (row.ref_a, row.ref_b),
// which writes relationships faster than unique-index lookups (bench/RESULTS.md, "Loads").
type relWriter struct {
	upsert  string
	grouped string // SUPPLIES: upsert with the rows of one (from, to) pair in one row (groupRows)
	create  [4]string
	ends    [2]string
}

// groupedSupplies upserts SUPPLIES with the batch's rows of each (from, to) pair together:
// the relationships between two countries (every mineral, form and year: hundreds in the world
// layer) are read, with their key properties, once per pair instead of once per row, which made
// reloading the world layer's country-to-country trade several times slower than its first load.
func groupedSupplies(a, b string) string {
	return fmt.Sprintf(`UNWIND $rows AS g
MATCH %s
MATCH %s
OPTIONAL MATCH (a)-[x:SUPPLIES]->(b)
WITH a, b, g, [x IN collect(x) | {x: x, k: [x.mineral, x.form, coalesce(x.year, -1)]}] AS xs
UNWIND g.recs AS row
WITH a, b, row, [e IN xs WHERE e.k = [row.mineral, %s, coalesce(row.year, -1)] | e.x][0] AS r
CALL (a, b, r, row) {
  WITH * WHERE r IS NULL
  CREATE (a)-[n:SUPPLIES {mineral: row.mineral, form: %s, year: row.year}]->(b) SET n += row.props
}
WITH r, row WHERE r IS NOT NULL`, a, b, supplyForm, supplyForm) + setChanged("r")
}

// groupedStatements are the statements whose rows groupRows groups by (from, to).
var groupedStatements = map[string]bool{}

// groupRows turns the rows of a grouped statement into one row per (from, to) pair, {from, to,
// recs}, in the order of the pairs' first rows; other statements' rows stay as they are.
func groupRows(cypher string, rows []any) []any {
	if !groupedStatements[cypher] {
		return rows
	}
	type pair struct{ from, to any }
	at := map[pair]int{}
	var out []any
	for _, r := range rows {
		row := r.(map[string]any)
		k := pair{row["from"], row["to"]}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, map[string]any{"from": k.from, "to": k.to, "recs": []any{}})
		}
		g := out[i].(map[string]any)
		g["recs"] = append(g["recs"].([]any), row)
	}
	return out
}

// relWriters is keyed by section name; SUPPLIES also by the labels at both ends, so that each
// MATCH uses a uniqueness index.
var relWriters = map[string]relWriter{}

func addRelWriter(key string, a, b, rel string, ends [2]string, keys ...keyProp) {
	w := relWriter{upsert: upsertRelationship(a, b, rel, beforeSet[key], keys...), ends: ends}
	for m := range w.create {
		pa, pb := a, b
		if m&1 != 0 {
			pa = "(a) WHERE id(a) = row.ref_a"
		}
		if m&2 != 0 {
			pb = "(b) WHERE id(b) = row.ref_b"
		}
		w.create[m] = createRelationship(pa, pb, rel, keys...)
	}
	relWriters[key] = w
}

func suppliesKey(from, to string) string { return "supplies:" + from + ":" + to }

// replacedTotal keeps what a national total held when a load changes it by more than 5%
// (contract section 5: one national total per country, mineral, stage and year; whichever is
// loaded last stands, and /v1/quality lists where the two differed).
const replacedTotal = `
WITH *
CALL (r, row) {
  WITH r, row WHERE r.volume_t IS NOT NULL AND row.props.volume_t IS NOT NULL
    AND abs(r.volume_t - row.props.volume_t) > 0.05 * r.volume_t
  SET r.replaced_volume_t = r.volume_t, r.replaced_basis = coalesce(r.basis, 'estimated'), r.replaced_source = r.source
}`

// beforeSet is Cypher a writer runs on a stored relationship before it sets the row's
// properties.
var beforeSet = map[string]string{"produces:country": replacedTotal, "refines:country": replacedTotal}

func init() {
	year := keyProp{name: "year", expr: "row.year", nullable: true}
	for _, a := range []string{mineralmap.LabelFacility, mineralmap.LabelCountry} {
		for _, b := range []string{mineralmap.LabelFacility, mineralmap.LabelCountry} {
			k := suppliesKey(a, b)
			addRelWriter(k, fmt.Sprintf("(a:%s {id: row.from})", a), fmt.Sprintf("(b:%s {id: row.to})", b),
				mineralmap.RelSupplies, [2]string{"from", "to"}, key("mineral"), keyProp{name: "form", expr: supplyForm}, year)
			w := relWriters[k]
			w.grouped = groupedSupplies(fmt.Sprintf("(a:%s {id: g.from})", a), fmt.Sprintf("(b:%s {id: g.to})", b))
			relWriters[k] = w
			groupedStatements[w.grouped] = true
		}
	}
	addRelWriter("produces", "(a:Facility {id: row.facility})", "(b:Mineral {id: row.mineral})", mineralmap.RelProduces, [2]string{"facility", "mineral"}, year)
	addRelWriter("refines", "(a:Facility {id: row.facility})", "(b:Mineral {id: row.mineral})", mineralmap.RelRefines, [2]string{"facility", "mineral"}, year)
	addRelWriter("produces:country", "(a:Country {id: row.country})", "(b:Mineral {id: row.mineral})", mineralmap.RelProduces, [2]string{"country", "mineral"}, year)
	addRelWriter("refines:country", "(a:Country {id: row.country})", "(b:Mineral {id: row.mineral})", mineralmap.RelRefines, [2]string{"country", "mineral"}, year)
	addRelWriter("demands", "(a:Country {id: row.country})", "(b:Mineral {id: row.mineral})", mineralmap.RelDemands, [2]string{"country", "mineral"}, year)
	addRelWriter("restricts", "(a:Country {id: row.country})", "(b:Mineral {id: row.mineral})", mineralmap.RelRestricts, [2]string{"country", "mineral"}, key("measure"), key("from"))
	addRelWriter("finances", "(a:Agreement {id: row.agreement})", "(b:Facility {id: row.facility})", mineralmap.RelFinances, [2]string{"agreement", "facility"})
}

// createNode is the Cypher for nodes new in this load (see createRelationship). Each answers
// the internal ids of the nodes it created, in one record.
var createNode = map[string]string{
	mineralmap.LabelCountry: `UNWIND $rows AS row CREATE (n:Country {id: row.id}) SET n += row.props` + createdRefs,
	mineralmap.LabelMineral: `UNWIND $rows AS row CREATE (n:Mineral {id: row.id}) SET n += row.props` + createdRefs,
	mineralmap.LabelFacility: `UNWIND $rows AS row CREATE (n:Facility {id: row.id}) SET n += row.props
WITH n, row
MATCH (c:Country {id: row.props.country})
CREATE (n)-[:LOCATED_IN]->(c)` + createdRefs,
	mineralmap.LabelAgreement: `UNWIND $rows AS row CREATE (n:Agreement {id: row.id}) SET n += row.props
WITH n, row
CALL (n, row) {
  UNWIND coalesce(row.props.parties, []) AS party
  MATCH (c:Country {id: party})
  CREATE (c)-[:PARTY_TO]->(n)
}` + createdRefs,
}

const createdRefs = `
RETURN collect(n.id) AS ids, collect(id(n)) AS refs`

// The load lock: one node that every load transaction writes first, so a second load waits
// for the first to commit or roll back: loads run one at a time, across processes too. The
// node is created once, outside load transactions (see ensureLoadLock), because MERGEing it
// inside one made the relationship upserts after it far slower (bench/RESULTS.md).
const (
	createLoadLock = `MERGE (l:MineralmapLoadLock {id: 'load'})`
	lockLoads      = `MATCH (l:MineralmapLoadLock {id: 'load'}) SET l.since = datetime()`
)
