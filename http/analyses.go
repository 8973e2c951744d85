package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
)

// analysisRoutes registers the analysis endpoints (contract sections 3–4).
func (s *Server) analysisRoutes(reads, _ *gin.RouterGroup) {
	reads.GET("/minerals/:id/concentration", s.concentration)
	reads.GET("/paths", s.paths)
	reads.GET("/chokepoints", s.chokepoints)
	reads.GET("/exposure", s.exposure)
	// A scenario only reads, so it is open like the other analyses.
	reads.POST("/scenarios", s.scenario)
}

// answer encodes an analysis answer or its error.
func answer[T any](c *gin.Context, v T, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// conditions parses restrictions and as_of.
func conditions(c *gin.Context) (mineralmap.Conditions, error) {
	mode, err := enumParam(c, "restrictions", string(mineralmap.RestrictBans), mineralmap.RestrictionModes...)
	if err != nil {
		return mineralmap.Conditions{}, err
	}
	asOf, err := dateParam(c, "as_of")
	if err != nil {
		return mineralmap.Conditions{}, err
	}
	cond := mineralmap.Conditions{Restrictions: mineralmap.RestrictionMode(mode)}
	if asOf != nil {
		cond.AsOf = *asOf
	}
	return cond, nil
}

func (s *Server) concentration(c *gin.Context) {
	if err := checkParams(c, "stage", "year"); err != nil {
		writeError(c, err)
		return
	}
	stage, err := enumParam(c, "stage", "mining", analysis.Stages...)
	if err != nil {
		writeError(c, err)
		return
	}
	var year *int64
	if _, ok := c.GetQuery("year"); ok {
		y, err := intParam(c, "year", 0, 1800, 2200)
		if err != nil {
			writeError(c, err)
			return
		}
		y64 := int64(y)
		year = &y64
	}
	id := c.Param("id")
	if !mineralmap.ValidID(id) {
		writeError(c, mineralmap.Errorf(mineralmap.KindNotFound, "no mineral has the id %q", clip(id)))
		return
	}
	ans, err := s.analyses.Concentration(c.Request.Context(), id, stage, year)
	answer(c, ans, err)
}

func (s *Server) paths(c *gin.Context) {
	var req analysis.PathsRequest
	err := errors.Join(
		checkParams(c, "mineral", "to", "from", "avoid", "k", "max_hops", "restrictions", "as_of"),
		bind(&req.Mineral, func() (string, error) { return idParam(c, "mineral", true) }),
		bind(&req.To, func() (string, error) { return idParam(c, "to", true) }),
		bind(&req.From, func() (string, error) { return idParam(c, "from", false) }),
		bind(&req.Avoid, func() ([]string, error) { return idListParam(c, "avoid") }),
		bind(&req.K, func() (int, error) { return intParam(c, "k", analysis.DefaultK, 1, analysis.MaxK) }),
		bind(&req.MaxHops, func() (int, error) { return intParam(c, "max_hops", analysis.DefaultHops, 1, analysis.MaxHops) }),
		bind(&req.Conditions, func() (mineralmap.Conditions, error) { return conditions(c) }),
	)
	if err != nil {
		writeError(c, mergeInvalid(err))
		return
	}
	ans, err := s.analyses.AlternativePaths(c.Request.Context(), req)
	answer(c, ans, err)
}

func (s *Server) chokepoints(c *gin.Context) {
	var req analysis.ChokepointsRequest
	err := errors.Join(
		checkParams(c, "mineral", "consumer", "limit", "restrictions", "as_of"),
		bind(&req.Mineral, func() (string, error) { return idParam(c, "mineral", true) }),
		bind(&req.Consumer, func() (string, error) { return idParam(c, "consumer", true) }),
		bind(&req.Limit, func() (int, error) { return intParam(c, "limit", analysis.DefaultLimit, 1, analysis.MaxLimit) }),
		bind(&req.Conditions, func() (mineralmap.Conditions, error) { return conditions(c) }),
	)
	if err != nil {
		writeError(c, mergeInvalid(err))
		return
	}
	ans, err := s.analyses.Chokepoints(c.Request.Context(), req)
	answer(c, ans, err)
}

func (s *Server) exposure(c *gin.Context) {
	var req analysis.ExposureRequest
	err := errors.Join(
		checkParams(c, "consumer", "supplier", "mineral", "restrictions", "as_of"),
		bind(&req.Consumer, func() (string, error) { return idParam(c, "consumer", true) }),
		bind(&req.Supplier, func() (string, error) { return idParam(c, "supplier", true) }),
		bind(&req.Mineral, func() (string, error) { return idParam(c, "mineral", false) }),
		bind(&req.Conditions, func() (mineralmap.Conditions, error) { return conditions(c) }),
	)
	if err != nil {
		writeError(c, mergeInvalid(err))
		return
	}
	ans, err := s.analyses.Exposure(c.Request.Context(), req)
	answer(c, ans, err)
}

func (s *Server) scenario(c *gin.Context) {
	var cond mineralmap.Conditions
	err := errors.Join(checkParams(c, "restrictions"),
		bind(&cond, func() (mineralmap.Conditions, error) { return conditions(c) }))
	if err != nil {
		writeError(c, mergeInvalid(err))
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
		t, _ := time.Parse("2006-01-02", req.AsOf)
		cond.AsOf = t
	}
	ans, err := s.analyses.Scenario(c.Request.Context(), req, cond)
	answer(c, ans, err)
}

// decodeScenario reads a scenario strictly: unknown fields, wrong types and bad values are
// refused with their JSON Pointers.
func decodeScenario(body []byte) (analysis.ScenarioRequest, error) {
	var req analysis.ScenarioRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			p := "/" + strings.ReplaceAll(typeErr.Field, ".", "/")
			return req, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "invalid scenario",
				Details: []mineralmap.Detail{{Path: p, Message: "must be a " + typeErr.Type.String()}}}
		}
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return req, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "invalid scenario",
				Details: []mineralmap.Detail{{Path: "/", Message: err.Error()}}}
		}
		return req, &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: data after the scenario object"}
	}
	var details []mineralmap.Detail
	bad := func(path, format string, args ...any) {
		details = append(details, mineralmap.Detail{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if err := checkKeys(json.NewDecoder(bytes.NewReader(body)), scenarioFields, "", bad); err != nil {
		return req, &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "malformed JSON: " + err.Error()}
	}
	if req.Mineral == "" {
		bad("/mineral", "is required")
	} else if !mineralmap.ValidID(req.Mineral) {
		bad("/mineral", "is not a valid id")
	}
	ids := func(path string, list []string, max int) {
		if len(list) > max {
			bad(path, "at most %d entries", max)
		}
		for i, id := range list {
			if !mineralmap.ValidID(id) {
				bad(path+"/"+strconv.Itoa(i), "is not a valid id")
			}
		}
	}
	ids("/consumers", req.Consumers, 1000)
	ids("/remove/countries", req.Remove.Countries, 1000)
	ids("/remove/facilities", req.Remove.Facilities, 1000)
	if len(req.Restrictions) > 100 {
		bad("/restrictions", "at most 100 entries")
	}
	for i, r := range req.Restrictions {
		p := "/restrictions/" + strconv.Itoa(i)
		if !mineralmap.ValidID(r.Country) {
			bad(p+"/country", "is required and must be a country id")
		}
		ids(p+"/targets", r.Targets, 1000)
		if r.Measure != "" && !slices.Contains(mineralmap.Measures, r.Measure) {
			bad(p+"/measure", "must be one of %s", strings.Join(mineralmap.Measures, ", "))
		}
	}
	if req.AsOf != "" {
		if _, err := time.Parse("2006-01-02", req.AsOf); err != nil {
			bad("/as_of", "must be a date as YYYY-MM-DD")
		}
	}
	if len(details) > 0 {
		return req, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "invalid scenario", Details: details}
	}
	return req, nil
}

// fields names the keys of a JSON object and, for each, the keys of the objects inside it.
type fields map[string]fields

// scenarioFields are the keys of a scenario, exactly.
var scenarioFields = fields{
	"mineral": nil, "consumers": nil, "as_of": nil,
	"remove":       {"countries": nil, "facilities": nil},
	"restrictions": {"country": nil, "targets": nil, "measure": nil},
}

// checkKeys walks the JSON value dec is at and reports every object key that want does not name
// exactly, and every key given twice: encoding/json matches keys regardless of case and keeps the
// last of duplicates, so {"MINERAL": …} or a second "mineral" would pass unnoticed. An array's
// elements are checked against the array's want; below a nil want only duplicates are checked.
func checkKeys(dec *json.Decoder, want fields, ptr string, bad func(path, format string, args ...any)) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := checkKeys(dec, want, ptr+"/"+strconv.Itoa(i), bad); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			p := ptr + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
			sub, known := want[key]
			switch {
			case want != nil && !known:
				bad(p, "unknown field %q", key)
			case seen[key]:
				bad(p, "given more than once")
			}
			seen[key] = true
			if err := checkKeys(dec, sub, p, bad); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing ] or }
	return err
}

// bind stores the parsed value in dst and passes the error on.
func bind[T any](dst *T, parse func() (T, error)) error {
	v, err := parse()
	if err == nil {
		*dst = v
	}
	return err
}

// mergeInvalid turns several parameter errors into one, listing every detail.
func mergeInvalid(err error) error {
	var details []mineralmap.Detail
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var ge *mineralmap.Error
		if errors.As(e, &ge) {
			details = append(details, ge.Details...)
		}
	}
	walk(err)
	return &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "invalid query parameters", Details: details}
}
