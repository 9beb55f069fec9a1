package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// miniKeystone is just enough of Keystone v3 for the server: the service
// login and token validation, from a table the test fills.
type miniKeystone struct {
	mu     sync.Mutex
	tokens map[string]map[string]any // token -> the "token" object Keystone returns
	down   bool
	srv    *httptest.Server
}

func newMiniKeystone(t *testing.T) *miniKeystone {
	k := &miniKeystone{tokens: map[string]map[string]any{}}
	k.srv = httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *miniKeystone) add(token, user, project string, roles ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var rs []any
	for _, r := range roles {
		rs = append(rs, map[string]any{"id": r + "-id", "name": r})
	}
	tok := map[string]any{
		"expires_at": time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"),
		"user":       map[string]any{"id": user, "name": user},
		"roles":      rs,
	}
	if project != "" {
		tok["project"] = map[string]any{"id": project, "name": project}
	}
	k.tokens[token] = tok
}

func (k *miniKeystone) serve(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.down {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	if r.URL.Path != "/v3/auth/tokens" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.Method {
	case "POST":
		w.Header().Set("X-Subject-Token", "service-token")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
			"expires_at": time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"),
			"user":       map[string]any{"id": "manila"}, "roles": []any{map[string]any{"name": "service"}},
		}})
	case "GET":
		if r.Header.Get("X-Auth-Token") != "service-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		tok, ok := k.tokens[r.Header.Get("X-Subject-Token")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"token": tok})
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func TestKeystoneMode(t *testing.T) {
	ks := newMiniKeystone(t)
	ks.add("tok-member", "alice", projA, "Member", "reader")
	ks.add("tok-admin", "root", projB, "admin", "member", "reader")
	ts := startServer(t, func(o *options) {
		o.Auth = "keystone"
		o.Keystone.URL = ks.srv.URL
		o.Keystone.Username, o.Keystone.Password, o.Keystone.ProjectName = "manila", "pw", "service"
		o.Keystone.CacheTTL = time.Minute
	})

	t.Run("a valid token maps user, project and roles", func(t *testing.T) {
		r := ts.do(t, req{method: "POST", path: "/v2/" + projA + "/shares", token: "tok-member", version: "2.16",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).expectStatus(t, 200)
		sh := r.json(t)["share"].(map[string]any)
		if sh["user_id"] != "alice" || sh["project_id"] != projA {
			t.Fatalf("share owner %v / %v", sh["user_id"], sh["project_id"])
		}
		if _, admin := sh["host"]; admin {
			t.Fatal("a member was shown admin fields")
		}
		// "Member" matched the member rule: roles are case-insensitive.
		ts.do(t, req{method: "POST", path: "/v2/types", token: "tok-member",
			body: map[string]any{"share_type": map[string]any{"name": "t", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		ts.do(t, req{method: "POST", path: "/v2/types", token: "tok-admin",
			body: map[string]any{"share_type": map[string]any{"name": "t", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}}).
			expectStatus(t, 200)
	})
	t.Run("an unknown or missing token is 401", func(t *testing.T) {
		for _, tok := range []string{"nope", ""} {
			r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tok})
			r.expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		}
	})
	t.Run("version discovery needs no token", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/"}).expectStatus(t, 300)
		ts.do(t, req{method: "GET", path: "/v2/"}).expectStatus(t, 200)
	})
	t.Run("keystone down is 503, never a pass", func(t *testing.T) {
		ks.mu.Lock()
		ks.down = true
		ks.mu.Unlock()
		ks.add("tok-new", "bob", projA, "member")
		ts.do(t, req{method: "GET", path: "/v2/shares", token: "tok-new"}).
			expectFault(t, 503, "serviceUnavailable", "The server is currently unavailable. Please try again at a later time.")
	})
}
