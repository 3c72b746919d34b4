package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sluice/backend/app"
	"sluice/backend/buildinfo"
	"sluice/backend/live"
	"sluice/backend/outbox"
	"sluice/backend/service"
)

// metrics holds the Prometheus registry of one server (not the global one, so tests
// can build several servers).
type metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
}

func newMetrics(svc *app.Service) *metrics {
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
		st := svc.Store
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_write_commits_total", Help: "Commits of the SQLite writer (group commit; 0 on PostgreSQL)."},
				func() float64 { c, _ := st.GroupStats(); return float64(c) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_write_transactions_total", Help: "Write transactions those commits held."},
				func() float64 { _, t := st.GroupStats(); return float64(t) }))
		if svc.Store.ReadDB != svc.Store.DB {
			m.reg.MustRegister(collectors.NewDBStatsCollector(svc.Store.ReadDB, "reader"))
		}
	}
	return m
}

// outbox exposes the outbox: backlog and dead messages (from the database) and the
// worker's deliveries and latencies (om, this process's worker; nil when none runs).
func (m *metrics) outbox(svc *app.Service, om *outbox.Metrics) {
	if om == nil {
		if svc.Store == nil {
			return
		}
		om = outbox.NewMetrics(svc.Store)
	}
	m.reg.MustRegister(om)
}

// live exposes the websocket hub's counters.
func (m *metrics) live(hub *live.Hub) {
	stat := func(f func(live.Stats) float64) func() float64 { return func() float64 { return f(hub.Stats()) } }
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sluice_live_connections", Help: "Open websocket connections."},
			stat(func(s live.Stats) float64 { return float64(s.Connections) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_live_events_delivered_total", Help: "Events written to websockets."},
			stat(func(s live.Stats) float64 { return float64(s.Delivered) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_live_slow_dropped_total", Help: "Websockets closed because they stayed behind (4002)."},
			stat(func(s live.Stats) float64 { return float64(s.Slow) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_live_catch_ups_total", Help: "Websockets that fell behind and caught up from the events table."},
			stat(func(s live.Stats) float64 { return float64(s.CatchUps) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sluice_live_resyncs_total", Help: "Resumes too old for the retained window (resync sent)."},
			stat(func(s live.Stats) float64 { return float64(s.Resyncs) })),
	)
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
type stateCollector struct{ svc *app.Service }

var (
	ordersDesc  = prometheus.NewDesc("sluice_orders", "Orders by status.", []string{"status"}, nil)
	tasksDesc   = prometheus.NewDesc("sluice_tasks_open", "Open review tasks by node.", []string{"node"}, nil)
	taskAgeDesc = prometheus.NewDesc("sluice_tasks_open_oldest_age_seconds", "Age of the oldest open task of each node (how long the queue has waited).", []string{"node"}, nil)
	schemaDesc  = prometheus.NewDesc("sluice_schema_version", "The database's schema version.", nil, nil)
	backupDesc  = prometheus.NewDesc("sluice_last_backup_timestamp_seconds", "When the newest recorded backup was taken (absent when none is).", nil, nil)
	scrapeDesc  = prometheus.NewDesc("sluice_state_scrape_errors", "Queries of this scrape that failed (their metrics are missing).", nil, nil)
	timersDesc  = prometheus.NewDesc("sluice_timers", "Reminder timers by kind and state: pending (not yet due), due (pending and past due: late), fired, cancelled.", []string{"kind", "state"}, nil)
	breachDesc  = prometheus.NewDesc("sluice_sla_breaches_total", "Escalation and automatic-action timers that have fallen due (fired, or pending past their time): each one an SLA breach.", nil, nil)
)

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ordersDesc, tasksDesc, taskAgeDesc, schemaDesc, backupDesc, scrapeDesc, timersDesc, breachDesc} {
		ch <- d
	}
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := time.Now()
	g := s.svc.ReadGauges(ctx, now)
	for _, r := range g.Orders {
		ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(r.Count), r.Key)
	}
	for _, r := range g.OpenTasks {
		ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(r.Count), r.Node)
	}
	for _, r := range g.OpenTasks {
		if r.Oldest != nil {
			ch <- prometheus.MustNewConstMetric(taskAgeDesc, prometheus.GaugeValue, now.Sub(*r.Oldest).Seconds(), r.Node)
		}
	}
	if g.TimersRead {
		timers(ch, g)
	}
	if g.Schema != nil {
		ch <- prometheus.MustNewConstMetric(schemaDesc, prometheus.GaugeValue, float64(*g.Schema))
	}
	if g.LastBackup != nil {
		ch <- prometheus.MustNewConstMetric(backupDesc, prometheus.GaugeValue, float64(g.LastBackup.UnixNano())/1e9)
	}
	ch <- prometheus.MustNewConstMetric(scrapeDesc, prometheus.GaugeValue, float64(g.Failed))
}

// timers reports reminder timers by kind and state, with the late ones ("due": pending
// past their time) apart, and the SLA breaches among them.
func timers(ch chan<- prometheus.Metric, g service.Gauges) {
	due := map[string]int{}
	breaches := 0
	for _, r := range g.Late {
		due[r.Key] = r.Count
		ch <- prometheus.MustNewConstMetric(timersDesc, prometheus.GaugeValue, float64(r.Count), r.Key, "due")
		if r.Key != "remind" {
			breaches += r.Count
		}
	}
	for _, r := range g.Timers {
		n := r.Count
		if r.Status == "pending" {
			n -= due[r.Kind]
		}
		if r.Status == "fired" && r.Kind != "remind" {
			breaches += r.Count
		}
		ch <- prometheus.MustNewConstMetric(timersDesc, prometheus.GaugeValue, float64(n), r.Kind, r.Status)
	}
	ch <- prometheus.MustNewConstMetric(breachDesc, prometheus.CounterValue, float64(breaches))
}
