package impl

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// validationFault maps a kin-openapi validation error to Manila's answer.
//
// Where Manila words the error itself, the schema (or parameter schema) that
// failed carries the message in x-manila-errors, keyed by the JSON Schema
// keyword that failed ("type", "required", "enum", "minimum", ...; "*" for
// any). A value is either a message (status 400) or {code, message}. The
// message may contain {value}, replaced by the offending value. Otherwise the
// message follows Manila's JSON-schema validator:
// "Invalid input for field/attribute <name>. Value: <value>. <reason>".
func validationFault(err error, ri *requestInfo) *Fault {
	var reqErr *openapi3filter.RequestError
	if !errors.As(err, &reqErr) {
		var secErr *openapi3filter.SecurityRequirementsError
		if errors.As(err, &secErr) {
			return unauthorizedFault("")
		}
		return badRequest("%s", err.Error())
	}
	var schemaErr *openapi3.SchemaError
	var parseErr *openapi3filter.ParseError
	switch {
	case reqErr.Parameter != nil:
		p := reqErr.Parameter
		var schema *openapi3.Schema
		if p.Schema != nil {
			schema = p.Schema.Value
		}
		keyword, value := "type", any(nil)
		if errors.As(reqErr.Err, &schemaErr) {
			keyword, value = schemaErr.SchemaField, schemaErr.Value
			if schemaErr.Schema != nil {
				schema = schemaErr.Schema
			}
		} else if errors.As(reqErr.Err, &parseErr) {
			value = parseErr.Value
		}
		if value == nil {
			value = ri.queryValue(p.Name)
		}
		if f := manilaError(schema, keyword, value); f != nil {
			return f
		}
		if f := manilaError(paramSchema(p), keyword, value); f != nil {
			return f
		}
		reason := reqErr.Reason
		if schemaErr != nil {
			reason = schemaErr.Reason
		}
		return badRequest("Invalid value '%s' for %s parameter %s: %s", fmt.Sprint(value), p.In, p.Name, strings.TrimSpace(reason))
	case reqErr.RequestBody != nil:
		if errors.As(reqErr.Err, &parseErr) {
			return badRequest("Malformed request body")
		}
		if errors.As(reqErr.Err, &schemaErr) {
			return schemaFault(schemaErr)
		}
		// No JSON content type (Manila then ignores the body and the
		// handler fails for lack of it), or a missing body.
		return badRequest(defaultBadRequest)
	}
	if strings.Contains(reqErr.Error(), "request body") {
		return badRequest(defaultBadRequest)
	}
	return badRequest("%s", reqErr.Error())
}

func paramSchema(p *openapi3.Parameter) *openapi3.Schema {
	if p == nil || p.Schema == nil {
		return nil
	}
	return p.Schema.Value
}

func schemaFault(se *openapi3.SchemaError) *Fault {
	if f := manilaError(se.Schema, se.SchemaField, se.Value); f != nil {
		return f
	}
	path := se.JSONPointer()
	if se.SchemaField == "required" && len(path) > 0 {
		// The pointer ends at the missing property; name its parent.
		path = path[:len(path)-1]
	}
	field := "body"
	if len(path) > 0 {
		field = path[len(path)-1]
	}
	reason := se.Reason
	if se.SchemaField == "required" {
		// kin-openapi says `property "x" is missing`; Manila's validator
		// says "'x' is a required property".
		if name, ok := strings.CutPrefix(reason, "property \""); ok {
			name, _, _ = strings.Cut(name, "\"")
			reason = fmt.Sprintf("'%s' is a required property", name)
		}
	}
	return badRequest("Invalid input for field/attribute %s. Value: %s. %s", field, renderValue(se.Value), reason)
}

// manilaError looks up schema's x-manila-errors for the failed keyword.
func manilaError(schema *openapi3.Schema, keyword string, value any) *Fault {
	if schema == nil {
		return nil
	}
	raw, ok := schema.Extensions[extErrors]
	if !ok {
		return nil
	}
	table, ok := toMap(raw)
	if !ok {
		return nil
	}
	entry, ok := table[keyword]
	if !ok {
		if entry, ok = table["*"]; !ok {
			return nil
		}
	}
	status, msg := http.StatusBadRequest, ""
	switch e := decodeExt(entry).(type) {
	case string:
		msg = e
	case map[string]any:
		msg, _ = e["message"].(string)
		if code, ok := e["code"].(float64); ok {
			status = int(code)
		}
	default:
		return nil
	}
	msg = strings.ReplaceAll(msg, "{value}", plainValue(value))
	return &Fault{Status: status, Message: msg}
}

func plainValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return "None"
	}
	return renderValue(v)
}

func renderValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (ri *requestInfo) queryValue(name string) string { return ri.query.Get(name) }
