package http

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap/graph"
)

// statusOf is the one table from error kinds to HTTP status and contract code.
var statusOf = map[graph.Kind]struct {
	status int
	code   string
}{
	graph.KindMalformed:    {http.StatusBadRequest, "invalid"},
	graph.KindInvalid:      {http.StatusUnprocessableEntity, "invalid"},
	graph.KindUnauthorized: {http.StatusUnauthorized, "unauthorized"},
	graph.KindForbidden:    {http.StatusForbidden, "forbidden"},
	graph.KindNotFound:     {http.StatusNotFound, "not_found"},
	graph.KindTooLarge:     {http.StatusRequestEntityTooLarge, "too_large"},
	graph.KindUnavailable:  {http.StatusServiceUnavailable, "unavailable"},
	graph.KindTimeout:      {http.StatusServiceUnavailable, "timeout"},
	graph.KindInternal:     {http.StatusInternalServerError, "internal"},
}

// ErrorBody is the contract's error shape.
type ErrorBody struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details []graph.Detail `json:"details"`
	} `json:"error"`
}

// writeError answers err in the contract's shape; internal causes are logged, not shown.
func writeError(c *gin.Context, err error) {
	kind := graph.KindOf(err)
	s := statusOf[kind]
	var body ErrorBody
	body.Error.Code = s.code
	body.Error.Details = []graph.Detail{}
	var e *graph.Error
	if errors.As(err, &e) {
		body.Error.Message = e.Message
		if e.Details != nil {
			body.Error.Details = e.Details
		}
	}
	if kind == graph.KindInternal {
		slog.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", c.GetString(requestIDKey))
		body.Error.Message = "internal error; the request id is " + c.GetString(requestIDKey)
	} else if kind == graph.KindUnavailable || kind == graph.KindTimeout {
		slog.WarnContext(c.Request.Context(), "neo4j trouble", "err", err, "request_id", c.GetString(requestIDKey))
		c.Header("Retry-After", "5")
	}
	if body.Error.Message == "" {
		body.Error.Message = err.Error()
	}
	c.AbortWithStatusJSON(s.status, body)
}

func invalidParam(name, format string, args ...any) error {
	e := graph.Errorf(graph.KindInvalid, "invalid query parameter %q", name)
	e.Details = []graph.Detail{{Path: name, Message: graph.Errorf(graph.KindInvalid, format, args...).Message}}
	return e
}
