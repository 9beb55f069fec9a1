package impl

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/manilite/manilite/policy"
)

// requestInfo is what the middleware learns about a request and the
// handlers need: who calls, at which microversion, through which URL.
type requestInfo struct {
	ID    string
	Start time.Time
	// OrigPath is the path as the client sent it; the router sees it with
	// the project id segment removed.
	OrigPath string
	// URLProject is the project id segment of /v2/{project_id}/..., if any.
	URLProject string
	Version    APIVersion
	// Versioned is true once a version applies to the request (every /v2
	// request with a well-formed header or none); responses then echo it.
	Versioned     bool
	Experimental  bool
	Authenticated bool
	Caller        policy.Caller
	Op            *opMeta
	Action        string
	// action is the x-manila-actions entry Action names, and actionValue
	// the value under its key in the body.
	action      *actionMeta
	actionValue json.RawMessage
	// gate is the operation's (or the action's) gate; lookupAuthorized
	// records that a handler checked an after-lookup gate's rule.
	gate             versionGate
	lookupAuthorized bool
	// BaseURL is scheme://host[:port] as the client reached us.
	BaseURL  string
	method   string
	query    url.Values
	rawQuery string
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, ri *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// reqInfo returns the request's info; handlers always run behind the
// middleware that sets it.
func reqInfo(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	if ri == nil {
		return &requestInfo{}
	}
	return ri
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.ToLower(strings.TrimSpace(strings.Split(p, ",")[0]))
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = strings.TrimSpace(strings.Split(h, ",")[0])
	}
	return scheme + "://" + host
}
