package impl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Fault is an error that becomes Manila's fault body:
// {"<name>": {"code": N, "message": "..."}}.
type Fault struct {
	Status  int
	Message string
	// Header holds extra response headers (Retry-After for 413).
	Header http.Header
	// cause is logged, never shown.
	cause error
}

func (f *Fault) Error() string {
	if f.cause != nil {
		return fmt.Sprintf("%d %s: %v", f.Status, f.Message, f.cause)
	}
	return fmt.Sprintf("%d %s", f.Status, f.Message)
}

func (f *Fault) Unwrap() error { return f.cause }

// webob's default explanations, which Manila returns when a handler raises an
// HTTP error without one of its own.
const (
	defaultBadRequest   = "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n"
	defaultForbidden    = "Access was denied to this resource."
	defaultNotFound     = "The resource could not be found."
	defaultConflict     = "There was a conflict when trying to complete your request."
	defaultUnauthorized = "The request you have made requires authentication."
	defaultServerError  = "The server has either erred or is incapable of performing\r\nthe requested operation.\r\n"
	defaultUnavailable  = "The server is currently unavailable. Please try again at a later time."
)

func badRequest(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusForbidden, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusNotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusConflict, Message: fmt.Sprintf(format, args...)}
}

func unprocessable(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusUnprocessableEntity, Message: fmt.Sprintf(format, args...)}
}

// internalError hides cause from the client and keeps it for the log.
func internalError(cause error) *Fault {
	return &Fault{Status: http.StatusInternalServerError, Message: defaultServerError, cause: cause}
}

// faultName is Manila's fault key per status (manila/api/openstack/wsgi.py
// Fault._fault_names); any other status is "computeFault".
func faultName(status int) string {
	switch status {
	case 400:
		return "badRequest"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "itemNotFound"
	case 405:
		return "badMethod"
	case 409:
		return "conflictingRequest"
	case 413:
		return "overLimit"
	case 415:
		return "badMediaType"
	case 501:
		return "notImplemented"
	case 503:
		return "serviceUnavailable"
	}
	return "computeFault"
}

// faultBody renders f as Manila does. 413 bodies also carry retryAfter.
func faultBody(f *Fault) []byte {
	inner := map[string]any{"code": f.Status, "message": f.Message}
	if f.Status == http.StatusRequestEntityTooLarge {
		retry := "0"
		if f.Header != nil && f.Header.Get("Retry-After") != "" {
			retry = f.Header.Get("Retry-After")
		}
		inner["retryAfter"] = retry
	}
	b, err := json.Marshal(map[string]any{faultName(f.Status): inner})
	if err != nil {
		return []byte(`{"computeFault": {"code": 500, "message": "` + strconv.Quote(err.Error()) + `"}}`)
	}
	return b
}
