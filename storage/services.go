package storage

import (
	"context"
	"database/sql"
	"errors"
)

// Service is one row of Manila's services table.
type Service struct {
	ID             int
	Host           string
	Binary         string
	Topic          string
	Disabled       bool
	DisabledReason *string
}

// ServiceSpec names a service to record: host, binary and topic.
type ServiceSpec struct{ Host, Binary, Topic string }

// EnsureServices records each service the first time (enabled, as Manila's
// enable_new_services default) and keeps existing rows, with their status.
func (db *DB) EnsureServices(ctx context.Context, specs []ServiceSpec) error {
	return db.Write(ctx, func(tx *Tx) error {
		for _, sp := range specs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO services (host, binary, topic, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (host, binary) DO NOTHING`, sp.Host, sp.Binary, sp.Topic, FormatTime(tx.Now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListServices returns every recorded service, by id.
func (db *DB) ListServices(ctx context.Context) ([]Service, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, host, binary, topic, disabled, disabled_reason FROM services ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		var s Service
		var reason sql.NullString
		if err := rows.Scan(&s.ID, &s.Host, &s.Binary, &s.Topic, &s.Disabled, &reason); err != nil {
			return nil, err
		}
		if reason.Valid {
			s.DisabledReason = &reason.String
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ErrServiceNotFound: no service has that host and binary.
var ErrServiceNotFound = errors.New("storage: service not found")

// UpdateService sets the service's disabled flag and, when setReason, its
// disabled_reason (nil clears it), as Manila's service_update.
func (db *DB) UpdateService(ctx context.Context, host, binary string, disabled bool, setReason bool, reason *string) error {
	return db.Write(ctx, func(tx *Tx) error {
		q := `UPDATE services SET disabled = ?, updated_at = ? WHERE host = ? AND binary = ?`
		args := []any{disabled, FormatTime(tx.Now), host, binary}
		if setReason {
			q = `UPDATE services SET disabled = ?, updated_at = ?, disabled_reason = ? WHERE host = ? AND binary = ?`
			args = []any{disabled, FormatTime(tx.Now), nullString(reason), host, binary}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrServiceNotFound
		}
		return nil
	})
}
