package http

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
)

// checkParams rejects query parameters the route does not know and parameters given twice, so a
// typo (?minral=) is an error instead of a silently wider answer.
func checkParams(c *gin.Context, allowed ...string) error {
	var details []mineralmap.Detail
	q := c.Request.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(allowed, k):
			msg := "unknown parameter"
			if len(allowed) > 0 {
				msg += "; this route takes " + strings.Join(allowed, ", ")
			}
			details = append(details, mineralmap.Detail{Path: k, Message: msg})
		case len(q[k]) > 1:
			details = append(details, mineralmap.Detail{Path: k, Message: "given more than once"})
		}
	}
	if len(details) > 0 {
		return &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "invalid query parameters", Details: details}
	}
	return nil
}

// intParam parses an optional integer parameter within [lo, hi].
func intParam(c *gin.Context, name string, def, lo, hi int) (int, error) {
	s, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalidParam(name, "must be an integer, got %q", clip(s))
	}
	if n < lo || n > hi {
		return 0, invalidParam(name, "must be between %d and %d, got %d", lo, hi, n)
	}
	return n, nil
}

// idParam parses an id parameter; required ones must be present.
func idParam(c *gin.Context, name string, required bool) (string, error) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		if required {
			return "", invalidParam(name, "is required")
		}
		return "", nil
	}
	if !mineralmap.ValidID(s) {
		return "", invalidParam(name, "is not a valid id: %q", clip(s))
	}
	return s, nil
}

// idListParam parses a comma-separated list of ids (at most 100).
func idListParam(c *gin.Context, name string) ([]string, error) {
	s := c.Query(name)
	if s == "" {
		return []string{}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 100 {
		return nil, invalidParam(name, "at most 100 ids")
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if !mineralmap.ValidID(p) {
			return nil, invalidParam(name, "is not a comma list of valid ids: %q", clip(p))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// dateParam parses an optional YYYY-MM-DD date.
func dateParam(c *gin.Context, name string) (*time.Time, error) {
	s, ok := c.GetQuery(name)
	if !ok {
		return nil, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, invalidParam(name, "must be a date as YYYY-MM-DD, got %q", clip(s))
	}
	return &t, nil
}

// enumParam parses an optional parameter that takes one of values.
func enumParam(c *gin.Context, name, def string, values ...string) (string, error) {
	s, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	if !slices.Contains(values, s) {
		return "", invalidParam(name, "must be one of %s, got %q", strings.Join(values, ", "), clip(s))
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
