package worker

import (
	"strconv"
	"strings"
)

// CapabilitiesSatisfied is Manila's scheduler_utils.capabilities_satisfied:
// every unscoped or capabilities:-scoped extra spec must match the
// capability of that name (a list matches if any element does).
func CapabilitiesSatisfied(caps map[string]any, specs map[string]string) bool {
	for key, req := range specs {
		switch key {
		case "availability_zones", "capabilities:availability_zones", "default_qos_type":
			continue
		}
		scope := strings.Split(key, ":")
		if len(scope) > 1 && scope[0] != "capabilities" {
			continue
		}
		if scope[0] == "capabilities" {
			scope = scope[1:]
		}
		var cap any = caps
		for _, part := range scope {
			m, ok := cap.(map[string]any)
			if !ok {
				return false
			}
			if cap = m[part]; cap == nil {
				return false
			}
		}
		list, ok := cap.([]any)
		if !ok {
			list = []any{cap}
		}
		matched := false
		for _, v := range list {
			if specMatch(v, req) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

var trueStrings = map[string]bool{"1": true, "t": true, "true": true, "on": true, "y": true, "yes": true}
var falseStrings = map[string]bool{"0": true, "f": true, "false": true, "off": true, "n": true, "no": true}

// boolFromString is oslo's non-strict bool_from_string.
func boolFromString(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	s, _ := v.(string)
	return trueStrings[strings.ToLower(strings.TrimSpace(s))]
}

// pyFloat is Python's float() of a capability value.
func pyFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

var floatOps = map[string]func(a, b float64) bool{
	"=": func(a, b float64) bool { return a >= b }, ">=": func(a, b float64) bool { return a >= b },
	"==": func(a, b float64) bool { return a == b }, "!=": func(a, b float64) bool { return a != b },
	"<=": func(a, b float64) bool { return a <= b },
}

var stringOps = map[string]func(a, b string) bool{
	"s==": func(a, b string) bool { return a == b }, "s!=": func(a, b string) bool { return a != b },
	"s<": func(a, b string) bool { return a < b }, "s<=": func(a, b string) bool { return a <= b },
	"s>": func(a, b string) bool { return a > b }, "s>=": func(a, b string) bool { return a >= b },
}

// specMatch is Manila's extra_specs_ops.match: req's first word may be an
// operator (=, s==, <in>, <is>, <or>, ...); without one, values compare
// equal (case-insensitive; a boolean capability against a boolean word).
func specMatch(value any, req string) bool {
	if s, ok := value.(string); ok {
		value = strings.ToLower(s)
	}
	req = strings.ToLower(req)
	words := strings.Fields(req)
	op := ""
	if len(words) > 0 {
		op, words = words[0], words[1:]
	}
	_, isFloat := floatOps[op]
	_, isString := stringOps[op]
	known := isFloat || isString || op == "<in>" || op == "<is>"
	if op != "<or>" && !known {
		if b, ok := value.(bool); ok {
			return b && trueStrings[req] || !b && falseStrings[req]
		}
		s, ok := value.(string)
		return ok && s == req
	}
	if value == nil || len(words) == 0 {
		return false
	}
	s, isStr := value.(string)
	switch {
	case op == "<or>":
		for i := 0; i < len(words); i += 2 {
			if isStr && words[i] == s {
				return true
			}
		}
		return false
	case op == "<in>":
		return isStr && strings.Contains(s, words[0])
	case op == "<is>":
		return boolFromString(value) == boolFromString(words[0])
	case isFloat:
		a, ok1 := pyFloat(value)
		b, ok2 := pyFloat(words[0])
		return ok1 && ok2 && floatOps[op](a, b)
	}
	if !isStr {
		return op == "s!="
	}
	return stringOps[op](s, words[0])
}
