package document

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mineralmap/mineralmap"
)

// maxProblems bounds the problems listed for one document; the rest are counted.
const maxProblems = 1000

// problems collects every problem of a document.
type problems struct {
	list  []mineralmap.Detail
	extra int
}

func (p *problems) count() int { return len(p.list) + p.extra }

// full reports whether no more problems are listed; it counts the one the caller has.
func (p *problems) full() bool {
	if len(p.list) >= maxProblems {
		p.extra++
		return true
	}
	return false
}

func (p *problems) add(path, format string, args ...any) {
	if p.full() {
		return
	}
	p.list = append(p.list, mineralmap.Detail{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := fmt.Sprintf("the document has %d problem(s); nothing was stored", p.count())
	if p.extra > 0 {
		msg += fmt.Sprintf(" (the first %d are listed)", len(p.list))
	}
	return &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: msg, Details: p.list}
}

// Scan streams one document from r and calls visit for every valid entry of the wanted
// sections (nil wants all) in document order, with the entry's JSON Pointer (/facilities/3):
// a *mineralmap.Country, *mineralmap.Mineral, *mineralmap.Facility, *mineralmap.Agreement,
// *mineralmap.Supply, *mineralmap.Output (Refines set for "refines"), *mineralmap.Restriction
// or *mineralmap.Financing. Sections that are not wanted are skipped (their syntax is still
// checked).
//
// Entries with problems are not visited; after the scan, if any problem was found, Scan
// returns the KindInvalid error that lists them, so that a writer handed a document validated
// before learns that it changed since. Malformed JSON stops the scan with a KindMalformed
// error, and an error from visit stops it and is returned as it is.
func Scan(r io.Reader, want map[string]bool, visit func(pointer string, e mineralmap.Entry) error) error {
	var probs problems
	s := newScanner(r, want, &probs, func(s *scanner, e mineralmap.Entry) error {
		return visit(s.entryPointer(), e)
	})
	if err := s.run(); err != nil {
		return err
	}
	return probs.err()
}

// ref is a reference from a document entry to a node id. Its JSON Pointer is built only when
// a problem needs it.
type ref struct {
	id    string
	entry int   // the entry's index in its section
	elem  int32 // the element's index in a list; -1 for the field itself
	sec   uint8 // the entry's section in sections
	field uint8 // the field in the section's fields
}

func (r *ref) fieldOf() *field { return &sections[r.sec].fields[r.field] }

func (r *ref) labels() []string { return r.fieldOf().refs }

func (r *ref) pointer() string {
	p := entryPointer(int(r.sec), r.entry) + "/" + r.fieldOf().name
	if r.elem >= 0 {
		p += "/" + strconv.Itoa(int(r.elem))
	}
	return p
}

func entryPointer(sec, i int) string {
	return "/" + sections[sec].name + "/" + strconv.Itoa(i)
}

// scanner reads one document. It is the one reader behind Scan and Validate.
type scanner struct {
	dec   *jsontext.Decoder
	want  map[string]bool // nil: every section
	probs *problems
	visit func(s *scanner, e mineralmap.Entry) error

	// The entry being read, for visit: its section and index, the references it makes, and
	// the values of its key fields (an id for a node).
	si   int
	sec  *section
	idx  int
	ptr  string // its pointer, once a problem needed it
	refs []ref
	keys [maxKeys]string

	val value
}

func newScanner(r io.Reader, want map[string]bool, probs *problems, visit func(*scanner, mineralmap.Entry) error) *scanner {
	return &scanner{
		// Names given twice are found by entry (and reported as a problem), not by the decoder.
		dec:   jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true)),
		want:  want,
		probs: probs,
		visit: visit,
	}
}

// entryPointer is the JSON Pointer of the entry being read.
func (s *scanner) entryPointer() string {
	if s.ptr == "" {
		s.ptr = entryPointer(s.si, s.idx)
	}
	return s.ptr
}

// problem records a problem at the member name of the entry being read.
func (s *scanner) problem(name, format string, args ...any) {
	if s.probs.full() {
		return
	}
	s.probs.add(s.entryPointer()+"/"+name, format, args...)
}

// problemAt records a problem at element i of the member name of the entry being read.
func (s *scanner) problemAt(name string, i int, format string, args ...any) {
	if s.probs.full() {
		return
	}
	s.probs.add(s.entryPointer()+"/"+name+"/"+strconv.Itoa(i), format, args...)
}

// key hashes the section and key fields of the entry being read with 64-bit FNV-1a: a
// relationship is remembered by this hash alone, so that a million of them cost 16 MB.
func (s *scanner) key() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	add := func(v string) {
		for i := 0; i < len(v); i++ {
			h = (h ^ uint64(v[i])) * prime
		}
		h *= prime // a separator: ("ab","c") and ("a","bc") differ
	}
	add(s.sec.name)
	for _, k := range s.keys[:s.sec.nkeys] {
		add(k)
	}
	return h
}

// run reads the whole document.
func (s *scanner) run() error {
	dec := s.dec
	switch dec.PeekKind() {
	case '{':
	case jsontext.KindInvalid:
		_, err := dec.ReadToken()
		return s.fail(err)
	default:
		return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "the document must be a JSON object"}
	}
	if _, err := dec.ReadToken(); err != nil {
		return s.fail(err)
	}
	seen := map[string]bool{}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return s.fail(err)
		}
		if tok.Kind() == '}' {
			break
		}
		key := tok.String()
		si := sectionIndex(key)
		ptr := "/" + escapePointer(key)
		known := si >= 0
		switch {
		case !known:
			s.probs.add(ptr, "unknown key %q (allowed: %s)", key, allowedKeys)
		case seen[key]:
			s.probs.add(ptr, "the key %q appears twice", key)
			known = false
		}
		seen[key] = true
		switch k := dec.PeekKind(); {
		case k == jsontext.KindInvalid:
			_, err := dec.ReadToken()
			return s.fail(err)
		case k != '[':
			if known {
				s.probs.add(ptr, "must be an array")
			}
			fallthrough
		case !known || s.want != nil && !s.want[key]:
			if err := dec.SkipValue(); err != nil {
				return s.fail(err)
			}
			continue
		}
		if err := s.section(si); err != nil {
			return err
		}
	}
	switch _, err := dec.ReadToken(); {
	case err == io.EOF:
		return nil
	case err != nil && !isSyntactic(err):
		return s.fail(err) // a read error, such as the end of the size limit
	}
	return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: data after the document's closing brace"}
}

// section reads the array of section si, at its '['.
func (s *scanner) section(si int) error {
	dec := s.dec
	if _, err := dec.ReadToken(); err != nil {
		return s.fail(err)
	}
	for i := 0; ; i++ {
		switch dec.PeekKind() {
		case ']':
			if _, err := dec.ReadToken(); err != nil {
				return s.fail(err)
			}
			return nil
		case '{':
			if err := s.entry(si, i); err != nil {
				return err
			}
		case jsontext.KindInvalid:
			_, err := dec.ReadToken()
			return s.fail(err)
		default:
			s.probs.add(entryPointer(si, i), "must be an object")
			if err := dec.SkipValue(); err != nil {
				return s.fail(err)
			}
		}
	}
}

// status is what reading one member's value found.
type status uint8

const (
	valueOK status = iota
	valueNull
	valueBad
)

// entry reads entry i of section si, at its '{', and visits it when it has no problem.
func (s *scanner) entry(si, i int) error {
	dec := s.dec
	sec := &sections[si]
	s.si, s.sec, s.idx, s.ptr = si, sec, i, ""
	s.refs = s.refs[:0]
	s.keys = [maxKeys]string{}
	before := s.probs.count()
	e := sec.new()
	if _, err := dec.ReadToken(); err != nil {
		return s.fail(err)
	}
	var seen, present uint32
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return s.fail(err)
		}
		if tok.Kind() == '}' {
			break
		}
		fi := sec.fieldIndex(tok.String())
		if fi < 0 {
			s.unknownField(sec, strings.Clone(tok.String()))
			if err := dec.SkipValue(); err != nil {
				return s.fail(err)
			}
			continue
		}
		f := &sec.fields[fi]
		bit := uint32(1) << fi
		if seen&bit != 0 {
			s.problem(f.name, "%q is given more than once", f.name)
			if err := dec.SkipValue(); err != nil {
				return s.fail(err)
			}
			continue
		}
		seen |= bit
		st, err := s.value(f, fi)
		if err != nil {
			return err
		}
		if st == valueNull {
			continue // null is absent
		}
		present |= bit
		if st == valueOK {
			f.set(e, &s.val)
		}
	}
	for fi := range sec.fields {
		if f := &sec.fields[fi]; f.required && present&(1<<fi) == 0 {
			s.problem(f.name, "is required")
		}
		// One of a key field and its alternative is required (produces: facility or country).
		if f := &sec.fields[fi]; f.alt && fi > 0 && present&(3<<(fi-1)) == 0 {
			s.problem(sec.fields[fi-1].name, "is required (or %s)", f.name)
		}
	}
	s.check(e)
	if s.probs.count() > before {
		return nil
	}
	return s.visit(s, e)
}

func (s *scanner) unknownField(sec *section, name string) {
	for _, f := range sec.fields {
		if strings.EqualFold(f.name, name) {
			s.problem(escapePointer(name), "unknown field %q (did you mean %q?)", name, f.name)
			return
		}
	}
	s.problem(escapePointer(name), "unknown field %q", name)
}

func isSyntactic(err error) bool {
	var se *jsontext.SyntacticError
	return errors.As(err, &se)
}

// fail turns an error of the decoder into the service's error: a read error of the source
// that says the document is too large, malformed JSON (with the byte offset), or a document
// that ends too early.
func (s *scanner) fail(err error) error {
	var tooLarge interface{ TooLarge() bool }
	var me *mineralmap.Error
	var se *jsontext.SyntacticError
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &me) && me.Kind == mineralmap.KindTooLarge:
		return &mineralmap.Error{Kind: mineralmap.KindTooLarge, Message: "the document is larger than the limit", Err: readCause(err)}
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: the document ends too early", Err: io.ErrUnexpectedEOF}
	case errors.As(err, &se):
		// The cause is in the message already; as Err too, Error() would say it twice.
		msg := fmt.Sprintf("malformed JSON near byte %d: %v", se.ByteOffset, se.Err)
		if se.JSONPointer != "" {
			msg += fmt.Sprintf(" (within %s)", se.JSONPointer)
		}
		return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: msg}
	}
	return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: fmt.Sprintf("malformed JSON near byte %d: %v", s.dec.InputOffset(), readCause(err))}
}

// readCause is the source's own error behind the decoder's "read error".
func readCause(err error) error {
	if u := errors.Unwrap(err); u != nil && !isSyntactic(err) {
		return u
	}
	return err
}
