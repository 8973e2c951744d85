package http

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/mineralmap/mineralmap"
)

// Neo4j Browser assets: the GraSS stylesheet (applied by `:style <url>`, which the local Neo4j runs
// on connect through browser.post_connect_cmd) and the guide (opened by `:play <url>`).
//
//go:embed browser/style.grass browser/guide.html
var browserAssets embed.FS

var (
	styleGrass, _ = browserAssets.ReadFile("browser/style.grass")
	guideTemplate = template.Must(template.ParseFS(browserAssets, "browser/guide.html"))
)

// Paths of the Browser assets.
const (
	StylePath = "/browser/style.grass"
	GuidePath = "/browser/guide"
)

func (s *Server) browserRoutes(e *gin.Engine) {
	e.GET(StylePath, s.browserStyle)
	e.GET(GuidePath, s.browserGuide)
	e.OPTIONS(StylePath, corsPreflight)
	e.OPTIONS(GuidePath, corsPreflight)
}

// Browser is served from Neo4j's origin (http://host:7474) and fetches these with fetch(), so they
// need CORS; `:play` sends Pragma and Cache-Control, which makes the fetch preflighted.
func allowBrowser(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Cache-Control", "no-cache")
}

func corsPreflight(c *gin.Context) {
	allowBrowser(c)
	c.Header("Access-Control-Allow-Methods", "GET, OPTIONS")
	c.Header("Access-Control-Allow-Headers", "Cache-Control, Pragma, Content-Type, X-Ajax-Browser-Auth, X-Stream")
	c.Header("Access-Control-Max-Age", "600")
	c.Status(http.StatusNoContent)
}

func (s *Server) browserStyle(c *gin.Context) {
	allowBrowser(c)
	c.Data(http.StatusOK, "text/plain; charset=utf-8", styleGrass)
}

func (s *Server) browserGuide(c *gin.Context) {
	var b bytes.Buffer
	if err := guideTemplate.ExecuteTemplate(&b, "guide.html", struct{ API string }{s.publicURL(c)}); err != nil {
		writeError(c, &mineralmap.Error{Kind: mineralmap.KindInternal, Message: "render the guide", Err: err})
		return
	}
	allowBrowser(c)
	c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
}

// publicURL is the API as the analyst's browser reaches it: the configured public URL, else the
// host the request came to.
func (s *Server) publicURL(c *gin.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}
