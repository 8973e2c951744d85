package http

import "github.com/gin-gonic/gin"

// analysisRoutes registers the analysis endpoints (contract sections 3–4).
func (s *Server) analysisRoutes(reads, writes *gin.RouterGroup) {}
