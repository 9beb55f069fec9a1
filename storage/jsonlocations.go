package storage

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// locationRow is one export location as the share query's JSON aggregate
// carries it (keys i, p, a, f, c, u, m; see shareColumns).
type locationRow struct {
	ID        string            `json:"i"`
	Path      string            `json:"p"`
	AdminOnly int               `json:"a"`
	Preferred int               `json:"f"`
	Created   string            `json:"c"`
	Updated   *string           `json:"u"`
	Metadata  map[string]string `json:"m"`
}

// decodeLocationRows decodes a share's export locations aggregate. SQLite
// writes it in one shape (the keys in the query's order, no whitespace),
// which is read directly when no string has an escape; anything else goes
// to encoding/json, so the result is always encoding/json's. In a list of
// 100 shares encoding/json's reflection here cost 14% of the request.
func decodeLocationRows(raw string) ([]locationRow, error) {
	if rows, ok := scanLocationRows(raw); ok {
		return rows, nil
	}
	var rows []locationRow
	err := json.Unmarshal([]byte(raw), &rows)
	return rows, err
}

// jsonCursor reads SQLite's compact JSON output left to right; each method
// reports false on anything it does not expect.
type jsonCursor struct {
	s string
	i int
}

func (c *jsonCursor) lit(l string) bool {
	if !strings.HasPrefix(c.s[c.i:], l) {
		return false
	}
	c.i += len(l)
	return true
}

// str reads a string without escapes or control characters.
func (c *jsonCursor) str() (string, bool) {
	if c.i >= len(c.s) || c.s[c.i] != '"' {
		return "", false
	}
	start := c.i + 1
	for j := start; j < len(c.s); j++ {
		switch b := c.s[j]; {
		case b == '"':
			c.i = j + 1
			return c.s[start:j], true
		case b == '\\' || b < 0x20:
			return "", false
		}
	}
	return "", false
}

// flag reads the integer 0 or 1 (SQLite's booleans).
func (c *jsonCursor) flag() (int, bool) {
	if c.i+1 < len(c.s) && (c.s[c.i] == '0' || c.s[c.i] == '1') && (c.s[c.i+1] == ',' || c.s[c.i+1] == '}') {
		c.i++
		return int(c.s[c.i-1] - '0'), true
	}
	return 0, false
}

// flatObject reads an object of strings; as str, it finds the object's end
// without escapes, and scanFlatObject reads it.
func (c *jsonCursor) flatObject() (map[string]string, bool) {
	if c.i >= len(c.s) || c.s[c.i] != '{' {
		return nil, false
	}
	end, inString := -1, false
	for j := c.i + 1; j < len(c.s) && end < 0; j++ {
		switch c.s[j] {
		case '"':
			inString = !inString
		case '\\':
			return nil, false
		case '}':
			if !inString {
				end = j
			}
		}
	}
	if end < 0 {
		return nil, false
	}
	m := map[string]string{}
	if !scanFlatObject(c.s[c.i:end+1], m) {
		return nil, false
	}
	c.i = end + 1
	return m, true
}

func scanLocationRows(s string) ([]locationRow, bool) {
	if !utf8.ValidString(s) {
		// encoding/json turns invalid UTF-8 into U+FFFD.
		return nil, false
	}
	c := &jsonCursor{s: s}
	if !c.lit("[") {
		return nil, false
	}
	if c.lit("]") {
		return []locationRow{}, c.i == len(s)
	}
	var rows []locationRow
	for {
		var r locationRow
		var ok bool
		if !c.lit(`{"i":`) {
			return nil, false
		}
		if r.ID, ok = c.str(); !ok || !c.lit(`,"p":`) {
			return nil, false
		}
		if r.Path, ok = c.str(); !ok || !c.lit(`,"a":`) {
			return nil, false
		}
		if r.AdminOnly, ok = c.flag(); !ok || !c.lit(`,"f":`) {
			return nil, false
		}
		if r.Preferred, ok = c.flag(); !ok || !c.lit(`,"c":`) {
			return nil, false
		}
		if r.Created, ok = c.str(); !ok || !c.lit(`,"u":`) {
			return nil, false
		}
		if !c.lit("null") {
			u, ok := c.str()
			if !ok {
				return nil, false
			}
			r.Updated = &u
		}
		if !c.lit(`,"m":`) {
			return nil, false
		}
		if !c.lit("null") {
			if r.Metadata, ok = c.flatObject(); !ok {
				return nil, false
			}
		}
		if !c.lit("}") {
			return nil, false
		}
		rows = append(rows, r)
		if c.lit("]") {
			return rows, c.i == len(s)
		}
		if !c.lit(",") {
			return nil, false
		}
	}
}
