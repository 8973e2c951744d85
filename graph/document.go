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
	"unicode/utf8"

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

// ref is a reference from a document entry to a node id. Its JSON Pointer is built only when
// a problem needs it (entry + "/" + field, and "/" + index for a list element).
type ref struct {
	entry, field string
	index        int // -1: the field itself
	id           string
	labels       []string
}

func (r ref) pointer() string {
	if r.index < 0 {
		return r.entry + "/" + r.field
	}
	return r.entry + "/" + r.field + "/" + strconv.Itoa(r.index)
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
//
// The document's outline (an object of arrays of entries) is read by hand, a byte at a time,
// and each entry is checked with json.Valid and decoded by decodeEntry: several times faster
// than encoding/json's Decoder on a million entries. Sections that are not wanted are skipped
// without a syntax check; a load reads its document with want == nil first, which checks all.
func scanDocument(r io.Reader, want map[string]bool, probs *problems, visit func(Entry) error) error {
	d := &docReader{r: bufio.NewReaderSize(r, 256<<10)}
	check := want == nil
	c, ok := d.space()
	if !ok {
		return d.malformed()
	}
	if c != '{' {
		return &Error{Kind: KindMalformed, Message: "the document must be a JSON object"}
	}
	seen := map[string]bool{}
	var raw []byte
	for first := true; ; first = false {
		c, end, err := d.next(first, '}', "object key:value pair")
		if err != nil {
			return err
		}
		if end {
			break
		}
		if c != '"' {
			return d.syntax("invalid character %q looking for beginning of object key string", c)
		}
		if raw, ok = d.value(c, raw[:0], true); !ok {
			return d.malformed()
		}
		var key string
		if err := json.Unmarshal(raw, &key); err != nil {
			return d.syntax("%v", err)
		}
		if c, ok = d.space(); !ok {
			return d.malformed()
		}
		if c != ':' {
			return d.syntax("invalid character %q after object key", c)
		}
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
		if c, ok = d.space(); !ok {
			return d.malformed()
		}
		if c != '[' {
			if known {
				probs.add(ptr, "must be an array")
			}
			start := d.off - 1
			if raw, ok = d.value(c, raw[:0], check); !ok {
				return d.malformed()
			}
			if err := d.valid(raw, start); err != nil {
				return err
			}
			continue
		}
		wanted := known && (want == nil || want[key])
		for i := 0; ; i++ {
			c, end, err := d.next(i == 0, ']', "array element")
			if err != nil {
				return err
			}
			if end {
				break
			}
			start := d.off - 1
			if raw, ok = d.value(c, raw[:0], wanted || check); !ok {
				return d.malformed()
			}
			if err := d.valid(raw, start); err != nil {
				return err
			}
			if !wanted {
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
	}
	if _, ok := d.space(); ok || d.err != io.EOF {
		if !ok {
			return d.malformed()
		}
		return &Error{Kind: KindMalformed, Message: "malformed JSON: data after the document's closing brace"}
	}
	return nil
}

// docReader reads a document a byte at a time, counting them.
type docReader struct {
	r   *bufio.Reader
	off int64
	err error // the read error that stopped it
}

func (d *docReader) byte() (byte, bool) {
	c, err := d.r.ReadByte()
	if err != nil {
		d.err = err
		return 0, false
	}
	d.off++
	return c, true
}

// next reads up to the first byte of the next member of an object or element of an array
// whose closing byte is close (after the comma that separates it from the one before, unless
// it is the first), or reports the end when close comes instead.
func (d *docReader) next(first bool, close byte, after string) (c byte, end bool, err error) {
	c, ok := d.space()
	if !ok {
		return 0, false, d.malformed()
	}
	if c == close {
		return c, true, nil
	}
	if !first {
		if c != ',' {
			return 0, false, d.syntax("invalid character %q after %s", c, after)
		}
		if c, ok = d.space(); !ok {
			return 0, false, d.malformed()
		}
	}
	return c, false, nil
}

// space returns the next byte that is not white space.
func (d *docReader) space() (byte, bool) {
	for {
		c, ok := d.byte()
		if !ok || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return c, ok
		}
	}
}

// value reads the rest of the value whose first byte is c, appending its bytes to buf when keep
// is set. It follows strings and nesting only: json.Valid checks the result.
func (d *docReader) value(c byte, buf []byte, keep bool) ([]byte, bool) {
	if keep {
		buf = append(buf, c)
	}
	switch c {
	case '"':
		return d.stringRest(buf, keep)
	case '{', '[':
		for depth := 1; depth > 0; {
			c, ok := d.take(&buf, keep)
			if !ok {
				return buf, false
			}
			switch c {
			case '"':
				if buf, ok = d.stringRest(buf, keep); !ok {
					return buf, false
				}
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
		}
		return buf, true
	}
	for { // a number or a literal, up to the next delimiter
		c, ok := d.byte()
		if !ok {
			return buf, false
		}
		if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			_ = d.r.UnreadByte()
			d.off--
			return buf, true
		}
		if keep {
			buf = append(buf, c)
		}
	}
}

func (d *docReader) stringRest(buf []byte, keep bool) ([]byte, bool) {
	for {
		c, ok := d.take(&buf, keep)
		if !ok {
			return buf, false
		}
		switch c {
		case '\\':
			if _, ok = d.take(&buf, keep); !ok {
				return buf, false
			}
		case '"':
			return buf, true
		}
	}
}

// take reads one byte, appending it to *buf when keep is set.
func (d *docReader) take(buf *[]byte, keep bool) (byte, bool) {
	c, ok := d.byte()
	if ok && keep {
		*buf = append(*buf, c)
	}
	return c, ok
}

// valid checks a value read with keep set (nothing to check otherwise) that began at byte start.
func (d *docReader) valid(raw []byte, start int64) error {
	if len(raw) == 0 || json.Valid(raw) {
		return nil
	}
	var v any
	err := json.Unmarshal(raw, &v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		start += syn.Offset
	}
	// The cause is in the message already; as Err too, Error() would say it twice.
	return &Error{Kind: KindMalformed, Message: fmt.Sprintf("malformed JSON near byte %d: %v", start, err)}
}

func (d *docReader) syntax(format string, args ...any) error {
	return &Error{Kind: KindMalformed, Message: fmt.Sprintf("malformed JSON near byte %d: ", d.off) + fmt.Sprintf(format, args...)}
}

// malformed reports why the reading stopped.
func (d *docReader) malformed() error {
	err := d.err
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: KindMalformed, Message: "malformed JSON: the document ends too early", Err: err}
	}
	var tooLarge interface{ TooLarge() bool }
	if errors.As(err, &tooLarge) {
		return &Error{Kind: KindTooLarge, Message: "the document is larger than the limit", Err: err}
	}
	if KindOf(err) == KindTooLarge {
		return err
	}
	return &Error{Kind: KindMalformed, Message: fmt.Sprintf("malformed JSON near byte %d: %v", d.off, err)}
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
	// Entries are flat objects of short values: they are cut apart here without reflection;
	// encoding/json takes over for anything unusual (escaped keys, a key twice, not an object).
	var buf [16]member
	members, fast := splitObject(raw, buf[:0])
	var obj map[string]json.RawMessage
	if !fast {
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			probs.add(ptr, "must be an object")
			return Entry{}, false
		}
	}
	value := func(name string) (json.RawMessage, bool) {
		if !fast {
			v, ok := obj[name]
			return v, ok
		}
		for _, m := range members {
			if string(m.key) == name {
				return m.val, true
			}
		}
		return nil, false
	}
	before := len(probs.list) + probs.extra
	row := make(Row, 4)
	props := make(map[string]any, len(members))
	e := Entry{Section: sec, Pointer: ptr, Row: row}
	for _, f := range sec.fields {
		v, present := value(f.name)
		if !present || string(v) == "null" {
			if f.required {
				probs.add(ptr+"/"+f.name, "is required")
			}
			continue
		}
		val, ok := decodeValue(f, ptr, v, probs)
		if !ok {
			continue
		}
		switch {
		case f.typ == tID && len(f.refs) > 0:
			e.refs = append(e.refs, ref{entry: ptr, field: f.name, index: -1, id: val.(string), labels: f.refs})
		case f.typ == tIDList && len(f.refs) > 0:
			for i, id := range val.([]string) {
				e.refs = append(e.refs, ref{entry: ptr, field: f.name, index: i, id: id, labels: f.refs})
			}
		}
		if f.key {
			row[f.name] = val
		} else {
			props[f.name] = val
		}
	}
	known := func(k string) bool { return slices.ContainsFunc(sec.fields, func(f field) bool { return f.name == k }) }
	if fast {
		for _, m := range members {
			if k := string(m.key); !known(k) {
				probs.add(ptr+"/"+escapePointer(k), "unknown field %q", k)
			}
		}
	}
	for k := range obj {
		if !known(k) {
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

// decodeValue decodes and checks the value v of field f of the entry at ptr.
func decodeValue(f field, ptr string, v json.RawMessage, probs *problems) (any, bool) {
	fp := ptr + "/" + f.name // escapes only with a problem: the compiler builds it on the stack
	switch f.typ {
	case tText, tID, tEnum, tDate:
		s, ok := plainString(v)
		if !ok {
			if err := json.Unmarshal(v, &s); err != nil {
				probs.add(fp, "must be a string")
				return nil, false
			}
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
		switch string(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
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
		var err error
		if len(v) > 0 && (v[0] == '-' || '0' <= v[0] && v[0] <= '9') { // a JSON number: the document is valid JSON
			x, err = strconv.ParseFloat(string(v), 64)
		} else {
			err = json.Unmarshal(v, &x)
		}
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
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

// member is one key and raw value of a JSON object.
type member struct{ key, val []byte }

// splitObject cuts raw, a valid JSON value, into the members of an object, appending them to
// into. It reports false when raw is not an object, has an escaped key or a key twice, or more
// members than into can hold without growing: the caller then decodes it with encoding/json.
func splitObject(raw []byte, into []member) ([]member, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return into, true
	}
	for i < len(raw) {
		if raw[i] != '"' {
			return nil, false
		}
		end := i + 1
		for end < len(raw) && raw[end] != '"' {
			if raw[end] == '\\' {
				return nil, false
			}
			end++
		}
		key := raw[i+1 : end]
		i = skipSpace(raw, end+1)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
		vend := valueEnd(raw, i)
		if vend < 0 || len(into) == cap(into) {
			return nil, false
		}
		for _, m := range into {
			if string(m.key) == string(key) {
				return nil, false
			}
		}
		into = append(into, member{key: key, val: raw[i:vend]})
		i = skipSpace(raw, vend)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
			continue
		}
		if i < len(raw) && raw[i] == '}' {
			return into, true
		}
		return nil, false
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i] (b is valid JSON), or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	stringEnd := func(j int) int { // b[j] is an opening quote; returns the index of the closing one
		for j++; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j
			}
		}
		return len(b)
	}
	switch b[i] {
	case '"':
		if j := stringEnd(i); j < len(b) {
			return j + 1
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = stringEnd(j)
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i // a number, true, false or null
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}

// plainString returns the string a JSON string literal holds when it has no escapes and is
// valid UTF-8 (the common case, decoded without encoding/json).
func plainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	body := v[1 : len(v)-1]
	if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}
