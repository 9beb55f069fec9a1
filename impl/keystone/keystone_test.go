package keystone

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/policy"
)

// t0 is the pinned start of every test's clock.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// clock is a pinned, manually advanced clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Service credentials the fake Keystone accepts.
const (
	svcUser    = "manila"
	svcPass    = "s3cret"
	svcProject = "service"
)

type fakeToken struct {
	user    string
	project string // "" for a domain-scoped token
	system  bool   // a system-scoped token (project is then ignored)
	// unscoped: no project, domain or system at all.
	unscoped bool
	roles    []string
	expires  time.Time
}

// fakeKeystone serves POST and GET /v3/auth/tokens from tables the test
// controls.
type fakeKeystone struct {
	t     *testing.T
	srv   *httptest.Server
	clock *clock

	mu          sync.Mutex
	tokens      map[string]fakeToken // valid user tokens
	service     map[string]bool      // valid service tokens
	svcLifetime time.Duration        // of issued service tokens
	issued      int
	posts, gets int
	authBodies  [][]byte // every POST body received
	postQueries []string
	getQueries  []string
	mode        string        // "", "500", "403", "close", "garbage", "slow", "401"
	closeNext   int           // the next requests to close without an answer
	postGate    chan struct{} // when set, POST waits for it to be closed
	postEntered chan struct{} // when set, POST signals it started
}

func newFake(t *testing.T, clk *clock) *fakeKeystone {
	t.Helper()
	f := &fakeKeystone{
		t:           t,
		clock:       clk,
		tokens:      map[string]fakeToken{},
		service:     map[string]bool{},
		svcLifetime: time.Hour,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3/auth/tokens", f.post)
	mux.HandleFunc("GET /v3/auth/tokens", f.get)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKeystone) addToken(tok string, ft fakeToken) {
	f.mu.Lock()
	f.tokens[tok] = ft
	f.mu.Unlock()
}

func (f *fakeKeystone) revoke(tok string) {
	f.mu.Lock()
	delete(f.tokens, tok)
	f.mu.Unlock()
}

func (f *fakeKeystone) revokeServiceTokens() {
	f.mu.Lock()
	clear(f.service)
	f.mu.Unlock()
}

func (f *fakeKeystone) setCloseNext(n int) {
	f.mu.Lock()
	f.closeNext = n
	f.mu.Unlock()
}

func (f *fakeKeystone) setMode(m string) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
}

// requests returns the POST bodies and the queries of every POST and GET.
func (f *fakeKeystone) requests() (bodies [][]byte, postQueries, getQueries []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.authBodies), slices.Clone(f.postQueries), slices.Clone(f.getQueries)
}

// holdPosts makes POSTs signal entered, then wait until gate is closed.
func (f *fakeKeystone) holdPosts(gate, entered chan struct{}) {
	f.mu.Lock()
	f.postGate, f.postEntered = gate, entered
	f.mu.Unlock()
}

func (f *fakeKeystone) setServiceLifetime(d time.Duration) {
	f.mu.Lock()
	f.svcLifetime = d
	f.mu.Unlock()
}

func (f *fakeKeystone) counts() (posts, gets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts, f.gets
}

// failure serves the broken modes; it reports whether it answered.
func (f *fakeKeystone) failure(w http.ResponseWriter, r *http.Request, mode string) bool {
	switch mode {
	case "500":
		http.Error(w, `{"error":{"code":500,"message":"boom","title":"Internal Server Error"}}`, http.StatusInternalServerError)
	case "403":
		http.Error(w, `{"error":{"code":403,"message":"not allowed","title":"Forbidden"}}`, http.StatusForbidden)
	case "garbage":
		w.Header().Set("X-Subject-Token", "svc-garbage")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html>not json")
	case "close":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			f.t.Errorf("hijack: %v", err)
			return true
		}
		_ = conn.Close()
	case "slow":
		<-r.Context().Done()
	default:
		return false
	}
	return true
}

func (f *fakeKeystone) post(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.posts++
	f.authBodies = append(f.authBodies, body)
	f.postQueries = append(f.postQueries, r.URL.RawQuery)
	mode, gate, entered := f.mode, f.postGate, f.postEntered
	if f.closeNext > 0 {
		f.closeNext--
		mode = "close"
	}
	f.mu.Unlock()

	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if f.failure(w, r, mode) {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("POST Content-Type = %q, want application/json", ct)
	}
	var req struct {
		Auth struct {
			Identity struct {
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
		} `json:"auth"`
	}
	if err := json.Unmarshal(body, &req); err != nil ||
		req.Auth.Identity.Password.User.Name != svcUser ||
		req.Auth.Identity.Password.User.Password != svcPass {
		http.Error(w, `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`, http.StatusUnauthorized)
		return
	}

	f.mu.Lock()
	f.issued++
	tok := fmt.Sprintf("svc-%d", f.issued)
	f.service[tok] = true
	expires := f.clock.Now().Add(f.svcLifetime)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Subject-Token", tok)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"token":{"methods":["password"],"expires_at":%q,"user":{"id":"svc-user-id","name":%q}}}`,
		keystoneTime(expires), svcUser)
}

func (f *fakeKeystone) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.gets++
	f.getQueries = append(f.getQueries, r.URL.RawQuery)
	mode := f.mode
	if f.closeNext > 0 {
		f.closeNext--
		mode = "close"
	}
	svcOK := f.service[r.Header.Get("X-Auth-Token")]
	tok, found := f.tokens[r.Header.Get("X-Subject-Token")]
	f.mu.Unlock()

	if f.failure(w, r, mode) {
		return
	}
	if !svcOK || mode == "401" {
		http.Error(w, `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`, http.StatusUnauthorized)
		return
	}
	if !found {
		http.Error(w, `{"error":{"code":404,"message":"Could not find token.","title":"Not Found"}}`, http.StatusNotFound)
		return
	}

	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	body := map[string]any{
		"methods":    []string{"password"},
		"expires_at": keystoneTime(tok.expires),
		"issued_at":  keystoneTime(t0),
		"user":       map[string]any{"id": tok.user, "name": "name-of-" + tok.user, "domain": ref{"default", "Default"}},
	}
	switch {
	case tok.unscoped:
	case tok.system:
		body["system"] = map[string]any{"all": true}
	case tok.project != "":
		body["project"] = map[string]any{"id": tok.project, "name": "name-of-" + tok.project, "domain": ref{"default", "Default"}}
	default:
		body["domain"] = ref{"default", "Default"}
	}
	roles := []ref{}
	for i, name := range tok.roles {
		roles = append(roles, ref{fmt.Sprintf("role-%d", i), name})
	}
	body["roles"] = roles
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Subject-Token", r.Header.Get("X-Subject-Token"))
	_ = json.NewEncoder(w).Encode(map[string]any{"token": body})
}

// keystoneTime formats t as Keystone does: RFC 3339 with microseconds.
func keystoneTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func newValidator(t *testing.T, f *fakeKeystone, clk *clock, mod func(*Config)) *Validator {
	t.Helper()
	cfg := Config{
		URL:         f.srv.URL,
		Username:    svcUser,
		Password:    svcPass,
		ProjectName: svcProject,
		Now:         clk.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

func wantCounts(t *testing.T, f *fakeKeystone, posts, gets int) {
	t.Helper()
	if p, g := f.counts(); p != posts || g != gets {
		t.Fatalf("keystone calls: %d POST, %d GET; want %d POST, %d GET", p, g, posts, gets)
	}
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrInvalidToken", err)
	}
	if errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v also matches ErrUnavailable", err)
	}
	var u interface{ Unavailable() bool }
	if errors.As(err, &u) && u.Unavailable() {
		t.Fatalf("err = %v reports Unavailable", err)
	}
}

func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v also matches ErrInvalidToken", err)
	}
	var u interface{ Unavailable() bool }
	if !errors.As(err, &u) || !u.Unavailable() {
		t.Fatalf("err = %v (%T) has no Unavailable() returning true", err, err)
	}
}

func TestNew(t *testing.T) {
	for _, url := range []string{"", "::", "127.0.0.1:5000", "ftp://host", "http://", "http://h/?a=b", "http://h/#x"} {
		if _, err := New(Config{URL: url}); err == nil {
			t.Errorf("New(URL %q) succeeded, want an error", url)
		}
	}
	if _, err := New(Config{URL: "http://h", CacheSize: -1}); err == nil {
		t.Error("New with CacheSize -1 succeeded")
	}
	if _, err := New(Config{URL: "http://h", CacheTTL: -time.Second}); err == nil {
		t.Error("New with negative CacheTTL succeeded")
	}

	v, err := New(Config{URL: "http://keystone:5000/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Mode(); got != "keystone" {
		t.Errorf("Mode() = %q, want keystone", got)
	}
	if v.tokensURL != "http://keystone:5000/v3/auth/tokens?nocatalog" {
		t.Errorf("tokensURL = %q", v.tokensURL)
	}
	if v.cache.size != 10000 || v.ttl != 5*time.Minute {
		t.Errorf("defaults: cache size %d, ttl %s; want 10000, 5m", v.cache.size, v.ttl)
	}
	// keystonemiddleware's defaults: no overall deadline, no retries
	// unless asked (the server's flag asks for 3).
	if v.client == nil || v.client.Timeout != 0 || v.retries != 0 {
		t.Errorf("default HTTP client = %+v, retries %d; want no deadline, no retries", v.client, v.retries)
	}
	if v.now == nil {
		t.Error("default clock not set")
	}

	// OS_AUTH_URL style, with a path prefix (as devstack has) and /v3.
	v, err = New(Config{URL: "https://cloud/identity/v3/"})
	if err != nil {
		t.Fatal(err)
	}
	if v.tokensURL != "https://cloud/identity/v3/auth/tokens?nocatalog" {
		t.Errorf("tokensURL = %q", v.tokensURL)
	}
}

func TestServiceAuthRequest(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("user-tok", fakeToken{user: "u1", project: "p1", roles: []string{"member"}, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) {
		c.UserDomain = "users-dom"
		c.ProjectDomain = "proj-dom"
	})
	if _, err := v.Authenticate(context.Background(), "user-tok"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 1)

	bodies, postQueries, getQueries := f.requests()
	var got any
	if err := json.Unmarshal(bodies[0], &got); err != nil {
		t.Fatalf("auth body %q: %v", bodies[0], err)
	}
	var want any
	_ = json.Unmarshal([]byte(`{"auth":{
		"identity":{"methods":["password"],
			"password":{"user":{"name":"manila","password":"s3cret","domain":{"name":"users-dom"}}}},
		"scope":{"project":{"name":"service","domain":{"name":"proj-dom"}}}}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("auth body = %s\nwant %v", bodies[0], want)
	}
	if postQueries[0] != "nocatalog" || getQueries[0] != "nocatalog" {
		t.Errorf("queries: POST %q, GET %q; want nocatalog", postQueries[0], getQueries[0])
	}
}

func TestServiceAuthDefaultDomains(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	v := newValidator(t, f, clk, nil)
	_, err := v.Authenticate(context.Background(), "unknown")
	wantInvalid(t, err)
	bodies, _, _ := f.requests()
	body := string(bodies[0])
	if strings.Count(body, `"domain":{"name":"Default"}`) != 2 {
		t.Errorf("auth body %s: want user and project domain Default", body)
	}
}

func TestValidToken(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("tok-a", fakeToken{user: "user-a", project: "proj-a", roles: []string{"Member", "reader", "load-balancer_member"}, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)

	got, err := v.Authenticate(context.Background(), "tok-a")
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Caller{UserID: "user-a", ProjectID: "proj-a", Roles: []string{"Member", "reader", "load-balancer_member"}, Scope: policy.ScopeProject}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("caller = %+v, want %+v", got, want)
	}
	wantCounts(t, f, 1, 1)
}

func TestTokenWithoutRoles(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("tok", fakeToken{user: "u", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	got, err := v.Authenticate(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "u" || got.ProjectID != "p" || len(got.Roles) != 0 {
		t.Fatalf("caller = %+v, want u/p without roles", got)
	}
}

func TestDomainScopedToken(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("dom-tok", fakeToken{user: "admin-user", roles: []string{"admin"}, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	got, err := v.Authenticate(context.Background(), "dom-tok")
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Caller{UserID: "admin-user", ProjectID: "", Roles: []string{"admin"}, Scope: policy.ScopeDomain}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("caller = %+v, want %+v", got, want)
	}
}

// The token's scope is read as oslo.policy reads it, so that the policy can
// refuse what Manila refuses (system- and domain-scoped tokens).
func TestTokenScopes(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("system", fakeToken{user: "cloud-admin", system: true, roles: []string{"admin", "reader"}, expires: t0.Add(time.Hour)})
	f.addToken("domain", fakeToken{user: "dom-admin", roles: []string{"admin"}, expires: t0.Add(time.Hour)})
	f.addToken("project", fakeToken{user: "alice", project: "p1", roles: []string{"member"}, expires: t0.Add(time.Hour)})
	f.addToken("unscoped", fakeToken{user: "bob", unscoped: true, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	for tok, want := range map[string]policy.Caller{
		"system":   {UserID: "cloud-admin", Roles: []string{"admin", "reader"}, Scope: policy.ScopeSystem},
		"domain":   {UserID: "dom-admin", Roles: []string{"admin"}, Scope: policy.ScopeDomain},
		"project":  {UserID: "alice", ProjectID: "p1", Roles: []string{"member"}, Scope: policy.ScopeProject},
		"unscoped": {UserID: "bob"},
	} {
		for round := range 2 { // from Keystone, then from the cache
			got, err := v.Authenticate(context.Background(), tok)
			if err != nil {
				t.Fatalf("%s: %v", tok, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (round %d): caller = %+v, want %+v", tok, round, got, want)
			}
		}
	}
	wantCounts(t, f, 1, 4)
}

func TestTokenScopeOrder(t *testing.T) {
	for _, tc := range []struct {
		project, domain string
		system          map[string]any
		want            string
	}{
		{"p", "", nil, policy.ScopeProject},
		{"", "d", nil, policy.ScopeDomain},
		{"", "", map[string]any{"all": true}, policy.ScopeSystem},
		// oslo.policy looks at the system scope first, then the domain.
		{"p", "d", map[string]any{"all": true}, policy.ScopeSystem},
		{"p", "d", nil, policy.ScopeDomain},
		{"", "", map[string]any{}, ""},
		{"", "", nil, ""},
	} {
		if got := tokenScope(tc.project, tc.domain, tc.system); got != tc.want {
			t.Errorf("tokenScope(%q, %q, %v) = %q, want %q", tc.project, tc.domain, tc.system, got, tc.want)
		}
	}
}

func TestUnknownToken(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	v := newValidator(t, f, clk, nil)
	for i := 1; i <= 2; i++ {
		_, err := v.Authenticate(context.Background(), "nope")
		wantInvalid(t, err)
		// Invalid tokens are not cached: every attempt asks Keystone.
		wantCounts(t, f, 1, i)
	}
}

func TestEmptyAndMalformedToken(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	v := newValidator(t, f, clk, nil)
	_, err := v.Authenticate(context.Background(), "")
	if err != ErrInvalidToken {
		t.Fatalf("err = %v, want ErrInvalidToken itself", err)
	}
	for _, tok := range []string{"a\nb", "a b", "a\x00", strings.Repeat("x", maxTokenSize+1)} {
		_, err := v.Authenticate(context.Background(), tok)
		wantInvalid(t, err)
	}
	wantCounts(t, f, 0, 0)
}

func TestCacheHit(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("tok", fakeToken{user: "u", project: "p", roles: []string{"member"}, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	ctx := context.Background()

	first, err := v.Authenticate(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	first.Roles[0] = "tampered" // must not reach the cache
	clk.Advance(4 * time.Minute)
	second, err := v.Authenticate(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Caller{UserID: "u", ProjectID: "p", Roles: []string{"member"}, Scope: policy.ScopeProject}
	if !reflect.DeepEqual(second, want) {
		t.Fatalf("cached caller = %+v, want %+v", second, want)
	}
	second.Roles[0] = "tampered" // a hit hands out a copy too
	third, err := v.Authenticate(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(third, want) {
		t.Fatalf("cached caller = %+v, want %+v", third, want)
	}
	wantCounts(t, f, 1, 1)

	// The cache is keyed by the token's digest, never by the token.
	v.cache.mu.Lock()
	_, ok := v.cache.items[sha256.Sum256([]byte("tok"))]
	v.cache.mu.Unlock()
	if !ok {
		t.Fatal("no cache entry under sha256(token)")
	}
}

func TestCacheTTLRevalidatesAndSeesRevocation(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("tok", fakeToken{user: "u", project: "p", roles: []string{"member"}, expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) { c.CacheTTL = time.Minute })
	ctx := context.Background()

	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	f.revoke("tok")

	// Within the TTL the cached answer stands.
	clk.Advance(59 * time.Second)
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatalf("within TTL: %v", err)
	}
	wantCounts(t, f, 1, 1)

	// At the TTL the token is checked again, and the revocation shows.
	clk.Advance(time.Second)
	_, err := v.Authenticate(ctx, "tok")
	wantInvalid(t, err)
	wantCounts(t, f, 1, 2)
	if n := v.cache.len(); n != 0 {
		t.Fatalf("cache holds %d entries after revocation, want 0", n)
	}
}

func TestCacheTTLRevalidatesValidToken(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("tok", fakeToken{user: "u", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil) // default TTL 5m
	ctx := context.Background()
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5*time.Minute - time.Nanosecond)
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 1)
	clk.Advance(time.Nanosecond)
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 2)
}

func TestTokenExpiry(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	// Expires well inside the cache TTL: the entry must not outlive it.
	f.addToken("short", fakeToken{user: "u", project: "p", expires: t0.Add(30 * time.Second)})
	f.addToken("dead", fakeToken{user: "u", project: "p", expires: t0.Add(-time.Second)})
	f.addToken("now", fakeToken{user: "u", project: "p", expires: t0})
	v := newValidator(t, f, clk, nil)
	ctx := context.Background()

	// Keystone returned them, but they are already expired by expires_at.
	_, err := v.Authenticate(ctx, "dead")
	wantInvalid(t, err)
	_, err = v.Authenticate(ctx, "now")
	wantInvalid(t, err)
	wantCounts(t, f, 1, 2)

	if _, err := v.Authenticate(ctx, "short"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(29 * time.Second)
	if _, err := v.Authenticate(ctx, "short"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 3)
	clk.Advance(time.Second)
	_, err = v.Authenticate(ctx, "short")
	wantInvalid(t, err)
	wantCounts(t, f, 1, 4) // re-asked Keystone, then refused by expires_at
}

func TestLRUEviction(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	for _, tok := range []string{"a", "b", "c"} {
		f.addToken(tok, fakeToken{user: "user-" + tok, project: "p", expires: t0.Add(time.Hour)})
	}
	v := newValidator(t, f, clk, func(c *Config) { c.CacheSize = 2 })
	ctx := context.Background()
	auth := func(tok string, wantGets int) {
		t.Helper()
		c, err := v.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if c.UserID != "user-"+tok {
			t.Fatalf("token %s: user %q", tok, c.UserID)
		}
		wantCounts(t, f, 1, wantGets)
	}
	auth("a", 1)
	auth("b", 2)
	auth("a", 2) // hit: a is now most recently used, b least
	auth("c", 3) // evicts b
	if n := v.cache.len(); n != 2 {
		t.Fatalf("cache holds %d entries, want 2", n)
	}
	auth("a", 3) // still cached
	auth("c", 3) // still cached
	auth("b", 4) // evicted, so validated again; evicts a
	auth("c", 4)
	auth("a", 5)
}

func TestServiceTokenReusedAndRenewedBeforeExpiry(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.setServiceLifetime(10 * time.Minute)
	f.addToken("tok", fakeToken{user: "u", project: "p", expires: t0.Add(24 * time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) { c.CacheTTL = time.Second })
	ctx := context.Background()

	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	// Renewed 60s before expiry: at 8m59s the first token is still used.
	clk.Advance(9*time.Minute - time.Second)
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 2)
	clk.Advance(time.Second)
	if _, err := v.Authenticate(ctx, "tok"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 2, 3)
}

func TestStaleServiceTokenRefreshedOnce(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	f.addToken("b", fakeToken{user: "ub", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	ctx := context.Background()

	if _, err := v.Authenticate(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, f, 1, 1)

	// Keystone forgets svc-1 (restart with new fernet keys, revocation):
	// the next GET gets 401, the validator fetches svc-2 and retries.
	f.revokeServiceTokens()
	c, err := v.Authenticate(ctx, "b")
	if err != nil {
		t.Fatalf("after service token refresh: %v", err)
	}
	if c.UserID != "ub" {
		t.Fatalf("user = %q, want ub", c.UserID)
	}
	wantCounts(t, f, 2, 3)

	// svc-2 is now held and used without further POSTs.
	_, err = v.Authenticate(ctx, "unknown")
	wantInvalid(t, err)
	wantCounts(t, f, 2, 4)
}

func TestPersistent401IsInvalid(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	ctx := context.Background()
	if _, err := v.Authenticate(ctx, "a"); err != nil {
		t.Fatal(err)
	}

	f.setMode("401")
	_, err := v.Authenticate(ctx, "b")
	wantInvalid(t, err)
	wantCounts(t, f, 2, 3) // one refresh, one retry, no more

	// With a service token fetched for this very call, a 401 is not
	// retried: the new token cannot be stale.
	v2 := newValidator(t, f, clk, nil)
	_, err = v2.Authenticate(ctx, "c")
	wantInvalid(t, err)
	wantCounts(t, f, 3, 4)
}

func TestKeystoneErrorsAreUnavailable(t *testing.T) {
	for _, mode := range []string{"500", "403", "garbage", "close"} {
		t.Run(mode, func(t *testing.T) {
			clk := newClock()
			f := newFake(t, clk)
			f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
			f.addToken("b", fakeToken{user: "ub", project: "p", expires: t0.Add(time.Hour)})
			ctx := context.Background()

			// The service-token fetch fails.
			f.setMode(mode)
			v := newValidator(t, f, clk, nil)
			_, err := v.Authenticate(ctx, "a")
			wantUnavailable(t, err)
			if p, g := f.counts(); p < 1 || g != 0 {
				t.Fatalf("calls: %d POST, %d GET; want >=1 POST, no GET", p, g)
			}
			// Nothing was cached: once Keystone is back, it works.
			f.setMode("")
			if _, err := v.Authenticate(ctx, "a"); err != nil {
				t.Fatalf("after recovery: %v", err)
			}

			// The validation itself fails (the service token is held).
			f.setMode(mode)
			_, err = v.Authenticate(ctx, "b")
			wantUnavailable(t, err)
			// A cached token still passes without Keystone.
			if _, err := v.Authenticate(ctx, "a"); err != nil {
				t.Fatalf("cached token during outage: %v", err)
			}
		})
	}
}

func TestUnavailableErrorMessage(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.setMode("500")
	v := newValidator(t, f, clk, nil)
	_, err := v.Authenticate(context.Background(), "secret-user-token")
	wantUnavailable(t, err)
	msg := err.Error()
	if !strings.Contains(msg, "keystone answered 500: boom") {
		t.Errorf("error %q lacks Keystone's status and message", msg)
	}
	if strings.Contains(msg, "secret-user-token") || strings.Contains(msg, svcPass) {
		t.Errorf("error %q leaks a credential", msg)
	}
}

func TestWrongServiceCredentialsAreUnavailable(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) { c.Password = "wrong" })
	_, err := v.Authenticate(context.Background(), "a")
	wantUnavailable(t, err)
	wantCounts(t, f, 1, 0)
}

func TestUnreachable(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, nil)
	ctx := context.Background()
	if _, err := v.Authenticate(ctx, "a"); err != nil {
		t.Fatal(err)
	}

	f.srv.Close()
	// With the service token held, the validation GET fails.
	_, err := v.Authenticate(ctx, "b")
	wantUnavailable(t, err)
	// A fresh validator fails fetching the service token.
	_, err = newValidator(t, f, clk, nil).Authenticate(ctx, "a")
	wantUnavailable(t, err)
}

// A request that gets no answer is tried again, up to Retries times, as
// keystonemiddleware's http_request_max_retries; an HTTP answer is not.
func TestRetriesWhenKeystoneDoesNotAnswer(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	f.addToken("b", fakeToken{user: "ub", project: "p", expires: t0.Add(time.Hour)})
	// Without keep-alives Go's transport never replays a request itself
	// (it does on a reused connection), so the counts are ours alone.
	v := newValidator(t, f, clk, func(c *Config) {
		c.Retries = 3
		c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	v.retryDelay = time.Millisecond
	ctx := context.Background()
	// Three dropped connections (all the service token's POST): the
	// fourth try answers.
	f.setCloseNext(3)
	if c, err := v.Authenticate(ctx, "a"); err != nil || c.UserID != "ua" {
		t.Fatalf("after 3 dropped connections: %+v, %v", c, err)
	}
	wantCounts(t, f, 4, 1) // the dropped ones included
	// Four in a row are one too many.
	f.setCloseNext(4)
	_, err := v.Authenticate(ctx, "b")
	wantUnavailable(t, err)
	wantCounts(t, f, 4, 1+4)
	// An HTTP error is an answer: not retried.
	f.setCloseNext(0)
	f.setMode("500")
	before, gets := f.counts()
	_, err = v.Authenticate(ctx, "c")
	wantUnavailable(t, err)
	if p, g := f.counts(); p != before || g != gets+1 {
		t.Errorf("a 500 was retried: %d POST, %d GET after %d, %d", p, g, before, gets)
	}
	f.setMode("")
}

// ReadTimeout bounds the wait for Keystone's answer; with none (the
// default) a slow Keystone is waited for.
func TestReadTimeout(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) { c.ReadTimeout = 200 * time.Millisecond })
	ctx := context.Background()
	if _, err := v.Authenticate(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	f.setMode("slow")
	_, err := v.Authenticate(ctx, "b")
	wantUnavailable(t, err)
	f.setMode("")
}

func TestTimeout(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	v := newValidator(t, f, clk, func(c *Config) {
		c.HTTPClient = &http.Client{Timeout: 250 * time.Millisecond}
	})
	ctx := context.Background()
	if _, err := v.Authenticate(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	f.setMode("slow")
	_, err := v.Authenticate(ctx, "b")
	wantUnavailable(t, err)
	f.setMode("")
}

func TestConcurrentCallersShareServiceTokenFetch(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	const n = 20
	for i := range n {
		f.addToken(fmt.Sprintf("tok-%d", i), fakeToken{user: fmt.Sprintf("u%d", i), project: "p", roles: []string{"member"}, expires: t0.Add(time.Hour)})
	}
	gate := make(chan struct{})
	entered := make(chan struct{}, n)
	f.holdPosts(gate, entered)
	v := newValidator(t, f, clk, nil)

	var started, done sync.WaitGroup
	errs := make([]error, n)
	callers := make([]policy.Caller, n)
	for i := range n {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			callers[i], errs[i] = v.Authenticate(context.Background(), fmt.Sprintf("tok-%d", i))
		}()
	}
	started.Wait()
	<-entered // the first fetch is in Keystone's hands
	// Give the other callers time to queue up behind it; a validator that
	// did not share the fetch would send more POSTs meanwhile.
	time.Sleep(100 * time.Millisecond)
	close(gate)
	done.Wait()

	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if want := fmt.Sprintf("u%d", i); callers[i].UserID != want {
			t.Fatalf("caller %d: user %q, want %q", i, callers[i].UserID, want)
		}
	}
	wantCounts(t, f, 1, n)
}

func TestWaiterContextCancelled(t *testing.T) {
	clk := newClock()
	f := newFake(t, clk)
	f.addToken("a", fakeToken{user: "ua", project: "p", expires: t0.Add(time.Hour)})
	gate := make(chan struct{})
	entered := make(chan struct{}, 1)
	f.holdPosts(gate, entered)
	v := newValidator(t, f, clk, nil)

	// The caller that starts the fetch gives up; the fetch carries on and
	// its token serves the next caller.
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := v.Authenticate(ctx, "a")
		errc <- err
	}()
	<-entered
	cancel()
	var err error
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		close(gate)
		t.Fatal("Authenticate did not return after its context was cancelled")
	}
	wantUnavailable(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it to wrap context.Canceled", err)
	}
	close(gate)

	c, err := v.Authenticate(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != "ua" {
		t.Fatalf("user = %q", c.UserID)
	}
	wantCounts(t, f, 1, 1)
}
