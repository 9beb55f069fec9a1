package storage

import "testing"

func TestPgRewriteLimitOffset(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT id FROM t WHERE a = ? ORDER BY id LIMIT ? OFFSET ?`,
			`SELECT id FROM t WHERE a = $1 ORDER BY id LIMIT NULLIF(GREATEST($2::bigint, -1), -1) OFFSET GREATEST($3::bigint, 0)`},
		{`SELECT id FROM t LIMIT -1 OFFSET ?`, `SELECT id FROM t LIMIT ALL OFFSET GREATEST($1::bigint, 0)`},
		{`SELECT id FROM t LIMIT 1`, `SELECT id FROM t LIMIT 1`},
	} {
		if got := pgRewrite(tc.in); got != tc.want {
			t.Errorf("pgRewrite(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
