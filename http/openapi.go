package http

import (
	_ "embed"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// openapiJSON is the OpenAPI 3.1 description of every route and answer; the spec test checks
// it against the router and validates every response the HTTP tests see.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the API's OpenAPI 3.1 document (served at GET /openapi.json).
func OpenAPI() []byte { return slices.Clone(openapiJSON) }

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiJSON)
}
