package http

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mineralmap/mineralmap"
)

// metrics are the Prometheus series the API exports at /metrics.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	txLatency  *prometheus.HistogramVec
	txInFlight prometheus.Gauge
	poolMax    prometheus.Gauge
}

func newMetrics(poolMax int) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mineralmap_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mineralmap_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		txLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mineralmap_neo4j_transaction_duration_seconds", Help: "Neo4j transaction latency by operation (HTTP route or load) and outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60, 600},
		}, []string{"operation", "outcome"}),
		txInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mineralmap_neo4j_transactions_in_flight", Help: "Neo4j transactions running now; each holds one pooled connection.",
		}),
		poolMax: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mineralmap_neo4j_pool_max_connections", Help: "The driver's connection pool size.",
		}),
	}
	m.poolMax.Set(float64(poolMax))
	m.registry.MustRegister(m.requests, m.latency, m.txLatency, m.txInFlight, m.poolMax,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// instrument records every request by route (the route pattern, so ids do not explode the
// series) and names the route as the operation of the Neo4j work it causes.
func (m *metrics) instrument(c *gin.Context) {
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	c.Request = c.Request.WithContext(mineralmap.WithOperation(c.Request.Context(), route))
	start := time.Now()
	c.Next()
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
}

func (m *metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// TxStarted and TxDone make metrics a neo4j.Observer.
func (m *metrics) TxStarted(string) { m.txInFlight.Inc() }

func (m *metrics) TxDone(op string, d time.Duration, err error) {
	m.txInFlight.Dec()
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	if op == "" {
		op = "other"
	}
	m.txLatency.WithLabelValues(op, outcome).Observe(d.Seconds())
}
