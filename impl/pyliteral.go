package impl

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// parseDictLiteral reads the small Python dict literals Manila's list
// filters take (metadata={'k': 'v'}, extra_specs={"k": "v"}), which it
// evaluates with ast.literal_eval. Keys and values are quoted strings (single
// or double quotes); True, False, None and numbers are kept as their text.
func parseDictLiteral(s string) (map[string]string, error) {
	p := &literalParser{src: strings.TrimSpace(s)}
	if !p.eat('{') {
		return nil, errors.New("not a dict")
	}
	out := map[string]string{}
	p.skipSpace()
	if p.eat('}') {
		return out, p.end()
	}
	for {
		k, err := p.scalar()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.eat(':') {
			return nil, errors.New("expected ':'")
		}
		v, err := p.scalar()
		if err != nil {
			return nil, err
		}
		out[k] = v
		p.skipSpace()
		if p.eat('}') {
			return out, p.end()
		}
		if !p.eat(',') {
			return nil, errors.New("expected ',' or '}'")
		}
		p.skipSpace()
		if p.eat('}') { // a trailing comma
			return out, p.end()
		}
	}
}

type literalParser struct {
	src string
	pos int
}

func (p *literalParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *literalParser) eat(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *literalParser) end() error {
	p.skipSpace()
	if p.pos != len(p.src) {
		return errors.New("text after the dict")
	}
	return nil
}

func (p *literalParser) scalar() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return "", errors.New("unexpected end")
	}
	q := p.src[p.pos]
	if q != '\'' && q != '"' {
		start := p.pos
		for p.pos < len(p.src) && strings.IndexByte(",:} \t", p.src[p.pos]) < 0 {
			p.pos++
		}
		word := p.src[start:p.pos]
		if word == "" {
			return "", errors.New("empty value")
		}
		return word, nil
	}
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			p.pos++
			switch e := p.src[p.pos]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
			p.pos++
		default:
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			b.WriteRune(r)
			p.pos += size
		}
	}
	return "", errors.New("unterminated string")
}

// pyTruthy is Python's truth of a JSON value, as Manila tests a key ("if
// description and version < 2.41"): null, false, 0, "", [] and {} are
// false.
func pyTruthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		f, err := x.Float64()
		return err != nil || f != 0
	case float64:
		return x != 0
	case []any:
		return len(x) != 0
	case map[string]any:
		return len(x) != 0
	}
	return true
}
