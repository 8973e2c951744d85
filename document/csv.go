package document

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/mineralmap/mineralmap"
)

// CSV in (contract section 8): one section of the load document as CSV, a row per entry, the
// columns the section's field names; a list's items are separated by ";" ("[]" is an empty
// list) and an interval list (suspended) is FROM/UNTIL items. An empty cell is an absent field. FromCSV turns it into the
// JSON document the rest of the load reads, so the validation, atomicity and idempotence are
// the JSON document's; a cell that is not of its field's type is passed on as text, for the
// validation to name.

// CSVColumns lists a section's columns in the order of the schema (mineralmap template).
func CSVColumns(name string) ([]string, error) {
	sec, err := sectionNamed(name)
	if err != nil {
		return nil, err
	}
	// The section's own fields first, then the common ones (year, source, note).
	var cols, common []string
	for _, f := range sec.fields {
		switch f.name {
		case "year", "source", "note":
			common = append(common, f.name)
		default:
			cols = append(cols, f.name)
		}
	}
	for _, name := range []string{"year", "source", "note"} {
		if slices.Contains(common, name) {
			cols = append(cols, name)
		}
	}
	return cols, nil
}

func sectionNamed(name string) (*section, error) {
	for i := range sections {
		if sections[i].name == name {
			return &sections[i], nil
		}
	}
	names := make([]string, len(sections))
	for i := range sections {
		names[i] = sections[i].name
	}
	return nil, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("no section %q: one of %s", mineralmap.Clip(name), strings.Join(names, ", ")),
		Details: []mineralmap.Detail{{Path: "section", Message: "must be one of " + strings.Join(names, ", ")}}}
}

// CSVPositions says where in the CSV each entry and field came from, to name the line and
// column of a problem.
type CSVPositions struct {
	Section string
	Lines   []int          // entry i's line
	Columns map[string]int // a field's column, from 1
}

// Locate adds the line and column to a problem of the JSON document FromCSV made
// (/SECTION/i/field → line of entry i, column of field).
func (p CSVPositions) Locate(d mineralmap.Detail) mineralmap.Detail {
	parts := strings.Split(strings.TrimPrefix(d.Path, "/"), "/")
	if len(parts) < 2 || parts[0] != p.Section {
		return d
	}
	i, err := strconv.Atoi(parts[1])
	if err != nil || i < 0 || i >= len(p.Lines) {
		return d
	}
	d.Line = p.Lines[i]
	if len(parts) > 2 {
		d.Column = p.Columns[parts[2]]
	}
	return d
}

// LocateErr adds the lines and columns to an error's details (a *mineralmap.Error of the load of
// the document FromCSV made); any other error is returned as it is.
func (p CSVPositions) LocateErr(err error) error {
	var e *mineralmap.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Details = make([]mineralmap.Detail, len(e.Details))
	for i, d := range e.Details {
		out.Details[i] = p.Locate(d)
	}
	return &out
}

// FromCSV reads a CSV of section name from r and writes the load document it stands for to w.
// A header cell that names no field of the section is kept (the validation reports it as an
// unknown field); a row with more or fewer cells than the header is a problem at its line.
func FromCSV(r io.Reader, name string, w io.Writer) (CSVPositions, error) {
	pos := CSVPositions{Section: name, Columns: map[string]int{}}
	sec, err := sectionNamed(name)
	if err != nil {
		return pos, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return pos, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "the CSV is empty: it needs a header line naming the section's columns",
			Details: []mineralmap.Detail{{Path: "/" + name, Message: "no header line", Line: 1}}}
	}
	if err != nil {
		return pos, csvError(err)
	}
	types := make([]*field, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // a spreadsheet's byte-order mark
		header[i] = h
		if _, dup := pos.Columns[h]; dup {
			return pos, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("column %q given twice", mineralmap.Clip(h)),
				Details: []mineralmap.Detail{{Path: "/" + name, Message: fmt.Sprintf("column %q given twice", mineralmap.Clip(h)), Line: 1, Column: i + 1}}}
		}
		pos.Columns[h] = i + 1
		if fi := sec.fieldIndex(h); fi >= 0 {
			types[i] = &sec.fields[fi]
		}
	}
	if _, err := fmt.Fprintf(w, "{%q:[", name); err != nil {
		return pos, err
	}
	var problems []mineralmap.Detail
	for n := 0; ; n++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pos, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		pos.Lines = append(pos.Lines, line)
		if len(row) != len(header) {
			problems = append(problems, mineralmap.Detail{Path: fmt.Sprintf("/%s/%d", name, n), Line: line,
				Message: fmt.Sprintf("%d cells, the header has %d", len(row), len(header))})
			continue
		}
		entry := make(map[string]any, len(row))
		for i, c := range row {
			if c == "" {
				continue
			}
			entry[header[i]] = csvValue(types[i], c)
		}
		b, err := json.Marshal(entry)
		if err != nil {
			return pos, err
		}
		if n > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return pos, err
		}
	}
	if len(problems) > 0 {
		return pos, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: fmt.Sprintf("the CSV has %d problem(s); nothing was stored", len(problems)), Details: problems}
	}
	_, err = io.WriteString(w, "]}")
	return pos, err
}

// csvValue is a cell as its field's JSON value; a cell that does not read as its type stays
// text, for the validation to name.
func csvValue(f *field, c string) any {
	if f == nil {
		return c
	}
	switch f.typ {
	case tPositive, tNonNeg, tNumber:
		if v, err := strconv.ParseFloat(strings.TrimSpace(c), 64); err == nil {
			return v
		}
	case tYear:
		if v, err := strconv.ParseInt(strings.TrimSpace(c), 10, 64); err == nil {
			return v
		}
	case tBool:
		if v, err := strconv.ParseBool(strings.TrimSpace(c)); err == nil {
			return v
		}
	case tIDList, tTextList, tEnumList:
		if strings.TrimSpace(c) == "[]" {
			return []string{}
		}
		return splitList(c)
	case tIntervals:
		out := []map[string]string{}
		for _, item := range splitList(c) {
			from, until, ok := strings.Cut(item, "/")
			if !ok {
				return c
			}
			out = append(out, map[string]string{"from": strings.TrimSpace(from), "until": strings.TrimSpace(until)})
		}
		return out
	}
	return c
}

func splitList(c string) []string {
	parts := strings.Split(c, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return slices.DeleteFunc(parts, func(s string) bool { return s == "" })
}

// csvError is a CSV that does not parse, at its line and column.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed CSV: " + pe.Error(),
			Details: []mineralmap.Detail{{Path: "", Message: pe.Err.Error(), Line: pe.Line, Column: pe.Column}}}
	}
	return err
}
