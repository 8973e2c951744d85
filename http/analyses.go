package http

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
)

// analysisRoutes registers the analysis endpoints (contract sections 3–4).
func (s *Server) analysisRoutes(reads *gin.RouterGroup) {
	reads.GET("/minerals/:id/concentration", s.concentration)
	reads.GET("/paths", s.paths)
	reads.GET("/chokepoints", s.chokepoints)
	reads.GET("/exposure", s.exposure)
	// A scenario only reads, so it is open like the other analyses.
	reads.POST("/scenarios", s.requireJSON, s.scenario)
	reads.GET("/quality", s.quality)
	reads.GET("/minerals/:id/demand", s.demand)
	reads.GET("/outlook", s.outlook)
}

// demand is GET /v1/minerals/{id}/demand (contract section 7).
func (s *Server) demand(c *gin.Context) {
	q := parseQuery(c, "year", "group", "format")
	format := q.format()
	year := q.year("year")
	group := q.text("group")
	if g, ok := mineralmap.GroupName(group); ok { // group=group:G7 means group=G7
		group = g
	}
	if group != "" && !mineralmap.ValidID(group) {
		q.add("group", "is not a valid group name: %q", mineralmap.Clip(group))
	}
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	id, ok := mineralParam(c)
	if !ok {
		return
	}
	ans, err := s.analyses.Demand(c.Request.Context(), id, year, group)
	answerAs(c, format, ans, err)
}

// outlook is GET /v1/outlook (contract section 7).
func (s *Server) outlook(c *gin.Context) {
	q := parseQuery(c, "mineral", "consumer", "avoid", "from", "to", "delay_years", "target", "restrictions", "basis", "forms", "format")
	format := q.format(true)
	cond := q.conditions()
	req := analysis.OutlookRequest{
		Mineral:    q.id("mineral", true),
		Consumer:   q.ref("consumer", true),
		Avoid:      q.refList("avoid"),
		From:       q.integer("from", 0, 1900, 2200),
		To:         q.integer("to", 0, 1900, 2200),
		Delay:      q.integer("delay_years", 0, 0, analysis.MaxDelayYears),
		Target:     q.number("target", 1, 0, 100),
		Conditions: mineralmap.Conditions{Restrictions: cond.Restrictions, Bases: cond.Bases, Forms: cond.Forms},
	}
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	ans, err := s.analyses.Outlook(c.Request.Context(), req)
	answerAs(c, format, ans, err)
}

// quality is GET /v1/quality (contract section 6): one report with mineral, a list without.
func (s *Server) quality(c *gin.Context) {
	q := parseQuery(c, "mineral", "year", "format")
	mineral := q.id("mineral", false)
	year := q.year("year")
	format := q.format()
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	ans, err := s.analyses.Quality(c.Request.Context(), mineral, year)
	if err != nil {
		writeError(c, err)
		return
	}
	if mineral != "" {
		answerAs(c, format, ans.Reports[0], nil)
		return
	}
	answerAs(c, format, ans.Reports, nil)
}

func (s *Server) concentration(c *gin.Context) {
	q := parseQuery(c, "stage", "year", "basis", "format")
	format := q.format(true)
	stage := q.enum("stage", "mining", analysis.Stages...)
	year := q.year("year")
	bases := q.enumList("basis", mineralmap.OutputBases)
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	id, ok := mineralParam(c)
	if !ok {
		return
	}
	ans, err := s.analyses.Concentration(c.Request.Context(), id, stage, year, bases)
	answerAs(c, format, ans, err)
}

func (s *Server) paths(c *gin.Context) {
	q := parseQuery(c, append([]string{"mineral", "to", "from", "avoid", "k", "max_hops", "format"}, networkParams...)...)
	format := q.format()
	req := analysis.PathsRequest{
		Mineral:    q.id("mineral", true),
		To:         q.id("to", true),
		From:       q.id("from", false),
		Avoid:      q.refList("avoid"),
		K:          q.integer("k", analysis.DefaultK, 1, analysis.MaxK),
		MaxHops:    q.integer("max_hops", analysis.DefaultHops, 1, analysis.MaxHops),
		Conditions: q.conditions(),
	}
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	ans, err := s.analyses.AlternativePaths(c.Request.Context(), req)
	answerAs(c, format, ans, err)
}

func (s *Server) chokepoints(c *gin.Context) {
	q := parseQuery(c, append([]string{"mineral", "consumer", "limit", "format"}, networkParams...)...)
	format := q.format(true)
	req := analysis.ChokepointsRequest{
		Mineral:    q.id("mineral", true),
		Consumer:   q.ref("consumer", true),
		Limit:      q.integer("limit", analysis.DefaultLimit, 1, analysis.MaxLimit),
		Conditions: q.conditions(),
	}
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	ans, err := s.analyses.Chokepoints(c.Request.Context(), req)
	answerAs(c, format, ans, err)
}

func (s *Server) exposure(c *gin.Context) {
	q := parseQuery(c, append([]string{"consumer", "supplier", "mineral", "format"}, networkParams...)...)
	format := q.format(true)
	req := analysis.ExposureRequest{
		Consumer:   q.ref("consumer", true),
		Supplier:   q.ref("supplier", true),
		Mineral:    q.id("mineral", false),
		Conditions: q.conditions(),
	}
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	ans, err := s.analyses.Exposure(c.Request.Context(), req)
	answerAs(c, format, ans, err)
}

func (s *Server) scenario(c *gin.Context) {
	// as_of goes in the body (section 3); the rest of the network parameters in the query.
	q := parseQuery(c, "restrictions", "year", "basis", "forms", "format")
	cond := q.conditions()
	format := q.format()
	if err := q.err(); err != nil {
		writeError(c, err)
		return
	}
	body, err := s.readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	req, err := decodeScenario(body)
	if err != nil {
		writeError(c, err)
		return
	}
	if req.AsOf != "" {
		cond.AsOf, _ = time.Parse(mineralmap.DateLayout, req.AsOf)
	}
	// The body's year, basis and forms, when given, stand over the query's.
	if req.Year != nil {
		cond.Year = req.Year
	}
	if req.Bases != nil {
		cond.Bases = req.Bases
	}
	if req.Forms != nil {
		cond.Forms = req.Forms
	}
	ans, err := s.analyses.Scenario(c.Request.Context(), req, cond)
	answerAs(c, format, ans, err)
}

// scenarioBody is a scenario as a body may hold it: the members a scenario does not have
// (names match exactly, so {"MINERAL": …} is one) are caught by json/v2's embedded fallback (`,embed`) so that
// every one of them is listed, not only the first.
type scenarioBody struct {
	Mineral      string            `json:"mineral"`
	Consumers    []string          `json:"consumers"`
	Remove       removeBody        `json:"remove"`
	Restrictions []restrictionBody `json:"restrictions"`
	AsOf         string            `json:"as_of"`
	Year         *int64            `json:"year"`
	Basis        []string          `json:"basis"`
	Forms        []string          `json:"forms"`
	Unknown      jsontext.Value    `json:",embed"`
}

type removeBody struct {
	Countries  []string       `json:"countries"`
	Facilities []string       `json:"facilities"`
	Unknown    jsontext.Value `json:",embed"`
}

type restrictionBody struct {
	Country string         `json:"country"`
	Targets []string       `json:"targets"`
	Measure string         `json:"measure"`
	Unknown jsontext.Value `json:",embed"`
}

// decodeScenario reads a scenario strictly, with encoding/json/v2's rules, and lists every
// problem at its JSON Pointer: a member given twice, members the scenario does not have, a value
// of the wrong type, then the values that break a rule. Bad JSON is malformed.
func decodeScenario(body []byte) (analysis.ScenarioRequest, error) {
	var p problems
	// A name given twice: a syntax pass finds the first (the decode below takes the last value);
	// any other syntax error is the decode's to report.
	var syn *jsontext.SyntacticError
	if _, err := jsontext.NewDecoder(bytes.NewReader(body)).ReadValue(); errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &syn) {
		p.add(pointerOf(syn.JSONPointer), "given more than once")
	}
	var in scenarioBody
	if err := json.Unmarshal(body, &in, jsontext.AllowDuplicateNames(true)); err != nil {
		var sem *json.SemanticError
		if !errors.As(err, &sem) {
			return analysis.ScenarioRequest{}, bodyError(err, "scenario")
		}
		p.add(pointerOf(sem.JSONPointer), "must be %s", describe(sem.GoType))
		return analysis.ScenarioRequest{}, p.err("invalid scenario")
	}
	p.unknown("", in.Unknown)
	p.unknown("/remove", in.Remove.Unknown)
	req := analysis.ScenarioRequest{Mineral: in.Mineral, Consumers: in.Consumers, AsOf: in.AsOf, Year: in.Year, Bases: in.Basis, Forms: in.Forms,
		Remove: analysis.ScenarioRemove{Countries: in.Remove.Countries, Facilities: in.Remove.Facilities}}
	for i, r := range in.Restrictions {
		p.unknown("/restrictions/"+strconv.Itoa(i), r.Unknown)
		req.Restrictions = append(req.Restrictions, analysis.ScenarioRestriction{Country: r.Country, Targets: r.Targets, Measure: r.Measure})
	}
	if req.Mineral == "" {
		p.add("/mineral", "is required")
	} else if !mineralmap.ValidID(req.Mineral) {
		p.add("/mineral", "is not a valid id")
	}
	p.refs("/consumers", req.Consumers, 1000)
	p.refs("/remove/countries", req.Remove.Countries, 1000)
	p.ids("/remove/facilities", req.Remove.Facilities, 1000)
	if len(req.Restrictions) > 100 {
		p.add("/restrictions", "at most 100 entries")
	}
	for i, r := range req.Restrictions {
		at := "/restrictions/" + strconv.Itoa(i)
		if !mineralmap.ValidRef(r.Country) {
			p.add(at+"/country", "is required and must be a country id or group:NAME")
		}
		p.refs(at+"/targets", r.Targets, 1000)
		if r.Measure != "" && !slices.Contains(mineralmap.Measures, r.Measure) {
			p.add(at+"/measure", "must be one of %s", strings.Join(mineralmap.Measures, ", "))
		}
	}
	if req.AsOf != "" {
		if _, err := time.Parse(mineralmap.DateLayout, req.AsOf); err != nil {
			p.add("/as_of", "must be a date as YYYY-MM-DD")
		}
	}
	if req.Year != nil && (*req.Year < 1800 || *req.Year > 2200) {
		p.add("/year", "must be a year between 1800 and 2200")
	}
	for i, b := range req.Bases {
		if !slices.Contains(mineralmap.Bases, b) {
			p.add("/basis/"+strconv.Itoa(i), "must be one of %s", strings.Join(mineralmap.Bases, ", "))
		}
	}
	for i, f := range req.Forms {
		if !slices.Contains(mineralmap.Forms, f) {
			p.add("/forms/"+strconv.Itoa(i), "must be one of %s", strings.Join(mineralmap.Forms, ", "))
		}
	}
	return req, p.err("invalid scenario")
}

// unknown lists the members of an object that json/v2 caught as unknown (an object of them, or
// nothing), each at its pointer under at.
func (p *problems) unknown(at string, members jsontext.Value) {
	if len(members) == 0 {
		return
	}
	var m map[string]jsontext.Value
	if err := json.Unmarshal(members, &m, jsontext.AllowDuplicateNames(true)); err != nil {
		p.add(at+"/", "unknown fields")
		return
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p.add(at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(name), "unknown field %q", name)
	}
}

func pointerOf(ptr jsontext.Pointer) string {
	if ptr == "" {
		return "/"
	}
	return string(ptr)
}

// bodyError turns a JSON decoding error of a request body into the contract's errors: bad JSON
// is malformed (400); an unknown or repeated member, or a value of the wrong type, is invalid
// (422) at its JSON Pointer.
func bodyError(err error, what string) error {
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	at := pointerOf
	var p problems
	switch {
	case errors.As(err, &sem) && errors.Is(err, json.ErrUnknownName):
		name := sem.JSONPointer.LastToken()
		p.add(at(sem.JSONPointer), "unknown field %q", name)
	case errors.As(err, &sem):
		p.add(at(sem.JSONPointer), "must be %s", describe(sem.GoType))
	case errors.As(err, &syn) && errors.Is(err, jsontext.ErrDuplicateName):
		p.add(at(syn.JSONPointer), "given more than once")
	default:
		return &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: " + err.Error()}
	}
	return p.err("invalid " + what)
}

// describe names the JSON a Go type takes, for error messages.
func describe(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

// mineralParam is the {id} of a /v1/minerals/{id}/… route; a malformed one is not_found (no
// mineral can have it), answered here.
func mineralParam(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if !mineralmap.ValidID(id) {
		writeError(c, mineralmap.Errorf(mineralmap.KindNotFound, "no mineral has the id %q", mineralmap.Clip(id)))
		return "", false
	}
	return id, true
}
