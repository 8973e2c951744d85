package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// Row is one validated document entry, ready to be a Cypher parameter: its identity fields at
// the top level and its other properties under "props".
type Row map[string]any

// Entry is one validated entry of a section, with where it came from.
type Entry struct {
	Section *section
	Pointer string // JSON Pointer of the entry, e.g. /facilities/3
	Row     Row
	refs    []ref
}

// ref is a reference from a document entry to a node id.
type ref struct {
	pointer string
	id      string
	labels  []string
}

// maxNumber bounds every number of a document, so that totals of a million of them stay finite
// (a tonnage or a dollar amount beyond 1e15 is a mistake anyway).
const maxNumber = 1e15

// maxProblems bounds the problems listed for one document; the rest are counted.
const maxProblems = 1000

// problems collects every validation problem of a document.
type problems struct {
	list  []Detail
	extra int
}

func (p *problems) add(path, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.extra++
		return
	}
	p.list = append(p.list, Detail{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := fmt.Sprintf("the document has %d problem(s); nothing was stored", len(p.list)+p.extra)
	if p.extra > 0 {
		msg += fmt.Sprintf(" (the first %d are listed)", len(p.list))
	}
	return &Error{Kind: KindInvalid, Message: msg, Details: p.list}
}

// scanDocument streams one load document from r and calls visit for every entry of the wanted
// sections (nil wants all), in document order. Entries with problems are reported to probs and
// not visited. Only malformed JSON stops the scan early; it returns a KindMalformed error.
func scanDocument(r io.Reader, want map[string]bool, probs *problems, visit func(Entry) error) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	dec.UseNumber()
	malformed := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{Kind: KindMalformed, Message: "malformed JSON: the document ends too early", Err: err}
		}
		var tooLarge interface{ TooLarge() bool }
		if errors.As(err, &tooLarge) {
			return &Error{Kind: KindTooLarge, Message: "the document is larger than the limit", Err: err}
		}
		if KindOf(err) == KindTooLarge {
			return err
		}
		return &Error{Kind: KindMalformed, Message: fmt.Sprintf("malformed JSON near byte %d: %v", dec.InputOffset(), err), Err: err}
	}
	tok, err := dec.Token()
	if err != nil {
		return malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &Error{Kind: KindMalformed, Message: "the document must be a JSON object"}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
		}
		key := tok.(string)
		sec, known := sectionByName(key)
		ptr := "/" + escapePointer(key)
		switch {
		case !known:
			probs.add(ptr, "unknown key %q (allowed: %s)", key, sectionNames())
		case seen[key]:
			probs.add(ptr, "the key %q appears twice", key)
			known = false
		}
		seen[key] = true
		tok, err = dec.Token()
		if err != nil {
			return malformed(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			if known {
				probs.add(ptr, "must be an array")
			}
			if err := skipValue(dec, tok); err != nil {
				return malformed(err)
			}
			continue
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return malformed(err)
			}
			if !known || (want != nil && !want[key]) {
				continue
			}
			e, ok := decodeEntry(sec, ptr+"/"+strconv.Itoa(i), raw, probs)
			if !ok {
				continue
			}
			if err := visit(e); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ']'
			return malformed(err)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Kind: KindMalformed, Message: "malformed JSON: data after the document's closing brace"}
	}
	return nil
}

// skipValue consumes the rest of a value whose first token was tok.
func skipValue(dec *json.Decoder, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func sectionNames() string {
	names := make([]string, len(sections))
	for i, s := range sections {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// decodeEntry checks one entry against its section and turns it into a Row.
func decodeEntry(sec *section, ptr string, raw json.RawMessage, probs *problems) (Entry, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		probs.add(ptr, "must be an object")
		return Entry{}, false
	}
	before := len(probs.list) + probs.extra
	row := Row{}
	props := map[string]any{}
	e := Entry{Section: sec, Pointer: ptr, Row: row}
	for _, f := range sec.fields {
		fp := ptr + "/" + f.name
		v, present := obj[f.name]
		if !present || string(v) == "null" {
			if f.required {
				probs.add(fp, "is required")
			}
			continue
		}
		val, ok := decodeValue(f, fp, v, probs)
		if !ok {
			continue
		}
		switch {
		case f.typ == tID && len(f.refs) > 0:
			e.refs = append(e.refs, ref{pointer: fp, id: val.(string), labels: f.refs})
		case f.typ == tIDList && len(f.refs) > 0:
			for i, id := range val.([]string) {
				e.refs = append(e.refs, ref{pointer: fp + "/" + strconv.Itoa(i), id: id, labels: f.refs})
			}
		}
		if f.key {
			row[f.name] = val
		} else {
			props[f.name] = val
		}
	}
	for k := range obj {
		if !slices.ContainsFunc(sec.fields, func(f field) bool { return f.name == k }) {
			probs.add(ptr+"/"+escapePointer(k), "unknown field %q", k)
		}
	}
	if sec.label == LabelCountry {
		if id, ok := row["id"].(string); ok && !countryPattern.MatchString(id) {
			probs.add(ptr+"/id", "a country id is an ISO 3166-1 alpha-2 code in upper case (or EU), got %q", id)
		}
	}
	if sec.rel == RelSupplies && row["from"] != nil && row["from"] == row["to"] {
		probs.add(ptr+"/to", "a node cannot supply itself")
	}
	if sec.rel == RelRestricts {
		if from, ok := row["from"].(dbtype.Date); ok {
			if until, ok := props["until"].(dbtype.Date); ok && !time.Time(until).After(time.Time(from)) {
				probs.add(ptr+"/until", "must be after from")
			}
		}
		if _, ok := props["targets"]; !ok {
			props["targets"] = []string{}
		}
	}
	if len(probs.list)+probs.extra > before {
		return Entry{}, false
	}
	row["props"] = props
	return e, true
}

func decodeValue(f field, fp string, v json.RawMessage, probs *problems) (any, bool) {
	switch f.typ {
	case tText, tID, tEnum, tDate:
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			probs.add(fp, "must be a string")
			return nil, false
		}
		return checkString(f, fp, s, probs)
	case tIDList, tTextList:
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			probs.add(fp, "must be an array of strings")
			return nil, false
		}
		ok := true
		for i, s := range list {
			if f.typ == tIDList && !ValidID(s) {
				probs.add(fp+"/"+strconv.Itoa(i), "is not a valid id: %q", s)
				ok = false
			} else if len(s) > maxTextLength {
				probs.add(fp+"/"+strconv.Itoa(i), "is longer than %d bytes", maxTextLength)
				ok = false
			}
		}
		if list == nil {
			list = []string{}
		}
		return list, ok
	case tBool:
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			probs.add(fp, "must be true or false")
			return nil, false
		}
		return b, true
	case tYear:
		n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		if err != nil || n < 1800 || n > 2200 {
			probs.add(fp, "must be a year between 1800 and 2200")
			return nil, false
		}
		return n, true
	default: // numbers
		var x float64
		if err := json.Unmarshal(v, &x); err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			probs.add(fp, "must be a number")
			return nil, false
		}
		switch {
		case math.Abs(x) > maxNumber:
			probs.add(fp, "must be at most %g in size, got %v", maxNumber, x)
			return nil, false
		case f.typ == tPositive && x <= 0:
			probs.add(fp, "must be greater than 0, got %v", x)
			return nil, false
		case f.typ == tNonNeg && x < 0:
			probs.add(fp, "must not be negative, got %v", x)
			return nil, false
		}
		return x, true
	}
}

func checkString(f field, fp, s string, probs *problems) (any, bool) {
	switch f.typ {
	case tID:
		if !ValidID(s) {
			probs.add(fp, "is not a valid id (1–128 of A–Z a–z 0–9 . _ -, starting with a letter or digit): %q", truncate(s))
			return nil, false
		}
	case tEnum:
		if !slices.Contains(f.enum, s) {
			probs.add(fp, "must be one of %s, got %q", strings.Join(f.enum, ", "), truncate(s))
			return nil, false
		}
	case tDate:
		t, err := time.Parse(dateLayout, s)
		if err != nil {
			probs.add(fp, "must be a date as YYYY-MM-DD, got %q", truncate(s))
			return nil, false
		}
		return dbtype.Date(t), true
	default:
		if len(s) > maxTextLength {
			probs.add(fp, "is longer than %d bytes", maxTextLength)
			return nil, false
		}
	}
	return s, true
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
