package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/manilite/manilite/state"
)

// MaxExportID is the largest export id (nfs-ganesha's Export_Id is 16
// bits, and 0 is its pseudo root's).
const MaxExportID = 65535

// ErrExportIDsExhausted means every export id belongs to a live share.
var ErrExportIDsExhausted = errors.New("storage: every NFS export id is in use")

// ShareExport is one share as a data plane exports it: its export id and
// its live access rules, in every state (the data plane picks those it
// grants).
type ShareExport struct {
	ShareID  string
	Status   state.ShareStatus
	ExportID int
	Rules    []AccessRule
}

// ShareExports returns every live share of protocol proto that has a live
// access rule, oldest share first, with its rules (oldest first) and its
// export id. A share gets its export id, in this same transaction, the
// first time it is returned, and keeps it for good, so the whole set of
// exports can be rendered again at any time with the same ids.
func (db *DB) ShareExports(ctx context.Context, proto string) ([]ShareExport, error) {
	var out []ShareExport
	err := db.Write(ctx, func(tx *Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT s.status, e.export_id, `+accessColumns+`
			FROM share_access_rules a JOIN shares s ON s.id = a.share_id
			LEFT JOIN share_export_ids e ON e.share_id = s.id
			WHERE a.deleted = 'False' AND s.deleted = 'False' AND s.share_proto = ?
			ORDER BY s.created_at, s.id, a.created_at, a.id`, proto)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st state.ShareStatus
			var id sql.NullInt64
			r, err := scanAccessRule(prefixScanner{rows, []any{&st, &id}})
			if err != nil {
				rows.Close()
				return err
			}
			if n := len(out); n == 0 || out[n-1].ShareID != r.ShareID {
				out = append(out, ShareExport{ShareID: r.ShareID, Status: st, ExportID: int(id.Int64)})
			}
			out[len(out)-1].Rules = append(out[len(out)-1].Rules, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].ExportID == 0 {
				if out[i].ExportID, err = tx.allocateExportID(ctx, out[i].ShareID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

// allocateExportID gives shareID the next export id never given; once all
// have been, the smallest one of a deleted share (whose export every render
// since its deletion has left out).
func (tx *Tx) allocateExportID(ctx context.Context, shareID string) (int, error) {
	var next int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(export_id), 0) + 1 FROM share_export_ids`).Scan(&next); err != nil {
		return 0, err
	}
	if next <= MaxExportID {
		_, err := tx.ExecContext(ctx, `INSERT INTO share_export_ids (share_id, export_id, created_at) VALUES (?, ?, ?)`,
			shareID, next, FormatTime(tx.Now))
		if err != nil {
			return 0, fmt.Errorf("storage: allocate export id: %w", err)
		}
		return next, nil
	}
	var reuse sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(e.export_id) FROM share_export_ids e JOIN shares s ON s.id = e.share_id
		WHERE s.deleted != 'False'`).Scan(&reuse); err != nil {
		return 0, err
	}
	if !reuse.Valid {
		return 0, ErrExportIDsExhausted
	}
	if _, err := tx.ExecContext(ctx, `UPDATE share_export_ids SET share_id = ?, created_at = ? WHERE export_id = ?`,
		shareID, FormatTime(tx.Now), reuse.Int64); err != nil {
		return 0, fmt.Errorf("storage: reuse export id: %w", err)
	}
	return int(reuse.Int64), nil
}

// prefixScanner scans columns selected before a row's usual ones into pre.
type prefixScanner struct {
	s   scanner
	pre []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.s.Scan(slices.Concat(p.pre, dest)...) }
