package document

// The values of an entry's members, read token by token and checked against their field.

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mineralmap/mineralmap"
)

// check applies the rules that span fields of one entry; a field with a bad value is unset.
func (s *scanner) check(e mineralmap.Entry) {
	switch e := e.(type) {
	case *mineralmap.Country:
		if e.ID != "" && !countryCode(e.ID) {
			s.problem("id", "a country id is an ISO 3166-1 alpha-2 code in upper case (or EU), got %q", e.ID)
		}
	case *mineralmap.Supply:
		if e.From != "" && e.From == e.To {
			s.problem("to", "a node cannot supply itself")
		}
	case *mineralmap.Facility:
		if e.Online != nil && e.Closed != nil && !e.Closed.After(*e.Online) {
			s.problem("closed", "must be after online")
		}
	case *mineralmap.Output:
		if e.Facility != "" && e.Country != "" {
			s.problem("country", "give facility (a facility's output) or country (a national total), not both")
		}
	case *mineralmap.Restriction:
		if !e.From.IsZero() && e.Until != nil && !e.Until.After(e.From) {
			s.problem("until", "must be after from")
		}
		if e.Targets == nil {
			e.Targets = []string{}
		}
	}
}

// countryCode reports whether id matches ^[A-Z]{2}$.
func countryCode(id string) bool {
	return len(id) == 2 && 'A' <= id[0] && id[0] <= 'Z' && 'A' <= id[1] && id[1] <= 'Z'
}

// value reads the value of field f (index fi) into s.val, recording its problems, the
// reference it makes and its part of the entry's key.
func (s *scanner) value(f *field, fi int) (status, error) {
	dec := s.dec
	k := dec.PeekKind()
	switch k {
	case jsontext.KindInvalid:
		_, err := dec.ReadToken()
		return valueBad, s.fail(err)
	case 'n':
		if _, err := dec.ReadToken(); err != nil {
			return valueBad, s.fail(err)
		}
		return valueNull, nil
	}
	var want jsontext.Kind
	var msg string
	switch f.typ {
	case tText, tID, tEnum, tDate:
		want, msg = '"', "must be a string"
	case tIDList, tTextList, tEnumList:
		want, msg = '[', "must be an array of strings"
	case tIntervals:
		want, msg = '[', `must be an array of {"from","until"} objects`
	case tBool:
		if k == 't' || k == 'f' {
			want = k
		}
		msg = "must be true or false"
	case tYear:
		want, msg = '0', "must be a year between 1800 and 2200"
	default:
		want, msg = '0', "must be a number"
	}
	if k != want {
		s.problem(f.name, "%s", msg)
		if err := dec.SkipValue(); err != nil {
			return valueBad, s.fail(err)
		}
		return valueBad, nil
	}
	if f.typ == tIntervals {
		return s.intervals(f)
	}
	if want == '[' {
		return s.list(f, fi)
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return valueBad, s.fail(err)
	}
	v := &s.val
	switch f.typ {
	case tText:
		v.s = tok.String()
		if len(v.s) > maxTextLength {
			s.problem(f.name, "is longer than %d bytes", maxTextLength)
			return valueBad, nil
		}
	case tID:
		v.s = tok.String()
		if !mineralmap.ValidID(v.s) {
			s.problem(f.name, "is not a valid id (1–128 of A–Z a–z 0–9 . _ -, starting with a letter or digit): %q", mineralmap.Clip(v.s))
			return valueBad, nil
		}
		if f.refs != nil {
			s.refs = append(s.refs, ref{id: v.s, entry: s.idx, elem: -1, sec: uint8(s.si), field: uint8(fi)})
		}
	case tEnum:
		// The value is one of the enumeration's own strings: nothing to allocate.
		i := slices.Index(f.enum, tok.String())
		if i < 0 {
			s.problem(f.name, "must be one of %s, got %q", strings.Join(f.enum, ", "), mineralmap.Clip(strings.Clone(tok.String())))
			return valueBad, nil
		}
		v.s = f.enum[i]
	case tDate:
		v.s = tok.String()
		t, err := time.Parse(mineralmap.DateLayout, v.s)
		if err != nil {
			s.problem(f.name, "must be a date as YYYY-MM-DD, got %q", mineralmap.Clip(v.s))
			return valueBad, nil
		}
		v.t = t
	case tBool:
		v.b = tok.Bool()
	case tYear:
		n, err := tok.Int() // an integer in JSON's grammar: 2024.5 and 2024.0 fail
		if err != nil || n < 1800 || n > 2200 {
			s.problem(f.name, "%s", msg)
			return valueBad, nil
		}
		v.i = n
		v.s = strconv.FormatInt(n, 10) // its part of a key
	default:
		x, err := tok.Float() // out of float64's range: an error
		switch {
		case err != nil:
			s.problem(f.name, "%s", msg)
			return valueBad, nil
		case x > maxNumber || x < -maxNumber:
			s.problem(f.name, "must be at most %g in size, got %v", maxNumber, x)
			return valueBad, nil
		case f.typ == tPositive && x <= 0:
			s.problem(f.name, "must be greater than 0, got %v", x)
			return valueBad, nil
		case f.typ == tNonNeg && x < 0:
			s.problem(f.name, "must not be negative, got %v", x)
			return valueBad, nil
		}
		v.n = x
	}
	if f.key > 0 {
		s.keys[f.key-1] = v.s
	}
	return valueOK, nil
}

// list reads a list of strings, at its '['.
func (s *scanner) list(f *field, fi int) (status, error) {
	dec := s.dec
	if _, err := dec.ReadToken(); err != nil {
		return valueBad, s.fail(err)
	}
	st := valueOK
	strs := true       // every element so far is a string
	list := []string{} // present, even empty: not nil
	for i := 0; ; i++ {
		switch dec.PeekKind() {
		case ']':
			if _, err := dec.ReadToken(); err != nil {
				return valueBad, s.fail(err)
			}
			s.val.list = list
			return st, nil
		case '"':
		case jsontext.KindInvalid:
			_, err := dec.ReadToken()
			return valueBad, s.fail(err)
		default:
			if strs {
				s.problem(f.name, "must be an array of strings")
				strs, st = false, valueBad
			}
			if err := dec.SkipValue(); err != nil {
				return valueBad, s.fail(err)
			}
			continue
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return valueBad, s.fail(err)
		}
		e := tok.String()
		switch {
		case f.typ == tIDList && !mineralmap.ValidID(e):
			s.problemAt(f.name, i, "is not a valid id: %q", e)
			st = valueBad
		case f.typ == tEnumList && !slices.Contains(f.enum, e):
			s.problemAt(f.name, i, "must be one of %s, got %q", strings.Join(f.enum, ", "), mineralmap.Clip(e))
			st = valueBad
		case len(e) > maxTextLength:
			s.problemAt(f.name, i, "is longer than %d bytes", maxTextLength)
			st = valueBad
		case f.refs != nil:
			s.refs = append(s.refs, ref{id: e, entry: s.idx, elem: int32(i), sec: uint8(s.si), field: uint8(fi)})
		}
		list = append(list, e)
	}
}

// intervals reads a list of {"from","until"} objects, at its '[': both dates required, until
// after from.
func (s *scanner) intervals(f *field) (status, error) {
	dec := s.dec
	if _, err := dec.ReadToken(); err != nil {
		return valueBad, s.fail(err)
	}
	st := valueOK
	spans := []mineralmap.Interval{}
	for i := 0; ; i++ {
		switch dec.PeekKind() {
		case ']':
			if _, err := dec.ReadToken(); err != nil {
				return valueBad, s.fail(err)
			}
			s.val.spans = spans
			return st, nil
		case '{':
		case jsontext.KindInvalid:
			_, err := dec.ReadToken()
			return valueBad, s.fail(err)
		default:
			s.problemAt(f.name, i, `must be an object {"from","until"}`)
			st = valueBad
			if err := dec.SkipValue(); err != nil {
				return valueBad, s.fail(err)
			}
			continue
		}
		if _, err := dec.ReadToken(); err != nil {
			return valueBad, s.fail(err)
		}
		var span mineralmap.Interval
		var got [2]bool
		for {
			tok, err := dec.ReadToken()
			if err != nil {
				return valueBad, s.fail(err)
			}
			if tok.Kind() == '}' {
				break
			}
			name := strings.Clone(tok.String())
			at := slices.Index([]string{"from", "until"}, name)
			if at < 0 || got[at] {
				if at < 0 {
					s.problemAt(f.name, i, "unknown field %q (allowed: from, until)", mineralmap.Clip(name))
				} else {
					s.problemAt(f.name, i, "%q is given more than once", name)
				}
				st = valueBad
				if err := dec.SkipValue(); err != nil {
					return valueBad, s.fail(err)
				}
				continue
			}
			got[at] = true
			if dec.PeekKind() != '"' {
				s.problemAt(f.name, i, "%s must be a date as YYYY-MM-DD", name)
				st = valueBad
				if err := dec.SkipValue(); err != nil {
					return valueBad, s.fail(err)
				}
				continue
			}
			tok, err = dec.ReadToken()
			if err != nil {
				return valueBad, s.fail(err)
			}
			t, perr := time.Parse(mineralmap.DateLayout, tok.String())
			if perr != nil {
				s.problemAt(f.name, i, "%s must be a date as YYYY-MM-DD, got %q", name, mineralmap.Clip(strings.Clone(tok.String())))
				st = valueBad
				continue
			}
			if at == 0 {
				span.From = t
			} else {
				span.Until = t
			}
		}
		switch {
		case !got[0] || !got[1]:
			s.problemAt(f.name, i, "needs both from and until")
			st = valueBad
		case st == valueOK && !span.Until.After(span.From):
			s.problemAt(f.name, i, "until must be after from")
			st = valueBad
		}
		spans = append(spans, span)
	}
}
