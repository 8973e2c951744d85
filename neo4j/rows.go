package neo4j

import (
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/mineralmap/mineralmap"
)

// Document entries become Cypher parameters here: the fields that identify an entry at the top
// level of its row, every other field the document gives under "props" (fields it leaves out
// are not set, so a load keeps what they hold), dates as Neo4j dates.

// props collects the properties an entry gives.
type props map[string]any

func (p props) text(k string, v *string) {
	if v != nil {
		p[k] = *v
	}
}

func (p props) number(k string, v *float64) {
	if v != nil {
		p[k] = *v
	}
}

func (p props) date(k string, v *time.Time) {
	if v != nil {
		p[k] = dbtype.Date(*v)
	}
}

func (p props) list(k string, v []string) {
	if v != nil {
		p[k] = v
	}
}

func (p props) meta(m mineralmap.Meta) props {
	p.text("source", m.Source)
	p.text("note", m.Note)
	if m.Year != nil {
		p["year"] = *m.Year
	}
	return p
}

func nodeProps(n mineralmap.NodeMeta) props {
	p := props{"name": n.Name}
	return p.meta(n.Meta)
}

// nodeRow is the row of a node entry and its label.
func nodeRow(e mineralmap.Entry) (string, map[string]any) {
	switch x := e.(type) {
	case *mineralmap.Country:
		p := nodeProps(x.NodeMeta)
		p.list("groups", x.Groups)
		return mineralmap.LabelCountry, map[string]any{"id": x.ID, "props": map[string]any(p)}
	case *mineralmap.Mineral:
		p := nodeProps(x.NodeMeta)
		p.text("category", x.Category)
		p.text("unit", x.Unit)
		return mineralmap.LabelMineral, map[string]any{"id": x.ID, "props": map[string]any(p)}
	case *mineralmap.Facility:
		p := nodeProps(x.NodeMeta)
		p["kind"], p["country"] = x.Kind, x.Country
		p.text("operator", x.Operator)
		p.text("status", x.Status)
		p.number("lat", x.Lat)
		p.number("lon", x.Lon)
		if x.Aggregate != nil {
			p["aggregate"] = *x.Aggregate
		}
		p.date("online", x.Online)
		p.date("closed", x.Closed)
		return mineralmap.LabelFacility, map[string]any{"id": x.ID, "props": map[string]any(p)}
	case *mineralmap.Agreement:
		p := nodeProps(x.NodeMeta)
		p["kind"] = x.Kind
		p.date("signed", x.Signed)
		p.number("value_usd", x.ValueUSD)
		p.list("parties", x.Parties)
		return mineralmap.LabelAgreement, map[string]any{"id": x.ID, "props": map[string]any(p)}
	}
	panic("nodeRow: not a node entry")
}

// relationshipRow is the row of a relationship entry and its section.
func relationshipRow(e mineralmap.Entry) (string, map[string]any) {
	switch x := e.(type) {
	case *mineralmap.Supply:
		// year and form identify the edge (section 5): at the top of the row, not in props. A
		// record without a basis keeps what is stored; none stored reads as estimated.
		p := props{"volume_t": x.VolumeT}.meta(x.Meta)
		p.text("basis", x.Basis)
		delete(p, "year")
		return "supplies", map[string]any{"from": x.From, "to": x.To, "mineral": x.Mineral,
			"form": optional(x.Form), "year": optionalYear(x.Year), "props": map[string]any(p)}
	case *mineralmap.Output:
		p := props{"volume_t": x.VolumeT}.meta(x.Meta)
		p.text("basis", x.Basis)
		delete(p, "year")
		section := mineralmap.Section(x)
		if x.Country != "" {
			return section + ":country", map[string]any{"country": x.Country, "mineral": x.Mineral, "year": optionalYear(x.Year), "props": map[string]any(p)}
		}
		return section, map[string]any{"facility": x.Facility, "mineral": x.Mineral, "year": optionalYear(x.Year), "props": map[string]any(p)}
	case *mineralmap.Demand:
		p := props{"volume_t": x.VolumeT}.meta(x.Meta)
		p.text("basis", x.Basis)
		delete(p, "year")
		return "demands", map[string]any{"country": x.Country, "mineral": x.Mineral, "year": optionalYear(x.Year), "props": map[string]any(p)}
	case *mineralmap.Restriction:
		targets := x.Targets
		if targets == nil {
			targets = []string{}
		}
		p := props{"targets": targets}.meta(x.Meta)
		p.date("until", x.Until)
		p.list("forms", x.Forms)
		p.text("scope", x.Scope)
		p.text("legal", x.Legal)
		if x.Suspended != nil {
			// Neo4j has no list of maps as a property: the intervals are two parallel date
			// lists, suspended_from[i] to suspended_until[i].
			from, until := make([]dbtype.Date, len(x.Suspended)), make([]dbtype.Date, len(x.Suspended))
			for i, iv := range x.Suspended {
				from[i], until[i] = dbtype.Date(iv.From), dbtype.Date(iv.Until)
			}
			p["suspended_from"], p["suspended_until"] = from, until
		}
		return "restricts", map[string]any{"country": x.Country, "mineral": x.Mineral, "measure": x.Measure,
			"from": dbtype.Date(x.From), "props": map[string]any(p)}
	case *mineralmap.Financing:
		p := props{}.meta(x.Meta)
		p.number("amount_usd", x.AmountUSD)
		p.text("instrument", x.Instrument)
		p.date("date", x.Date)
		return "finances", map[string]any{"agreement": x.Agreement, "facility": x.Facility, "props": map[string]any(p)}
	}
	panic("relationshipRow: not a relationship entry")
}

// optional is a row value that may be absent (nil: Cypher null).
func optional(v *string) any {
	if v == nil {
		return nil
	}
	return *v
}

func optionalYear(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}
