package mineralmap

import (
	"slices"
	"time"
)

// RestrictionMode says which stored restrictions block a hop (contract section 4).
type RestrictionMode string

const (
	RestrictBans   RestrictionMode = "bans"   // only measure "ban" blocks (the default)
	RestrictAll    RestrictionMode = "all"    // every measure blocks
	RestrictIgnore RestrictionMode = "ignore" // nothing stored blocks
)

// RestrictionModes lists the values of the restrictions parameter.
var RestrictionModes = []string{string(RestrictBans), string(RestrictAll), string(RestrictIgnore)}

// Blocking returns the measures that block under mode.
func (r RestrictionMode) Blocking() []string {
	switch r {
	case RestrictAll:
		return slices.Clone(Measures)
	case RestrictIgnore:
		return []string{}
	}
	return []string{"ban"}
}

// Conditions are the settings shared by every network analysis: which stored restrictions
// count and at what date, and which edges make the M-network (section 5).
type Conditions struct {
	Restrictions RestrictionMode
	AsOf         time.Time // zero: today (UTC)
	Year         *int64    // the network's year; nil: the latest year of the mineral's records
	Bases        []string  // the bases of the edges taken; empty: every basis
	Forms        []string  // the forms of the edges taken; empty: every form
}

// Normalized fills in the defaults: bans, today.
func (c Conditions) Normalized() Conditions {
	if c.Restrictions == "" {
		c.Restrictions = RestrictBans
	}
	if c.AsOf.IsZero() {
		c.AsOf = Today()
	}
	return c
}

// Measure is a restriction as the analyses see it: who restricts, towards whom (none: every
// country), how, and on which forms (none: every form).
type Measure struct {
	Country string
	Targets []string
	Measure string
	Forms   []string
}

// Covers reports whether the measure covers a hop of form.
func (m Measure) Covers(form string) bool { return len(m.Forms) == 0 || slices.Contains(m.Forms, form) }

// AppliesTo reports whether the measure covers a hop from country a to country b.
func (m Measure) AppliesTo(a, b string) bool {
	return a != b && m.Country == a && (len(m.Targets) == 0 || slices.Contains(m.Targets, b))
}
