package http

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
)

// problems collects every problem of a request (its query parameters, or its body's values),
// each at its parameter name or JSON Pointer: the one way the API validates a request. A
// handler reads what it needs through it and answers all the problems at once.
type problems struct {
	list []mineralmap.Detail
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, mineralmap.Detail{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err is nil without problems, else a KindInvalid error with message and every problem.
func (p *problems) err(message string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: message, Details: p.list}
}

// ids checks a list of ids (at most max) given at path.
func (p *problems) ids(path string, list []string, max int) { p.idsOr(path, list, max, false) }

// refs checks a list of ids or group references (group:NAME, contract section 7).
func (p *problems) refs(path string, list []string, max int) { p.idsOr(path, list, max, true) }

func (p *problems) idsOr(path string, list []string, max int, groups bool) {
	if len(list) > max {
		p.add(path, "at most %d entries", max)
	}
	for i, id := range list {
		switch {
		case groups && !mineralmap.ValidRef(id):
			p.add(path+"/"+strconv.Itoa(i), "is not a valid id or group:NAME")
		case !groups && !mineralmap.ValidID(id):
			p.add(path+"/"+strconv.Itoa(i), "is not a valid id")
		}
	}
}

// query parses a request's query parameters: an unknown parameter is a problem (a typo such as
// ?minral= is an error instead of a silently wider answer), and each accessor adds the problems
// of its parameter; a single-valued one given twice is one. A list-valued one (idList) takes its
// values comma-separated, repeated, or both (avoid=CN,MY, avoid=CN&avoid=MY), as Python's
// requests, httpx and urlencode(doseq=True) send lists.
type query struct {
	c      *gin.Context
	values url.Values
	problems
}

// parseQuery starts parsing the query of c, which takes the parameters allowed.
func parseQuery(c *gin.Context, allowed ...string) *query {
	q := &query{c: c, values: c.Request.URL.Query()}
	keys := make([]string, 0, len(q.values))
	for k := range q.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			msg := "unknown parameter"
			if len(allowed) > 0 {
				msg += "; this route takes " + strings.Join(allowed, ", ")
			}
			q.add(k, "%s", msg)
		}
	}
	return q
}

// single is the value of a single-valued parameter and whether it was given; given twice is a
// problem.
func (q *query) single(name string) (string, bool) {
	vs, ok := q.values[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	if len(vs) > 1 {
		q.add(name, "given more than once")
	}
	return vs[0], true
}

// text is an optional free-text parameter ("" when absent).
func (q *query) text(name string) string {
	s, _ := q.single(name)
	return s
}

// err is the parse's problems as one error.
func (q *query) err() error { return q.problems.err("invalid query parameters") }

// number is an optional finite number within (lo, hi] (def when absent).
func (q *query) number(name string, def, lo, hi float64) float64 {
	s, ok := q.single(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(n) || math.IsInf(n, 0):
		q.add(name, "must be a number, got %q", mineralmap.Clip(s))
	case n <= lo || n > hi:
		q.add(name, "must be above %g and at most %g, got %g", lo, hi, n)
	default:
		return n
	}
	return def
}

// integer is an optional integer within [lo, hi] (def when absent).
func (q *query) integer(name string, def, lo, hi int) int {
	s, ok := q.single(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		q.add(name, "must be an integer, got %q", mineralmap.Clip(s))
	case n < lo || n > hi:
		q.add(name, "must be between %d and %d, got %d", lo, hi, n)
	default:
		return n
	}
	return def
}

// id is an id parameter; a required one must be present.
func (q *query) id(name string, required bool) string {
	s, ok := q.single(name)
	switch {
	case !ok || s == "":
		if required {
			q.add(name, "is required")
		}
	case !mineralmap.ValidID(s):
		q.add(name, "is not a valid id: %q", mineralmap.Clip(s))
	default:
		return s
	}
	return ""
}

// ref is an id parameter that also takes a group (group:NAME, contract section 7).
func (q *query) ref(name string, required bool) string {
	s, ok := q.single(name)
	switch {
	case !ok || s == "":
		if required {
			q.add(name, "is required")
		}
	case !mineralmap.ValidRef(s):
		q.add(name, "is not a valid id or group:NAME: %q", mineralmap.Clip(s))
	default:
		return s
	}
	return ""
}

// idList is a list of ids, comma-separated, repeated or both (at most 100 in all), duplicates
// dropped; an empty parameter is an empty list.
func (q *query) idList(name string) []string { return q.listOf(name, false) }

// refList is idList taking groups (group:NAME) too.
func (q *query) refList(name string) []string { return q.listOf(name, true) }

func (q *query) listOf(name string, groups bool) []string {
	var parts []string
	for _, v := range q.values[name] {
		if v != "" {
			parts = append(parts, strings.Split(v, ",")...)
		}
	}
	if len(parts) == 0 {
		return []string{}
	}
	if len(parts) > 100 {
		q.add(name, "at most 100 ids")
		return []string{}
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if !mineralmap.ValidID(p) && !(groups && mineralmap.ValidRef(p)) {
			q.add(name, "is not a comma list of valid ids: %q", mineralmap.Clip(p))
			return []string{}
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// date is an optional YYYY-MM-DD date (zero when absent).
func (q *query) date(name string) time.Time {
	s, ok := q.single(name)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(mineralmap.DateLayout, s)
	if err != nil {
		q.add(name, "must be a date as YYYY-MM-DD, got %q", mineralmap.Clip(s))
	}
	return t
}

// enum is an optional parameter that takes one of values (def when absent).
func (q *query) enum(name, def string, values ...string) string {
	s, ok := q.single(name)
	if !ok {
		return def
	}
	if !slices.Contains(values, s) {
		q.add(name, "must be one of %s, got %q", strings.Join(values, ", "), mineralmap.Clip(s))
		return def
	}
	return s
}

// networkParams are the parameters of every network analysis (conditions reads them).
var networkParams = []string{"restrictions", "as_of", "year", "basis", "forms"}

// conditions are the restrictions, as_of, year, basis and forms parameters.
func (q *query) conditions() mineralmap.Conditions {
	return mineralmap.Conditions{
		Restrictions: mineralmap.RestrictionMode(q.enum("restrictions", string(mineralmap.RestrictBans), mineralmap.RestrictionModes...)),
		AsOf:         q.date("as_of"),
		Year:         q.year("year"),
		Bases:        q.enumList("basis", mineralmap.Bases),
		Forms:        q.enumList("forms", mineralmap.Forms),
	}
}

// year is an optional year, 1800–2200 (nil when absent).
func (q *query) year(name string) *int64 {
	if _, ok := q.values[name]; !ok {
		return nil
	}
	y := int64(q.integer(name, 0, 1800, 2200))
	return &y
}

// enumList is a list of values among allowed, comma-separated, repeated or both, duplicates
// dropped, in allowed's order; absent or empty: nil (every value).
func (q *query) enumList(name string, allowed []string) []string {
	var got []string
	for _, v := range q.values[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !slices.Contains(allowed, p) {
				q.add(name, "must be a comma list of %s, got %q", strings.Join(allowed, ", "), mineralmap.Clip(p))
				return nil
			}
			got = append(got, p)
		}
	}
	var out []string
	for _, a := range allowed {
		if slices.Contains(got, a) {
			out = append(out, a)
		}
	}
	return out
}
