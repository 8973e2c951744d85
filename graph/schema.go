package graph

import "regexp"

// Labels and relationship types. They come only from this code, never from input.
const (
	LabelCountry   = "Country"
	LabelMineral   = "Mineral"
	LabelFacility  = "Facility"
	LabelAgreement = "Agreement"

	RelSupplies   = "SUPPLIES"
	RelRefines    = "REFINES"
	RelProduces   = "PRODUCES"
	RelRestricts  = "RESTRICTS"
	RelFinances   = "FINANCES"
	RelLocatedIn  = "LOCATED_IN"
	RelPartyTo    = "PARTY_TO"
	dateLayout    = "2006-01-02"
	maxIDLength   = 128
	maxTextLength = 4096
)

// NodeLabels are the labels this service manages, in load order.
var NodeLabels = []string{LabelCountry, LabelMineral, LabelFacility, LabelAgreement}

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// ValidID reports whether s is a well-formed node id: 1 to 128 of A–Z a–z 0–9 . _ -, the first
// a letter or digit (the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, checked without a regular
// expression, which took a fifth of the time to read a large document).
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > maxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// Enumerations of the contract.
var (
	FacilityKinds  = []string{"mine", "refinery", "smelter", "processing", "magnet", "recycling"}
	FacilityStatus = []string{"operating", "construction", "planned", "closed"}
	AgreementKinds = []string{"framework", "partnership", "financing", "offtake", "export-credit"}
	Measures       = []string{"ban", "licence", "quota", "tax"}
	Instruments    = []string{"loan", "equity", "grant", "guarantee", "offtake", "price-floor"}
)

type fieldType int

const (
	tText     fieldType = iota // a string
	tID                        // a string ValidID accepts (a reference when ref is set)
	tIDList                    // a list of ids
	tTextList                  // a list of strings
	tPositive                  // a number > 0
	tNonNeg                    // a number ≥ 0
	tNumber                    // any finite number
	tYear                      // an integer year
	tBool                      // true or false
	tDate                      // YYYY-MM-DD
	tEnum                      // one of enum
)

// field describes one key of a document entry.
type field struct {
	name     string
	typ      fieldType
	required bool
	enum     []string
	refs     []string // labels a reference may point to; empty for plain values
	key      bool     // part of the entry's identity (not copied into props)
}

// section describes one top-level key of the load document.
type section struct {
	name   string
	label  string // the node label for node sections; "" for relationships
	rel    string // the relationship type for relationship sections
	fields []field
}

var commonNode = []field{
	{name: "id", typ: tID, required: true, key: true},
	{name: "name", typ: tText, required: true},
	{name: "source", typ: tText},
	{name: "note", typ: tText},
	{name: "year", typ: tYear},
}

var commonRel = []field{
	{name: "source", typ: tText},
	{name: "note", typ: tText},
	{name: "year", typ: tYear},
}

func withCommon(common []field, fs ...field) []field {
	return append(append([]field{}, common...), fs...)
}

var volumeRel = withCommon(commonRel,
	field{name: "facility", typ: tID, required: true, refs: []string{LabelFacility}, key: true},
	field{name: "mineral", typ: tID, required: true, refs: []string{LabelMineral}, key: true},
	field{name: "volume_t", typ: tNonNeg, required: true},
)

// sections lists the document's keys: node sections first, so that a load writes nodes before
// the relationships that need them.
var sections = []section{
	{name: "countries", label: LabelCountry, fields: withCommon(commonNode,
		field{name: "groups", typ: tTextList})},
	{name: "minerals", label: LabelMineral, fields: withCommon(commonNode,
		field{name: "category", typ: tText})},
	{name: "facilities", label: LabelFacility, fields: withCommon(commonNode,
		field{name: "kind", typ: tEnum, required: true, enum: FacilityKinds},
		field{name: "country", typ: tID, required: true, refs: []string{LabelCountry}},
		field{name: "operator", typ: tText},
		field{name: "status", typ: tEnum, enum: FacilityStatus},
		field{name: "lat", typ: tNumber},
		field{name: "lon", typ: tNumber},
		field{name: "aggregate", typ: tBool})},
	{name: "agreements", label: LabelAgreement, fields: withCommon(commonNode,
		field{name: "kind", typ: tEnum, required: true, enum: AgreementKinds},
		field{name: "signed", typ: tDate},
		field{name: "value_usd", typ: tNonNeg},
		field{name: "parties", typ: tIDList, refs: []string{LabelCountry}})},
	{name: "supplies", rel: RelSupplies, fields: withCommon(commonRel,
		field{name: "from", typ: tID, required: true, refs: []string{LabelFacility, LabelCountry}, key: true},
		field{name: "to", typ: tID, required: true, refs: []string{LabelFacility, LabelCountry}, key: true},
		field{name: "mineral", typ: tID, required: true, refs: []string{LabelMineral}, key: true},
		field{name: "volume_t", typ: tPositive, required: true})},
	{name: "produces", rel: RelProduces, fields: volumeRel},
	{name: "refines", rel: RelRefines, fields: volumeRel},
	{name: "restricts", rel: RelRestricts, fields: withCommon(commonRel,
		field{name: "country", typ: tID, required: true, refs: []string{LabelCountry}, key: true},
		field{name: "mineral", typ: tID, required: true, refs: []string{LabelMineral}, key: true},
		field{name: "measure", typ: tEnum, required: true, enum: Measures, key: true},
		field{name: "targets", typ: tIDList, refs: []string{LabelCountry}},
		field{name: "from", typ: tDate, required: true, key: true},
		field{name: "until", typ: tDate})},
	{name: "finances", rel: RelFinances, fields: withCommon(commonRel,
		field{name: "agreement", typ: tID, required: true, refs: []string{LabelAgreement}, key: true},
		field{name: "facility", typ: tID, required: true, refs: []string{LabelFacility}, key: true},
		field{name: "amount_usd", typ: tNonNeg},
		field{name: "instrument", typ: tEnum, enum: Instruments},
		field{name: "date", typ: tDate})},
}

func sectionByName(name string) (*section, bool) {
	for i := range sections {
		if sections[i].name == name {
			return &sections[i], true
		}
	}
	return nil, false
}
