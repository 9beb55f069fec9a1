package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/manilite/manilite/state"
)

// Job kinds of snapshots.
const (
	JobSnapshotCreate = "snapshot.create"
	JobSnapshotDelete = "snapshot.delete"
)

// ShareSnapshot is a live share snapshot.
type ShareSnapshot struct {
	ID               string
	ProjectID        string
	UserID           string
	ShareID          string
	Name             *string
	Description      *string
	Size             int
	ShareSize        int
	ShareProto       string
	Status           state.SnapshotStatus
	Progress         *string
	ProviderLocation *string
	Metadata         map[string]string
	CreatedAt        time.Time
	UpdatedAt        *time.Time
}

const snapshotColumns = `id, project_id, user_id, share_id, display_name, display_description, size, share_size, share_proto,
	status, progress, provider_location, created_at, updated_at,
	(SELECT json_group_object(meta_key, value) FROM share_snapshot_metadata WHERE snapshot_id = share_snapshots.id)`

func scanSnapshot(s scanner) (ShareSnapshot, error) {
	var sn ShareSnapshot
	var name, desc, progress, loc, updated, metadata sql.NullString
	var created string
	if err := s.Scan(&sn.ID, &sn.ProjectID, &sn.UserID, &sn.ShareID, &name, &desc, &sn.Size, &sn.ShareSize, &sn.ShareProto,
		&sn.Status, &progress, &loc, &created, &updated, &metadata); err != nil {
		return ShareSnapshot{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ShareSnapshot{}, fmt.Errorf("storage: snapshot %s created_at: %w", sn.ID, err)
	}
	sn.CreatedAt, sn.UpdatedAt = t, scanTime(updated)
	sn.Name, sn.Description, sn.Progress, sn.ProviderLocation = scanString(name), scanString(desc), scanString(progress), scanString(loc)
	sn.Metadata = map[string]string{}
	if metadata.Valid {
		if err := json.Unmarshal([]byte(metadata.String), &sn.Metadata); err != nil {
			return ShareSnapshot{}, fmt.Errorf("storage: snapshot %s metadata: %w", sn.ID, err)
		}
	}
	return sn, nil
}

// CreateShareSnapshot inserts a snapshot (in sn.Status, normally
// state.SnapshotInitial) with the job that copies the share, provided the
// share is live and in one of shareStatuses (state.ShareSnapshotSource).
// It returns ErrNotFound for no such share, *StateError (Of "share") and
// *QuotaError (snapshots, snapshot_gigabytes).
func (db *DB) CreateShareSnapshot(ctx context.Context, sn ShareSnapshot, shareStatuses state.Set[state.ShareStatus], jobDelay time.Duration) (ShareSnapshot, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		sh, err := tx.GetShare(ctx, sn.ShareID)
		if err != nil {
			return err
		}
		if !shareStatuses.Contains(sh.Status) {
			return &StateError{Of: "share", Current: string(sh.Status)}
		}
		if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: sn.ProjectID, UserID: sn.UserID, ShareTypeID: typeOf(sh.ShareTypeID)},
			map[string]int{"snapshots": 1, "snapshot_gigabytes": sh.Size}); err != nil {
			return err
		}
		sn.Size, sn.ShareSize, sn.ShareProto = sh.Size, sh.Size, sh.Proto
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_snapshots (id, project_id, user_id, share_id, display_name,
			display_description, size, share_size, share_proto, status, progress, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sn.ID, sn.ProjectID, sn.UserID, sn.ShareID, nullString(sn.Name), nullString(sn.Description), sn.Size, sn.ShareSize,
			sn.ShareProto, string(sn.Status), nullString(sn.Progress), FormatTime(tx.Now)); err != nil {
			return fmt.Errorf("storage: insert snapshot: %w", err)
		}
		for k, v := range sn.Metadata {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_snapshot_metadata (snapshot_id, meta_key, value) VALUES (?, ?, ?)`, sn.ID, k, v); err != nil {
				return err
			}
		}
		return tx.EnqueueJob(ctx, JobSnapshotCreate, sn.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ShareSnapshot{}, err
	}
	return db.GetShareSnapshot(ctx, sn.ID)
}

// GetShareSnapshot returns the live snapshot with this id.
func (db *DB) GetShareSnapshot(ctx context.Context, id string) (ShareSnapshot, error) {
	return getSnapshot(ctx, db.reader, id)
}

// GetShareSnapshot reads a snapshot inside a write transaction.
func (tx *Tx) GetShareSnapshot(ctx context.Context, id string) (ShareSnapshot, error) {
	return getSnapshot(ctx, tx, id)
}

func getSnapshot(ctx context.Context, q querier, id string) (ShareSnapshot, error) {
	sn, err := scanSnapshot(q.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM share_snapshots WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareSnapshot{}, ErrNotFound
	}
	return sn, err
}

// SnapshotFilter narrows ListShareSnapshots; zero values mean no condition.
type SnapshotFilter struct {
	ProjectID       string
	Name            *string
	NameLike        *string
	Description     *string
	DescriptionLike *string
	Status          *string
	ShareID         *string
	Size            *int
	SortColumn      string
	SortDesc        bool
	Limit           *int
	Offset          int
}

// SnapshotSortColumns are the columns ListShareSnapshots can sort on.
var SnapshotSortColumns = columnsOf(SnapshotSortKeys)

// ListShareSnapshots returns one page of live snapshots and the total count.
func (db *DB) ListShareSnapshots(ctx context.Context, f SnapshotFilter) ([]ShareSnapshot, int, error) {
	conds := []string{"deleted = 'False'"}
	var args []any
	eq := func(col string, v *string) {
		if v != nil {
			conds, args = append(conds, col+" = ?"), append(args, *v)
		}
	}
	like := func(col string, v *string) {
		if v != nil {
			conds, args = append(conds, col+" LIKE ?"), append(args, "%"+*v+"%")
		}
	}
	if f.ProjectID != "" {
		conds, args = append(conds, "project_id = ?"), append(args, f.ProjectID)
	}
	eq("display_name", f.Name)
	like("display_name", f.NameLike)
	eq("display_description", f.Description)
	like("display_description", f.DescriptionLike)
	eq("status", f.Status)
	eq("share_id", f.ShareID)
	if f.Size != nil {
		conds, args = append(conds, "size = ?"), append(args, *f.Size)
	}
	where := strings.Join(conds, " AND ")
	var total int
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM share_snapshots WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	col := f.SortColumn
	if col == "" {
		col = "created_at"
	}
	if !SnapshotSortColumns[col] {
		return nil, 0, fmt.Errorf("storage: cannot sort snapshots by %q", col)
	}
	dir := "ASC"
	if f.SortDesc {
		dir = "DESC"
	}
	q := `SELECT ` + snapshotColumns + ` FROM share_snapshots WHERE ` + where + ` ORDER BY ` + col + ` ` + dir
	if col != "id" {
		q += `, id ` + dir
	}
	if f.Limit != nil {
		q, args = q+` LIMIT ? OFFSET ?`, append(args, *f.Limit, f.Offset)
	} else if f.Offset > 0 {
		q, args = q+` LIMIT -1 OFFSET ?`, append(args, f.Offset)
	}
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := collect(rows, scanSnapshot)
	return out, total, err
}

// UpdateShareSnapshot sets (or with the Clear flags, clears) the name and
// description.
func (db *DB) UpdateShareSnapshot(ctx context.Context, id string, u NameUpdate) (ShareSnapshot, error) {
	return rename(ctx, db, "share_snapshots", id, u, getSnapshot)
}

// TransitionShareSnapshot applies t to a snapshot and, when job is set,
// enqueues it in the same transaction.
func (db *DB) TransitionShareSnapshot(ctx context.Context, id string, t state.Transition[state.SnapshotStatus], job string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "share_snapshots", id, t, job, jobDelay)
}

// TransitionShareSnapshot is the in-transaction form, which also sets the
// snapshot's progress when progress is not empty.
func (tx *Tx) TransitionShareSnapshot(ctx context.Context, id string, t state.Transition[state.SnapshotStatus], progress string) error {
	if err := transition(ctx, tx, "share_snapshots", id, t); err != nil {
		return err
	}
	if progress != "" {
		_, err := tx.ExecContext(ctx, `UPDATE share_snapshots SET progress = ? WHERE id = ?`, progress, id)
		return err
	}
	return nil
}

// SoftDeleteShareSnapshot removes a snapshot from every read.
func (tx *Tx) SoftDeleteShareSnapshot(ctx context.Context, id string) error {
	return softDelete(ctx, tx, "share_snapshots", id, state.SnapshotDeleted)
}

// NameUpdate changes a resource's user-facing name and description; nil
// leaves a field alone, Clear sets it to null.
type NameUpdate struct {
	Name             *string
	ClearName        bool
	Description      *string
	ClearDescription bool
}

func (tx *Tx) updateNames(ctx context.Context, table, id string, u NameUpdate) error {
	if _, ok := statusTables[table]; !ok {
		panic("storage: update on unknown table " + table)
	}
	var sets []string
	var args []any
	if u.Name != nil || u.ClearName {
		sets, args = append(sets, "display_name = ?"), append(args, nullString(u.Name))
	}
	if u.Description != nil || u.ClearDescription {
		sets, args = append(sets, "display_description = ?"), append(args, nullString(u.Description))
	}
	if len(sets) == 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = ? AND deleted = 'False'`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	}
	sets, args = append(sets, "updated_at = ?"), append(args, FormatTime(tx.Now), id)
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+strings.Join(sets, ", ")+` WHERE id = ? AND deleted = 'False'`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetSnapshotLocation records where a snapshot's copy lives (Manila's
// provider_location).
func (tx *Tx) SetSnapshotLocation(ctx context.Context, id, location string) error {
	_, err := tx.ExecContext(ctx, `UPDATE share_snapshots SET provider_location = ? WHERE id = ?`, location, id)
	return err
}
