// Package mineralmap holds the domain of the service: the typed entries of the load document,
// the conditions every analysis takes, the views of stored nodes, and the one error type. It
// depends on nothing but the standard library; every other package depends on it.
//
//	document/  decodes and validates load documents into these entries
//	neo4j/     the only package that talks to Neo4j (store, loads, reads, the Cypher)
//	supply/    the M-network, max-flow, chokepoints and path search, in plain Go
//	analysis/  the analyses of the contract over a store interface it owns
//	http/      the Gin API over interfaces; mock/ stands in for the store in its fast tests
package mineralmap

import (
	"context"
	"strings"
	"time"
)

// Labels and relationship types. They come only from this code, never from input.
const (
	LabelCountry   = "Country"
	LabelMineral   = "Mineral"
	LabelFacility  = "Facility"
	LabelAgreement = "Agreement"

	RelSupplies  = "SUPPLIES"
	RelRefines   = "REFINES"
	RelProduces  = "PRODUCES"
	RelRestricts = "RESTRICTS"
	RelFinances  = "FINANCES"
	RelDemands   = "DEMANDS"
	RelLocatedIn = "LOCATED_IN"
	RelPartyTo   = "PARTY_TO"
)

// DateLayout is how dates are written in documents, parameters and answers.
const DateLayout = "2006-01-02"

// OtherCountries is the user-assigned country code of "other countries": the part of a world
// total that a source does not assign to countries (contract section 5).
const OtherCountries = "XX"

// The forms and bases of section 5.
const (
	FormOre          = "ore"
	FormIntermediate = "intermediate"
	FormRefined      = "refined"
	FormProduct      = "product"

	BasisReported   = "reported"
	BasisTrade      = "trade"
	BasisEstimated  = "estimated"
	BasisPlanned    = "planned"
	BasisStatistics = "statistics"
	BasisApparent   = "apparent"
)

// DefaultForm is the form of a SUPPLIES edge whose record gives none, from its supplying node:
// a Country's (kind "") is refined, a mine's ore, a magnet maker's product, any other
// facility's refined.
func DefaultForm(kind string) string {
	switch kind {
	case "mine":
		return FormOre
	case "magnet":
		return FormProduct
	}
	return FormRefined
}

// MaxIDLength bounds a node id.
const MaxIDLength = 128

// NodeLabels are the labels this service manages, in load order.
var NodeLabels = []string{LabelCountry, LabelMineral, LabelFacility, LabelAgreement}

// Enumerations of the contract.
var (
	FacilityKinds  = []string{"mine", "refinery", "smelter", "processing", "magnet", "recycling"}
	FacilityStatus = []string{"operating", "construction", "planned", "closed"}
	AgreementKinds = []string{"framework", "partnership", "financing", "offtake", "export-credit"}
	Measures       = []string{"ban", "licence", "quota", "tax"}
	Instruments    = []string{"loan", "equity", "grant", "guarantee", "offtake", "price-floor"}
	// Forms of a SUPPLIES edge (contract section 5), in processing order.
	Forms = []string{FormOre, FormIntermediate, FormRefined, FormProduct}
	// Bases of a SUPPLIES edge; OutputBases adds "statistics" for PRODUCES and REFINES.
	Bases       = []string{BasisReported, BasisTrade, BasisEstimated, BasisPlanned}
	OutputBases = []string{BasisReported, BasisTrade, BasisEstimated, BasisPlanned, BasisStatistics}
	// DemandBases are those of a DEMANDS edge (section 7): apparent is production + imports −
	// exports of its year.
	DemandBases = []string{BasisReported, BasisStatistics, BasisEstimated, BasisApparent}
)

// GroupPrefix marks a group where a country is taken (contract section 7): group:NAME stands
// for every country whose groups name NAME.
const GroupPrefix = "group:"

// GroupName is the name of a group reference ("group:G7" → "G7", true); false for anything else.
func GroupName(s string) (string, bool) {
	name, ok := strings.CutPrefix(s, GroupPrefix)
	return name, ok && ValidID(name)
}

// ValidRef reports whether s is a valid id or a group reference (group:NAME, NAME a valid id).
func ValidRef(s string) bool {
	_, ok := GroupName(s)
	return ok || ValidID(s)
}

// ValidID reports whether s is a well-formed node id: 1 to 128 of A–Z a–z 0–9 . _ -, the first
// a letter or digit (the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, checked by hand because
// the regular expression took a fifth of the time to read a large document).
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength {
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

// Today is the current date in UTC, the default as_of.
func Today() time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

type operationKey struct{}

// WithOperation names the work done under ctx (an HTTP route, "load"), for the metrics of the
// store's transactions.
func WithOperation(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, operationKey{}, name)
}

// OperationOf is the name WithOperation gave ctx ("" when none).
func OperationOf(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}
