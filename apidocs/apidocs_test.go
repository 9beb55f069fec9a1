package apidocs

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesEachFile(t *testing.T) {
	spec := []byte("openapi: 3.0.3\n")
	h := Handler(spec)
	for _, c := range []struct{ path, file, contentType string }{
		{"/docs", "index.html", "text/html; charset=utf-8"},
		{"/docs/render.js", "render.js", "text/javascript; charset=utf-8"},
		{"/docs/swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
		{"/docs/swagger-ui/swagger-ui.css", "swagger-ui/swagger-ui.css", "text/css; charset=utf-8"},
		{"/docs/swagger-ui/LICENSE", "swagger-ui/LICENSE", "text/plain; charset=utf-8"},
		{"/docs/swagger-ui/NOTICE", "swagger-ui/NOTICE", "text/plain; charset=utf-8"},
		{"/docs/swagger-ui/README.md", "swagger-ui/README.md", "text/markdown; charset=utf-8"},
	} {
		want, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		res := get(t, h, "GET", c.path, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: status %d, want 200", c.path, res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != c.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, got, c.contentType)
		}
		if got := body(t, res); got != string(want) {
			t.Errorf("GET %s: body is not %s (%d bytes, want %d)", c.path, c.file, len(got), len(want))
		}
	}
	res := get(t, h, "GET", "/openapi.yaml", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/yaml" || body(t, res) != string(spec) {
		t.Fatalf("GET /openapi.yaml: %d %q, want 200 application/yaml and the spec's bytes", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestHandlerRevalidatesWithETag(t *testing.T) {
	h := Handler([]byte("openapi: 3.0.3\n"))
	first := get(t, h, "GET", "/openapi.yaml", nil)
	etag := first.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || first.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q; want a strong ETag and no-cache", etag, first.Header.Get("Cache-Control"))
	}
	again := get(t, h, "GET", "/openapi.yaml", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified || body(t, again) != "" {
		t.Fatalf("If-None-Match: status %d, want 304 without a body", again.StatusCode)
	}
	other := Handler([]byte("openapi: 3.1.0\n"))
	if got := get(t, other, "GET", "/openapi.yaml", map[string]string{"If-None-Match": etag}); got.StatusCode != 200 {
		t.Fatalf("another document with the old ETag: status %d, want 200", got.StatusCode)
	}
}

func TestHandlerHeadAndOtherMethods(t *testing.T) {
	h := Handler([]byte("openapi: 3.0.3\n"))
	head := get(t, h, "HEAD", "/docs", nil)
	if head.StatusCode != 200 || head.Header.Get("Content-Type") != "text/html; charset=utf-8" || body(t, head) != "" {
		t.Fatalf("HEAD /docs: %d %q, want 200 text/html and no body", head.StatusCode, head.Header.Get("Content-Type"))
	}
	post := get(t, h, "POST", "/docs", nil)
	if post.StatusCode != http.StatusMethodNotAllowed || post.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST /docs: %d Allow %q, want 405 and GET, HEAD", post.StatusCode, post.Header.Get("Allow"))
	}
}

func TestHandlerUnknownPathsAndTrailingSlash(t *testing.T) {
	h := Handler([]byte("openapi: 3.0.3\n"))
	for _, p := range []string{"/docs/index.html", "/docs/nope.js", "/docs/swagger-ui/", "/docs/swagger-ui/swagger-ui-bundle.js.map", "/docs/../openapi.yaml", "/openapi.json"} {
		if res := get(t, h, "GET", p, nil); res.StatusCode != 404 {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
	// /docs/ would break the page's relative URLs: it is sent to /docs by a
	// relative Location, so a proxy's path prefix is kept.
	res := get(t, h, "GET", "/docs/", nil)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "../docs" {
		t.Fatalf("GET /docs/: %d Location %q, want 301 ../docs", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestServes(t *testing.T) {
	for p, want := range map[string]bool{
		"/docs": true, "/docs/": true, "/docs/render.js": true, "/openapi.yaml": true,
		"/": false, "/docsx": false, "/v2/docs": false, "/v2/openapi.yaml": false, "/openapi.yml": false,
	} {
		if got := Serves(p); got != want {
			t.Errorf("Serves(%q) = %v, want %v", p, got, want)
		}
	}
}
