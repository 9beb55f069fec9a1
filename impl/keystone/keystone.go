// Package keystone validates OpenStack Keystone v3 tokens: it turns the
// X-Auth-Token of a request into the caller (user, project, roles, token
// scope) that the server runs in --auth keystone mode.
//
// The Validator authenticates as a service user, asks Keystone about each
// user token (GET /v3/auth/tokens) and caches the answers for valid tokens,
// as keystonemiddleware's auth_token does.
package keystone

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/manilite/manilite/policy"
)

const (
	defaultDomain    = "Default"
	defaultCacheSize = 10000
	defaultCacheTTL  = 5 * time.Minute
	// firstRetryDelay is keystoneauth's: a failed connection is tried
	// again after 0.5 s, then 1 s, 2 s, ... (doubling).
	firstRetryDelay = 500 * time.Millisecond

	// serviceTokenMargin is how long before its expiry the service token is
	// replaced, so that it never expires between being read and being used.
	serviceTokenMargin = 60 * time.Second

	// serviceFetchTimeout bounds a shared service-token fetch. The fetch is
	// detached from the caller that started it (see serviceToken), so it
	// needs a deadline of its own even when HTTPClient has none.
	serviceFetchTimeout = 30 * time.Second

	// maxBodySize caps what is read of a Keystone response. Tokens are
	// requested without their catalog, so real answers are a few KiB.
	maxBodySize = 1 << 20

	// maxTokenSize rejects absurd tokens before they are sent anywhere.
	// Fernet and JWS tokens are a few hundred bytes; 16 KiB leaves room for
	// anything Keystone has ever issued.
	maxTokenSize = 16 << 10
)

var (
	// ErrInvalidToken means the token is missing, unknown, revoked or
	// expired: the caller is not authenticated.
	ErrInvalidToken = errors.New("keystone: invalid token")

	// ErrUnavailable means the token could not be checked (Keystone
	// unreachable, erroring or answering nonsense, or the service user could
	// not authenticate). The request must be refused, never let through.
	ErrUnavailable = errors.New("keystone: identity service unavailable")
)

// Config configures a Validator. Only URL is required.
type Config struct {
	// URL is Keystone's base URL, e.g. http://127.0.0.1:5000; the
	// validator calls URL+"/v3/auth/tokens". A trailing "/v3", as
	// OS_AUTH_URL usually has, is accepted and dropped.
	URL string
	// Username and Password are the service user's credentials: the
	// server's own identity, which Keystone requires to validate tokens.
	Username string
	Password string
	// UserDomain is the service user's domain name (default "Default").
	UserDomain string
	// ProjectName is the service project the service token is scoped to.
	ProjectName string
	// ProjectDomain is the service project's domain name (default
	// "Default").
	ProjectDomain string
	// CacheSize is the most valid tokens kept (default 10000); the least
	// recently used is evicted first.
	CacheSize int
	// CacheTTL is how long a valid token is trusted before it is checked
	// again even if not expired (default 5m), so revocations take effect.
	CacheTTL time.Duration
	// ConnectTimeout bounds making a connection to Keystone, and
	// ReadTimeout waiting for its answer once the request is sent. Zero
	// means no bound, as keystonemiddleware's http_connect_timeout (None)
	// and Manila, which waits for a slow Keystone. Used only when
	// HTTPClient is nil.
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	// Retries is how many times a request that got no answer (refused,
	// reset, timed out) is tried again, with keystoneauth's backoff:
	// keystonemiddleware's http_request_max_retries (3 there; the server's
	// flag defaults to 3, zero here means none).
	Retries int
	// HTTPClient talks to Keystone (default: a client with ConnectTimeout
	// and ReadTimeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
}

// Validator checks Keystone tokens. It is safe for concurrent use.
type Validator struct {
	tokensURL string // {URL}/v3/auth/tokens?nocatalog
	authBody  []byte // the service user's POST body, built once
	client    *http.Client
	retries   int
	// retryDelay is the first backoff (firstRetryDelay; tests shorten it).
	retryDelay time.Duration
	now        func() time.Time
	ttl        time.Duration

	cache *lruCache

	svcMu        sync.Mutex
	svcToken     string    // "" when none is held
	svcRefreshAt time.Time // when svcToken must be replaced
	svcFetch     *svcCall  // the fetch in flight, shared by all waiters
}

// svcCall is one service-token fetch. tok and err are written before done
// is closed and only read after, so waiters need no lock.
type svcCall struct {
	done chan struct{}
	tok  string
	err  error
}

// New checks cfg, fills in its defaults and returns a Validator. It makes
// no request: the service token is fetched on first use.
func New(cfg Config) (*Validator, error) {
	if cfg.URL == "" {
		return nil, errors.New("keystone: URL is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("keystone: invalid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("keystone: invalid URL %q: want http(s)://host[:port][/path]", cfg.URL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("keystone: invalid URL %q: query and fragment are not allowed", cfg.URL)
	}
	if cfg.CacheSize < 0 {
		return nil, fmt.Errorf("keystone: CacheSize %d is negative", cfg.CacheSize)
	}
	if cfg.CacheTTL < 0 {
		return nil, fmt.Errorf("keystone: CacheTTL %s is negative", cfg.CacheTTL)
	}
	if cfg.UserDomain == "" {
		cfg.UserDomain = defaultDomain
	}
	if cfg.ProjectDomain == "" {
		cfg.ProjectDomain = defaultDomain
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = defaultCacheSize
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = defaultCacheTTL
	}
	if cfg.ConnectTimeout < 0 || cfg.ReadTimeout < 0 || cfg.Retries < 0 {
		return nil, errors.New("keystone: timeouts and retries must not be negative")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = newHTTPClient(cfg.ConnectTimeout, cfg.ReadTimeout)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	base := strings.TrimSuffix(strings.TrimRight(cfg.URL, "/"), "/v3")
	body, err := json.Marshal(passwordAuth(cfg))
	if err != nil {
		return nil, fmt.Errorf("keystone: encode service credentials: %w", err)
	}
	return &Validator{
		// nocatalog: the service catalog is not needed and is by far the
		// largest part of a token response.
		tokensURL:  base + "/v3/auth/tokens?nocatalog",
		authBody:   body,
		client:     cfg.HTTPClient,
		retries:    cfg.Retries,
		retryDelay: firstRetryDelay,
		now:        cfg.Now,
		ttl:        cfg.CacheTTL,
		cache:      newLRUCache(cfg.CacheSize),
	}, nil
}

// Mode names the authenticator for logs and for the 401 challenge.
func (v *Validator) Mode() string { return "keystone" }

// Authenticate returns the caller a Keystone token stands for. It fails with
// an error matching ErrInvalidToken when the token is not valid, and with
// one matching ErrUnavailable (whose Unavailable method reports true) when
// the token could not be checked.
func (v *Validator) Authenticate(ctx context.Context, token string) (policy.Caller, error) {
	if token == "" {
		return policy.Caller{}, ErrInvalidToken
	}
	if len(token) > maxTokenSize || !validHeaderToken(token) {
		// Sending it would fail in the HTTP client and read as an outage.
		return policy.Caller{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}

	// The cache is keyed by a digest so raw tokens, which are bearer
	// credentials, do not sit in memory for the life of the process.
	key := sha256.Sum256([]byte(token))
	if c, ok := v.cache.get(key, v.now()); ok {
		return c, nil
	}

	c, expires, err := v.validate(ctx, token)
	if err != nil {
		return policy.Caller{}, err
	}
	now := v.now()
	if !expires.After(now) {
		return policy.Caller{}, fmt.Errorf("%w: expired", ErrInvalidToken)
	}
	until := now.Add(v.ttl)
	if expires.Before(until) {
		until = expires
	}
	v.cache.put(key, c, until)
	c.Roles = slices.Clone(c.Roles) // the cache keeps its own copy
	return c, nil
}

// validate asks Keystone about token, refreshing the service token once if
// Keystone rejects it.
func (v *Validator) validate(ctx context.Context, token string) (policy.Caller, time.Time, error) {
	svc, fresh, err := v.serviceToken(ctx)
	if err != nil {
		return policy.Caller{}, time.Time{}, err
	}
	c, expires, status, err := v.check(ctx, svc, token)
	if status == http.StatusUnauthorized && !fresh {
		// Keystone answers 401 both for a bad subject token and for a bad
		// X-Auth-Token, so a cached service token may have been revoked
		// or expired early. Replace it and ask once more. A token fetched
		// for this very call cannot be stale, so that case is not retried.
		v.dropServiceToken(svc)
		if svc, _, err = v.serviceToken(ctx); err != nil {
			return policy.Caller{}, time.Time{}, err
		}
		c, expires, _, err = v.check(ctx, svc, token)
	}
	return c, expires, err
}

// check makes one validation request. It returns the HTTP status (0 when no
// response arrived) so validate can tell a 401 apart.
func (v *Validator) check(ctx context.Context, svc, token string) (policy.Caller, time.Time, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.tokensURL, nil)
	if err != nil {
		return policy.Caller{}, time.Time{}, 0, unavailable("validate token", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Auth-Token", svc)
	req.Header.Set("X-Subject-Token", token)
	resp, err := v.do(req)
	if err != nil {
		return policy.Caller{}, time.Time{}, 0, unavailable("validate token", err)
	}
	defer drainClose(resp.Body)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize))
	if err != nil {
		return policy.Caller{}, time.Time{}, resp.StatusCode, unavailable("validate token", err)
	}

	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusUnauthorized:
		return policy.Caller{}, time.Time{}, resp.StatusCode,
			fmt.Errorf("%w: keystone answered %d", ErrInvalidToken, resp.StatusCode)
	default:
		// 403 (the service user may not validate tokens), 5xx and the
		// like all mean the answer is unknown.
		return policy.Caller{}, time.Time{}, resp.StatusCode,
			unavailable("validate token", statusError(resp.StatusCode, body))
	}

	var tb struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
			User      struct {
				ID string `json:"id"`
			} `json:"user"`
			// Exactly one of project, domain and system is present in a
			// scoped token; none in an unscoped one.
			Project struct {
				ID string `json:"id"`
			} `json:"project"`
			Domain struct {
				ID string `json:"id"`
			} `json:"domain"`
			System map[string]any `json:"system"`
			Roles  []struct {
				Name string `json:"name"`
			} `json:"roles"`
		} `json:"token"`
	}
	if err := json.Unmarshal(body, &tb); err != nil {
		return policy.Caller{}, time.Time{}, resp.StatusCode,
			unavailable("validate token", fmt.Errorf("decode response: %w", err))
	}
	t := tb.Token
	if t.User.ID == "" {
		return policy.Caller{}, time.Time{}, resp.StatusCode,
			unavailable("validate token", errors.New("response has no token.user.id"))
	}
	expires, err := time.Parse(time.RFC3339Nano, t.ExpiresAt)
	if err != nil {
		return policy.Caller{}, time.Time{}, resp.StatusCode,
			unavailable("validate token", fmt.Errorf("token.expires_at: %w", err))
	}
	c := policy.Caller{UserID: t.User.ID, ProjectID: t.Project.ID, Scope: tokenScope(t.Project.ID, t.Domain.ID, t.System)}
	for _, r := range t.Roles {
		c.Roles = append(c.Roles, r.Name)
	}
	return c, expires, resp.StatusCode, nil
}

// tokenScope tells what a token is scoped to, in the order oslo.policy
// reads it from the request context: system, then domain, else project
// (Keystone never scopes a token to two). The policy refuses domain- and
// system-scoped tokens, since every Manila rule is registered with
// scope_types=['project']. An unscoped token (none of the three) is ""
// (project-scoped, as in oslo.policy); it has no project and no roles, so
// no rule lets it through.
func tokenScope(projectID, domainID string, system map[string]any) string {
	switch {
	case len(system) > 0:
		return policy.ScopeSystem
	case domainID != "":
		return policy.ScopeDomain
	case projectID != "":
		return policy.ScopeProject
	}
	return ""
}

// serviceToken returns the service token, fetching it when none is held or
// it is about to expire. fresh reports that it was fetched during this call.
//
// Concurrent callers share one fetch. The fetch runs in its own goroutine,
// detached from the caller that started it: if that caller gives up, the
// others still get the token. Each caller waits only as long as its own
// context allows.
func (v *Validator) serviceToken(ctx context.Context) (tok string, fresh bool, err error) {
	v.svcMu.Lock()
	if v.svcToken != "" && v.now().Before(v.svcRefreshAt) {
		tok = v.svcToken
		v.svcMu.Unlock()
		return tok, false, nil
	}
	call := v.svcFetch
	if call == nil {
		call = &svcCall{done: make(chan struct{})}
		v.svcFetch = call
		go v.fetchServiceToken(context.WithoutCancel(ctx), call)
	}
	v.svcMu.Unlock()

	select {
	case <-call.done:
		return call.tok, true, call.err
	case <-ctx.Done():
		return "", false, unavailable("service token", ctx.Err())
	}
}

// fetchServiceToken runs call and records its result.
func (v *Validator) fetchServiceToken(ctx context.Context, call *svcCall) {
	ctx, cancel := context.WithTimeout(ctx, serviceFetchTimeout)
	defer cancel()
	tok, expires, err := v.requestServiceToken(ctx)

	v.svcMu.Lock()
	if err == nil {
		v.svcToken, v.svcRefreshAt = tok, expires.Add(-serviceTokenMargin)
	}
	v.svcFetch = nil
	v.svcMu.Unlock()

	call.tok, call.err = tok, err
	close(call.done)
}

// dropServiceToken forgets tok, unless another caller has already replaced
// it with a newer one.
func (v *Validator) dropServiceToken(tok string) {
	v.svcMu.Lock()
	if v.svcToken == tok {
		v.svcToken = ""
	}
	v.svcMu.Unlock()
}

// requestServiceToken authenticates the service user with its password.
func (v *Validator) requestServiceToken(ctx context.Context) (string, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.tokensURL, bytes.NewReader(v.authBody))
	if err != nil {
		return "", time.Time{}, unavailable("service token", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := v.do(req)
	if err != nil {
		return "", time.Time{}, unavailable("service token", err)
	}
	defer drainClose(resp.Body)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize))
	if err != nil {
		return "", time.Time{}, unavailable("service token", err)
	}
	if resp.StatusCode/100 != 2 {
		// Wrong service credentials land here too: the server cannot
		// check anyone's token, which is an outage, not a user's fault.
		return "", time.Time{}, unavailable("service token", statusError(resp.StatusCode, body))
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" {
		return "", time.Time{}, unavailable("service token", errors.New("response has no X-Subject-Token header"))
	}
	var tb struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
		} `json:"token"`
	}
	if err := json.Unmarshal(body, &tb); err != nil {
		return "", time.Time{}, unavailable("service token", fmt.Errorf("decode response: %w", err))
	}
	expires, err := time.Parse(time.RFC3339Nano, tb.Token.ExpiresAt)
	if err != nil {
		return "", time.Time{}, unavailable("service token", fmt.Errorf("token.expires_at: %w", err))
	}
	return tok, expires, nil
}

// passwordAuth is the body of a password authentication scoped to the
// service project.
func passwordAuth(cfg Config) any {
	type name struct {
		Name string `json:"name"`
	}
	type user struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Domain   name   `json:"domain"`
	}
	type project struct {
		Name   string `json:"name"`
		Domain name   `json:"domain"`
	}
	type identity struct {
		Methods  []string `json:"methods"`
		Password struct {
			User user `json:"user"`
		} `json:"password"`
	}
	type auth struct {
		Identity identity `json:"identity"`
		Scope    struct {
			Project project `json:"project"`
		} `json:"scope"`
	}
	var a auth
	a.Identity.Methods = []string{"password"}
	a.Identity.Password.User = user{Name: cfg.Username, Password: cfg.Password, Domain: name{cfg.UserDomain}}
	a.Scope.Project = project{Name: cfg.ProjectName, Domain: name{cfg.ProjectDomain}}
	return struct {
		Auth auth `json:"auth"`
	}{a}
}

// unavailableError is an ErrUnavailable with its cause. Its Unavailable
// method lets the HTTP layer recognise it without importing this package.
type unavailableError struct {
	op  string
	err error
}

func unavailable(op string, err error) error { return &unavailableError{op: op, err: err} }

func (e *unavailableError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrUnavailable, e.op, e.err)
}

// Unwrap makes errors.Is match both ErrUnavailable and the cause (for
// example context.DeadlineExceeded).
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Unavailable reports that the token could not be checked.
func (e *unavailableError) Unavailable() bool { return true }

// statusError describes an unexpected Keystone answer, with Keystone's own
// message when it sent one ({"error": {"message": ...}}).
func statusError(status int, body []byte) error {
	var ke struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &ke) == nil && ke.Error.Message != "" {
		msg := ke.Error.Message
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return fmt.Errorf("keystone answered %d: %s", status, msg)
	}
	return fmt.Errorf("keystone answered %d", status)
}

// drainClose reads what is left of a (bounded) body so the connection can
// be reused, then closes it.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxBodySize))
	_ = body.Close()
}

// validHeaderToken reports whether token can be sent as a header value:
// no control characters and no spaces, which no Keystone token contains.
func validHeaderToken(token string) bool {
	for i := 0; i < len(token); i++ {
		if b := token[i]; b <= ' ' || b == 0x7f {
			return false
		}
	}
	return true
}
