package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/backend/buildinfo"
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
	bi := buildinfo.Get()
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sluice_build_info", Help: "The running binary (always 1).",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Revision, "go_version": bi.GoVersion},
	}, func() float64 { return 1 }))
	if svc.Store != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(svc.Store.DB, "writer"), &stateCollector{svc: svc})
		if svc.Store.ReadDB != svc.Store.DB {
			m.reg.MustRegister(collectors.NewDBStatsCollector(svc.Store.ReadDB, "reader"))
		}
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
	ordersDesc  = prometheus.NewDesc("sluice_orders", "Orders by status.", []string{"status"}, nil)
	tasksDesc   = prometheus.NewDesc("sluice_tasks_open", "Open review tasks by node.", []string{"node"}, nil)
	taskAgeDesc = prometheus.NewDesc("sluice_tasks_open_oldest_age_seconds", "Age of the oldest open task of each node (how long the queue has waited).", []string{"node"}, nil)
	schemaDesc  = prometheus.NewDesc("sluice_schema_version", "The database's schema version.", nil, nil)
	backupDesc  = prometheus.NewDesc("sluice_last_backup_timestamp_seconds", "When the newest recorded backup was taken (absent when none is).", nil, nil)
	scrapeDesc  = prometheus.NewDesc("sluice_state_scrape_errors", "Queries of this scrape that failed (their metrics are missing).", nil, nil)
)

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ordersDesc, tasksDesc, taskAgeDesc, schemaDesc, backupDesc, scrapeDesc} {
		ch <- d
	}
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	failed := 0
	defer func() { ch <- prometheus.MustNewConstMetric(scrapeDesc, prometheus.GaugeValue, float64(failed)) }()
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := s.svc.Store.Read.Order.Query().GroupBy(order.FieldStatus).Aggregate(entCount()).Scan(ctx, &byStatus); err == nil {
		for _, r := range byStatus {
			ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(r.Count), r.Status)
		}
	} else {
		failed++
	}
	var byNode []struct {
		NodeID string `json:"node_id"`
		Count  int    `json:"count"`
	}
	if err := s.svc.Store.Read.Task.Query().Where(task.Status("open")).GroupBy(task.FieldNodeID).Aggregate(entCount()).Scan(ctx, &byNode); err == nil {
		for _, r := range byNode {
			ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(r.Count), r.NodeID)
		}
	} else {
		failed++
	}
	// The oldest open task per node: one indexed read per node with open tasks.
	now := time.Now()
	for _, r := range byNode {
		t, err := s.svc.Store.Read.Task.Query().Where(task.Status("open"), task.NodeID(r.NodeID)).
			Order(task.ByCreatedAt()).Select(task.FieldCreatedAt).First(ctx)
		if err != nil {
			failed++
			continue
		}
		ch <- prometheus.MustNewConstMetric(taskAgeDesc, prometheus.GaugeValue, now.Sub(t.CreatedAt).Seconds(), r.NodeID)
	}
	if v, err := s.svc.Store.SchemaVersion(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(schemaDesc, prometheus.GaugeValue, float64(v))
	} else {
		failed++
	}
	if b, err := s.svc.Store.LastBackup(ctx); err != nil {
		failed++
	} else if b != nil {
		ch <- prometheus.MustNewConstMetric(backupDesc, prometheus.GaugeValue, float64(b.At.UnixNano())/1e9)
	}
}

func entCount() ent.AggregateFunc { return ent.Count() }
