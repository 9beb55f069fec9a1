package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/impl"
)

// The API reference: GET /openapi.yaml is the spec file itself, GET /docs a
// page that renders it with local assets only, both without a token and
// outside the /v2 API.

func TestDocsOpenAPIDocumentIsTheSpecFile(t *testing.T) {
	ts := startServer(t)
	want, err := os.ReadFile("../../openapi/manila.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := ts.do(t, req{method: "GET", path: "/openapi.yaml"}).expectStatus(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
	if !bytes.Equal(r.raw, want) {
		t.Fatalf("GET /openapi.yaml: %d bytes that are not openapi/manila.yaml (%d bytes)", len(r.raw), len(want))
	}
}

func TestDocsAreNotAPIURLs(t *testing.T) {
	ts := startServer(t)
	// Under /v2 the names are nothing special: the API's own answers.
	for _, p := range []string{"/v2/docs", "/v2/openapi.yaml", "/v2/" + projA + "/docs", "/v2/" + projA + "/openapi.yaml"} {
		ts.do(t, req{method: "GET", path: p}).
			expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
		ts.do(t, req{method: "GET", path: p, token: tokMember}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	}
	// The pages take no body: other methods are not routes.
	ts.do(t, req{method: "POST", path: "/docs", body: map[string]any{}}).
		expectFault(t, 404, "itemNotFound", "The resource could not be found.")
}

// docsPageURLs are every src and href of the page, in order.
var docsPageURLs = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestDocsPageLoadsOnlyLocalAssets(t *testing.T) {
	ts := startServer(t)
	page := ts.do(t, req{method: "GET", path: "/docs"}).expectStatus(t, 200)
	if ct := page.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	var refs []string
	for _, m := range docsPageURLs.FindAllStringSubmatch(string(page.raw), -1) {
		refs = append(refs, m[1])
	}
	// Relative URLs only (a proxy may add a path prefix), and the icon is
	// inline so the browser does not ask for /favicon.ico.
	want := []string{"data:,", "docs/swagger-ui/swagger-ui.css", "docs/swagger-ui/swagger-ui-bundle.js", "docs/render.js"}
	if !slices.Equal(refs, want) {
		t.Fatalf("the page references\n %q\nwant\n %q", refs, want)
	}
	base, err := url.Parse(ts.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{
		"docs/swagger-ui/swagger-ui.css":       "text/css; charset=utf-8",
		"docs/swagger-ui/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
		"docs/render.js":                       "text/javascript; charset=utf-8",
	}
	for ref, ct := range types {
		u, err := base.Parse(ref)
		if err != nil {
			t.Fatal(err)
		}
		r := ts.do(t, req{method: "GET", path: u.Path}).expectStatus(t, 200)
		if got := r.header.Get("Content-Type"); got != ct {
			t.Errorf("GET %s: Content-Type %q, want %q", u.Path, got, ct)
		}
		if len(r.raw) == 0 {
			t.Errorf("GET %s: empty body", u.Path)
		}
	}
	render := string(ts.do(t, req{method: "GET", path: "/docs/render.js"}).raw)
	for _, s := range []string{`url: "openapi.yaml"`, `validatorUrl: null`} {
		if !strings.Contains(render, s) {
			t.Errorf("render.js lacks %s", s)
		}
	}
}

// recordingProxy is the browser's only way out: it forwards requests for
// the server under test and refuses (and records) every other one,
// including HTTPS tunnels.
type recordingProxy struct {
	origin  string // host:port of the server under test
	forward *httputil.ReverseProxy

	mu        sync.Mutex
	forwarded []string // paths, as requested
	refused   []string // URLs or CONNECT hosts
}

func newRecordingProxy(origin string) *recordingProxy {
	p := &recordingProxy{origin: origin}
	p.forward = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Scheme, pr.Out.URL.Host, pr.Out.Host = "http", origin, origin
	}}
	return p
}

func (p *recordingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if r.Method == http.MethodConnect || r.URL.Host != p.origin {
		p.refused = append(p.refused, r.Method+" "+r.Host+r.URL.Path)
		p.mu.Unlock()
		http.Error(w, "this proxy reaches only the server under test", http.StatusForbidden)
		return
	}
	p.forwarded = append(p.forwarded, r.URL.RequestURI())
	p.mu.Unlock()
	p.forward.ServeHTTP(w, r)
}

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI=true: .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium is not installed (apt-get install chromium); with CI=true this test fails instead")
	return ""
}

// chromiumFlags keep a headless Chromium quiet and send all its traffic,
// loopback included, through proxyURL.
func chromiumFlags(userDataDir, proxyURL string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-extensions", "--disable-default-apps",
		"--disable-client-side-phishing-detection", "--disable-domain-reliability",
		"--no-pings", "--disable-breakpad", "--metrics-recording-only",
		"--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
		"--window-size=1280,1600",
		"--user-data-dir=" + userDataDir,
		"--proxy-server=" + proxyURL,
		// Chromium sends loopback directly unless told not to.
		"--proxy-bypass-list=<-loopback>",
	}
}

// shareBackupSummaries are the summaries of the spec's share-backups
// operations: text that only the rendered document can put on the page.
func shareBackupSummaries(t *testing.T) []string {
	t.Helper()
	doc, err := impl.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if slices.Contains(op.Tags, "share-backups") {
				out = append(out, op.Summary)
			}
		}
	}
	slices.Sort(out)
	if len(out) < 6 || !slices.Contains(out, "List share backups (id, name, share_id, status)") {
		t.Fatalf("the spec's share-backups summaries are %q: the test no longer matches the spec", out)
	}
	return out
}

// pageRequests is what the DevTools protocol reports the page (and any
// worker it starts) asked for.
type pageRequests struct {
	mu      sync.Mutex
	urls    []string
	pending map[string]bool // session and request id, until finished or failed
	loaded  chan struct{}   // the page's load event
}

func (p *pageRequests) onEvent(b *browser, m cdpMessage) {
	var ev struct {
		RequestID string `json:"requestId"`
		Request   struct {
			URL string `json:"url"`
		} `json:"request"`
		SessionID string `json:"sessionId"`
	}
	_ = json.Unmarshal(m.Params, &ev)
	key := m.SessionID + "/" + ev.RequestID
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Method {
	case "Network.requestWillBeSent":
		if !strings.HasPrefix(ev.Request.URL, "data:") && !strings.HasPrefix(ev.Request.URL, "blob:") {
			p.urls = append(p.urls, ev.Request.URL)
			p.pending[key] = true
		}
	case "Network.loadingFinished", "Network.loadingFailed":
		delete(p.pending, key)
	case "Page.loadEventFired":
		select {
		case <-p.loaded:
		default:
			close(p.loaded)
		}
	case "Target.attachedToTarget":
		// A worker of the page: watch its requests too, then let it run.
		_, _ = b.send(ev.SessionID, "Network.enable", nil)
		_, _ = b.send(ev.SessionID, "Runtime.runIfWaitingForDebugger", nil)
	}
}

// TestDocsRenderInChromium loads /docs in a real headless Chromium and
// proves two things. The page renders the spec: the DOM ends up holding
// the share-backups operations' summaries, which only the rendered
// document holds. And it makes no external request: the DevTools protocol
// reports every request of the page and its workers, and each must be for
// the server under test. Besides, the browser's only way out is a proxy
// that forwards requests for the server alone (loopback included, so the
// proxy must see the page and every asset) and refuses the rest, so not
// even Chromium's own background traffic leaves the machine.
//
// MANILITE_DOCS_SCREENSHOT=file.png saves what the browser rendered.
func TestDocsRenderInChromium(t *testing.T) {
	chromium := findChromium(t)
	summaries := shareBackupSummaries(t)
	ts := startServer(t)
	origin := strings.TrimPrefix(ts.URL, "http://")
	proxy := newRecordingProxy(origin)
	proxyServer := httptest.NewServer(proxy)
	t.Cleanup(proxyServer.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reqs := &pageRequests{pending: map[string]bool{}, loaded: make(chan struct{})}
	b := startBrowser(t, chromium, chromiumFlags(t.TempDir(), proxyServer.URL), reqs.onEvent)
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	page := attached.SessionID
	for _, c := range []struct {
		method string
		params any
	}{
		{"Network.enable", nil},
		{"Page.enable", nil},
		{"Target.setAutoAttach", map[string]any{"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}},
	} {
		if err := b.call(ctx, page, c.method, c.params, nil); err != nil {
			t.Fatal(err)
		}
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	// Swagger UI renders a document this large virtualized (only what is
	// in view), so the page is opened as a reader would open it to read
	// about backups: deep-linked to their tag.
	if err := b.call(ctx, page, "Page.navigate", map[string]any{"url": ts.URL + "/docs#/share-backups"}, &nav); err != nil || nav.ErrorText != "" {
		t.Fatalf("navigate to /docs: %v %s", err, nav.ErrorText)
	}
	select {
	case <-reqs.loaded:
	case <-ctx.Done():
		t.Fatal("timed out waiting for the page's load event")
	}

	// Swagger UI renders after it has fetched the document: wait until the
	// page shows every summary (or give up after 30s and report below).
	renderCtx, renderCancel := context.WithTimeout(ctx, 30*time.Second)
	var rendered bool
	err := b.evaluate(renderCtx, page, `new Promise(resolve => {
		const want = `+string(mustJSON(summaries))+`;
		const done = () => want.every(s => document.body.textContent.includes(s));
		if (done()) return resolve(true);
		new MutationObserver((_, obs) => { if (done()) { obs.disconnect(); resolve(true); } })
			.observe(document.body, {childList: true, subtree: true, characterData: true});
	})`, &rendered)
	renderCancel()
	if err != nil {
		t.Logf("waiting for the rendered operations: %v", err)
	}
	var dom string
	if err := b.evaluate(ctx, page, "document.documentElement.outerHTML", &dom); err != nil {
		t.Fatal(err)
	}
	text := html.UnescapeString(dom)
	for _, s := range summaries {
		if !strings.Contains(text, s) {
			t.Errorf("the rendered page lacks %q", s)
		}
	}
	if t.Failed() {
		t.Fatalf("DOM (%d bytes), first 3000:\n%.3000s", len(text), text)
	}

	// A screenshot makes the browser lay out and paint everything (and so
	// load any font or image the styles name); then wait for the fonts and
	// for every request to have finished before judging them.
	var shot struct {
		Data []byte `json:"data"`
	}
	if err := b.call(ctx, page, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("MANILITE_DOCS_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, shot.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var fonts string
	if err := b.evaluate(ctx, page, "document.fonts.ready.then(f => f.status)", &fonts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the page's requests to finish", func() bool {
		reqs.mu.Lock()
		defer reqs.mu.Unlock()
		return len(reqs.pending) == 0
	})

	reqs.mu.Lock()
	urls := slices.Clone(reqs.urls)
	reqs.mu.Unlock()
	var paths []string
	for _, u := range urls {
		p, ok := strings.CutPrefix(u, ts.URL+"/")
		if !ok {
			t.Errorf("the page requested %s, which is not the server under test", u)
			continue
		}
		paths = append(paths, "/"+p)
	}
	want := []string{"/docs", "/docs/render.js", "/docs/swagger-ui/swagger-ui-bundle.js", "/docs/swagger-ui/swagger-ui.css", "/openapi.yaml"}
	slices.Sort(paths)
	if paths = slices.Compact(paths); !slices.Equal(paths, want) {
		t.Errorf("the page requested\n %q\nwant\n %q", paths, want)
	}

	proxy.mu.Lock()
	forwarded, refused := slices.Clone(proxy.forwarded), slices.Clone(proxy.refused)
	proxy.mu.Unlock()
	slices.Sort(forwarded)
	if forwarded = slices.Compact(forwarded); !slices.Equal(forwarded, want) {
		t.Errorf("requests the proxy forwarded to the server\n %q\nwant\n %q", forwarded, want)
	}
	if len(refused) > 0 {
		t.Logf("Chromium's own requests, refused by the proxy: %q", refused)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
