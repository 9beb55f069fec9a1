package policy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// This file parses oslo.policy check strings ("role:admin or
// (role:member and project_id:%(project_id)s)") the way oslo_policy's
// _parser does, so that `manilite policy import` can translate a Manila
// policy.yaml into Rego. Where oslo.policy would log an error and fail
// closed (an unparsable string becomes "!"), the parser reports the error
// instead: an operator importing a file wants to know.

// checkNode is a parsed check string.
type checkNode interface{ isCheck() }

type (
	// orCheck is true when any of its checks is.
	orCheck []checkNode
	// andCheck is true when all of its checks are.
	andCheck []checkNode
	// notCheck negates one check.
	notCheck struct{ check checkNode }
	// trueCheck is "@" or the empty string: always true.
	trueCheck struct{}
	// falseCheck is "!": always false.
	falseCheck struct{}
	// ruleCheck is "rule:<name>": the named rule.
	ruleCheck struct{ name string }
	// roleCheck is "role:<role>": the caller holds the role (compared
	// lower-cased). The role may hold %(target_field)s substitutions.
	roleCheck struct{ match template }
	// genericCheck is "<kind>:<match>": the caller's attribute kind (a
	// dotted path, or a Python literal) printed equals match, after
	// %(target_field)s substitutions in match.
	genericCheck struct {
		kind string
		// literal is set when kind is a Python literal ('member', True,
		// 1): then the literal, printed, is compared with match.
		literal *string
		match   template
	}
)

func (orCheck) isCheck()      {}
func (andCheck) isCheck()     {}
func (notCheck) isCheck()     {}
func (trueCheck) isCheck()    {}
func (falseCheck) isCheck()   {}
func (ruleCheck) isCheck()    {}
func (roleCheck) isCheck()    {}
func (genericCheck) isCheck() {}

// template is the right-hand side of a check: literal text and %(key)s
// substitutions from the target, in order.
type template []templatePart

type templatePart struct {
	text string // literal text, when key is ""
	key  string // a target field
}

// literal returns the template's text when it has no substitution.
func (t template) literal() (string, bool) {
	var b strings.Builder
	for _, p := range t {
		if p.key != "" {
			return "", false
		}
		b.WriteString(p.text)
	}
	return b.String(), true
}

// field returns the target field when the template is exactly one
// substitution, %(key)s.
func (t template) field() (string, bool) {
	if len(t) == 1 && t[0].key != "" {
		return t[0].key, true
	}
	return "", false
}

// parseTemplate reads Python's "%(name)s" formatting as oslo.policy applies
// it to a target dict: %(key)s substitutes, %% is a percent sign, and any
// other % is an error (Python raises; oslo.policy does not catch it).
func parseTemplate(s string) (template, error) {
	var t template
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			t = append(t, templatePart{text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			text.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "%%"):
			text.WriteByte('%')
			i++
		case strings.HasPrefix(s[i:], "%("):
			end := strings.Index(s[i:], ")")
			if end < 0 {
				return nil, fmt.Errorf("unterminated %%( in %q", s)
			}
			key := s[i+2 : i+end]
			if !strings.HasPrefix(s[i+end+1:], "s") {
				return nil, fmt.Errorf("only %%(name)s substitutions are supported, in %q", s)
			}
			if key == "" {
				return nil, fmt.Errorf("empty %%() substitution in %q", s)
			}
			flush()
			t = append(t, templatePart{key: key})
			i += end + 1
		default:
			return nil, fmt.Errorf("a lone %% in %q (write %%%% for a percent sign)", s)
		}
	}
	flush()
	if len(t) == 0 {
		t = template{{text: ""}}
	}
	return t, nil
}

// checkToken is one token of a check string.
type checkToken struct {
	kind  string // "(", ")", "and", "or", "not", "check", "string"
	value string
	check checkNode
}

// tokenizeCheck splits a check string as oslo_policy._parser's
// _parse_tokenize does: on whitespace, with parentheses peeled off the
// ends of each word, and the words and/or/not recognised in any case.
func tokenizeCheck(rule string) ([]checkToken, error) {
	var toks []checkToken
	for _, word := range strings.Fields(rule) {
		clean := strings.TrimLeft(word, "(")
		for range len(word) - len(clean) {
			toks = append(toks, checkToken{kind: "("})
		}
		if clean == "" {
			continue
		}
		tok := clean
		clean = strings.TrimRight(tok, ")")
		trail := len(tok) - len(clean)
		switch lowered := strings.ToLower(clean); {
		case lowered == "and" || lowered == "or" || lowered == "not":
			toks = append(toks, checkToken{kind: lowered, value: clean})
		case clean != "":
			if len(tok) >= 2 && (tok[0] == '"' && tok[len(tok)-1] == '"' || tok[0] == '\'' && tok[len(tok)-1] == '\'') {
				toks = append(toks, checkToken{kind: "string", value: tok[1 : len(tok)-1]})
			} else {
				c, err := parseCheckAtom(clean)
				if err != nil {
					return nil, err
				}
				toks = append(toks, checkToken{kind: "check", value: clean, check: c})
			}
		}
		for range trail {
			toks = append(toks, checkToken{kind: ")"})
		}
	}
	return toks, nil
}

// pythonLiteral reports whether kind is a Python literal that
// ast.literal_eval accepts (of those a check may use: quoted strings,
// numbers, True, False, None), and returns it as Python's str() prints it.
var pythonNumber = regexp.MustCompile(`^[+-]?(\d+|\d+\.\d*|\.\d+)([eE][+-]?\d+)?$`)

func pythonLiteral(kind string) (string, bool, error) {
	switch kind {
	case "True", "False", "None":
		return kind, true, nil
	}
	if len(kind) >= 2 && (kind[0] == '\'' || kind[0] == '"') {
		if kind[len(kind)-1] != kind[0] {
			return "", false, fmt.Errorf("unterminated string literal %s", kind)
		}
		inner := kind[1 : len(kind)-1]
		if strings.ContainsAny(inner, `\`+string(kind[0])) {
			return "", false, fmt.Errorf("string literal %s: escapes and embedded quotes are not supported", kind)
		}
		return inner, true, nil
	}
	if pythonNumber.MatchString(kind) {
		if i, err := strconv.ParseInt(kind, 10, 64); err == nil {
			return strconv.FormatInt(i, 10), true, nil
		}
		return "", false, fmt.Errorf("number literal %s: only integers are supported", kind)
	}
	return "", false, nil
}

// validKind matches an attribute path of the caller: dotted names.
var validKind = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

// parseCheckAtom is oslo_policy._parser._parse_check: "@", "!", or
// "<kind>:<match>" with kind rule, role, http(s) (not supported here) or
// any other (a generic check).
func parseCheckAtom(s string) (checkNode, error) {
	switch s {
	case "@":
		return trueCheck{}, nil
	case "!":
		return falseCheck{}, nil
	}
	kind, match, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("%q is not a check (want kind:match, @ or !)", s)
	}
	switch kind {
	case "rule":
		if match == "" {
			return nil, fmt.Errorf("%q names no rule", s)
		}
		return ruleCheck{name: match}, nil
	case "role":
		t, err := parseTemplate(match)
		if err != nil {
			return nil, err
		}
		return roleCheck{match: t}, nil
	case "http", "https":
		return nil, fmt.Errorf("%q: http(s) checks call a remote server and are not supported", s)
	}
	t, err := parseTemplate(match)
	if err != nil {
		return nil, err
	}
	lit, isLit, err := pythonLiteral(kind)
	if err != nil {
		return nil, err
	}
	if isLit {
		return genericCheck{kind: kind, literal: &lit, match: t}, nil
	}
	if !validKind.MatchString(kind) {
		return nil, fmt.Errorf("%q: %q is neither a caller attribute nor a literal", s, kind)
	}
	return genericCheck{kind: kind, match: t}, nil
}

// ParseCheckString parses an oslo.policy check string. The empty string is
// "@", as in oslo.policy.
func parseCheckString(rule string) (checkNode, error) {
	if rule == "" {
		return trueCheck{}, nil
	}
	toks, err := tokenizeCheck(rule)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%q holds no check", rule)
	}
	p := &checkParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %s at token %d", p.toks[p.pos].describe(), p.pos+1)
	}
	return n, nil
}

// checkParser is a recursive-descent parser of the grammar oslo.policy's
// shift-reduce parser accepts: "and" binds tighter than "or", "not"
// applies to the one check (or parenthesised expression) after it.
type checkParser struct {
	toks []checkToken
	pos  int
}

func (t checkToken) describe() string {
	switch t.kind {
	case "check":
		return fmt.Sprintf("check %q", t.value)
	case "string":
		return fmt.Sprintf("quoted string %q (quoted strings are not checks)", t.value)
	case "and", "or", "not":
		return fmt.Sprintf("%q", t.value)
	}
	return fmt.Sprintf("%q", t.kind)
}

func (p *checkParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return ""
}

func (p *checkParser) or() (checkNode, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	terms := []checkNode{first}
	for p.peek() == "or" {
		p.pos++
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return orCheck(terms), nil
}

func (p *checkParser) and() (checkNode, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	terms := []checkNode{first}
	for p.peek() == "and" {
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		terms = append(terms, n)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return andCheck(terms), nil
}

func (p *checkParser) unary() (checkNode, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("the check string ends where a check is expected")
	}
	tok := p.toks[p.pos]
	switch tok.kind {
	case "not":
		p.pos++
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notCheck{n}, nil
	case "(":
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			if p.pos >= len(p.toks) {
				return nil, fmt.Errorf("missing )")
			}
			return nil, fmt.Errorf("unexpected %s at token %d, want )", p.toks[p.pos].describe(), p.pos+1)
		}
		p.pos++
		return n, nil
	case "check":
		p.pos++
		return tok.check, nil
	}
	return nil, fmt.Errorf("unexpected %s at token %d, want a check", tok.describe(), p.pos+1)
}

// ruleRefs lists the rule names n refers to with rule:, in order.
func ruleRefs(n checkNode) []string {
	var out []string
	var walk func(checkNode)
	walk = func(n checkNode) {
		switch x := n.(type) {
		case orCheck:
			for _, c := range x {
				walk(c)
			}
		case andCheck:
			for _, c := range x {
				walk(c)
			}
		case notCheck:
			walk(x.check)
		case ruleCheck:
			out = append(out, x.name)
		}
	}
	walk(n)
	return out
}
