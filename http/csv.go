package http

import (
	"encoding/csv"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/quality"
)

// CSV out (contract section 8): every list and analysis answers CSV on `Accept: text/csv` or
// `format=csv`, one row per item (per share, path, chokepoint, year, …) with a header line. The
// answer's context (mineral, consumer, year, …) repeats on every row, so that each row stands
// alone in a spreadsheet. Numbers are written exactly (the shortest decimal that reads back as
// the same float64), null as an empty cell, lists joined by ";". encoding/csv does the quoting.

// csvContentType is the media type of a CSV answer.
const csvContentType = "text/csv; charset=utf-8"

// format reads the format parameter: json (the default), csv, and, where the answer has a chart,
// svg or png; absent, an Accept header asking for text/csv (and not JSON) means csv.
func (q *query) format(charts ...bool) string {
	f, ok := q.single("format")
	switch {
	case !ok:
		accept := q.c.GetHeader("Accept")
		if strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json") {
			return "csv"
		}
		return "json"
	case f == "json" || f == "csv":
		return f
	case (f == "svg" || f == "png") && len(charts) > 0 && charts[0]:
		return f
	case f == "svg" || f == "png":
		q.add("format", "this answer has no chart: json or csv")
		return "json"
	}
	q.add("format", "must be json, csv, svg or png, got %q", mineralmap.Clip(f))
	return "json"
}

// answerAs writes an answer in format (json, csv, svg, png), or its error (always JSON).
func answerAs[T any](c *gin.Context, format string, v T, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	switch format {
	case "svg", "png":
		writeChart(c, format, v)
		return
	case "csv":
	default:
		c.JSON(http.StatusOK, v)
		return
	}
	header, rows := csvRows(v)
	c.Header("Content-Type", csvContentType)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	_ = w.WriteAll(rows) // WriteAll flushes; a client gone away is not ours to report
}

// cell writes one value as a CSV cell.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case *int64:
		if x == nil {
			return ""
		}
		return strconv.FormatInt(*x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []string:
		return strings.Join(x, ";")
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = cell(p)
		}
		return strings.Join(parts, ";")
	}
	return fmt.Sprint(v)
}

func cells(vs ...any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cell(v)
	}
	return out
}

// csvRows is an answer's header and rows.
func csvRows(v any) ([]string, [][]string) {
	var rows [][]string
	switch a := v.(type) {
	case mineralmap.Page:
		// The columns: id, then every property of the page's items, sorted.
		keys := map[string]bool{}
		for _, it := range a.Items {
			for k := range it {
				keys[k] = true
			}
		}
		delete(keys, "id")
		header := append([]string{"id"}, slices.Sorted(maps.Keys(keys))...)
		for _, it := range a.Items {
			row := make([]string, len(header))
			for i, k := range header {
				row[i] = cell(it[k])
			}
			rows = append(rows, row)
		}
		return header, rows
	case analysis.ConcentrationAnswer:
		for _, s := range a.Shares {
			rows = append(rows, cells(a.Mineral, a.Stage, a.Year, a.Unit, s.Country, s.VolumeT, s.Share, s.National, s.Bases, a.TotalT, a.HHI))
		}
		return []string{"mineral", "stage", "year", "unit", "country", "volume_t", "share", "national", "bases", "total_t", "hhi"}, rows
	case analysis.PathsAnswer:
		for i, p := range a.Paths {
			var nodes, vols, fin, restricted []string
			for _, n := range p.Nodes {
				nodes = append(nodes, n.ID)
			}
			for _, e := range p.Edges {
				vols = append(vols, cell(e.VolumeT))
			}
			for _, f := range p.FinancedBy {
				fin = append(fin, f.Agreement+">"+f.Facility)
			}
			for _, h := range p.RestrictedHops {
				restricted = append(restricted, h.From+">"+h.To+":"+h.Measure)
			}
			rows = append(rows, cells(a.Mineral, a.To, a.Year, i+1, p.Hops, nodes, vols, p.BottleneckT, fin, restricted))
		}
		return []string{"mineral", "to", "year", "path", "hops", "nodes", "volumes_t", "bottleneck_t", "financed_by", "restricted_hops"}, rows
	case analysis.ChokepointsAnswer:
		for i, ch := range a.Chokepoints {
			rows = append(rows, cells(a.Mineral, a.Consumer, a.Year, a.SupplyT, a.DemandT, a.Coverage.Coverage, i+1, ch.ID, ch.Type, ch.Name, ch.Country, ch.SupplyAtRisk, ch.SinglePointOfFailure))
		}
		return []string{"mineral", "consumer", "year", "supply_t", "demand_t", "coverage", "rank", "id", "type", "name", "country", "supply_at_risk", "single_point_of_failure"}, rows
	case analysis.ExposureAnswer:
		header := []string{"consumer", "supplier", "mineral", "year", "supply_t", "supply_at_risk", "demand_t", "coverage"}
		if a.Mineral != nil {
			var demand, coverage *float64
			if a.Coverage != nil {
				demand, coverage = a.Coverage.DemandT, a.Coverage.Coverage
			}
			return header, [][]string{cells(a.Consumer, a.Supplier, *a.Mineral, a.Year, *a.SupplyT, *a.SupplyAtRisk, demand, coverage)}
		}
		for _, m := range a.Minerals {
			rows = append(rows, cells(a.Consumer, a.Supplier, m.Mineral, m.Year, m.SupplyT, m.SupplyAtRisk, m.DemandT, m.Coverage.Coverage))
		}
		return header, rows
	case analysis.ScenarioAnswer:
		for _, r := range a.Results {
			rows = append(rows, cells(a.Mineral, a.Year, r.Consumer, r.BeforeT, r.AfterT, r.LostShare, r.DemandT, r.Coverage.Coverage))
		}
		return []string{"mineral", "year", "consumer", "before_t", "after_t", "lost_share", "demand_t", "coverage"}, rows
	case analysis.DemandAnswer:
		for _, c := range a.Countries {
			rows = append(rows, cells(a.Mineral, a.Year, a.Unit, c.Country, c.VolumeT, c.Share, c.Basis, c.Year, c.Source))
		}
		return []string{"mineral", "year", "unit", "country", "volume_t", "share", "basis", "record_year", "source"}, rows
	case analysis.OutlookAnswer:
		for _, y := range a.Years {
			var online, fin []string
			for _, o := range y.Online {
				online = append(online, o.Facility)
			}
			for _, f := range y.FinancedBy {
				fin = append(fin, f.Agreement+">"+f.Facility)
			}
			rows = append(rows, cells(a.Mineral, a.Consumer, a.Avoid, a.DelayYears, y.Year, y.SupplyT, y.SupplyAvoidingT, y.DemandT, y.Coverage.Coverage, y.CoveredSupplyT, online, fin))
		}
		return []string{"mineral", "consumer", "avoid", "delay_years", "year", "supply_t", "supply_avoiding_t", "demand_t", "coverage", "covered_supply_t", "online", "financed_by"}, rows
	case []quality.Report:
		for _, r := range a {
			rows = append(rows, qualityRows(r)...)
		}
		return qualityHeader, rows
	case quality.Report:
		return qualityHeader, qualityRows(a)
	}
	panic(fmt.Sprintf("csvRows: no CSV for %T", v))
}

var qualityHeader = []string{"mineral", "year", "severity", "kind", "ids", "message"}

// qualityRows are a report's findings, a row each.
func qualityRows(r quality.Report) [][]string {
	var rows [][]string
	for _, f := range r.Findings {
		rows = append(rows, cells(r.Mineral, r.Year, f.Severity, f.Kind, f.IDs, f.Message))
	}
	return rows
}
