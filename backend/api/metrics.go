package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/service"
)

// metrics holds the Prometheus registry of one server (not the global one, so tests
// can build several servers).
type metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
}

func newMetrics(svc *service.Service) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sluice_http_request_duration_seconds",
		Help:    "HTTP request latency by route, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method", "status"})
	m.reg.MustRegister(m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if svc.Store != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(svc.Store.DB, "writer"), &stateCollector{svc: svc})
	}
	return m
}

func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.latency.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
}

func (m *metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// stateCollector reads order and task counts from the database at scrape time.
type stateCollector struct{ svc *service.Service }

var (
	ordersDesc = prometheus.NewDesc("sluice_orders", "Orders by status.", []string{"status"}, nil)
	tasksDesc  = prometheus.NewDesc("sluice_tasks_open", "Open review tasks by node.", []string{"node"}, nil)
)

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ordersDesc; ch <- tasksDesc }

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := s.svc.Store.Read.Order.Query().GroupBy(order.FieldStatus).Aggregate(entCount()).Scan(ctx, &byStatus); err == nil {
		for _, r := range byStatus {
			ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(r.Count), r.Status)
		}
	}
	var byNode []struct {
		NodeID string `json:"node_id"`
		Count  int    `json:"count"`
	}
	if err := s.svc.Store.Read.Task.Query().Where(task.Status("open")).GroupBy(task.FieldNodeID).Aggregate(entCount()).Scan(ctx, &byNode); err == nil {
		for _, r := range byNode {
			ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(r.Count), r.NodeID)
		}
	}
}

func entCount() ent.AggregateFunc { return ent.Count() }
