// Package metrics is manilite's Prometheus instrumentation: it owns one
// registry with every collector the server exports and the /metrics
// handler that serves it.
//
// The registry is the package's own, not client_golang's global default, so
// several servers in one process (the tests) never collide. The other
// packages never import this one: impl and worker declare the few methods
// they call (ObserveRequest, ObserveDecision, ObserveJob, ObserveBackup) as
// interfaces, and cmd/manilite hands them a *Metrics. Every method is safe on
// a nil *Metrics, which records nothing.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every manilite metric.
const Namespace = "manilite"

// Buckets of the histograms, in seconds or bytes per second.
var (
	// RequestBuckets suit a server whose reads answer in tens of
	// microseconds and whose slowest requests take seconds.
	RequestBuckets = []float64{
		50e-6, 100e-6, 250e-6, 500e-6,
		1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
		1, 2.5, 5,
	}
	// DecisionBuckets suit a policy decision of a few microseconds.
	DecisionBuckets = []float64{
		1e-6, 2.5e-6, 5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
		1e-3, 2.5e-3, 5e-3, 10e-3,
	}
	// JobBuckets go from a quick metadata job to a backup of a large share.
	JobBuckets = []float64{
		1e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
		1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
	}
	// ThroughputBuckets are 256 KiB/s to 4 GiB/s, doubling.
	ThroughputBuckets = prometheus.ExponentialBuckets(256<<10, 2, 15)
)

// Outcomes of a job attempt (the outcome label of
// manilite_job_duration_seconds).
const (
	JobDone        = "done"        // the job finished
	JobRetry       = "retry"       // the attempt failed; the job is retried later
	JobFailed      = "failed"      // the job was given up
	JobInterrupted = "interrupted" // shutdown stopped it; it is handed back to run again
	JobLeaseLost   = "lease_lost"  // another node took the job over; the attempt was dropped
)

// Backup operations (the operation label of the backup metrics).
const (
	BackupCreate  = "create"
	BackupRestore = "restore"
)

// Options configure New.
type Options struct {
	// Version is reported by manilite_build_info.
	Version string
	// Logger receives errors from gathering (a failed queue-depth query).
	Logger *slog.Logger
}

// Metrics holds the registry and the collectors.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec

	// The decision histogram's three series, resolved once: an observation
	// is one atomic update, no label lookup.
	decisionAllowed, decisionDenied, decisionError prometheus.Observer

	jobDuration *prometheus.HistogramVec

	backupBytes      *prometheus.CounterVec
	backupArchive    *prometheus.CounterVec
	backupDuration   *prometheus.HistogramVec
	backupThroughput *prometheus.HistogramVec
}

// New returns metrics registered in a new registry, with the Go runtime's
// and the process's collectors.
func New(o Options) *Metrics {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, log: o.Logger}
	f := factory{reg}

	m.requests = f.counterVec("http_requests_total",
		"HTTP requests answered, by the OpenAPI operation the request matched, its action (POST .../action), method and status code.",
		"operation", "action", "method", "code")
	m.requestDuration = f.histogramVec("http_request_duration_seconds",
		"Time from receiving a request to the end of its response, by operation, action and method.",
		RequestBuckets, "operation", "action", "method")

	decisions := f.histogramVec("policy_decision_duration_seconds",
		"Time the policy engine took for one decision, by result: allowed, denied or error.",
		DecisionBuckets, "decision")
	m.decisionAllowed = decisions.WithLabelValues("allowed")
	m.decisionDenied = decisions.WithLabelValues("denied")
	m.decisionError = decisions.WithLabelValues("error")

	m.jobDuration = f.histogramVec("job_duration_seconds",
		"Time one attempt of a durable job ran, by job kind and outcome: done, retry, failed, interrupted or lease_lost.",
		JobBuckets, "kind", "outcome")

	m.backupBytes = f.counterVec("backup_bytes_total",
		"File content bytes moved by completed backups (read from the share) and restores (written into the share), by operation.",
		"operation")
	m.backupArchive = f.counterVec("backup_archive_bytes_total",
		"Archive bytes written by completed backups and read by completed restores, by operation.",
		"operation")
	m.backupDuration = f.histogramVec("backup_duration_seconds",
		"Time the data plane took for one completed backup or restore, by operation.",
		JobBuckets, "operation")
	m.backupThroughput = f.histogramVec("backup_throughput_bytes_per_second",
		"File content bytes per second of one completed backup or restore, by operation.",
		ThroughputBuckets, "operation")

	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   Namespace,
		Name:        "build_info",
		Help:        "Always 1; the version label is manilite's version.",
		ConstLabels: prometheus.Labels{"version": o.Version},
	})
	build.Set(1)
	reg.MustRegister(build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type factory struct{ reg *prometheus.Registry }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// Registry is the registry every collector is in (for tests, or to add
// collectors).
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the registry in Prometheus's text format (or what the
// scraper negotiates). A collector that fails is logged and left out; the
// rest is still served.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      promLogger{m.log},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp_metric_handler_errors_total
	})
}

type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error("metrics: " + fmt.Sprint(v...))
}

// codes holds the label value of every HTTP status code, so a request's
// observation formats nothing.
var codes = func() (c [600]string) {
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

func codeLabel(code int) string {
	if code >= 0 && code < len(codes) {
		return codes[code]
	}
	return strconv.Itoa(code)
}

// ObserveRequest records one answered request. operation is the OpenAPI
// operationId the request matched (or a fixed name for the paths outside
// the API, or "unmatched"); action is the action key of a POST .../action
// body, "" otherwise.
func (m *Metrics) ObserveRequest(operation, action, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(operation, action, method, codeLabel(code)).Inc()
	m.requestDuration.WithLabelValues(operation, action, method).Observe(d.Seconds())
}

// ObserveDecision records one policy decision and how long it took; a
// decision that failed (err != nil) counts as an error whatever allowed is.
func (m *Metrics) ObserveDecision(allowed bool, err error, d time.Duration) {
	if m == nil {
		return
	}
	switch {
	case err != nil:
		m.decisionError.Observe(d.Seconds())
	case allowed:
		m.decisionAllowed.Observe(d.Seconds())
	default:
		m.decisionDenied.Observe(d.Seconds())
	}
}

// ObserveJob records one attempt of a job of kind, ended with outcome (one
// of the Job* constants).
func (m *Metrics) ObserveJob(kind, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.jobDuration.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// ObserveBackup records one completed backup or restore (operation is
// BackupCreate or BackupRestore): the file content bytes it moved, the
// archive bytes it wrote or read, and how long the data plane took.
func (m *Metrics) ObserveBackup(operation string, contentBytes, archiveBytes int64, d time.Duration) {
	if m == nil {
		return
	}
	m.backupBytes.WithLabelValues(operation).Add(float64(max(contentBytes, 0)))
	m.backupArchive.WithLabelValues(operation).Add(float64(max(archiveBytes, 0)))
	m.backupDuration.WithLabelValues(operation).Observe(d.Seconds())
	if s := d.Seconds(); s > 0 {
		m.backupThroughput.WithLabelValues(operation).Observe(float64(contentBytes) / s)
	}
}

// QueueCount is how many jobs of one kind are in one state.
type QueueCount struct {
	Kind, State string
	Jobs        int
}

// QueueStates are the states a job row can be in; each known kind is
// reported in each of them, 0 included, so a series does not vanish when
// its queue empties.
var QueueStates = []string{"pending", "running", "failed"}

// WatchJobQueue registers manilite_job_queue_depth, read at each scrape
// from count (the jobs table): no counter kept on the side can drift from
// it. kinds are the job kinds the workers know.
func (m *Metrics) WatchJobQueue(kinds []string, count func(context.Context) ([]QueueCount, error)) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(&queueCollector{
		desc: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "job_queue_depth"),
			"Jobs in the durable job table, by kind and state: pending (waiting, some not yet due), running, or failed (given up, kept for operators).",
			[]string{"kind", "state"}, nil),
		kinds: kinds,
		count: count,
	})
}

// queueTimeout bounds the queue-depth query of one scrape.
const queueTimeout = 5 * time.Second

type queueCollector struct {
	desc  *prometheus.Desc
	kinds []string
	count func(context.Context) ([]QueueCount, error)
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	type key struct{ kind, state string }
	depth := map[key]int{}
	for _, k := range c.kinds {
		for _, s := range QueueStates {
			depth[key{k, s}] = 0
		}
	}
	for _, qc := range counts {
		depth[key{qc.Kind, qc.State}] += qc.Jobs
	}
	for k, n := range depth {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k.kind, k.state)
	}
}
