package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/impl/keystone"
	"github.com/manilite/manilite/policy"
)

// Projects and callers used throughout the end-to-end tests. Project ids are
// hex, as Manila's default project_id_regex wants for /v2/{project_id}/ URLs.
const (
	projA = "1f2e3d4c5b6a47988796a5b4c3d2e1f0"
	projB = "0a0b0c0d0e0f40718293a4b5c6d7e8f9"

	tokAdmin       = "admin-user:" + projA // no roles part: admin, member and reader
	tokMember      = "member-user:" + projA + ":member,reader"
	tokReader      = "reader-user:" + projA + ":reader"
	tokOtherMember = "other-user:" + projB + ":member,reader"
	tokOtherAdmin  = "other-admin:" + projB + ":admin,member,reader"
)

// testServer is the real server (router, middleware, SQLite file or
// PostgreSQL database, Rego policy, job workers, share directories) behind
// an httptest listener.
type testServer struct {
	t    *testing.T
	dir  string
	opts options
	app  *app
	http *httptest.Server
	URL  string
	logs *logBuffer

	// keystone identifies callers for the response checker in
	// --auth keystone mode.
	keystoneOnce sync.Once
	keystone     *keystone.Validator
	keystoneErr  error
}

// testOptions are a test server's settings, its files in dir. Its
// database is the SQLite file dir/manilite.db, or with
// MANILITE_TEST_DB=postgres a fresh database of its own on the test
// binary's cluster (restart keeps ts.opts, so the same database).
func testOptions(dir string) options {
	db := filepath.Join(dir, "manilite.db")
	if pgCluster != nil {
		db = pgCluster.NewDatabase()
	}
	return options{
		DB:                     db,
		DataDir:                filepath.Join(dir, "data"),
		Auth:                   "noauth",
		LogLevel:               "debug",
		MinTransition:          50 * time.Millisecond,
		Workers:                2,
		Synchronous:            "NORMAL",
		ProjectIDPattern:       `[0-9a-f\-]+`,
		DefaultShareType:       "default",
		AvailabilityZone:       "nova",
		Host:                   "manilite@local#pool",
		ShutdownTimeout:        5 * time.Second,
		Quotas:                 quotaDefaults(),
		BackupGenericProtocols: []string{"NFS"},
		Metrics:                true, // as --metrics defaults
	}
}

func startServer(t *testing.T, mods ...func(*options)) *testServer {
	t.Helper()
	dir := t.TempDir()
	o := testOptions(dir)
	for _, m := range mods {
		m(&o)
	}
	ts := &testServer{t: t, dir: dir, opts: o}
	ts.start()
	t.Cleanup(ts.stop)
	t.Cleanup(ts.reportErrors)
	return ts
}

// reportErrors shows, after a failed test, the server's ERROR log lines
// (the cause of a 500 the test saw) since its last start.
func (ts *testServer) reportErrors() {
	if !ts.t.Failed() || ts.logs == nil {
		return
	}
	n := 0
	for _, line := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) && n < 20 {
			ts.t.Log("server error: " + line)
			n++
		}
	}
}

func (ts *testServer) start() {
	ts.t.Helper()
	ts.logs = &logBuffer{}
	log := slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := newApp(context.Background(), ts.opts, log)
	if err != nil {
		ts.t.Fatalf("start server: %v", err)
	}
	ts.app = a
	ts.http = httptest.NewServer(a.Handler())
	ts.URL = ts.http.URL
}

func (ts *testServer) stop() {
	if ts.app == nil {
		return
	}
	ts.http.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.app.Close(ctx); err != nil {
		ts.t.Errorf("stop server: %v", err)
	}
	ts.app = nil
}

// restart stops the server and starts a new one on the same files.
func (ts *testServer) restart(mods ...func(*options)) {
	ts.t.Helper()
	ts.stop()
	for _, m := range mods {
		m(&ts.opts)
	}
	ts.start()
}

// req describes one request; zero values mean: no token, no version header.
type req struct {
	method, path string
	token        string
	version      string
	experimental bool
	body         any // marshalled as JSON unless it is a string or []byte
	contentType  string
	header       map[string]string
}

type resp struct {
	status int
	header http.Header
	raw    []byte
}

// json decodes the body into a generic value, failing the test if it is
// not JSON.
func (r *resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.raw)
	}
	return m
}

func (ts *testServer) do(t *testing.T, rq req) *resp {
	t.Helper()
	var body io.Reader
	var payload []byte
	ct := rq.contentType
	switch b := rq.body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	case []byte:
		payload = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		payload = raw
		if ct == "" {
			ct = "application/json"
		}
	}
	if rq.body != nil {
		body = bytes.NewReader(payload)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	r, err := http.NewRequest(rq.method, ts.URL+rq.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "-" && ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if rq.token != "" {
		r.Header.Set("X-Auth-Token", rq.token)
	}
	if rq.version != "" {
		r.Header.Set("X-OpenStack-Manila-API-Version", rq.version)
	}
	if rq.experimental {
		r.Header.Set("X-OpenStack-Manila-API-Experimental", "True")
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	ts.checkResponse(t, exchange{method: rq.method, target: rq.path, token: r.Header.Get("X-Auth-Token"),
		reqBody: payload, status: res.StatusCode, header: res.Header, body: raw})
	return &resp{status: res.StatusCode, header: res.Header, raw: raw}
}

// checkResponse holds every answer to the spec (respcheck_test.go). A
// wrong answer fails the test but lets it go on, so that one run shows
// every wrong answer; Errorf is also safe from the goroutines some tests
// send requests from.
func (ts *testServer) checkResponse(t *testing.T, ex exchange) {
	t.Helper()
	c, err := sharedResponseChecker()
	if err != nil {
		t.Fatalf("response checker: %v", err)
	}
	env, err := ts.checkEnv()
	if err != nil {
		t.Fatalf("response checker: %v", err)
	}
	if problems := c.check(context.Background(), env, ex); len(problems) > 0 {
		t.Errorf("answer not as the spec says: %s %s (version %q, token %q) status %d:\n  %s\nbody: %s",
			ex.method, ex.target, ex.header.Get("X-OpenStack-Manila-API-Version"), ex.token, ex.status,
			strings.Join(problems, "\n  "), ex.body)
	}
}

// checkEnv describes the server for the response checker: its project id
// pattern, the policy engine in force, and its authenticator. A server
// running as a separate process (process_test.go) is checked against the
// embedded default policy.
func (ts *testServer) checkEnv() (checkEnv, error) {
	pattern := ts.opts.ProjectIDPattern
	if pattern == "" {
		pattern = `[0-9a-f\-]+`
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return checkEnv{}, err
	}
	env := checkEnv{projectPattern: re}
	if ts.app != nil {
		env.engine = ts.app.engine
	} else if env.engine, err = defaultPolicyEngine(); err != nil {
		return checkEnv{}, err
	}
	env.identify = func(token string) (policy.Caller, error) {
		return impl.NoAuth{}.Authenticate(context.Background(), token)
	}
	if ts.opts.Auth == "keystone" {
		env.identify = ts.keystoneCaller
	}
	return env, nil
}

// keystoneCaller asks the test's identity service, as the server does.
func (ts *testServer) keystoneCaller(token string) (policy.Caller, error) {
	ts.keystoneOnce.Do(func() { ts.keystone, ts.keystoneErr = keystone.New(ts.opts.Keystone) })
	if ts.keystoneErr != nil {
		return policy.Caller{}, ts.keystoneErr
	}
	return ts.keystone.Authenticate(context.Background(), token)
}

var (
	defaultEngineOnce sync.Once
	defaultEngine     *policy.Engine
	defaultEngineErr  error
)

func defaultPolicyEngine() (*policy.Engine, error) {
	defaultEngineOnce.Do(func() {
		set, err := policy.LoadFS(policy.DefaultFS())
		if err != nil {
			defaultEngineErr = err
			return
		}
		defaultEngine, defaultEngineErr = policy.NewEngine(context.Background(), set, nil)
	})
	return defaultEngine, defaultEngineErr
}

// expectStatus fails the test unless the status is want.
func (r *resp) expectStatus(t *testing.T, want int) *resp {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.raw)
	}
	return r
}

// expectFault checks Manila's fault body exactly.
func (r *resp) expectFault(t *testing.T, status int, name, message string) {
	t.Helper()
	r.expectStatus(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("fault Content-Type %q, want application/json", ct)
	}
	want := map[string]any{name: map[string]any{"code": float64(status), "message": message}}
	if status == 413 {
		want[name].(map[string]any)["retryAfter"] = "0"
	}
	got := r.json(t)
	if !jsonEqual(got, want) {
		t.Fatalf("fault body\n got: %s\nwant: %s", mustJSON(got), mustJSON(want))
	}
}

func jsonEqual(a, b any) bool { return string(mustJSON(a)) == string(mustJSON(b)) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expectKeys fails unless m has exactly the keys want.
func expectKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keysOf(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s keys\n got: %v\nwant: %v", what, got, want)
	}
}

// waitFor polls until check returns true or fails the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if check() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
