// Package apidocs serves the API reference: GET /docs, a page on which the
// vendored Swagger UI (swagger-ui/, see its README) renders the OpenAPI
// document, and GET /openapi.yaml, the document itself. Everything is
// embedded in the binary and every URL the page uses is relative and local,
// so the page works offline and behind a path-prefixing proxy.
package apidocs

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// The paths the handler answers. They are outside /v2, need no token and
// never go through the API pipeline.
const (
	PagePath    = "/docs"
	AssetPrefix = "/docs/"
	SpecPath    = "/openapi.yaml"
)

// specType is YAML's media type (RFC 9512).
const specType = "application/yaml"

//go:embed index.html render.js swagger-ui
var files embed.FS

// Serves reports whether the handler answers urlPath, so the API pipeline
// can let it through.
func Serves(urlPath string) bool {
	return urlPath == PagePath || urlPath == SpecPath || strings.HasPrefix(urlPath, AssetPrefix)
}

// asset is one response body, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

func newAsset(body []byte, contentType string) asset {
	sum := sha256.Sum256(body)
	return asset{body: body, contentType: contentType, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
}

// contentTypes are the media types of the embedded files, by extension;
// fixed here rather than taken from the system's mime tables, so every
// machine serves the same headers.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	"":      "text/plain; charset=utf-8", // LICENSE, NOTICE
}

// Handler serves the page, its assets and spec, the OpenAPI document's
// bytes, at GET /openapi.yaml. Any other path is 404.
func Handler(spec []byte) http.Handler {
	assets := map[string]asset{SpecPath: newAsset(spec, specType)}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		urlPath := AssetPrefix + name
		if name == "index.html" {
			urlPath = PagePath
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = "application/octet-stream"
		}
		assets[urlPath] = newAsset(body, ct)
		return nil
	})
	if err != nil {
		// The files are embedded at build time: this cannot fail at run time.
		panic("apidocs: read embedded files: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == AssetPrefix {
			// /docs/ would resolve the page's relative URLs against the
			// wrong folder. A relative Location keeps any proxy prefix.
			w.Header().Set("Location", "../docs")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		a, ok := assets[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("X-Content-Type-Options", "nosniff")
		// Revalidate each time: the ETag makes that a 304 until the binary
		// (and so the content) changes.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}
