package http

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
)

// Charts as answers (contract section 8, issue 15): concentration (bars by country), chokepoints
// (bars of supply at risk), exposure by mineral and the outlook (supply, supply avoiding, demand
// by year) answer format=svg or format=png, drawn with gonum/plot: titled, axes labelled with
// units, the sources named under the plot, 720 × 405 points (16:9, a briefing slide's width).

// maxBars bounds the bars of a chart (the rest is in the JSON and CSV answers).
const maxBars = 15

// chartSize is a chart's width and height.
var chartSize = [2]vg.Length{720, 405}

// chartSource is the caption under every chart.
const chartSource = "Source: mineralmap's records (USGS, IEA, companies, CEPII BACI, World Mining Data); see browser_url"

// writeChart draws v as an SVG or PNG.
func writeChart(c *gin.Context, format string, v any) {
	p, err := chartOf(v)
	if err != nil {
		writeError(c, err)
		return
	}
	w, err := p.WriterTo(chartSize[0], chartSize[1], format)
	if err != nil {
		writeError(c, mineralmap.Errorf(mineralmap.KindInternal, "draw the chart: %v", err))
		return
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		writeError(c, mineralmap.Errorf(mineralmap.KindInternal, "draw the chart: %v", err))
		return
	}
	ctype := "image/svg+xml"
	if format == "png" {
		ctype = "image/png"
	}
	c.Data(http.StatusOK, ctype, b.Bytes())
}

// chartOf is an answer's chart.
func chartOf(v any) (*plot.Plot, error) {
	switch a := v.(type) {
	case analysis.ConcentrationAnswer:
		var names []string
		var vals plotter.Values
		for _, s := range a.Shares[:min(maxBars, len(a.Shares))] {
			names, vals = append(names, s.Country), append(vals, 100*s.Share)
		}
		return bars(fmt.Sprintf("%s, %s %s: share of the total of %s %s by country", title(a.Mineral), a.Stage, yearText(a.Year), tonnes(a.TotalT), a.Unit),
			"% of the total ("+a.Unit+")", "country (largest first; top 1 "+pct(a.Top1)+", top 3 "+pct(a.Top3)+", HHI "+strconv.FormatFloat(a.HHI, 'f', 0, 64)+")", names, vals)
	case analysis.ChokepointsAnswer:
		var names []string
		var vals plotter.Values
		for _, ch := range a.Chokepoints[:min(maxBars, len(a.Chokepoints))] {
			names, vals = append(names, ch.ID), append(vals, 100*ch.SupplyAtRisk)
		}
		return bars(fmt.Sprintf("%s: chokepoints of %s's supply (%s t/yr, %s)", title(a.Mineral), a.Consumer, tonnes(a.SupplyT), yearText(a.Year)),
			"% of the supply at risk without it", "facility or country (a single point of failure at 100%)", names, vals)
	case analysis.ExposureAnswer:
		if a.Mineral != nil {
			return nil, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "the exposure chart draws every mineral: leave mineral out",
				Details: []mineralmap.Detail{{Path: "format", Message: "a chart of one mineral's exposure is one bar; ask without mineral"}}}
		}
		var names []string
		var vals plotter.Values
		for _, m := range a.Minerals {
			names, vals = append(names, m.Mineral), append(vals, 100*m.SupplyAtRisk)
		}
		return bars(fmt.Sprintf("%s's exposure to %s, by mineral (%s)", a.Consumer, a.Supplier, yearText(a.Year)),
			"% of the supply at risk without "+a.Supplier, "mineral", names, vals)
	case analysis.OutlookAnswer:
		p := plot.New()
		avoid := strings.Join(a.Avoid, ", ")
		if avoid == "" {
			avoid = "nothing"
		}
		p.Title.Text = fmt.Sprintf("%s to %s: supply, supply avoiding %s, and demand, %d–%d", title(a.Mineral), a.Consumer, avoid, a.From, a.To)
		if a.DelayYears > 0 {
			p.Title.Text += fmt.Sprintf(" (pending projects %d years late)", a.DelayYears)
		}
		p.Y.Label.Text = a.Unit + " per year"
		p.X.Label.Text = "year\n" + chartSource
		var supply, avoiding, covered, demand plotter.XYs
		for _, y := range a.Years {
			x := float64(y.Year)
			supply = append(supply, plotter.XY{X: x, Y: y.SupplyT})
			avoiding = append(avoiding, plotter.XY{X: x, Y: y.SupplyAvoidingT})
			if y.CoveredSupplyT != nil { // a group with members of unknown demand
				covered = append(covered, plotter.XY{X: x, Y: *y.CoveredSupplyT})
			}
			if y.DemandT != nil {
				demand = append(demand, plotter.XY{X: x, Y: *y.DemandT})
			}
		}
		lines := []any{"supply", supply, "supply avoiding " + avoid, avoiding}
		if len(covered) > 0 {
			lines = append(lines, "the same, to the members with a demand record", covered, "their demand", demand)
		} else if len(demand) > 0 {
			lines = append(lines, "demand", demand)
		}
		if err := plotutil.AddLinePoints(p, lines...); err != nil {
			return nil, err
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Y.Min = 0
		p.X.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			var ticks []plot.Tick
			for y := int(lo); y <= int(hi); y++ {
				ticks = append(ticks, plot.Tick{Value: float64(y), Label: strconv.Itoa(y)})
			}
			return ticks
		})
		return p, nil
	}
	return nil, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "this answer has no chart: format=svg and png draw concentration, chokepoints, exposure by mineral and the outlook",
		Details: []mineralmap.Detail{{Path: "format", Message: "must be json or csv here"}}}
}

// bars is a bar chart of vals named by names.
func bars(titleText, yLabel, xLabel string, names []string, vals plotter.Values) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = titleText
	p.Y.Label.Text = yLabel
	p.X.Label.Text = xLabel + "\n" + chartSource
	p.Y.Min, p.Y.Max = 0, 100
	if len(vals) == 0 {
		p.Title.Text += " — nothing to draw"
		return p, nil
	}
	b, err := plotter.NewBarChart(vals, vg.Points(min(36, 560/float64(len(vals)))))
	if err != nil {
		return nil, err
	}
	b.Color = plotutil.Color(0)
	p.Add(b)
	p.NominalX(names...)
	if len(names) > 6 { // long ids side by side overlap: slant them
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = text.XRight, text.YCenter
	}
	return p, nil
}

func title(mineral string) string {
	if mineral == "" {
		return ""
	}
	return strings.ToUpper(mineral[:1]) + strings.ReplaceAll(mineral[1:], "-", " ")
}

func yearText(y *int64) string {
	if y == nil {
		return "no year"
	}
	return strconv.FormatInt(*y, 10)
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// tonnes writes a volume with thousands separators.
func tonnes(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
