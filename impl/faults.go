package impl

import (
	"encoding/json"
	"fmt"
	"github.com/manilite/manilite/gen"
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

// faultNames is the Fault schema's x-manila-fault-names: the fault body's
// key per status, read once from the spec.
type faultNames struct {
	byStatus map[int]string
	other    string
}

func readFaultNames(ext map[string]any) (faultNames, error) {
	table, ok := toMap(ext[extFaultNames])
	if !ok {
		return faultNames{}, fmt.Errorf("spec: the Fault schema has no %s", extFaultNames)
	}
	names := faultNames{byStatus: map[int]string{}}
	for key, v := range table {
		name, ok := toString(v)
		if !ok || name == "" {
			return faultNames{}, fmt.Errorf("spec: %s.%s must be a name", extFaultNames, key)
		}
		if key == "default" {
			names.other = name
			continue
		}
		status, err := strconv.Atoi(key)
		if err != nil {
			return faultNames{}, fmt.Errorf("spec: %s key %q is not a status", extFaultNames, key)
		}
		names.byStatus[status] = name
	}
	if names.other == "" {
		return faultNames{}, fmt.Errorf("spec: %s has no default", extFaultNames)
	}
	return names, nil
}

func (n faultNames) of(status int) string {
	if name, ok := n.byStatus[status]; ok {
		return name
	}
	return n.other
}

// faultBody renders f as Manila does, as the generated Fault type. 413
// bodies also carry retryAfter.
func (n faultNames) faultBody(f *Fault) []byte {
	inner := struct {
		Code       int     `json:"code"`
		Message    string  `json:"message"`
		RetryAfter *string `json:"retryAfter,omitempty"`
	}{Code: f.Status, Message: f.Message}
	if f.Status == http.StatusRequestEntityTooLarge {
		retry := "0"
		if f.Header != nil && f.Header.Get("Retry-After") != "" {
			retry = f.Header.Get("Retry-After")
		}
		inner.RetryAfter = &retry
	}
	b, err := json.Marshal(gen.Fault{n.of(f.Status): inner})
	if err != nil {
		return []byte(`{"computeFault": {"code": 500, "message": ` + strconv.Quote(err.Error()) + `}}`)
	}
	return b
}
