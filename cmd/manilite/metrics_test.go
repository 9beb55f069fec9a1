package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/manilite/manilite/storage"
)

// scrape is one GET /metrics, parsed.
type scrape map[string]*dto.MetricFamily

func scrapeMetrics(t *testing.T, url string) scrape {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s\n%s", url, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("scrape does not parse: %v\n%s", err, body)
	}
	return families
}

// series finds the metric of family name whose labels are exactly labels.
func (s scrape) series(t *testing.T, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	f := s[name]
	if f == nil {
		t.Fatalf("no metric family %s", name)
	}
	var seen []string
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		if mapsEqual(got, labels) {
			return m
		}
		seen = append(seen, labelString(got))
	}
	sort.Strings(seen)
	t.Fatalf("no series %s%s; there are:\n%s", name, labelString(labels), strings.Join(seen, "\n"))
	return nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func labelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + `"` + l[k] + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// waitStored polls storage (not the API, whose requests the test counts)
// until cond holds.
func waitStored(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	waitFor(t, 30*time.Second, what, func() bool {
		ok, err := cond(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
}

func waitShareStored(t *testing.T, ts *testServer, id, status string) {
	t.Helper()
	waitStored(t, "share "+id+" to be "+status, func(ctx context.Context) (bool, error) {
		sh, err := ts.app.db.GetShare(ctx, id)
		return string(sh.Status) == status, err
	})
}

func waitBackupStored(t *testing.T, ts *testServer, id, status string) {
	t.Helper()
	waitStored(t, "backup "+id+" to be "+status, func(ctx context.Context) (bool, error) {
		b, err := ts.app.db.GetShareBackup(ctx, id)
		return string(b.Status) == status, err
	})
}

// After a share create, a show, a 404, a 401, an unknown path, a refused
// action and a backup and its restore, one scrape has each as exact series.
func TestMetricsScrape(t *testing.T) {
	ts := startServer(t)
	share := createShare(t, ts, tokMember, nil)
	waitShareStored(t, ts, share, "available")
	writeTree(t, sharePath(ts, share))
	getShare(t, ts, tokMember, "2.99", share)
	ts.do(t, req{method: "GET", path: "/v2/shares/6a1b5d1e-0000-4000-8000-000000000000", token: tokMember}).expectStatus(t, 404)
	ts.do(t, req{method: "GET", path: "/v2/" + projA + "/shares/" + share}).expectStatus(t, 401)
	ts.do(t, req{method: "GET", path: "/v2/no-such-collection/" + share, token: tokMember}).expectStatus(t, 404)
	ts.do(t, req{method: "POST", path: "/v2/shares/" + share + "/action", token: tokMember, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": "error"}}}).expectStatus(t, 403)

	backup := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStored(t, ts, backup, "available")
	ts.do(t, backupReq("POST", "/v2/share-backups/"+backup+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	waitBackupStored(t, ts, backup, "available")
	waitShareStored(t, ts, share, "available")

	s := scrapeMetrics(t, ts.URL+"/metrics")
	requests := func(op, action, method, code string) float64 {
		t.Helper()
		return s.series(t, "manilite_http_requests_total",
			map[string]string{"operation": op, "action": action, "method": method, "code": code}).GetCounter().GetValue()
	}
	for _, c := range []struct {
		op, action, method, code string
	}{
		{"createShare", "", "POST", "200"},
		{"showShare", "", "GET", "200"},
		{"showShare", "", "GET", "404"},
		{"showShare", "", "GET", "401"}, // refused before routing, still named by its route
		{"unmatched", "", "GET", "404"},
		{"shareAction", "reset_status", "POST", "403"},
		{"createShareBackup", "", "POST", "202"},
		{"shareBackupAction", "restore", "POST", "202"},
	} {
		if got := requests(c.op, c.action, c.method, c.code); got != 1 {
			t.Errorf("%s %s %s %s: %v requests, want 1", c.op, c.action, c.method, c.code, got)
		}
	}
	// No label holds a raw URL.
	for _, m := range s["manilite_http_requests_total"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if strings.Contains(lp.GetValue(), "/") {
				t.Errorf("label %s=%q", lp.GetName(), lp.GetValue())
			}
		}
	}
	h := s.series(t, "manilite_http_request_duration_seconds",
		map[string]string{"operation": "showShare", "action": "", "method": "GET"}).GetHistogram()
	if h.GetSampleCount() != 3 || h.GetSampleSum() <= 0 || len(h.GetBucket()) == 0 || h.GetBucket()[0].GetUpperBound() != 50e-6 {
		t.Errorf("showShare latency histogram: %d samples, sum %v, buckets %v", h.GetSampleCount(), h.GetSampleSum(), h.GetBucket())
	}

	allowed := s.series(t, "manilite_policy_decision_duration_seconds", map[string]string{"decision": "allowed"}).GetHistogram()
	denied := s.series(t, "manilite_policy_decision_duration_seconds", map[string]string{"decision": "denied"}).GetHistogram()
	// Every authenticated request asks context_is_admin (a member: denied)
	// and its own rule (reset_status: denied).
	if allowed.GetSampleCount() < 7 || denied.GetSampleCount() < 8 {
		t.Errorf("policy decisions: %d allowed, %d denied", allowed.GetSampleCount(), denied.GetSampleCount())
	}

	for _, kind := range []string{storage.JobShareCreate, storage.JobBackupCreate, storage.JobBackupRestore} {
		jd := s.series(t, "manilite_job_duration_seconds", map[string]string{"kind": kind, "outcome": "done"}).GetHistogram()
		if jd.GetSampleCount() != 1 || jd.GetSampleSum() <= 0 {
			t.Errorf("%s job durations: %d, sum %v", kind, jd.GetSampleCount(), jd.GetSampleSum())
		}
	}
	for _, state := range []string{"pending", "running", "failed"} {
		for _, kind := range []string{storage.JobShareCreate, storage.JobBackupCreate} {
			if d := s.series(t, "manilite_job_queue_depth", map[string]string{"kind": kind, "state": state}).GetGauge().GetValue(); d != 0 {
				t.Errorf("queue depth of %s %s: %v, want 0 once the jobs are done", kind, state, d)
			}
		}
	}

	const treeBytes = 2<<20 + len("hello, backup\n") + len("s3cr3t") // writeTree's files
	for _, op := range []string{"create", "restore"} {
		labels := map[string]string{"operation": op}
		if b := s.series(t, "manilite_backup_bytes_total", labels).GetCounter().GetValue(); b != float64(treeBytes) {
			t.Errorf("%s: %v content bytes, want %d", op, b, treeBytes)
		}
		if b := s.series(t, "manilite_backup_archive_bytes_total", labels).GetCounter().GetValue(); b <= 0 {
			t.Errorf("%s: %v archive bytes", op, b)
		}
		if n := s.series(t, "manilite_backup_duration_seconds", labels).GetHistogram().GetSampleCount(); n != 1 {
			t.Errorf("%s: %d durations", op, n)
		}
		if n := s.series(t, "manilite_backup_throughput_bytes_per_second", labels).GetHistogram().GetSampleCount(); n != 1 {
			t.Errorf("%s: %d throughputs", op, n)
		}
	}

	// The repository's footprint: the one backup, its compressible tree
	// stored in fewer bytes than it holds.
	if n := s.series(t, "manilite_backup_repository_backups", nil).GetGauge().GetValue(); n != 1 {
		t.Errorf("repository backups: %v", n)
	}
	packs := s.series(t, "manilite_backup_repository_bytes", map[string]string{"kind": "packs"}).GetGauge().GetValue()
	chunkBytes := s.series(t, "manilite_backup_repository_chunk_bytes", nil).GetGauge().GetValue()
	if chunkBytes != float64(treeBytes) || packs <= 0 || packs >= chunkBytes {
		t.Errorf("repository: %v pack bytes for %v chunk bytes, want 0 < packs < %d", packs, chunkBytes, treeBytes)
	}
	for _, kind := range []string{"index", "manifests"} {
		if b := s.series(t, "manilite_backup_repository_bytes", map[string]string{"kind": kind}).GetGauge().GetValue(); b <= 0 {
			t.Errorf("repository %s bytes: %v", kind, b)
		}
	}

	s.series(t, "manilite_build_info", map[string]string{"version": version})
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_resident_memory_bytes", "process_open_fds"} {
		if s[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	// A scrape counts as a request of its own, with no token needed.
	if got := scrapeMetrics(t, ts.URL+"/metrics").series(t, "manilite_http_requests_total",
		map[string]string{"operation": "metrics", "action": "", "method": "GET", "code": "200"}).GetCounter().GetValue(); got != 1 {
		t.Errorf("scrapes counted: %v", got)
	}
}

// A job waiting in the queue is counted at scrape time.
func TestMetricsQueueDepth(t *testing.T) {
	ts := startServer(t, func(o *options) { o.holdJobs = true })
	createShare(t, ts, tokMember, nil)
	createShare(t, ts, tokMember, nil)
	s := scrapeMetrics(t, ts.URL+"/metrics")
	if d := s.series(t, "manilite_job_queue_depth", map[string]string{"kind": storage.JobShareCreate, "state": "pending"}).GetGauge().GetValue(); d != 2 {
		t.Errorf("pending share.create jobs: %v, want 2", d)
	}
}

// --metrics=false serves no /metrics; --metrics-listen moves it to a
// listener of its own, off the API port.
func TestMetricsFlags(t *testing.T) {
	ts := startServer(t, func(o *options) { o.Metrics = false })
	ts.do(t, req{method: "GET", path: "/metrics"}).expectStatus(t, 401) // an unknown API path: no token, 401 as in Manila
	ts.do(t, req{method: "GET", path: "/metrics", token: tokMember}).expectStatus(t, 404)

	o := testOptions(t.TempDir())
	o.Metrics, o.MetricsListen = false, "127.0.0.1:0"
	if _, err := newApp(context.Background(), o, quietLogger()); err == nil || !strings.Contains(err.Error(), "--metrics-listen needs --metrics") {
		t.Errorf("--metrics=false --metrics-listen: %v", err)
	}

	dir := t.TempDir()
	logs := &logBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
			"--db", testOptions(dir).DB, "--data-dir", filepath.Join(dir, "data")}, func(string) string { return "" }, io.Discard, logs)
	}()
	defer func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("serve exited %d\n%s", code, logs.String())
		}
	}()
	addrOf := func(msg string) string {
		var addr string
		waitFor(t, 30*time.Second, "the log line "+msg, func() bool {
			for _, line := range strings.Split(logs.String(), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
					addr, _ = m["address"].(string)
				}
			}
			return addr != ""
		})
		return "http://" + addr
	}
	api, metricsURL := addrOf("manilite serving"), addrOf("metrics serving")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(metricsURL) || metricsURL == api {
		t.Fatalf("metrics at %s, API at %s", metricsURL, api)
	}
	res, err := http.Get(api + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	s := scrapeMetrics(t, metricsURL+"/metrics")
	s.series(t, "manilite_http_requests_total", map[string]string{"operation": "healthz", "action": "", "method": "GET", "code": "200"})
	res, err = http.Get(api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("GET /metrics on the API port with --metrics-listen: %d", res.StatusCode)
	}
}
