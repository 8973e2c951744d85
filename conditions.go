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

// Conditions are the restriction settings shared by every analysis.
type Conditions struct {
	Restrictions RestrictionMode
	AsOf         time.Time // zero: today (UTC)
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
// country), and how.
type Measure struct {
	Country string
	Targets []string
	Measure string
}

// AppliesTo reports whether the measure covers a hop from country a to country b.
func (m Measure) AppliesTo(a, b string) bool {
	return a != b && m.Country == a && (len(m.Targets) == 0 || slices.Contains(m.Targets, b))
}
