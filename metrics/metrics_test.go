package metrics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsNilIsNoOp(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("getShare", "", "GET", 200, time.Millisecond)
	m.ObserveDecision(true, nil, time.Microsecond)
	m.ObserveJob("share.create", JobDone, time.Second)
	m.ObserveBackup(BackupCreate, 1, 1, time.Second)
	if err := m.WatchJobQueue(nil, nil); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("nil metrics handler: %d", rec.Code)
	}
}

func TestMetricsSeries(t *testing.T) {
	m := New(Options{Version: "test"})
	m.ObserveRequest("getShare", "", "GET", 200, 80*time.Microsecond)
	m.ObserveRequest("getShare", "", "GET", 200, 3*time.Millisecond)
	m.ObserveRequest("shareAction", "extend", "POST", 202, time.Millisecond)
	m.ObserveDecision(true, nil, 3*time.Microsecond)
	m.ObserveDecision(false, nil, 3*time.Microsecond)
	m.ObserveDecision(true, errors.New("boom"), 3*time.Microsecond)
	m.ObserveJob("share.create", JobDone, 2*time.Second)
	m.ObserveBackup(BackupCreate, 4<<20, 1<<20, 2*time.Second)

	if got := testutil.ToFloat64(m.requests.WithLabelValues("getShare", "", "GET", "200")); got != 2 {
		t.Errorf("getShare requests: %v", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("shareAction", "extend", "POST", "202")); got != 1 {
		t.Errorf("shareAction extend requests: %v", got)
	}
	if got := testutil.ToFloat64(m.backupBytes.WithLabelValues(BackupCreate)); got != 4<<20 {
		t.Errorf("backup bytes: %v", got)
	}
	for _, name := range []string{
		"manilite_policy_decision_duration_seconds", "manilite_job_duration_seconds",
		"manilite_backup_throughput_bytes_per_second", "manilite_build_info",
	} {
		if n, err := testutil.GatherAndCount(m.Registry(), name); err != nil || n == 0 {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
	if n, _ := testutil.GatherAndCount(m.Registry(), "manilite_policy_decision_duration_seconds"); n != 3 {
		t.Errorf("decision series: %d, want allowed, denied and error", n)
	}
	// 2 MiB/s lands in the bucket of 2 MiB/s.
	err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(`
# HELP manilite_backup_bytes_total File content bytes moved by completed backups (read from the share) and restores (written into the share), by operation.
# TYPE manilite_backup_bytes_total counter
manilite_backup_bytes_total{operation="create"} 4.194304e+06
`), "manilite_backup_bytes_total")
	if err != nil {
		t.Error(err)
	}
}

func TestMetricsJobQueueDepth(t *testing.T) {
	m := New(Options{Logger: slog.New(slog.DiscardHandler)})
	var fail bool
	err := m.WatchJobQueue([]string{"share.create", "share.delete"}, func(context.Context) ([]QueueCount, error) {
		if fail {
			return nil, errors.New("database is closed")
		}
		return []QueueCount{{"share.create", "pending", 3}, {"legacy.kind", "failed", 1}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = testutil.GatherAndCompare(m.Registry(), strings.NewReader(`
# HELP manilite_job_queue_depth Jobs in the durable job table, by kind and state: pending (waiting, some not yet due), running, or failed (given up, kept for operators).
# TYPE manilite_job_queue_depth gauge
manilite_job_queue_depth{kind="legacy.kind",state="failed"} 1
manilite_job_queue_depth{kind="share.create",state="failed"} 0
manilite_job_queue_depth{kind="share.create",state="pending"} 3
manilite_job_queue_depth{kind="share.create",state="running"} 0
manilite_job_queue_depth{kind="share.delete",state="failed"} 0
manilite_job_queue_depth{kind="share.delete",state="pending"} 0
manilite_job_queue_depth{kind="share.delete",state="running"} 0
`), "manilite_job_queue_depth")
	if err != nil {
		t.Error(err)
	}

	// A failing query leaves the series out; the rest is still served.
	fail = true
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || strings.Contains(string(body), "manilite_job_queue_depth{") || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("scrape with a failing queue query: %d\n%s", rec.Code, body)
	}
}

// A decision is observed on every request, several times: no allocation.
func TestMetricsDecisionDoesNotAllocate(t *testing.T) {
	m := New(Options{})
	if n := testing.AllocsPerRun(1000, func() { m.ObserveDecision(true, nil, 3*time.Microsecond) }); n != 0 {
		t.Errorf("ObserveDecision allocates %v times", n)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("getShare", "", "GET", 200, 80*time.Microsecond)
	}
}

func BenchmarkObserveDecision(b *testing.B) {
	m := New(Options{})
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveDecision(true, nil, 3*time.Microsecond)
	}
}
