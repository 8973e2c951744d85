package http

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
)

// statusOf is the one table from error kinds to HTTP status and contract code.
var statusOf = map[mineralmap.Kind]struct {
	status int
	code   string
}{
	mineralmap.KindMalformed:    {http.StatusBadRequest, "invalid"},
	mineralmap.KindInvalid:      {http.StatusUnprocessableEntity, "invalid"},
	mineralmap.KindUnauthorized: {http.StatusUnauthorized, "unauthorized"},
	mineralmap.KindForbidden:    {http.StatusForbidden, "forbidden"},
	mineralmap.KindNotFound:     {http.StatusNotFound, "not_found"},
	mineralmap.KindTooLarge:     {http.StatusRequestEntityTooLarge, "too_large"},
	mineralmap.KindUnavailable:  {http.StatusServiceUnavailable, "unavailable"},
	mineralmap.KindTimeout:      {http.StatusServiceUnavailable, "timeout"},
	mineralmap.KindInternal:     {http.StatusInternalServerError, "internal"},

	mineralmap.KindMethodNotAllowed: {http.StatusMethodNotAllowed, "method_not_allowed"},
	mineralmap.KindUnsupportedMedia: {http.StatusUnsupportedMediaType, "unsupported_media_type"},
}

// ErrorBody is the contract's error shape.
type ErrorBody struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Details []mineralmap.Detail `json:"details"`
	} `json:"error"`
}

// writeError answers err in the contract's shape; internal causes are logged, not shown.
func writeError(c *gin.Context, err error) {
	kind := mineralmap.KindOf(err)
	s := statusOf[kind]
	var body ErrorBody
	body.Error.Code = s.code
	body.Error.Details = []mineralmap.Detail{}
	var e *mineralmap.Error
	if errors.As(err, &e) {
		body.Error.Message = e.Message
		if e.Details != nil {
			body.Error.Details = e.Details
		}
	}
	if kind == mineralmap.KindInternal {
		slog.ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", c.GetString(requestIDKey))
		body.Error.Message = "internal error; the request id is " + c.GetString(requestIDKey)
	} else if kind == mineralmap.KindUnavailable || kind == mineralmap.KindTimeout {
		slog.WarnContext(c.Request.Context(), "neo4j trouble", "err", err, "request_id", c.GetString(requestIDKey))
		c.Header("Retry-After", "5")
	}
	if body.Error.Message == "" {
		body.Error.Message = err.Error()
	}
	c.AbortWithStatusJSON(s.status, body)
}
