package storage

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeFlatObject decodes the JSON object of strings SQLite's
// json_group_object(key, value) makes of a share's metadata or a type's
// extra specs, into m. The common case (no escapes in any key or value) is
// read directly, which costs a tenth of encoding/json's reflection; any
// string with an escape, or anything else unexpected, goes to
// encoding/json, so the result is always encoding/json's.
func decodeFlatObject(raw string, m map[string]string) error {
	if ok := scanFlatObject(raw, m); ok {
		return nil
	}
	clear(m)
	return json.Unmarshal([]byte(raw), &m)
}

// scanFlatObject reads {"k":"v",...} with no escapes and no whitespace
// (SQLite's output); it reports false, with m partly filled, for anything
// else.
func scanFlatObject(s string, m map[string]string) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || !utf8.ValidString(s) {
		// encoding/json turns invalid UTF-8 into U+FFFD.
		return false
	}
	i := 1
	if s[i] == '}' {
		return i == len(s)-1
	}
	str := func() (string, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		start := i + 1
		for j := start; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"':
				i = j + 1
				return s[start:j], true
			case c == '\\' || c < 0x20:
				return "", false
			}
		}
		return "", false
	}
	for {
		k, ok := str()
		if !ok || i >= len(s) || s[i] != ':' {
			return false
		}
		i++
		v, ok := str()
		if !ok || i >= len(s) {
			return false
		}
		m[k] = v
		switch s[i] {
		case ',':
			i++
		case '}':
			return i == len(s)-1
		default:
			return false
		}
	}
}
