package storage

// PostgreSQL dialect. Every difference between SQLite and PostgreSQL lives
// here; the resource files write SQLite's SQL with ? placeholders, and for
// PostgreSQL each distinct query text is translated once (and cached):
//
//   - ? becomes $1..$n;
//   - LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case, as Manila's
//     MySQL does for the name~ filters);
//   - json_group_object / json_group_array become json_object_agg /
//     json_agg, wrapped in coalesce so that no rows give {} / [] as in
//     SQLite; json_object becomes json_build_object and json(x) becomes x;
//   - rowid becomes ctid (only ever an ORDER BY tiebreaker: insertion order
//     while the rows are not updated or vacuumed away; the README names
//     the two orders that rely on it);
//   - LIMIT -1 becomes LIMIT ALL, and a bound LIMIT ? / OFFSET ? takes a
//     negative value as SQLite does (no limit, offset 0);
//   - ASC / DESC sort NULL first / last, as SQLite does;
//   - binary and user, reserved in PostgreSQL, are quoted.
//
// Row locks that only PostgreSQL has come from methods (skipLocked).
// Go bool arguments become 0/1 (the columns are INTEGER on both).
// Migrations get the same translation plus a mechanical type mapping
// (pgMigration); a migration that cannot be shared has an override file
// NNNN_name.postgres.sql.

import (
	"database/sql/driver"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// dialect is nil for SQLite (queries pass unchanged) and set for
// PostgreSQL.
type dialect struct {
	cache sync.Map // SQLite text → PostgreSQL text
}

// sql is query in this dialect.
func (d *dialect) sql(query string) string {
	if d == nil {
		return query
	}
	if q, ok := d.cache.Load(query); ok {
		return q.(string)
	}
	q := pgRewrite(query)
	d.cache.Store(query, q)
	return q
}

// skipLocked ends a SELECT that picks one row to claim: on PostgreSQL the
// row is locked and rows other transactions hold are passed over, so
// nodes claiming at the same moment take different rows; SQLite has one
// writer and no row locks.
func (d *dialect) skipLocked() string {
	if d == nil {
		return ""
	}
	return " FOR UPDATE SKIP LOCKED"
}

// args converts what the PostgreSQL driver would refuse.
func (d *dialect) args(args []any) []any {
	if d == nil {
		return args
	}
	for i, a := range args {
		switch v := a.(type) {
		case bool:
			args[i] = boolInt(v)
		case *bool:
			if v != nil {
				args[i] = boolInt(*v)
			}
		case driver.Valuer:
			if val, err := v.Value(); err == nil {
				if b, ok := val.(bool); ok {
					args[i] = boolInt(b)
				}
			}
		}
	}
	return args
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// pgRewrite translates one query (see the package comment above).
func pgRewrite(q string) string {
	var b strings.Builder
	n := 0
	var closers []string // what each open parenthesis adds when it closes
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			if j < len(q) {
				j++
			}
			b.WriteString(q[i:j])
			i = j
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			i++
		case c == '(':
			closers = append(closers, "")
			b.WriteByte(c)
			i++
		case c == ')':
			b.WriteByte(c)
			if k := len(closers) - 1; k >= 0 {
				b.WriteString(closers[k])
				closers = closers[:k]
			}
			i++
		case isIdent(c) && (i == 0 || !isIdent(q[i-1])):
			j := i
			for j < len(q) && isIdent(q[j]) {
				j++
			}
			word := q[i:j]
			paren := j < len(q) && q[j] == '('
			switch lw := strings.ToLower(word); {
			case lw == "like":
				b.WriteString("ILIKE")
			case (lw == "asc" || lw == "desc") && !strings.HasPrefix(strings.ToUpper(strings.TrimLeft(q[j:], " ")), "NULLS"):
				// SQLite sorts NULL first, as Manila's MySQL does.
				if lw == "asc" {
					b.WriteString("ASC NULLS FIRST")
				} else {
					b.WriteString("DESC NULLS LAST")
				}
			case lw == "rowid":
				b.WriteString("ctid")
			case lw == "binary" || lw == "user":
				b.WriteString(`"` + lw + `"`)
			case lw == "json_group_object" && paren:
				b.WriteString("coalesce(json_object_agg(")
				closers = append(closers, ", '{}')")
				j++
			case lw == "json_group_array" && paren:
				b.WriteString("coalesce(json_agg(")
				closers = append(closers, ", '[]')")
				j++
			case lw == "json_object" && paren:
				b.WriteString("json_build_object")
			case lw == "json" && paren:
			case lw == "limit" && strings.HasPrefix(strings.TrimLeft(q[j:], " "), "-1"):
				b.WriteString("LIMIT ALL")
				j += strings.Index(q[j:], "-1") + 2
			case (lw == "limit" || lw == "offset") && strings.HasPrefix(strings.TrimLeft(q[j:], " "), "?"):
				// A bound value as SQLite takes it: a negative limit is
				// none (NULL, to PostgreSQL), a negative offset is 0;
				// PostgreSQL refuses both.
				n++
				if lw == "limit" {
					b.WriteString("LIMIT NULLIF(GREATEST($" + strconv.Itoa(n) + "::bigint, -1), -1)")
				} else {
					b.WriteString("OFFSET GREATEST($" + strconv.Itoa(n) + "::bigint, 0)")
				}
				j += strings.IndexByte(q[j:], '?') + 1
			default:
				b.WriteString(word)
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var (
	pgStrict   = regexp.MustCompile(`\)\s*STRICT\b`)
	pgAutoIncr = regexp.MustCompile(`\bINTEGER PRIMARY KEY AUTOINCREMENT\b`)
	pgInteger  = regexp.MustCompile(`\bINTEGER\b`)
)

// pgMigration maps a migration's SQLite DDL to PostgreSQL: no STRICT,
// 64-bit integers, identity columns for AUTOINCREMENT.
func pgMigration(body string) string {
	body = pgStrict.ReplaceAllString(body, ")")
	body = pgAutoIncr.ReplaceAllString(body, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
	body = pgInteger.ReplaceAllString(body, "BIGINT")
	return body
}

// isPostgres reports whether dsn names a PostgreSQL database.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
