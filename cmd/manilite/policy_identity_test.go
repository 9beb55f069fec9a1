package main

import (
	"testing"
	"time"
)

// Keystone mode and the policy: Manila's rules are project-scoped, so a
// system- or domain-scoped token, even an admin's, is refused (403); role
// names match whatever their case; a revoked token stops working once the
// cache has had it for its TTL; an unreachable Keystone is 503.
func TestKeystoneTokensAndPolicy(t *testing.T) {
	ks := newMiniKeystone(t)
	ks.add("tok-admin", "root", projB, "ADMIN", "Member", "reader")
	ks.add("tok-member", "alice", projA, "MEMBER", "Reader")
	ks.add("tok-reader", "bob", projA, "Reader")
	expires := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z")
	ks.mu.Lock()
	ks.tokens["tok-system"] = map[string]any{"expires_at": expires, "user": map[string]any{"id": "cloud-admin"},
		"system": map[string]any{"all": true}, "roles": []any{map[string]any{"id": "r1", "name": "admin"}, map[string]any{"id": "r2", "name": "reader"}}}
	ks.tokens["tok-domain"] = map[string]any{"expires_at": expires, "user": map[string]any{"id": "domain-admin"},
		"domain": map[string]any{"id": "default", "name": "Default"}, "roles": []any{map[string]any{"id": "r1", "name": "admin"}}}
	ks.mu.Unlock()
	const ttl = 300 * time.Millisecond
	ts := startServer(t, func(o *options) {
		o.Auth = "keystone"
		o.Keystone.URL = ks.srv.URL
		o.Keystone.Username, o.Keystone.Password, o.Keystone.ProjectName = "manila", "pw", "service"
		o.Keystone.CacheTTL = ttl
	})
	typeBody := func(name string) map[string]any {
		return map[string]any{"share_type": map[string]any{"name": name, "extra_specs": map[string]any{"driver_handles_share_servers": false}}}
	}

	t.Run("system- and domain-scoped tokens are refused", func(t *testing.T) {
		for _, tok := range []string{"tok-system", "tok-domain"} {
			for _, rq := range []req{
				{method: "GET", path: "/v2/shares"},
				{method: "GET", path: "/v2/types"},
				{method: "POST", path: "/v2/types", body: typeBody("scoped-" + tok)},
				{method: "POST", path: "/v2/shares", body: newShareBody},
			} {
				rq.token = tok
				ts.do(t, rq).expectFault(t, 403, "forbidden", "Access was denied to this resource.")
			}
			// Open operations need no policy.
			ts.do(t, req{method: "GET", path: "/", token: tok}).expectStatus(t, 300)
		}
	})
	t.Run("role names match in any case", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/types", token: "tok-admin", body: typeBody("by-ADMIN")}).expectStatus(t, 200)
		ts.do(t, req{method: "POST", path: "/v2/shares", token: "tok-member", body: newShareBody}).expectStatus(t, 200)
		ts.do(t, req{method: "GET", path: "/v2/shares", token: "tok-reader"}).expectStatus(t, 200)
		ts.do(t, req{method: "POST", path: "/v2/shares", token: "tok-reader", body: newShareBody}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
	t.Run("a revoked token works until the cache checks it again", func(t *testing.T) {
		ks.add("tok-revoked", "carol", projA, "member", "reader")
		ts.do(t, req{method: "GET", path: "/v2/shares", token: "tok-revoked"}).expectStatus(t, 200)
		revoked := time.Now()
		ks.mu.Lock()
		delete(ks.tokens, "tok-revoked")
		ks.mu.Unlock()
		waitFor(t, 5*ttl, "the revocation to show", func() bool {
			r := ts.do(t, req{method: "GET", path: "/v2/shares", token: "tok-revoked"})
			switch r.status {
			case 200:
				if time.Since(revoked) > 2*ttl {
					t.Fatalf("a revoked token still works %v after its revocation (cache TTL %v)", time.Since(revoked), ttl)
				}
				return false
			case 401:
				return true
			}
			t.Fatalf("status %d", r.status)
			return false
		})
	})
	t.Run("keystone unreachable is 503", func(t *testing.T) {
		ks.srv.Close()
		ts.do(t, req{method: "GET", path: "/v2/shares", token: "tok-not-cached"}).
			expectFault(t, 503, "serviceUnavailable", "The server is currently unavailable. Please try again at a later time.")
	})
}
