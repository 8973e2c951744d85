// Package document decodes and validates the service's load document (contract section 2)
// into the typed entries of package mineralmap.
//
// A document is one JSON object whose keys are the sections (Sections), each an array of flat
// entries. It is read as a stream of tokens by a jsontext.Decoder, so that a document of a
// million entries never lives in memory: Scan hands the valid entries to a writer one at a
// time, and Validate checks the whole document, including what no single entry shows (unique
// ids, unique relationships, references that resolve), before anything is written.
package document

import (
	"strings"
	"time"

	"github.com/mineralmap/mineralmap"
)

const (
	// maxTextLength bounds a text value, in bytes.
	maxTextLength = 4096
	// maxNumber bounds every number of a document, so that totals of a million of them stay
	// finite (a tonnage or a dollar amount beyond 1e15 is a mistake anyway).
	maxNumber = 1e15
	// maxKeys bounds the key fields of a section.
	maxKeys = 5
)

type fieldType uint8

const (
	tText      fieldType = iota // a string of at most maxTextLength bytes
	tID                         // a string mineralmap.ValidID accepts (a reference when refs is set)
	tIDList                     // a list of ids
	tTextList                   // a list of strings
	tPositive                   // a number > 0
	tNonNeg                     // a number ≥ 0
	tNumber                     // any number
	tYear                       // an integer year, 1800–2200
	tBool                       // true or false
	tDate                       // YYYY-MM-DD
	tEnum                       // one of enum
	tEnumList                   // a list of values of enum
	tIntervals                  // a list of {"from","until"} objects (dates)
)

// value is one decoded field value; which member holds it depends on the field's type.
type value struct {
	s     string    // tText, tID, tEnum, and tDate as written
	n     float64   // numbers
	i     int64     // tYear
	b     bool      // tBool
	t     time.Time // tDate
	list  []string  // tIDList, tTextList, tEnumList
	spans []mineralmap.Interval
}

// field describes one member of a document entry.
type field struct {
	name     string
	typ      fieldType
	required bool
	enum     []string
	refs     []string // labels a reference may point to; nil for plain values
	key      int8     // 1 + its position among the fields that identify the entry; 0: not one
	alt      bool     // an alternative to the key field before it (the same position)
	set      func(e mineralmap.Entry, v *value)
}

// section describes one top-level key of the load document.
type section struct {
	name     string
	label    string // the node label for node sections; "" for relationships
	fields   []field
	nkeys    int
	keyNames string // the key fields, "from, to, mineral"
	new      func() mineralmap.Entry
}

// fieldIndex returns the index of the field called exactly name, or -1.
func (sec *section) fieldIndex(name string) int {
	for i := range sec.fields {
		if sec.fields[i].name == name {
			return i
		}
	}
	return -1
}

// nodeMeta and meta reach the common fields of an entry.
func nodeMeta(e mineralmap.Entry) *mineralmap.NodeMeta {
	switch e := e.(type) {
	case *mineralmap.Country:
		return &e.NodeMeta
	case *mineralmap.Mineral:
		return &e.NodeMeta
	case *mineralmap.Facility:
		return &e.NodeMeta
	case *mineralmap.Agreement:
		return &e.NodeMeta
	}
	panic("document: not a node entry")
}

func meta(e mineralmap.Entry) *mineralmap.Meta {
	switch e := e.(type) {
	case *mineralmap.Supply:
		return &e.Meta
	case *mineralmap.Output:
		return &e.Meta
	case *mineralmap.Restriction:
		return &e.Meta
	case *mineralmap.Financing:
		return &e.Meta
	case *mineralmap.Demand:
		return &e.Meta
	}
	return &nodeMeta(e).Meta
}

func strPtr(v *value) *string     { s := v.s; return &s }
func numPtr(v *value) *float64    { n := v.n; return &n }
func timePtr(v *value) *time.Time { t := v.t; return &t }

var commonMeta = metaYearKey(0)

// metaYearKey is the common fields with year at key position key (0: not a key).
func metaYearKey(key int8) []field {
	return []field{
		{name: "source", typ: tText, set: func(e mineralmap.Entry, v *value) { meta(e).Source = strPtr(v) }},
		{name: "note", typ: tText, set: func(e mineralmap.Entry, v *value) { meta(e).Note = strPtr(v) }},
		{name: "year", typ: tYear, key: key, set: func(e mineralmap.Entry, v *value) { y := v.i; meta(e).Year = &y }},
	}
}

var commonNode = append([]field{
	{name: "id", typ: tID, required: true, key: 1, set: func(e mineralmap.Entry, v *value) { nodeMeta(e).ID = v.s }},
	{name: "name", typ: tText, required: true, set: func(e mineralmap.Entry, v *value) { nodeMeta(e).Name = v.s }},
}, commonMeta...)

func withCommon(common []field, fs ...field) []field {
	return append(append([]field{}, common...), fs...)
}

var (
	facilityOrCountry = []string{mineralmap.LabelFacility, mineralmap.LabelCountry}
	country           = []string{mineralmap.LabelCountry}
	mineral           = []string{mineralmap.LabelMineral}
	facility          = []string{mineralmap.LabelFacility}
	agreement         = []string{mineralmap.LabelAgreement}
)

func output(e mineralmap.Entry) *mineralmap.Output { return e.(*mineralmap.Output) }

// volumeFields are those of produces and refines: a facility's output or (section 5) a
// country's national total, keyed by node, mineral and year.
var volumeFields = append([]field{
	{name: "facility", typ: tID, refs: facility, key: 1,
		set: func(e mineralmap.Entry, v *value) { output(e).Facility = v.s }},
	{name: "country", typ: tID, refs: country, key: 1, alt: true,
		set: func(e mineralmap.Entry, v *value) { output(e).Country = v.s }},
	{name: "mineral", typ: tID, required: true, refs: mineral, key: 2,
		set: func(e mineralmap.Entry, v *value) { output(e).Mineral = v.s }},
	{name: "volume_t", typ: tNonNeg, required: true,
		set: func(e mineralmap.Entry, v *value) { output(e).VolumeT = v.n }},
	{name: "basis", typ: tEnum, enum: mineralmap.OutputBases,
		set: func(e mineralmap.Entry, v *value) { output(e).Basis = strPtr(v) }},
}, metaYearKey(3)...)

// sections lists the document's keys: node sections first, so that a load writes nodes before
// the relationships that need them.
var sections = initSections([]section{
	{name: "countries", label: mineralmap.LabelCountry,
		new: func() mineralmap.Entry { return new(mineralmap.Country) },
		fields: withCommon(commonNode,
			field{name: "groups", typ: tTextList,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Country).Groups = v.list }})},
	{name: "minerals", label: mineralmap.LabelMineral,
		new: func() mineralmap.Entry { return new(mineralmap.Mineral) },
		fields: withCommon(commonNode,
			field{name: "category", typ: tText,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Mineral).Category = strPtr(v) }},
			field{name: "unit", typ: tText,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Mineral).Unit = strPtr(v) }})},
	{name: "facilities", label: mineralmap.LabelFacility,
		new: func() mineralmap.Entry { return new(mineralmap.Facility) },
		fields: withCommon(commonNode,
			field{name: "kind", typ: tEnum, required: true, enum: mineralmap.FacilityKinds,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Kind = v.s }},
			field{name: "country", typ: tID, required: true, refs: country,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Country = v.s }},
			field{name: "operator", typ: tText,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Operator = strPtr(v) }},
			field{name: "status", typ: tEnum, enum: mineralmap.FacilityStatus,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Status = strPtr(v) }},
			field{name: "lat", typ: tNumber,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Lat = numPtr(v) }},
			field{name: "lon", typ: tNumber,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Lon = numPtr(v) }},
			field{name: "aggregate", typ: tBool,
				set: func(e mineralmap.Entry, v *value) { b := v.b; e.(*mineralmap.Facility).Aggregate = &b }},
			field{name: "online", typ: tDate,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Online = timePtr(v) }},
			field{name: "closed", typ: tDate,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Facility).Closed = timePtr(v) }})},
	{name: "agreements", label: mineralmap.LabelAgreement,
		new: func() mineralmap.Entry { return new(mineralmap.Agreement) },
		fields: withCommon(commonNode,
			field{name: "kind", typ: tEnum, required: true, enum: mineralmap.AgreementKinds,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Agreement).Kind = v.s }},
			field{name: "signed", typ: tDate,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Agreement).Signed = timePtr(v) }},
			field{name: "value_usd", typ: tNonNeg,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Agreement).ValueUSD = numPtr(v) }},
			field{name: "parties", typ: tIDList, refs: country,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Agreement).Parties = v.list }})},
	{name: "supplies",
		new: func() mineralmap.Entry { return new(mineralmap.Supply) },
		fields: append([]field{
			{name: "from", typ: tID, required: true, refs: facilityOrCountry, key: 1,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).From = v.s }},
			{name: "to", typ: tID, required: true, refs: facilityOrCountry, key: 2,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).To = v.s }},
			{name: "mineral", typ: tID, required: true, refs: mineral, key: 3,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).Mineral = v.s }},
			{name: "form", typ: tEnum, enum: mineralmap.Forms, key: 4,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).Form = strPtr(v) }},
			{name: "volume_t", typ: tPositive, required: true,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).VolumeT = v.n }},
			{name: "basis", typ: tEnum, enum: mineralmap.Bases,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Supply).Basis = strPtr(v) }},
		}, metaYearKey(5)...)},
	{name: "produces", fields: volumeFields,
		new: func() mineralmap.Entry { return new(mineralmap.Output) }},
	{name: "refines", fields: volumeFields,
		new: func() mineralmap.Entry { return &mineralmap.Output{Refines: true} }},
	{name: "restricts",
		new: func() mineralmap.Entry { return new(mineralmap.Restriction) },
		fields: withCommon(commonMeta,
			field{name: "country", typ: tID, required: true, refs: country, key: 1,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Country = v.s }},
			field{name: "mineral", typ: tID, required: true, refs: mineral, key: 2,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Mineral = v.s }},
			field{name: "measure", typ: tEnum, required: true, enum: mineralmap.Measures, key: 3,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Measure = v.s }},
			field{name: "targets", typ: tIDList, refs: country,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Targets = v.list }},
			field{name: "from", typ: tDate, required: true, key: 4,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).From = v.t }},
			field{name: "until", typ: tDate,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Until = timePtr(v) }},
			field{name: "forms", typ: tEnumList, enum: mineralmap.Forms,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Forms = v.list }},
			field{name: "suspended", typ: tIntervals,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Suspended = v.spans }},
			field{name: "scope", typ: tText,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Scope = strPtr(v) }},
			field{name: "legal", typ: tText,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Restriction).Legal = strPtr(v) }})},
	{name: "finances",
		new: func() mineralmap.Entry { return new(mineralmap.Financing) },
		fields: withCommon(commonMeta,
			field{name: "agreement", typ: tID, required: true, refs: agreement, key: 1,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Financing).Agreement = v.s }},
			field{name: "facility", typ: tID, required: true, refs: facility, key: 2,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Financing).Facility = v.s }},
			field{name: "amount_usd", typ: tNonNeg,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Financing).AmountUSD = numPtr(v) }},
			field{name: "instrument", typ: tEnum, enum: mineralmap.Instruments,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Financing).Instrument = strPtr(v) }},
			field{name: "date", typ: tDate,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Financing).Date = timePtr(v) }})},
	{name: "demands",
		new: func() mineralmap.Entry { return new(mineralmap.Demand) },
		fields: append([]field{
			{name: "country", typ: tID, required: true, refs: country, key: 1,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Demand).Country = v.s }},
			{name: "mineral", typ: tID, required: true, refs: mineral, key: 2,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Demand).Mineral = v.s }},
			{name: "volume_t", typ: tNonNeg, required: true,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Demand).VolumeT = v.n }},
			{name: "basis", typ: tEnum, enum: mineralmap.DemandBases,
				set: func(e mineralmap.Entry, v *value) { e.(*mineralmap.Demand).Basis = strPtr(v) }},
		}, metaYearKey(3)...)},
})

// initSections fills in what the table derives: the key fields of every section.
func initSections(secs []section) []section {
	for i := range secs {
		sec := &secs[i]
		if len(sec.fields) > 32 {
			panic("document: more than 32 fields in " + sec.name) // seen and present are bit sets
		}
		var names []string
		keyed := make([]string, maxKeys+1)
		for _, f := range sec.fields {
			if f.key > 0 {
				if int(f.key) > maxKeys || f.alt != (keyed[f.key] != "") {
					panic("document: bad key numbering in " + sec.name)
				}
				if f.alt {
					keyed[f.key] += " or " + f.name
				} else {
					keyed[f.key] = f.name
				}
			}
		}
		for k := 1; k <= maxKeys && keyed[k] != ""; k++ {
			names = append(names, keyed[k])
		}
		for _, n := range keyed[len(names)+1:] {
			if n != "" {
				panic("document: bad key numbering in " + sec.name)
			}
		}
		sec.nkeys, sec.keyNames = len(names), strings.Join(names, ", ")
	}
	return secs
}

// Sections names the document's keys in load order: node sections first, so that a load
// writes nodes before the relationships that need them.
var Sections = sectionNames(0, len(sections))

// NodeSections are the sections of nodes: countries, minerals, facilities, agreements.
var NodeSections = sectionNames(0, 4)

// RelationshipSections are the sections of relationships: supplies, produces, refines,
// restricts, finances.
var RelationshipSections = sectionNames(4, len(sections))

func sectionNames(from, to int) []string {
	names := make([]string, 0, to-from)
	for _, s := range sections[from:to] {
		names = append(names, s.name)
	}
	return names
}

// sectionIndex returns the index of the section called name, or -1.
func sectionIndex(name string) int {
	for i := range sections {
		if sections[i].name == name {
			return i
		}
	}
	return -1
}

// allowedKeys is the list given with an unknown top-level key.
var allowedKeys = strings.Join(Sections, ", ")

func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
