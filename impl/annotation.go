package impl

import (
	"context"
	"fmt"
)

// extOptional marks a response property Manila sends only sometimes;
// extBelow gives its older value.
const (
	extOptional = "x-manila-optional"
	extBelow    = "x-manila-below"
	// extRefused, on a query parameter or request-body key, is Manila's
	// 400 message for a key sent outside its version range, where Manila
	// refuses the key rather than ignoring it.
	extRefused = "x-manila-refused"
	// extRequired, on a query parameter, is a rule the caller needs to use
	// the parameter at all: Manila refuses the request with 403 without it
	// (share lists by host, by share server, by extra specs).
	extRequired = "x-manila-policy-required"
)

func readOlderValue(raw any) (*OlderValue, error) {
	m, ok := toMap(raw)
	if !ok {
		return nil, fmt.Errorf("%s must be an object", extBelow)
	}
	v, err := extVersion(m, "version")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", extBelow, err)
	}
	o := &OlderValue{Version: v}
	o.ValueOf, _ = toString(m["value-of"])
	if renames, ok := toMap(m["map"]); ok {
		o.Map = map[string]string{}
		for from, to := range renames {
			if o.Map[from], ok = toString(to); !ok {
				return nil, fmt.Errorf("%s.map.%s must be a string", extBelow, from)
			}
		}
	}
	if (o.ValueOf == "") == (o.Map == nil) {
		return nil, fmt.Errorf("%s needs one of value-of and map", extBelow)
	}
	return o, nil
}

// Annotation is what the spec says about when a response property is in
// the view, or a query parameter is heeded: x-manila-min-version /
// x-manila-max-version (inclusive) and x-manila-policy (a rule that must
// allow the caller, against the caller's own project); for response
// properties also x-manila-optional (may be present only then, not always
// then). The server's views and query gates and the test suite's response
// check all read it here.
type Annotation struct {
	Min, Max *APIVersion
	Policy   string
	Optional bool
	// Below is x-manila-below: under Below.Version the value is another
	// property's (ValueOf) or renamed (Map).
	Below *OlderValue
	// Refused is x-manila-refused: outside the version range a query
	// parameter or body key with a value (Manila tests its truth) is
	// answered with 400 and this message instead of being ignored.
	Refused string
	// Required is x-manila-policy-required: the rule a present query
	// parameter needs (403 "Policy doesn't allow ..." without it).
	Required string
}

// OlderValue is what a response property showed below a version.
type OlderValue struct {
	Version APIVersion
	ValueOf string
	Map     map[string]string
}

// ReadAnnotation reads the annotation keys of a schema's or parameter's
// extensions.
func ReadAnnotation(ext map[string]any) (Annotation, error) {
	var a Annotation
	for key, dst := range map[string]**APIVersion{extMinVersion: &a.Min, extMaxVersion: &a.Max} {
		if _, ok := ext[key]; ok {
			v, err := extVersion(ext, key)
			if err != nil {
				return a, err
			}
			*dst = &v
		}
	}
	if raw, ok := ext[extPolicy]; ok {
		if a.Policy, ok = toString(raw); !ok || a.Policy == "" {
			return a, fmt.Errorf("%s must name a rule", extPolicy)
		}
	}
	if raw, ok := ext[extBelow]; ok {
		below, err := readOlderValue(raw)
		if err != nil {
			return a, err
		}
		a.Below = below
	}
	if raw, ok := ext[extOptional]; ok {
		if a.Optional, ok = toBool(raw); !ok {
			return a, fmt.Errorf("%s must be a boolean", extOptional)
		}
	}
	if raw, ok := ext[extRequired]; ok {
		if a.Required, ok = toString(raw); !ok || a.Required == "" {
			return a, fmt.Errorf("%s must name a rule", extRequired)
		}
	}
	if raw, ok := ext[extRefused]; ok {
		if a.Refused, ok = toString(raw); !ok || a.Refused == "" {
			return a, fmt.Errorf("%s must be Manila's message", extRefused)
		}
		if a.Min == nil && a.Max == nil {
			return a, fmt.Errorf("%s needs a version range to refuse outside of", extRefused)
		}
	}
	return a, nil
}

// refuses reports whether Manila answers 400 (a.Refused) for this key in
// this request: it is outside the version range and holds a value.
func (a Annotation) refuses(ri *requestInfo, value any) bool {
	return a.Refused != "" && !a.InRange(ri.Version) && pyTruthy(value)
}

// admits reports whether the request is in the annotation's range and, if
// it names a rule, the rule allows the caller (against the caller's own
// project).
func (s *Server) admits(ctx context.Context, ri *requestInfo, a Annotation) (bool, error) {
	if !a.InRange(ri.Version) {
		return false, nil
	}
	if a.Policy == "" {
		return true, nil
	}
	return s.decide(ctx, a.Policy, callerTarget(ri))
}

// Annotated reports whether the annotation restricts anything.
func (a Annotation) Annotated() bool {
	return a.Min != nil || a.Max != nil || a.Policy != "" || a.Required != ""
}

// InRange reports whether v is within the annotation's versions.
func (a Annotation) InRange(v APIVersion) bool {
	return (a.Min == nil || v.Compare(*a.Min) >= 0) && (a.Max == nil || v.Compare(*a.Max) <= 0)
}

// RangeString renders the range as "[min, max]" (an end left open is empty).
func (a Annotation) RangeString() string {
	lo, hi := "", ""
	if a.Min != nil {
		lo = a.Min.String()
	}
	if a.Max != nil {
		hi = a.Max.String()
	}
	return "[" + lo + ", " + hi + "]"
}
