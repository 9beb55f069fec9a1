package impl

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/manilite/manilite/policy"
)

// Authenticator turns the X-Auth-Token of a request into a caller.
type Authenticator interface {
	// Authenticate returns ErrUnauthorized for a missing or invalid token
	// and ErrIdentityUnavailable when the identity service cannot answer.
	Authenticate(ctx context.Context, token string) (policy.Caller, error)
	// Mode names the authenticator for logs ("noauth", "keystone").
	Mode() string
}

var (
	// ErrUnauthorized means the request carries no valid token.
	ErrUnauthorized = errors.New("authentication required")
	// ErrIdentityUnavailable means the token could not be checked; the
	// request is refused, never let through.
	ErrIdentityUnavailable = errors.New("identity service unavailable")
)

// NoAuth trusts the token as Manila's noauth middleware does:
// "<user_id>:<project_id>", here with an optional third part of
// comma-separated roles. A token without a colon is both user and project.
// Without roles the caller is admin, member and reader, since Manila's
// noauth makes every caller an admin.
type NoAuth struct{}

// Mode implements Authenticator.
func (NoAuth) Mode() string { return "noauth" }

// Authenticate implements Authenticator.
func (NoAuth) Authenticate(_ context.Context, token string) (policy.Caller, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return policy.Caller{}, ErrUnauthorized
	}
	user, rest, _ := strings.Cut(token, ":")
	project, roles, hasRoles := strings.Cut(rest, ":")
	if project == "" {
		project = user
	}
	if user == "" {
		return policy.Caller{}, ErrUnauthorized
	}
	c := policy.Caller{UserID: user, ProjectID: project}
	if !hasRoles {
		c.Roles = []string{"admin", "member", "reader"}
		return c, nil
	}
	for _, r := range strings.Split(roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.Roles = append(c.Roles, r)
		}
	}
	return c, nil
}

func unauthorizedFault(mode string) *Fault {
	f := &Fault{Status: http.StatusUnauthorized, Message: defaultUnauthorized}
	if mode == "keystone" {
		f.Header = http.Header{"Www-Authenticate": []string{`Keystone uri="keystone"`}}
	}
	return f
}

// isUnavailable reports an identity error that means "could not check", not
// "invalid": ErrIdentityUnavailable, or any error with an Unavailable() bool
// method returning true (as the keystone package's errors have).
func isUnavailable(err error) bool {
	if errors.Is(err, ErrIdentityUnavailable) {
		return true
	}
	var u interface{ Unavailable() bool }
	return errors.As(err, &u) && u.Unavailable()
}
