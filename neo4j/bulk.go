package neo4j

import (
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/document"
)

// The offline bulk path: load documents become the CSV files of Neo4j's own importer
// (neo4j-admin database import full), for an empty database. The rows are the online load's
// (nodeRow, relationshipRow), so the imported graph holds the same nodes, relationships and
// properties as loading the documents in order into an empty database: a later document's
// node properties are set over an earlier one's, and a later record of a relationship's key
// stands. What the online load would keep of a replaced national total (replaced_volume_t,
// CONTRACT section 5) is not kept: the bulk path starts from nothing.

// bulkArrayDelimiter separates the values of a list property in the CSV files.
const bulkArrayDelimiter = "|"

// bulkColumns are the properties a node label or relationship section can hold, with their
// neo4j-admin types: the columns of its file.
var bulkColumns = map[string][][2]string{
	mineralmap.LabelCountry:   {{"name", "string"}, {"source", "string"}, {"note", "string"}, {"year", "long"}, {"groups", "string[]"}},
	mineralmap.LabelMineral:   {{"name", "string"}, {"source", "string"}, {"note", "string"}, {"year", "long"}, {"category", "string"}, {"unit", "string"}},
	mineralmap.LabelFacility:  {{"name", "string"}, {"source", "string"}, {"note", "string"}, {"year", "long"}, {"kind", "string"}, {"country", "string"}, {"operator", "string"}, {"status", "string"}, {"lat", "double"}, {"lon", "double"}, {"aggregate", "boolean"}, {"online", "date"}, {"closed", "date"}},
	mineralmap.LabelAgreement: {{"name", "string"}, {"source", "string"}, {"note", "string"}, {"year", "long"}, {"kind", "string"}, {"signed", "date"}, {"value_usd", "double"}, {"parties", "string[]"}},
	"supplies":                {{"mineral", "string"}, {"form", "string"}, {"year", "long"}, {"volume_t", "double"}, {"basis", "string"}, {"source", "string"}, {"note", "string"}},
	"output":                  {{"year", "long"}, {"volume_t", "double"}, {"basis", "string"}, {"source", "string"}, {"note", "string"}},
	"restricts":               {{"measure", "string"}, {"from", "date"}, {"targets", "string[]"}, {"until", "date"}, {"forms", "string[]"}, {"scope", "string"}, {"legal", "string"}, {"suspended_from", "date[]"}, {"suspended_until", "date[]"}, {"year", "long"}, {"source", "string"}, {"note", "string"}},
	"finances":                {{"amount_usd", "double"}, {"instrument", "string"}, {"date", "date"}, {"year", "long"}, {"source", "string"}, {"note", "string"}},
	"link":                    {},
}

// BulkResult says what WriteBulkCSV wrote: the rows per file and the neo4j-admin options that
// name the files (--nodes=…, --relationships=…), relative to the directory.
type BulkResult struct {
	Nodes, Relationships int64
	Args                 []string
}

type bulkFile struct {
	name, columns string
	f             *os.File
	w             *csv.Writer
	rows          int64
}

// WriteBulkCSV validates the documents (in order, each against the ones before it, as loads into
// an empty database would) and writes neo4j-admin's CSV files into dir, with import.args: the
// importer's options, one per line. Relationships stream (the documents are read last to first,
// so that the last record of a key is the one kept: a set of 64-bit key hashes is what stays in
// memory); nodes, far fewer, are merged in memory.
func WriteBulkCSV(ctx context.Context, dir string, docs []document.Source, progress mineralmap.Progress) (BulkResult, error) {
	var res BulkResult
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	labels := map[string]string{}
	lookup := func(_ context.Context, ids []string) (map[string]string, error) {
		out := map[string]string{}
		for _, id := range ids {
			if l, ok := labels[id]; ok {
				out[id] = l
			}
		}
		return out, nil
	}
	nodes := map[string]map[string]*bulkNode{} // label → id → merged properties
	var total int64
	for i, src := range docs {
		p, err := document.Validate(ctx, src, lookup)
		if err != nil {
			return res, fmt.Errorf("document %d: %w", i+1, err)
		}
		total += p.Rows
		for id, l := range p.Labels {
			labels[id] = l
		}
		if err := scanSource(src, map[string]bool{"countries": true, "minerals": true, "facilities": true, "agreements": true}, func(e mineralmap.Entry) error {
			label, row := nodeRow(e)
			if nodes[label] == nil {
				nodes[label] = map[string]*bulkNode{}
			}
			id := row["id"].(string)
			n := nodes[label][id]
			if n == nil {
				n = &bulkNode{props: map[string]any{}}
				nodes[label][id] = n
			}
			for k, v := range row["props"].(map[string]any) {
				n.props[k] = v
			}
			return nil
		}); err != nil {
			return res, err
		}
	}
	files := map[string]*bulkFile{}
	open := func(name, columns string) (*bulkFile, error) {
		if f := files[name]; f != nil {
			return f, nil
		}
		f, err := os.Create(filepath.Join(dir, name+".csv"))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".header.csv"), []byte(columns+"\n"), 0o644); err != nil {
			return nil, err
		}
		bf := &bulkFile{name: name, columns: columns, f: f, w: csv.NewWriter(f)}
		files[name] = bf
		return bf, nil
	}
	defer func() {
		for _, f := range files {
			f.f.Close()
		}
	}()
	var done int64
	tick := func() {
		done++
		if progress != nil && done%10000 == 0 {
			progress(done, total)
		}
	}
	// Nodes, then the links the online load derives from them.
	for _, label := range mineralmap.NodeLabels {
		ids := slices.Sorted(maps.Keys(nodes[label]))
		cols := bulkColumns[label]
		f, err := open("nodes-"+label, header(fmt.Sprintf("id:ID(%s)", label), cols))
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			if err := f.write(append([]string{id}, cells(cols, nodes[label][id].props)...)); err != nil {
				return res, err
			}
			res.Nodes++
			tick()
		}
	}
	for _, id := range slices.Sorted(maps.Keys(nodes[mineralmap.LabelFacility])) {
		f, err := open("rels-LOCATED_IN", ":START_ID(Facility),:END_ID(Country)")
		if err != nil {
			return res, err
		}
		if err := f.write([]string{id, nodes[mineralmap.LabelFacility][id].props["country"].(string)}); err != nil {
			return res, err
		}
		res.Relationships++
	}
	for _, id := range slices.Sorted(maps.Keys(nodes[mineralmap.LabelAgreement])) {
		parties, _ := nodes[mineralmap.LabelAgreement][id].props["parties"].([]string)
		seen := map[string]bool{}
		for _, c := range parties {
			if seen[c] || labels[c] != mineralmap.LabelCountry {
				continue
			}
			seen[c] = true
			f, err := open("rels-PARTY_TO", ":START_ID(Country),:END_ID(Agreement)")
			if err != nil {
				return res, err
			}
			if err := f.write([]string{c, id}); err != nil {
				return res, err
			}
			res.Relationships++
		}
	}
	// Relationships, last document first: the first record of a key met is the one that stands.
	seen := map[uint64]struct{}{}
	rels := map[string]bool{"supplies": true, "produces": true, "refines": true, "restricts": true, "finances": true, "demands": true}
	for i := len(docs) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		err := scanSource(docs[i], rels, func(e mineralmap.Entry) error {
			tick()
			section, row := relationshipRow(e)
			var a, b, aLabel, bLabel, typ, cols string
			var keyCells []string
			props := row["props"].(map[string]any)
			switch section {
			case "supplies":
				a, b = row["from"].(string), row["to"].(string)
				aLabel, bLabel, typ, cols = labels[a], labels[b], mineralmap.RelSupplies, "supplies"
				form, _ := row["form"].(string)
				if form == "" {
					form = mineralmap.DefaultForm("")
					if n := nodes[mineralmap.LabelFacility][a]; aLabel == mineralmap.LabelFacility && n != nil {
						form = mineralmap.DefaultForm(str(n.props["kind"]))
					}
				}
				props = with(props, "mineral", row["mineral"], "form", form, "year", row["year"])
				keyCells = []string{fmt.Sprint(row["mineral"]), form, fmt.Sprint(row["year"])}
			case "produces", "refines", "produces:country", "refines:country":
				aLabel, a = mineralmap.LabelFacility, str(row["facility"])
				if strings.HasSuffix(section, ":country") {
					aLabel, a = mineralmap.LabelCountry, str(row["country"])
				}
				b, bLabel, cols = row["mineral"].(string), mineralmap.LabelMineral, "output"
				typ = mineralmap.RelProduces
				if strings.HasPrefix(section, "refines") {
					typ = mineralmap.RelRefines
				}
				props = with(props, "year", row["year"])
				keyCells = []string{fmt.Sprint(row["year"])}
			case "demands":
				a, b, aLabel, bLabel, typ, cols = row["country"].(string), row["mineral"].(string), mineralmap.LabelCountry, mineralmap.LabelMineral, mineralmap.RelDemands, "output"
				props = with(props, "year", row["year"])
				keyCells = []string{fmt.Sprint(row["year"])}
			case "restricts":
				a, b, aLabel, bLabel, typ, cols = row["country"].(string), row["mineral"].(string), mineralmap.LabelCountry, mineralmap.LabelMineral, mineralmap.RelRestricts, "restricts"
				props = with(props, "measure", row["measure"], "from", row["from"])
				keyCells = []string{fmt.Sprint(row["measure"]), fmt.Sprint(row["from"])}
			case "finances":
				a, b, aLabel, bLabel, typ, cols = row["agreement"].(string), row["facility"].(string), mineralmap.LabelAgreement, mineralmap.LabelFacility, mineralmap.RelFinances, "finances"
			default:
				return fmt.Errorf("bulk: section %q", section)
			}
			h := fnv.New64a()
			for _, s := range append([]string{typ, aLabel, a, bLabel, b}, keyCells...) {
				h.Write([]byte(s))
				h.Write([]byte{0})
			}
			k := h.Sum64()
			if _, dup := seen[k]; dup {
				return nil
			}
			seen[k] = struct{}{}
			name := "rels-" + typ + "-" + aLabel + "-" + bLabel
			f, err := open(name, fmt.Sprintf(":START_ID(%s),:END_ID(%s),%s", aLabel, bLabel, header("", bulkColumns[cols])))
			if err != nil {
				return err
			}
			res.Relationships++
			return f.write(append([]string{a, b}, cells(bulkColumns[cols], props)...))
		})
		if err != nil {
			return res, err
		}
	}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		f := files[n]
		f.w.Flush()
		if err := f.w.Error(); err != nil {
			return res, err
		}
		if err := f.f.Close(); err != nil {
			return res, err
		}
		list := n + ".header.csv," + n + ".csv"
		if rest, ok := strings.CutPrefix(n, "nodes-"); ok {
			res.Args = append(res.Args, "--nodes="+rest+"="+list)
		} else {
			typ := strings.SplitN(strings.TrimPrefix(n, "rels-"), "-", 2)[0]
			res.Args = append(res.Args, "--relationships="+typ+"="+list)
		}
	}
	res.Args = append(res.Args, "--array-delimiter="+bulkArrayDelimiter, "--multiline-fields=true")
	if progress != nil {
		progress(total, total)
	}
	return res, os.WriteFile(filepath.Join(dir, "import.args"), []byte(strings.Join(res.Args, "\n")+"\n"), 0o644)
}

func (f *bulkFile) write(cells []string) error {
	f.rows++
	return f.w.Write(cells)
}

func scanSource(src document.Source, want map[string]bool, visit func(mineralmap.Entry) error) error {
	r, err := src()
	if err != nil {
		return err
	}
	defer r.Close()
	return document.Scan(r, want, func(_ string, e mineralmap.Entry) error { return visit(e) })
}

func header(first string, cols [][2]string) string {
	parts := []string{}
	if first != "" {
		parts = append(parts, first)
	}
	for _, c := range cols {
		parts = append(parts, c[0]+":"+c[1])
	}
	return strings.Join(append(parts, "mineralmap_empty_lists:string[]"), ",")
}

// cells renders props in the columns' order; an absent property is an empty cell, which the
// importer leaves unset. The last cell names the properties that are empty lists (the importer
// cannot write one; EnsureSchema does, see emptyListsCountry).
func cells(cols [][2]string, props map[string]any) []string {
	out := make([]string, len(cols)+1)
	var empty []string
	for i, c := range cols {
		v, ok := props[c[0]]
		if !ok || v == nil {
			continue
		}
		if isEmptyList(v) {
			empty = append(empty, c[0])
			continue
		}
		out[i] = cell(v)
	}
	out[len(cols)] = strings.Join(empty, bulkArrayDelimiter)
	return out
}

func isEmptyList(v any) bool {
	switch x := v.(type) {
	case []string:
		return len(x) == 0
	case []dbtype.Date:
		return len(x) == 0
	}
	return false
}

func cell(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case dbtype.Date:
		return time.Time(x).Format(time.DateOnly)
	case []string:
		return strings.Join(x, bulkArrayDelimiter)
	case []dbtype.Date:
		s := make([]string, len(x))
		for i, d := range x {
			s[i] = time.Time(d).Format(time.DateOnly)
		}
		return strings.Join(s, bulkArrayDelimiter)
	}
	panic(fmt.Sprintf("bulk: property of type %T", v))
}

func with(props map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(props)+len(kv)/2)
	for k, v := range props {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// bulkNode is a node's properties, merged over the documents in order.
type bulkNode struct{ props map[string]any }
