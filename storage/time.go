package storage

import (
	"database/sql"
	"time"
)

// TimeLayout is how Manila renders datetimes: UTC, six fractional digits and
// no zone suffix. Stored TEXT in this layout also sorts chronologically.
const TimeLayout = "2006-01-02T15:04:05.000000"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a TimeLayout string back.
func ParseTime(s string) (time.Time, error) { return time.ParseInLocation(TimeLayout, s, time.UTC) }

func scanTime(ns sql.NullString) *time.Time {
	if !ns.Valid {
		return nil
	}
	t, err := ParseTime(ns.String)
	if err != nil {
		return nil
	}
	return &t
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func scanString(ns sql.NullString) *string {
	if !ns.Valid {
		return nil
	}
	s := ns.String
	return &s
}
