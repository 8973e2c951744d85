package mineralmap

import "time"

// The entries of a load document (contract section 2), one type per section. Required fields
// are values; optional ones are pointers (or nil lists), nil when the document leaves them out,
// so that a load sets only the properties a document gives and keeps the others.

// Entry is one entry of a load document: one of the types below.
type Entry interface{ section() string }

// Meta is what every entry may carry about its figures.
type Meta struct {
	Source *string
	Note   *string
	Year   *int64
}

// NodeMeta is what every node entry has.
type NodeMeta struct {
	ID   string
	Name string
	Meta
}

// Country is an entry of "countries": ID is an ISO 3166-1 alpha-2 code (or EU).
type Country struct {
	NodeMeta
	Groups []string
}

// Mineral is an entry of "minerals".
type Mineral struct {
	NodeMeta
	Category *string
	Unit     *string // what volume_t counts for it ("t REO", "t Li")
}

// Facility is an entry of "facilities"; it is LOCATED_IN Country.
type Facility struct {
	NodeMeta
	Kind      string
	Country   string
	Operator  *string
	Status    *string
	Lat, Lon  *float64
	Aggregate *bool
	// Online and Closed bound when the facility takes part in the network (section 5).
	Online, Closed *time.Time
}

// Agreement is an entry of "agreements"; Parties are countries PARTY_TO it.
type Agreement struct {
	NodeMeta
	Kind     string
	Signed   *time.Time
	ValueUSD *float64
	Parties  []string
}

// Supply is an entry of "supplies": a SUPPLIES edge, identified by From, To, Mineral, its form
// and its year (section 5). Form nil: the supplying node's default (DefaultForm); Basis nil:
// estimated.
type Supply struct {
	From, To, Mineral string
	VolumeT           float64
	Form, Basis       *string
	Meta
}

// Output is an entry of "produces" (PRODUCES) or "refines" (REFINES), identified by its node,
// Mineral and year: a facility's output, or (Country set instead of Facility) a country's
// national total (section 5).
type Output struct {
	Refines           bool // a REFINES edge; PRODUCES otherwise
	Facility, Mineral string
	Country           string // the node is this Country when set (Facility is then "")
	VolumeT           float64
	Basis             *string
	Meta
}

// Node is the id of the output's node, a facility or a country.
func (o *Output) Node() string {
	if o.Country != "" {
		return o.Country
	}
	return o.Facility
}

// Restriction is an entry of "restricts": a RESTRICTS edge from Country to Mineral, identified
// by Country, Mineral, Measure and From. Targets empty means every country.
type Restriction struct {
	Country, Mineral, Measure string
	Targets                   []string
	From                      time.Time
	Until                     *time.Time
	Forms                     []string   // the forms it covers; empty: every form
	Suspended                 []Interval // when it is not in force
	Scope, Legal              *string
	Meta
}

// Interval is a span of days, From included, Until excluded.
type Interval struct {
	From, Until time.Time
}

// Contains reports whether d is in the interval.
func (i Interval) Contains(d time.Time) bool { return !d.Before(i.From) && d.Before(i.Until) }

// Financing is an entry of "finances": a FINANCES edge from Agreement to Facility.
type Financing struct {
	Agreement, Facility string
	AmountUSD           *float64
	Instrument          *string
	Date                *time.Time
	Meta
}

// Demand is an entry of "demands" (contract section 7): a DEMANDS edge from Country to
// Mineral, what the country consumes, identified by Country, Mineral and year. Basis nil:
// estimated; "apparent" marks production + imports − exports of that year.
type Demand struct {
	Country, Mineral string
	VolumeT          float64
	Basis            *string
	Meta
}

// Section names the document section an entry belongs to.
func Section(e Entry) string { return e.section() }

func (*Country) section() string     { return "countries" }
func (*Mineral) section() string     { return "minerals" }
func (*Facility) section() string    { return "facilities" }
func (*Agreement) section() string   { return "agreements" }
func (*Supply) section() string      { return "supplies" }
func (*Restriction) section() string { return "restricts" }
func (*Financing) section() string   { return "finances" }
func (*Demand) section() string      { return "demands" }
func (o *Output) section() string {
	if o.Refines {
		return "refines"
	}
	return "produces"
}
