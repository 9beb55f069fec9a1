package impl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/apidocs"
	"github.com/manilite/manilite/policy"
)

const (
	headerVersion      = "X-OpenStack-Manila-API-Version"
	headerExperimental = "X-OpenStack-Manila-API-Experimental"
	headerGenericVer   = "OpenStack-API-Version"
	// maxBodyBytes is oslo.middleware sizelimit's default.
	maxBodyBytes = 114688
)

// stripProjectSegment is an echo Pre middleware: /v2/{project_id}/rest is
// routed as /v2/rest, and the project id is kept for the URL check and for
// links. The segment is only taken for a project id when it matches the
// project id pattern (Manila's project_id_regex) and is not itself a
// collection name.
func (s *Server) stripProjectSegment(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ri := &requestInfo{
			ID:       "req-" + uuid.NewString(),
			Start:    time.Now(),
			OrigPath: r.URL.Path,
			BaseURL:  baseURL(r),
			query:    r.URL.Query(),
			rawQuery: r.URL.RawQuery,
			method:   r.Method,
		}
		if rest, ok := strings.CutPrefix(r.URL.Path, "/v2/"); ok {
			seg, tail, found := strings.Cut(rest, "/")
			// /v2/{project_id}/ itself is no route in Manila (404), so a
			// segment with nothing after it is left in place.
			if found && seg != "" && tail != "" && !s.collections[seg] && s.projectPattern.MatchString(seg) {
				ri.URLProject = seg
				r.URL.Path = "/v2/" + tail
				r.URL.RawPath = ""
			}
		}
		c.SetRequest(r.WithContext(withRequestInfo(r.Context(), ri)))
		return next(c)
	}
}

// lifecycle is the outermost middleware: request ids, panics, the error
// body, and one log line per request.
func (s *Server) lifecycle(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (returned error) {
		ri := reqInfo(c.Request().Context())
		h := c.Response().Header()
		h.Set("X-Openstack-Request-Id", ri.ID)
		h.Set("X-Compute-Request-Id", ri.ID)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic while serving request", "request_id", ri.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				s.writeError(c, internalError(fmt.Errorf("panic: %v", p)))
			}
			status := c.Response().Status
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			returned = nil
			if !s.log.Enabled(c.Request().Context(), level) {
				return // the line's attributes cost more than the request's policy decisions
			}
			attrs := []any{
				"request_id", ri.ID,
				"method", c.Request().Method,
				"path", ri.OrigPath,
				"status", status,
				"duration_ms", float64(time.Since(ri.Start).Microseconds()) / 1000,
				"project", ri.Caller.ProjectID,
			}
			if ri.Versioned {
				attrs = append(attrs, "microversion", ri.Version.String())
			}
			if ri.Op != nil {
				attrs = append(attrs, "operation", ri.Op.ID)
			}
			s.log.Log(c.Request().Context(), level, "request", attrs...)
		}()
		if err := next(c); err != nil {
			s.writeError(c, err)
		}
		return nil
	}
}

// writeError renders any error as Manila's fault body.
func (s *Server) writeError(c echo.Context, err error) {
	ri := reqInfo(c.Request().Context())
	var he *echo.HTTPError
	var f *Fault
	switch {
	case errors.As(err, &f):
	case errors.As(err, &he):
		// Errors from echo itself or from the generated parameter binding.
		msg := fmt.Sprint(he.Message)
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			f = notFound(defaultNotFound)
		case http.StatusRequestEntityTooLarge:
			f = &Fault{Status: he.Code, Message: "Request is too large."}
		default:
			f = &Fault{Status: he.Code, Message: msg}
		}
	default:
		f = internalError(err)
	}
	if f.Status >= 500 {
		s.log.Error("request failed", "request_id", ri.ID, "error", err)
	}
	if c.Response().Committed {
		return
	}
	h := c.Response().Header()
	for k, vs := range f.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(f.Status)
	_, _ = c.Response().Write(s.spec.faults.faultBody(f))
}

// api is the spec-driven pipeline every API request goes through, in
// Manila's order: authentication (keystonemiddleware runs first), the
// microversion header, routing, the action key and body syntax, the project
// id in the URL, the version/experimental gate, the policy rule, and last
// the request validation against the OpenAPI document.
func (s *Server) api(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ctx := r.Context()
		ri := reqInfo(ctx)
		if apidocs.Serves(ri.OrigPath) || s.servesMetrics(ri.OrigPath) {
			return next(c)
		}
		switch ri.OrigPath {
		case "/healthz":
			return next(c)
		case "/v2":
			// Manila's mapper.redirect("", "/").
			return c.Redirect(http.StatusFound, "/v2/")
		}

		route, pathParams := s.routes.find(c)
		var op *opMeta
		if route != nil {
			op = s.spec.Ops[route.Operation.OperationID]
		}

		// 1. Authentication, unless the operation is open.
		if op == nil || !op.Open {
			caller, err := s.auth.Authenticate(ctx, r.Header.Get("X-Auth-Token"))
			switch {
			case isUnavailable(err):
				s.log.Error("identity service unavailable", "request_id", ri.ID, "error", err)
				return &Fault{Status: http.StatusServiceUnavailable, Message: defaultUnavailable}
			case err != nil:
				return unauthorizedFault(s.auth.Mode())
			}
			// Manila's context.is_admin: the policy's answer, once.
			if caller, err = s.withAdmin(ctx, caller); err != nil {
				return internalError(err)
			}
			ri.Caller, ri.Authenticated = caller, true
		}

		// 2. Microversion, only under /v2 (the root ignores the headers).
		if strings.HasPrefix(ri.OrigPath, "/v2") {
			if f := s.parseVersion(c, ri); f != nil {
				return f
			}
		}

		// 3. Routing.
		if op == nil {
			return notFound(defaultNotFound)
		}
		ri.Op = op

		// 4. Body: size, JSON syntax, and for /action the single key.
		body, f := readBody(r)
		if f != nil {
			return f
		}
		gate := op.versionGate
		if op.Actions != nil {
			name, f := peekAction(r, body)
			if f != nil {
				return f
			}
			a, ok := op.Actions[name]
			if !ok {
				return badRequest("There is no such action: %s", name)
			}
			ri.Action, ri.action, gate = name, a, a.versionGate
		} else if len(body) > 0 && isJSON(r) && !json.Valid(body) {
			return badRequest("Malformed request body")
		}

		// 5. The project id in the URL must be the caller's.
		if ri.URLProject != "" && ri.Authenticated && ri.URLProject != ri.Caller.ProjectID {
			return badRequest("Malformed request url")
		}

		// 6. The version/experimental gate.
		if !op.Open && !gate.allows(ri.Version, ri.Experimental) {
			return notFound(defaultNotFound)
		}

		// 7. Policy, with Manila's default target: the caller's own project
		// (unless Manila checks it after the lookup: the handler does).
		ri.gate = gate
		if gate.Policy != policy.AlwaysAllow && !gate.AfterLookup {
			if err := s.authorizeGate(ctx, gate.Policy, policy.Target{ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID}); err != nil {
				if gate.ForbiddenMessage != "" {
					var f *Fault
					if errors.As(err, &f) && f.Status == http.StatusForbidden {
						return forbidden("%s", gate.ForbiddenMessage)
					}
				}
				return err
			}
		}

		// 8. Query parameters and body keys outside their range, or for
		// callers their rule refuses, are ignored, as Manila ignores them.
		if err := s.gateQuery(ctx, r, ri); err != nil {
			return err
		}
		if err := s.gateBody(ctx, r, ri, body); err != nil {
			return err
		}

		// 9. Validation against the OpenAPI document.
		if err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: pathParams,
			Route:      route,
			Options:    s.validationOptions,
		}); err != nil {
			return validationFault(err, ri)
		}
		if ri.action != nil {
			if f := validateActionValue(ri, body); f != nil {
				return f
			}
		}
		return next(c)
	}
}

// parseVersion reads the microversion headers and sets the response headers
// that echo it. A malformed value is 400 (no version applies, so nothing is
// echoed); a value outside the range is 406 (echoed).
func (s *Server) parseVersion(c echo.Context, ri *requestInfo) *Fault {
	r := c.Request()
	raw, present := r.Header.Get(headerVersion), r.Header.Get(headerVersion) != ""
	if !present {
		// The generic header, as gophercloud sends it beside Manila's own:
		// "OpenStack-API-Version: shared-file-system 2.80".
		for _, v := range r.Header.Values(headerGenericVer) {
			for _, part := range strings.Split(v, ",") {
				fields := strings.Fields(part)
				if len(fields) == 2 && strings.EqualFold(fields[0], "shared-file-system") {
					raw, present = fields[1], true
				}
			}
		}
	}
	v := s.spec.MinVersion
	if present {
		parsed, ok := ParseAPIVersion(raw)
		if !ok {
			return badRequest("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", raw)
		}
		v = parsed
	}
	ri.Version, ri.Versioned = v, true
	ri.Experimental = parseBool(r.Header.Get(headerExperimental))
	h := c.Response().Header()
	h.Set(headerVersion, v.String())
	h.Add(echo.HeaderVary, headerVersion)
	if ri.Experimental {
		h.Set(headerExperimental, "True")
	}
	if v.Compare(s.spec.MinVersion) < 0 || v.Compare(s.spec.MaxVersion) > 0 {
		return &Fault{Status: http.StatusNotAcceptable, Message: fmt.Sprintf(
			"Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, s.spec.MinVersion, s.spec.MaxVersion)}
	}
	return nil
}

// readBody reads the whole body (bounded) and puts it back for the
// validator and the handler.
func readBody(r *http.Request) ([]byte, *Fault) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, badRequest("Malformed request body")
	}
	if len(body) > maxBodyBytes {
		return nil, &Fault{Status: http.StatusRequestEntityTooLarge, Message: "Request is too large."}
	}
	// Go's JSON decoder would turn invalid UTF-8 into U+FFFD and store it;
	// Manila cannot decode such a body at all.
	if !utf8.Valid(body) {
		return nil, badRequest("Malformed request body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, nil
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	return err == nil && mt == echo.MIMEApplicationJSON
}

// peekAction finds the action a POST .../action body names, as Manila's
// action_peek_json does: a JSON object with exactly one key. Without a JSON
// content type Manila looks the action up as None.
func peekAction(r *http.Request, body []byte) (string, *Fault) {
	if !isJSON(r) || len(body) == 0 {
		return "", badRequest("There is no such action: None")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || len(obj) != 1 {
		return "", badRequest("Malformed request body")
	}
	for k := range obj {
		return k, nil
	}
	return "", badRequest("Malformed request body")
}
