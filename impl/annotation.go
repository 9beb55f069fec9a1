package impl

import (
	"fmt"
)

// extOptional marks a response property Manila sends only sometimes.
const extOptional = "x-manila-optional"

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
	if raw, ok := ext[extOptional]; ok {
		if a.Optional, ok = toBool(raw); !ok {
			return a, fmt.Errorf("%s must be a boolean", extOptional)
		}
	}
	return a, nil
}

// Annotated reports whether the annotation restricts anything.
func (a Annotation) Annotated() bool { return a.Min != nil || a.Max != nil || a.Policy != "" }

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
