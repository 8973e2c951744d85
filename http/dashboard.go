package http

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The dashboard (contract section 8): one HTML page with its script, no build step. It asks the
// API for everything it shows — the charts are the answers' format=svg, the tables their JSON,
// the links their browser_url — so it shows what an analyst would get by hand (an example chart: docs/outlook-rare-earths-ministerial-2026.svg). With
// MINERALMAP_READ_TOKEN set, reads need the token and the page's requests are refused.
//
//go:embed dashboard/index.html
var dashboardHTML []byte

// DashboardPath is where the dashboard is served.
const DashboardPath = "/"

func (s *Server) dashboard(c *gin.Context) {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", dashboardHTML)
}
