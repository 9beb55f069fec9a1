package impl

import (
	"context"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/apidocs"
	"github.com/manilite/manilite/policy"
)

// Metrics is told about every request answered and every policy decision
// made; the metrics package implements it. Its methods must be cheap and
// safe for concurrent use.
type Metrics interface {
	// ObserveRequest: a request for operation (its OpenAPI operationId, a
	// fixed name outside the API, or "unmatched") and action (the action
	// key of a POST .../action body, or "") got status code after d.
	ObserveRequest(operation, action, method string, code int, d time.Duration)
	// ObserveDecision: the policy engine answered allowed (or failed with
	// err) after d.
	ObserveDecision(allowed bool, err error, d time.Duration)
}

// MetricsPath is where Config.MetricsHandler is served: outside the
// Manila API (Manila has no such path), with no token and no policy, like
// /healthz.
const MetricsPath = "/metrics"

// Operation names of the requests outside the OpenAPI document.
const (
	opUnmatched = "unmatched"
	opHealthz   = "healthz"
	opAPIDocs   = "apidocs"
	opMetrics   = "metrics"
)

type noMetrics struct{}

func (noMetrics) ObserveRequest(string, string, string, int, time.Duration) {}
func (noMetrics) ObserveDecision(bool, error, time.Duration)                {}

// servesMetrics reports whether path is the metrics endpoint and it is on.
func (s *Server) servesMetrics(path string) bool {
	return path == MetricsPath && s.cfg.MetricsHandler != nil
}

// observeRequest is the middleware around lifecycle (which writes every
// error, so the status is final here): it tells the metrics the request's
// operation, status and duration.
func (s *Server) observeRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		r := c.Request()
		ri := reqInfo(r.Context())
		s.metrics.ObserveRequest(s.operationOf(c, ri), ri.Action, methodLabel(r.Method), c.Response().Status, time.Since(ri.Start))
		return err
	}
}

// operationOf names what a request matched: the route's operationId, even
// when the request was refused before routing (401, a bad microversion), so
// the label never holds a raw URL.
func (s *Server) operationOf(c echo.Context, ri *requestInfo) string {
	switch {
	case ri.Op != nil:
		return s.opName(ri.Op.ID)
	case ri.OrigPath == "/healthz":
		return opHealthz
	case s.servesMetrics(ri.OrigPath):
		return opMetrics
	case apidocs.Serves(ri.OrigPath):
		return opAPIDocs
	}
	// Only requests that stopped before the pipeline's routing step (or
	// that no route matches) are looked up again here.
	if route, _ := s.routes.find(c); route != nil {
		return s.opName(route.Operation.OperationID)
	}
	return opUnmatched
}

// operationNames maps the operation ids of the embedded document, which
// oapi-codegen capitalizes (ShowShare), to the operationIds of
// openapi/manila.yaml (showShare), as /docs shows them: the metrics' names.
func operationNames(info *SpecInfo) map[string]string {
	names := make(map[string]string, len(info.Ops))
	for id := range info.Ops {
		r, n := utf8.DecodeRuneInString(id)
		names[id] = string(unicode.ToLower(r)) + id[n:]
	}
	return names
}

func (s *Server) opName(id string) string {
	if name, ok := s.opNames[id]; ok {
		return name
	}
	return opUnmatched
}

// methodLabel keeps the method label to the methods HTTP defines.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// decideTimed is policy.Engine.Decide, timed for the metrics.
func (s *Server) decideTimed(ctx context.Context, in policy.Input) (policy.Decision, error) {
	start := time.Now()
	d, err := s.policy.Decide(ctx, in)
	if s.metrics != nil { // nil only in Servers that tests build by hand
		s.metrics.ObserveDecision(d.Allowed, err, time.Since(start))
	}
	return d, err
}

// withAdmin is policy.Engine.WithAdmin (one decision: context_is_admin),
// timed for the metrics.
func (s *Server) withAdmin(ctx context.Context, caller policy.Caller) (policy.Caller, error) {
	start := time.Now()
	c, err := s.policy.WithAdmin(ctx, caller)
	if s.metrics != nil {
		s.metrics.ObserveDecision(c.Admin, err, time.Since(start))
	}
	return c, err
}
