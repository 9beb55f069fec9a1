package impl

import (
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"
)

// extBehaviours, on components, names the version-dependent behaviours
// that are neither a key's presence nor a refusal: a default Manila fills
// in below a version, a check it makes only from one. Each has a version
// range (x-manila-min-version / x-manila-max-version) and a description;
// a handler asks s.behaves(ri, name), so the version lives in the spec.
const extBehaviours = "x-manila-behaviours"

// behaviour is one entry of components.x-manila-behaviours.
type behaviour struct {
	Annotation
	Description string
}

func readBehaviours(doc *openapi3.T) (map[string]behaviour, error) {
	out := map[string]behaviour{}
	if doc.Components == nil {
		return out, nil
	}
	raw, ok := doc.Components.Extensions[extBehaviours]
	if !ok {
		return out, nil
	}
	entries, ok := toMap(raw)
	if !ok {
		return nil, fmt.Errorf("components.%s must map names to version ranges", extBehaviours)
	}
	for name, v := range entries {
		ext, ok := toMap(v)
		if !ok {
			return nil, fmt.Errorf("components.%s.%s must be an object", extBehaviours, name)
		}
		a, err := ReadAnnotation(ext)
		if err != nil {
			return nil, fmt.Errorf("components.%s.%s: %w", extBehaviours, name, err)
		}
		if a.Min == nil && a.Max == nil || a.Policy != "" || a.Optional || a.Below != nil || a.Refused != "" {
			return nil, fmt.Errorf("components.%s.%s: needs a version range and nothing else", extBehaviours, name)
		}
		desc, _ := toString(ext["description"])
		out[name] = behaviour{Annotation: a, Description: desc}
	}
	return out, nil
}

// BehaviourNames lists the spec's behaviours, sorted.
func (info *SpecInfo) BehaviourNames() []string {
	names := make([]string, 0, len(info.behaviours))
	for n := range info.behaviours {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// behaves reports whether the spec's behaviour name holds at the request's
// version. A name the spec lacks never holds; a test keeps the names the
// handlers ask for and the spec's equal.
func (s *Server) behaves(ri *requestInfo, name string) bool {
	b, ok := s.spec.behaviours[name]
	return ok && b.InRange(ri.Version)
}
