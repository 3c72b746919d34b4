package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sluice/backend/ent"
	"sluice/backend/ent/outboxmessage"
	"sluice/backend/store"
)

// Metrics are the outbox's Prometheus metrics. The backlog and dead counts are read
// from the database at scrape time, so every instance reports the shared truth; the
// delivery counters and latencies are this process's own. A nil *Metrics records
// nothing.
type Metrics struct {
	st         *store.Store
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	lag        *prometheus.HistogramVec
}

var (
	backlogDesc = prometheus.NewDesc("sluice_outbox_pending", "Outbox messages waiting to be delivered (the backlog), by channel.", []string{"channel"}, nil)
	deadDesc    = prometheus.NewDesc("sluice_outbox_dead", "Outbox messages that ran out of attempts, by channel (an admin may retry them).", []string{"channel"}, nil)
	oldestDesc  = prometheus.NewDesc("sluice_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox message (0 when none).", nil, nil)
)

// NewMetrics returns the outbox metrics over st (the backlog queries); register it
// with a prometheus.Registerer and hand it to the Worker in Options.Metrics.
func NewMetrics(st *store.Store) *Metrics {
	return &Metrics{
		st: st,
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_outbox_deliveries_total",
			Help: "Outbox delivery attempts by channel and result: sent, retry, dead, unconfigured.",
		}, []string{"channel", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_outbox_delivery_duration_seconds",
			Help:    "How long one delivery attempt took (SMTP session or webhook request), by channel.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_outbox_delivery_lag_seconds",
			Help:    "From enqueue to successful delivery, by channel (includes retries).",
			Buckets: []float64{.1, .5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 6 * 3600},
		}, []string{"channel"}),
	}
}

func (m *Metrics) delivered(channel, result string, took, lag time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(channel, result).Inc()
	m.duration.WithLabelValues(channel).Observe(took.Seconds())
	if result == "sent" {
		m.lag.WithLabelValues(channel).Observe(max(lag, 0).Seconds())
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.deliveries.Describe(ch)
	m.duration.Describe(ch)
	m.lag.Describe(ch)
	ch <- backlogDesc
	ch <- deadDesc
	ch <- oldestDesc
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.deliveries.Collect(ch)
	m.duration.Collect(ch)
	m.lag.Collect(ch)
	if m.st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var rows []struct {
		Channel string `json:"channel"`
		Status  string `json:"status"`
		Count   int    `json:"count"`
	}
	err := m.st.Read.OutboxMessage.Query().Where(outboxmessage.StatusIn(Pending, Dead)).
		GroupBy(outboxmessage.FieldChannel, outboxmessage.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return // the scrape shows the series missing; api's scrape-error gauge covers the rest
	}
	counts := map[string]map[string]int{Pending: {Email: 0, Webhook: 0}, Dead: {Email: 0, Webhook: 0}}
	for _, r := range rows {
		counts[r.Status][r.Channel] += r.Count
	}
	for st, desc := range map[string]*prometheus.Desc{Pending: backlogDesc, Dead: deadDesc} {
		for channel, n := range counts[st] {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(n), channel)
		}
	}
	age := 0.0
	if o, err := m.st.Read.OutboxMessage.Query().Where(outboxmessage.Status(Pending)).
		Order(outboxmessage.ByCreatedAt()).Select(outboxmessage.FieldCreatedAt).First(ctx); err == nil {
		age = time.Since(o.CreatedAt).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}
