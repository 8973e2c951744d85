// Package http serves the mineralmap API with Gin. Handlers parse, call, encode; nothing else.
package http

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/document"
)

// Graph is the store as the API uses it: loads, deletes and the node reads. Errors are
// *mineralmap.Error.
type Graph interface {
	Load(ctx context.Context, src document.Source, progress mineralmap.Progress) (mineralmap.LoadResult, error)
	DeleteAll(ctx context.Context) (int64, error)
	Node(ctx context.Context, id string) (mineralmap.NodeView, error)
	List(ctx context.Context, label string, f mineralmap.ListFilter) (mineralmap.Page, error)
	Ping(ctx context.Context) error
	// LookupLabels answers the label of each stored id among ids (absent: not stored).
	LookupLabels(ctx context.Context, ids []string) (map[string]string, error)
}

// Analyses answers the analysis routes (analysis.Analyses).
type Analyses interface {
	Concentration(ctx context.Context, mineral, stage string, year *int64, bases []string) (analysis.ConcentrationAnswer, error)
	AlternativePaths(ctx context.Context, req analysis.PathsRequest) (analysis.PathsAnswer, error)
	Chokepoints(ctx context.Context, req analysis.ChokepointsRequest) (analysis.ChokepointsAnswer, error)
	Exposure(ctx context.Context, req analysis.ExposureRequest) (analysis.ExposureAnswer, error)
	Scenario(ctx context.Context, req analysis.ScenarioRequest, cond mineralmap.Conditions) (analysis.ScenarioAnswer, error)
	Quality(ctx context.Context, mineral string, year *int64) (analysis.QualityAnswer, error)
	Demand(ctx context.Context, mineral string, year *int64, group string) (analysis.DemandAnswer, error)
	Outlook(ctx context.Context, req analysis.OutlookRequest) (analysis.OutlookAnswer, error)
}

// Config is what the HTTP layer needs to know.
type Config struct {
	APIToken  string // bearer token for writes; empty refuses writes
	ReadToken string // bearer token for reads; empty leaves reads open
	BodyLimit int64  // bytes; default 16 MiB
	// MaxConcurrent bounds the reads that run against Neo4j at once (default 4 × GOMAXPROCS);
	// the others wait their turn, up to QueueTimeout (default 30 s), before their time budget
	// starts. On a saturated machine fewer queries at once finish sooner than many.
	MaxConcurrent int
	QueueTimeout  time.Duration
	PublicURL     string // this API as browsers reach it, for the stylesheet and guide links
	PoolSize      int    // the store's connection pool, exported as a metric
	// Warming, when set, says whether the API is still reading the networks after its start
	// (the first background warm): /readyz answers 503 until it is done, so that a load
	// balancer sends no request that would wait for a read.
	Warming func() bool
}

// Server is the API.
type Server struct {
	store    Graph
	analyses Analyses
	cfg      Config
	engine   *gin.Engine
	metrics  *metrics
	slots    chan struct{}
}

const requestIDKey = "request_id"

// New builds the router.
func New(store Graph, analyses Analyses, cfg Config) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 16 << 20
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = 30 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{store: store, analyses: analyses, cfg: cfg, engine: gin.New(), metrics: newMetrics(cfg.PoolSize),
		slots: make(chan struct{}, cfg.MaxConcurrent)}
	e := s.engine
	e.HandleMethodNotAllowed = true
	e.Use(s.requestID, s.accessLog, s.metrics.instrument, gin.CustomRecovery(func(c *gin.Context, rec any) {
		writeError(c, mineralmap.Errorf(mineralmap.KindInternal, "panic: %v", rec))
	}))
	e.NoRoute(func(c *gin.Context) {
		writeError(c, mineralmap.Errorf(mineralmap.KindNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		// Gin has set Allow to the methods the path takes.
		writeError(c, &mineralmap.Error{Kind: mineralmap.KindMethodNotAllowed,
			Message: "method " + c.Request.Method + " is not allowed on " + c.Request.URL.Path + "; it takes " + c.Writer.Header().Get("Allow")})
	})

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler())
	e.GET("/openapi.json", s.openapi)
	e.GET(DashboardPath, s.dashboard)

	v1 := e.Group("/v1")
	reads := v1.Group("", s.requireRead, s.takeTurn)
	writes := v1.Group("", s.requireWrite)
	writes.POST("/graph", s.requireJSONOrCSV, s.loadGraph)
	writes.DELETE("/graph", s.deleteGraph)
	reads.GET("/nodes/:id", s.node)
	reads.GET("/countries", s.list(mineralmap.LabelCountry, "group"))
	reads.GET("/minerals", s.list(mineralmap.LabelMineral, "country", "kind"))
	reads.GET("/facilities", s.list(mineralmap.LabelFacility, "country", "mineral", "kind"))
	reads.GET("/agreements", s.list(mineralmap.LabelAgreement, "country", "mineral", "kind"))
	s.analysisRoutes(reads)
	s.browserRoutes(e)
	return s
}

// Observer is told about the store's transactions, for the metrics (neo4j.Observer).
func (s *Server) Observer() interface {
	TxStarted(operation string)
	TxDone(operation string, d time.Duration, err error)
} {
	return s.metrics
}

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Routes lists method and path of every route, for the spec test.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.engine.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	slog.InfoContext(c.Request.Context(), "request", "request_id", c.GetString(requestIDKey),
		"method", c.Request.Method, "route", c.FullPath(), "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
}

// bearer reports whether the request carries token; the compare takes constant time.
func bearer(c *gin.Context, token string) bool {
	got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

func (s *Server) requireWrite(c *gin.Context) {
	if s.cfg.APIToken == "" || !bearer(c, s.cfg.APIToken) {
		s.drainBody(c) // a refused load's body: the client reads the answer, not a reset
	}
	switch {
	case s.cfg.APIToken == "":
		writeError(c, mineralmap.Errorf(mineralmap.KindForbidden, "writes are disabled: no API token is configured; start the server with MINERALMAP_API_TOKEN set and send it as 'Authorization: Bearer <token>'"))
	case !bearer(c, s.cfg.APIToken):
		c.Header("WWW-Authenticate", `Bearer realm="mineralmap"`)
		writeError(c, mineralmap.Errorf(mineralmap.KindUnauthorized, "writes need 'Authorization: Bearer <MINERALMAP_API_TOKEN>'"))
	}
}

func (s *Server) requireRead(c *gin.Context) {
	if s.cfg.ReadToken == "" {
		return
	}
	if !bearer(c, s.cfg.ReadToken) && (s.cfg.APIToken == "" || !bearer(c, s.cfg.APIToken)) {
		c.Header("WWW-Authenticate", `Bearer realm="mineralmap"`)
		writeError(c, mineralmap.Errorf(mineralmap.KindUnauthorized, "reads need 'Authorization: Bearer <MINERALMAP_READ_TOKEN>'"))
	}
}

// takeTurn admits a read when one of MaxConcurrent slots is free, and answers 503 when none
// frees up within QueueTimeout.
func (s *Server) takeTurn(c *gin.Context) {
	timer := time.NewTimer(s.cfg.QueueTimeout)
	defer timer.Stop()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
		c.Next()
	case <-timer.C:
		writeError(c, mineralmap.Errorf(mineralmap.KindUnavailable, "the server is busy: no turn came within %s", s.cfg.QueueTimeout))
	case <-c.Request.Context().Done():
		c.Abort()
	}
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeError(c, &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: "Neo4j is not reachable", Err: err})
		return
	}
	if s.cfg.Warming != nil && s.cfg.Warming() {
		writeError(c, &mineralmap.Error{Kind: mineralmap.KindUnavailable, Message: "reading the networks after the start (the first background warm); ready in a few seconds"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// requireJSON refuses a body whose Content-Type is not JSON with 415; a body without one is
// taken as JSON (curl --data-binary sends form encoding unless told otherwise, and says so).
func (s *Server) requireJSON(c *gin.Context) {
	ct := c.GetHeader("Content-Type")
	if ct == "" {
		return
	}
	media, _, err := mime.ParseMediaType(ct)
	if err != nil || media != "application/json" {
		c.Header("Accept-Post", "application/json")
		s.drainBody(c)
		writeError(c, &mineralmap.Error{Kind: mineralmap.KindUnsupportedMedia,
			Message: fmt.Sprintf("%s takes application/json, not %q", c.Request.URL.Path, mineralmap.Clip(ct)),
			Details: []mineralmap.Detail{{Path: "Content-Type", Message: "send Content-Type: application/json"}}})
	}
}

// maxDrain bounds the bytes of a refused body read and dropped so that the client, still
// sending, gets the answer instead of a connection reset; beyond it the connection is closed.
const maxDrain = 64 << 20

// drainBody reads what is left of a body the API refuses (up to maxDrain) and asks the client
// to close the connection. A client that waits for 100 Continue is answered at once: it sends
// nothing until told to.
func (s *Server) drainBody(c *gin.Context) {
	c.Header("Connection", "close")
	if strings.EqualFold(c.GetHeader("Expect"), "100-continue") {
		return
	}
	_, _ = io.CopyN(io.Discard, c.Request.Body, maxDrain)
}

// readBody reads at most the body limit; the limit holds on the bytes read, whatever
// Content-Length says. A body over it is refused by its Content-Length before anything is read,
// or when the limit is passed, and then drained (drainBody) so that the client reads the 413.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	tooLarge := func() error {
		s.drainBody(c)
		return mineralmap.Errorf(mineralmap.KindTooLarge, "the body is larger than the limit of %d bytes", s.cfg.BodyLimit)
	}
	if c.Request.ContentLength > s.cfg.BodyLimit {
		return nil, tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, s.cfg.BodyLimit+1))
	if err == nil && int64(len(b)) > s.cfg.BodyLimit {
		return nil, tooLarge()
	}
	if err != nil {
		return nil, &mineralmap.Error{Kind: mineralmap.KindMalformed, Message: "could not read the body", Err: err}
	}
	return b, nil
}

// requireJSONOrCSV is requireJSON for POST /v1/graph, which also takes one section as CSV
// (contract section 8: Content-Type: text/csv; section=NAME).
func (s *Server) requireJSONOrCSV(c *gin.Context) {
	if media, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err == nil && media == "text/csv" {
		return
	}
	if ct := c.GetHeader("Content-Type"); ct != "" {
		if media, _, err := mime.ParseMediaType(ct); err != nil || media != "application/json" {
			c.Header("Accept-Post", "application/json, text/csv")
			s.drainBody(c)
			writeError(c, &mineralmap.Error{Kind: mineralmap.KindUnsupportedMedia,
				Message: fmt.Sprintf("%s takes application/json or text/csv; section=NAME, not %q", c.Request.URL.Path, mineralmap.Clip(ct)),
				Details: []mineralmap.Detail{{Path: "Content-Type", Message: "send Content-Type: application/json, or text/csv; section=supplies (a section of the load document)"}}})
			c.Abort()
		}
	}
}

func (s *Server) loadGraph(c *gin.Context) {
	body, err := s.readBody(c)
	if err != nil {
		writeError(c, err)
		return
	}
	var pos *document.CSVPositions
	if media, params, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err == nil && media == "text/csv" {
		section := params["section"]
		if section == "" {
			writeError(c, &mineralmap.Error{Kind: mineralmap.KindInvalid, Message: "a CSV body names its section: Content-Type: text/csv; section=NAME",
				Details: []mineralmap.Detail{{Path: "Content-Type", Message: "add section=NAME (countries, minerals, facilities, agreements, supplies, produces, refines, restricts, finances, demands)"}}})
			return
		}
		var doc bytes.Buffer
		p, err := document.FromCSV(bytes.NewReader(body), section, &doc)
		if err != nil {
			writeError(c, p.LocateErr(err))
			return
		}
		body, pos = doc.Bytes(), &p
	}
	src := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	res, err := s.store.Load(c.Request.Context(), src, nil)
	if err != nil {
		if pos != nil {
			err = pos.LocateErr(err)
		}
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) deleteGraph(c *gin.Context) {
	n, err := s.store.DeleteAll(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"nodes_deleted": n})
}

func (s *Server) node(c *gin.Context) {
	if err := parseQuery(c).err(); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.store.Node(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) list(label string, filters ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		q := parseQuery(c, append([]string{"limit", "cursor", "format"}, filters...)...)
		format := q.format()
		f := mineralmap.ListFilter{Limit: q.integer("limit", 100, 1, mineralmap.MaxListLimit), Cursor: q.text("cursor"),
			Country: q.id("country", false), Mineral: q.id("mineral", false), Kind: q.text("kind"), Group: q.text("group")}
		if err := q.err(); err != nil {
			writeError(c, err)
			return
		}
		page, err := s.store.List(c.Request.Context(), label, f)
		if err != nil {
			writeError(c, err)
			return
		}
		// A filter naming no stored node can only give an empty page; only then is it asked.
		if len(page.Items) == 0 {
			if err := s.filtersExist(c, f); err != nil {
				writeError(c, err)
				return
			}
		}
		answerAs(c, format, page, nil)
	}
}

// filtersExist answers 404 for a list filter that names no stored node of its kind: an unknown
// query-parameter value is not_found, not an empty list (contract section 3).
func (s *Server) filtersExist(c *gin.Context, f mineralmap.ListFilter) error {
	type filter struct{ param, id, label string }
	var filters []filter
	var ids []string
	for _, x := range []filter{{"country", f.Country, mineralmap.LabelCountry}, {"mineral", f.Mineral, mineralmap.LabelMineral}} {
		if x.id != "" {
			filters, ids = append(filters, x), append(ids, x.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	labels, err := s.store.LookupLabels(c.Request.Context(), ids)
	if err != nil {
		return err
	}
	var details []mineralmap.Detail
	for _, x := range filters {
		if labels[x.id] != x.label {
			details = append(details, mineralmap.Detail{Path: x.param, Message: fmt.Sprintf("no %s has the id %q", strings.ToLower(x.label), x.id)})
		}
	}
	if len(details) > 0 {
		return &mineralmap.Error{Kind: mineralmap.KindNotFound, Message: details[0].Message, Details: details}
	}
	return nil
}
