package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/internal/benchreport"
	"github.com/manilite/manilite/storage"
)

// TestThroughputShowShare measures requests per second of an authorized,
// validated GET /v2/shares/{id} (noauth token, microversion header, policy,
// kin-openapi validation, SQLite read, view) against a bare Echo handler
// that returns the same JSON bytes, in the same run, and prints the ratio.
// It uses wrk when it is installed (a separate process, as a client would
// be) and an in-process Go load generator otherwise. `make bench` runs it;
// plain `go test` skips it.
func TestThroughputShowShare(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") == "" {
		t.Skip("set MANILITE_BENCH=1 (make bench) to measure throughput")
	}
	ts := startServer(t, func(o *options) { o.LogLevel = "error" })
	id := createShare(t, ts, tokMember, map[string]any{"name": "bench"})
	waitShareStatus(t, ts, id, "available")
	// Benchmark with a quiet logger: logging every request to a buffer would
	// measure the buffer.
	ts.restartQuiet()
	path := "/v2/shares/" + id
	headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.99"}
	body := ts.do(t, req{method: "GET", path: path, token: tokMember, version: "2.99"}).expectStatus(t, 200).raw

	e := echo.New()
	e.HideBanner = true
	e.GET("/v2/shares/:id", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	})
	bare := httptest.NewServer(e)
	defer bare.Close()

	duration := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("MANILITE_BENCH_DURATION")); err == nil {
		duration = d
	}
	tool := "go"
	if _, err := exec.LookPath("wrk"); err == nil {
		tool = "wrk"
	}
	measure := func(url string) float64 {
		if tool == "wrk" {
			return wrkRate(t, url, headers, duration)
		}
		return goRate(t, url, headers, duration)
	}
	var bareRates, fullRates []float64
	for range 2 { // interleaved, so drift hits both alike
		bareRates = append(bareRates, measure(bare.URL+path))
		fullRates = append(fullRates, measure(ts.URL+path))
	}
	b, f := best(bareRates), best(fullRates)
	benchreport.Add("GET /v2/shares/{id} / bare Echo, same bytes (%s, 64 conns, best of 2x%s): %.0f / %.0f req/s = %.2f (target >= 0.5)",
		tool, duration, f, b, f/b)
}

func best(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// restartQuiet restarts the server with logs discarded and serve's GC
// target, as the throughput figures are measured.
func (ts *testServer) restartQuiet() {
	ts.stop()
	ts.opts.GCPercent = defaultGCPercent
	// Errors only, kept for reportErrors: the cause of a 500 under load.
	ts.logs = &logBuffer{}
	a, err := newApp(context.Background(), ts.opts, slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.app = a
	ts.http = httptest.NewServer(a.Handler())
	ts.URL = ts.http.URL
}

var (
	wrkRequests = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal    = regexp.MustCompile(`([0-9]+) requests in`)
)

func wrkRate(t *testing.T, url string, headers map[string]string, d time.Duration) float64 {
	rate, _ := wrkRun(t, url, headers, d, "")
	return rate
}

// wrkRun runs wrk (2 threads, 64 connections) for d, with a Lua script
// when script is not empty, and returns the rate and the number of
// requests it completed. Any non-2xx answer fails the test.
func wrkRun(t *testing.T, url string, headers map[string]string, d time.Duration, script string) (float64, int) {
	args := []string{"-t2", "-c64", "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	for k, v := range headers {
		args = append(args, "-H", k+": "+v)
	}
	if script != "" {
		name := filepath.Join(t.TempDir(), "wrk.lua")
		if err := os.WriteFile(name, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-s", name)
	}
	stop := profileRun(t)
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	stop()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m := wrkRequests.FindSubmatch(out)
	n := wrkTotal.FindSubmatch(out)
	if m == nil || n == nil {
		t.Fatalf("wrk output without a rate:\n%s", out)
	}
	if regexp.MustCompile(`Non-2xx`).Match(out) {
		t.Fatalf("wrk saw errors:\n%s", out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	total, _ := strconv.Atoi(string(n[1]))
	return rate, total
}

func goRate(t *testing.T, url string, headers map[string]string, d time.Duration) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	var failed atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				r, _ := http.NewRequest("GET", url, nil)
				for k, v := range headers {
					r.Header.Set(k, v)
				}
				res, err := client.Do(r)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					failed.Add(1)
					continue
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	return float64(n.Load()) / d.Seconds()
}

// BenchmarkShowShareInProcess is the cost of one GET /v2/shares/{id} through
// the whole middleware pipeline and handler, without the network.
func BenchmarkShowShareInProcess(b *testing.B) {
	benchGetInProcess(b, 1, func(ids []string) string { return "/v2/shares/" + ids[0] })
}

// benchGetInProcess creates n shares, waits until they are available, and
// measures GET path (served in-process, 2.99, serve's GC target).
func benchGetInProcess(b *testing.B, n int, path func(ids []string) string) {
	dir := b.TempDir()
	o := testOptions(dir)
	o.GCPercent = defaultGCPercent
	o.Quotas["shares"], o.Quotas["gigabytes"] = -1, -1
	a, err := newApp(context.Background(), o, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	ts := &testServer{dir: dir, opts: o, app: a, http: srv, URL: srv.URL}
	var ids []string
	for range n {
		ids = append(ids, benchCreateShare(b, ts))
	}
	h := a.Handler()
	get := func(p string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", p, nil)
		r.Header.Set("X-Auth-Token", tokMember)
		r.Header.Set("X-OpenStack-Manila-API-Version", "2.99")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, id := range ids {
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(get("/v2/shares/"+id).Body.String(), `"status":"available"`) {
			if time.Now().After(deadline) {
				b.Fatalf("share %s is not available after 30s", id)
			}
			runtime.Gosched()
		}
	}
	p := path(ids)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w := get(p); w.Code != 200 {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

func benchCreateShare(b *testing.B, ts *testServer) string {
	r, _ := http.NewRequest("POST", ts.URL+"/v2/shares", stringsReader(`{"share": {"share_proto": "NFS", "size": 1}}`))
	r.Header.Set("X-Auth-Token", tokMember)
	r.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindSubmatch(raw)
	if res.StatusCode != 200 || m == nil {
		b.Fatalf("create: %d %s", res.StatusCode, raw)
	}
	return string(m[1])
}

// TestThroughputBackupList measures listing 100 backups (detail view) out of
// 100,000 in the project, next to showing one backup, in the same run.
func TestThroughputBackupList(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") == "" {
		t.Skip("set MANILITE_BENCH=1 (make bench) to measure throughput")
	}
	ts := startServer(t, func(o *options) { o.LogLevel = "error"; o.Quotas["backups"] = -1; o.Quotas["backup_gigabytes"] = -1 })
	share := availableShare(t, ts, tokMember, nil)
	const total = 100_000
	start := time.Now()
	err := ts.app.db.Write(context.Background(), func(tx *storage.Tx) error {
		stmt, err := tx.PrepareContext(context.Background(), `INSERT INTO share_backups (id, project_id, user_id, share_id,
			display_name, size, status, topic, availability_zone, created_at) VALUES (?, ?, 'member-user', ?, ?, 1, 'available', 'manila-data', 'nova', ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		base := time.Now().Add(-total * time.Second)
		for i := range total {
			if _, err := stmt.ExecContext(context.Background(), fmt.Sprintf("00000000-0000-4000-8000-%012d", i), projA, share,
				fmt.Sprintf("backup-%d", i), storage.FormatTime(base.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("inserted %d backups in %v", total, time.Since(start))
	ts.restartQuiet()
	headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.85", "X-OpenStack-Manila-API-Experimental": "True"}
	list := ts.URL + "/v2/share-backups/detail?limit=100"
	show := ts.URL + "/v2/share-backups/00000000-0000-4000-8000-000000050000"
	for _, u := range []string{list, show} {
		r, _ := http.NewRequest("GET", u, nil)
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", u, err, res)
		}
		res.Body.Close()
	}
	duration := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("MANILITE_BENCH_DURATION")); err == nil {
		duration = d
	}
	measure := goRate
	tool := "go"
	if _, err := exec.LookPath("wrk"); err == nil {
		measure, tool = wrkRate, "wrk"
	}
	// The floors, as in TestThroughputFloors: the same bytes from a bare
	// Echo handler, alone and after the same storage read.
	listBody := ts.do(t, req{method: "GET", path: "/v2/share-backups/detail?limit=100", token: tokMember, version: "2.85", experimental: true}).expectStatus(t, 200).raw
	db := ts.app.db
	e := echo.New()
	e.HideBanner = true
	e.GET("/bare/list", func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody) })
	e.GET("/store/list", func(c echo.Context) error {
		limit := 100
		page, err := db.ListShareBackups(c.Request().Context(), storage.BackupFilter{ProjectID: projA, Limit: &limit})
		if err != nil || len(page) != 100 {
			return fmt.Errorf("store list read %d backups: %v", len(page), err)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody)
	})
	bare := httptest.NewServer(e)
	defer bare.Close()
	listRate := measure(t, list, headers, duration)
	showRate := measure(t, show, headers, duration)
	bareRate := measure(t, bare.URL+"/bare/list", headers, duration)
	storeRate := measure(t, bare.URL+"/store/list", headers, duration)
	benchreport.Add("GET share-backups/detail?limit=100 of %d / GET one backup (%s, 64 conns, %s): %.0f / %.0f req/s = %.2fx the cost (target <= 2x); floors next to the real show: bare Echo, same bytes %.0f req/s (%.2fx), + storage.ListShareBackups %.0f (%.2fx)",
		total, tool, duration, listRate, showRate, showRate/listRate, bareRate, showRate/bareRate, storeRate, showRate/storeRate)
}

// benchDuration is how long each measured run lasts
// (MANILITE_BENCH_DURATION, default 5s).
func benchDuration() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("MANILITE_BENCH_DURATION")); err == nil {
		return d
	}
	return 5 * time.Second
}

// profileRun writes a CPU profile of the test process (the server) while
// one measured run lasts, when MANILITE_BENCH_PROFILE names a folder: the
// profiles behind the figures, for pprof.
func profileRun(t *testing.T) (stop func()) {
	dir := os.Getenv("MANILITE_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	name := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+strconv.Itoa(int(profileSeq.Add(1)))+".pprof")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		t.Logf("CPU profile: %s", name)
	}
}

var profileSeq atomic.Int64

func requireBench(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") == "" {
		t.Skip("set MANILITE_BENCH=1 (make bench) to measure throughput")
	}
}

// createListShares creates the 100 shares (with metadata) the list
// figures read, waits until they are available, checks the detail list
// shows all of them, and returns the last one's id.
func createListShares(t *testing.T, ts *testServer) string {
	t.Helper()
	var last string
	for i := range 100 {
		last = createShare(t, ts, tokMember, map[string]any{"name": fmt.Sprintf("list-%d", i), "metadata": map[string]string{"k": "v"}})
	}
	waitShareStatus(t, ts, last, "available")
	raw := ts.do(t, req{method: "GET", path: "/v2/shares/detail", token: tokMember, version: "2.99"}).expectStatus(t, 200).raw
	if n := strings.Count(string(raw), `"share_proto"`); n != 100 {
		t.Fatalf("the list has %d shares, want 100", n)
	}
	return last
}

// TestThroughputShareList measures GET /v2/shares/detail of 100 shares
// next to GET /v2/shares/{id} of one of them, in the same run: with the
// load generator keeping both cores busy, the ratio of the rates is the
// ratio of the CPU each request costs.
func TestThroughputShareList(t *testing.T) {
	requireBench(t)
	ts := startServer(t, func(o *options) { o.LogLevel = "error"; o.Quotas["shares"] = -1; o.Quotas["gigabytes"] = -1 })
	last := createListShares(t, ts)
	ts.restartQuiet()
	headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.99"}
	list, show := ts.URL+"/v2/shares/detail", ts.URL+"/v2/shares/"+last
	d := benchDuration()
	listRate, showRate := wrkRate(t, list, headers, d), wrkRate(t, show, headers, d)
	benchreport.Add("GET /v2/shares/detail of 100 / GET one share (wrk, 64 conns, %s): %.0f / %.0f req/s = %.2fx the cost (target <= 2x)",
		d, listRate, showRate, showRate/listRate)
}

// TestThroughputCreateShare measures POST /v2/shares: each 200 is a share
// and its create job committed (SQLite synchronous FULL, the serve
// default) before the answer. It then checks that every share wrk saw
// acknowledged is in the database.
func TestThroughputCreateShare(t *testing.T) {
	requireBench(t)
	ts := startServer(t, func(o *options) {
		o.LogLevel = "error"
		o.Synchronous = "FULL"
		o.MinTransition = time.Second
		o.Quotas["shares"], o.Quotas["gigabytes"] = -1, -1
	})
	ts.restartQuiet()
	headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.99", "Content-Type": "application/json"}
	script := `wrk.method = "POST"
wrk.body = '{"share": {"share_proto": "NFS", "size": 1}}'
`
	d := benchDuration()
	commits0, calls0 := ts.app.db.WriteStats()
	rate, acked := wrkRun(t, ts.URL+"/v2/shares", headers, d, script)
	commits1, calls1 := ts.app.db.WriteStats()
	var stored int
	if err := ts.app.db.Write(t.Context(), func(tx *storage.Tx) error {
		return tx.QueryRowContext(t.Context(), `SELECT count(*) FROM shares`).Scan(&stored)
	}); err != nil {
		t.Fatal(err)
	}
	// wrk counts the answers it read; requests in flight when it stopped
	// may have been committed too, one per connection at most.
	if stored < acked || stored > acked+64 {
		t.Fatalf("wrk saw %d shares created, the database has %d", acked, stored)
	}
	benchreport.Add("POST /v2/shares, durable (SQLite FULL), job queued (wrk, 64 conns, %s): %.0f creates/s (target >= 3000); %d acknowledged, %d stored; %d writes in %d commits",
		d, rate, acked, stored, calls1-calls0, commits1-commits0)
}

// BenchmarkListSharesDetailInProcess is the cost of one GET
// /v2/shares/detail of 100 shares through the whole pipeline, without the
// network: next to BenchmarkShowShareInProcess, the cost of a list row.
func BenchmarkListSharesDetailInProcess(b *testing.B) {
	benchGetInProcess(b, 100, func([]string) string { return "/v2/shares/detail" })
}
