package worker

import (
	"strconv"
	"strings"
)

// capabilitiesSatisfied is Manila's scheduler check (manila/scheduler/
// utils.py capabilities_satisfied with extra_specs_ops.match): every extra
// spec of the share's type, unscoped or scoped "capabilities:", must be a
// capability the back end reports, with a matching value; other scopes
// (provisioning:, vendor ones) and availability_zones are not capabilities.
func capabilitiesSatisfied(caps map[string]any, specs map[string]string) bool {
	for key, req := range specs {
		if key == "availability_zones" || key == "capabilities:availability_zones" || key == "default_qos_type" {
			continue
		}
		name, scoped := strings.CutPrefix(key, "capabilities:")
		if !scoped && strings.Contains(key, ":") {
			continue
		}
		cap, ok := caps[name]
		if !ok || cap == nil {
			return false
		}
		values, isList := cap.([]any)
		if !isList {
			values = []any{cap}
		}
		matched := false
		for _, v := range values {
			if matchSpec(v, req) {
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

// matchSpec is extra_specs_ops.match: req may start with an operator
// (=, ==, !=, >=, <=, <in>, <is>, <or>, s==, s!=, s<, s<=, s>, s>=);
// without one a boolean capability compares as oslo's lenient boolean and
// anything else as a case-insensitive string.
func matchSpec(value any, req string) bool {
	req = strings.ToLower(req)
	words := strings.Fields(req)
	op := ""
	if len(words) > 0 {
		op = words[0]
	}
	sval := strings.ToLower(render(value))
	switch op {
	case "<or>":
		for i := 1; i < len(words); i += 2 {
			if words[i] == sval {
				return true
			}
		}
		return false
	case "=", "==", "!=", ">=", "<=", "<in>", "<is>", "s==", "s!=", "s<", "s<=", "s>", "s>=":
	default:
		if b, ok := value.(bool); ok {
			return b == lenientBool(req)
		}
		return sval == req
	}
	if len(words) < 2 {
		return false
	}
	arg := words[1]
	switch op {
	case "<in>":
		return strings.Contains(sval, arg)
	case "<is>":
		return lenientBool(sval) == lenientBool(arg)
	case "s==":
		return sval == arg
	case "s!=":
		return sval != arg
	case "s<":
		return sval < arg
	case "s<=":
		return sval <= arg
	case "s>":
		return sval > arg
	case "s>=":
		return sval >= arg
	}
	x, err1 := strconv.ParseFloat(sval, 64)
	y, err2 := strconv.ParseFloat(arg, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch op {
	case "=", ">=":
		return x >= y
	case "==":
		return x == y
	case "!=":
		return x != y
	}
	return x <= y // "<="
}

// lenientBool is oslo's bool_from_string(strict=False): true for
// 1/t/true/on/y/yes, else false.
func lenientBool(s string) bool {
	switch strings.TrimSpace(strings.ToLower(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

func render(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}
