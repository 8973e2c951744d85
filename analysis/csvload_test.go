package analysis_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/mineralmap/mineralmap/document"
	"github.com/mineralmap/mineralmap/fixtures"
	"github.com/mineralmap/mineralmap/neo4j/neo4jtest"
)

// Contract section 8: the fixtures written as CSV, a file per section, load to exactly the graph
// the JSON fixtures make (every node and relationship with every property), and a second load
// changes nothing.
func TestTheFixturesAsCSVLoadToTheGraphOfTheJSONFixtures(t *testing.T) {
	_, s := loadFixturesStore(t)
	want := snapshot(t, neo4jtest.Config(t))

	if _, err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	var csvs []struct {
		name string
		body []byte
	}
	for _, name := range fixtures.Names() {
		r, err := fixtures.Source(name)()
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string][]map[string]any
		if err := json.NewDecoder(r).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		r.Close()
		for _, section := range document.Sections {
			if len(doc[section]) == 0 {
				continue
			}
			csvs = append(csvs, struct {
				name string
				body []byte
			}{name + ":" + section, asCSV(t, section, doc[section])})
		}
	}
	load := func() (created int64) {
		for _, c := range csvs {
			var doc bytes.Buffer
			section := c.name[strings.LastIndex(c.name, ":")+1:]
			if _, err := document.FromCSV(bytes.NewReader(c.body), section, &doc); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			res, err := s.Load(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(doc.Bytes())), nil }, nil)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			created += res.NodesCreated + res.RelationshipsCreated
		}
		return created
	}
	load()
	got := snapshot(t, neo4jtest.Config(t))
	if len(got) != len(want) {
		t.Errorf("JSON fixtures: %d nodes and relationships, CSV: %d", len(want), len(got))
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Fatalf("first difference at %d:\nJSON %s\nCSV  %s", i, want[i], got[i])
		}
	}
	if again := load(); again != 0 {
		t.Errorf("loading the CSV files again created %d nodes and relationships", again)
	}
	t.Logf("%d CSV files (fixture × section), %d nodes and relationships, the same as the JSON fixtures'", len(csvs), len(got))
}

// asCSV writes a section's entries as CSV, its columns mineralmap template's.
func asCSV(t *testing.T, section string, entries []map[string]any) []byte {
	t.Helper()
	cols, err := document.CSVColumns(section)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(cols)
	for _, e := range entries {
		for k := range e {
			if !strings.Contains(","+strings.Join(cols, ",")+",", ","+k+",") {
				t.Fatalf("%s: the fixture's field %q is not a column", section, k)
			}
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = csvCell(e[c])
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		parts := make([]string, len(x))
		for i, p := range x {
			if m, ok := p.(map[string]any); ok { // a suspended interval
				parts[i] = csvCell(m["from"]) + "/" + csvCell(m["until"])
			} else {
				parts[i] = csvCell(p)
			}
		}
		return strings.Join(parts, ";")
	}
	panic(fmt.Sprintf("csvCell: %T", v))
}
