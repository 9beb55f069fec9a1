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

// Job kinds of share backups.
const (
	JobBackupCreate  = "backup.create"
	JobBackupDelete  = "backup.delete"
	JobBackupRestore = "backup.restore"
)

// ShareBackup is a live share backup.
type ShareBackup struct {
	ID               string
	ProjectID        string
	UserID           string
	ShareID          string
	Name             *string
	Description      *string
	Size             int
	Host             *string
	Topic            *string
	Status           state.BackupStatus
	Progress         string
	RestoreProgress  string
	FailReason       *string
	BackupType       *string
	AvailabilityZone *string
	Options          map[string]any
	// RestoreShareID is the share a restore in progress writes into.
	RestoreShareID *string
	CreatedAt      time.Time
	UpdatedAt      *time.Time
}

const backupColumns = `id, project_id, user_id, share_id, display_name, display_description, size, host, topic, status,
	progress, restore_progress, fail_reason, backup_type, availability_zone, backup_options, restore_share_id, created_at, updated_at`

func scanBackup(s scanner) (ShareBackup, error) {
	var b ShareBackup
	var name, desc, host, topic, fail, btype, az, opts, restore, updated sql.NullString
	var created string
	if err := s.Scan(&b.ID, &b.ProjectID, &b.UserID, &b.ShareID, &name, &desc, &b.Size, &host, &topic, &b.Status,
		&b.Progress, &b.RestoreProgress, &fail, &btype, &az, &opts, &restore, &created, &updated); err != nil {
		return ShareBackup{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ShareBackup{}, fmt.Errorf("storage: backup %s created_at: %w", b.ID, err)
	}
	b.CreatedAt, b.UpdatedAt = t, scanTime(updated)
	b.Name, b.Description, b.Host, b.Topic = scanString(name), scanString(desc), scanString(host), scanString(topic)
	b.FailReason, b.BackupType, b.AvailabilityZone, b.RestoreShareID = scanString(fail), scanString(btype), scanString(az), scanString(restore)
	if opts.Valid {
		if err := json.Unmarshal([]byte(opts.String), &b.Options); err != nil {
			return ShareBackup{}, fmt.Errorf("storage: backup %s options: %w", b.ID, err)
		}
	}
	return b, nil
}

// DependentsError reports that a share still has snapshots or backups.
type DependentsError struct {
	What  string // "snapshots" or "backups"
	Count int
}

func (e *DependentsError) Error() string {
	return fmt.Sprintf("storage: share still has %d dependent %s", e.Count, e.What)
}

// ProtocolError reports a share protocol the requested path cannot handle.
type ProtocolError struct{ Proto string }

func (e *ProtocolError) Error() string {
	return "storage: share protocol " + e.Proto + " not supported here"
}

// BackupTypeError reports that the share's latest driver backup has another
// backup_type.
type BackupTypeError struct{ Previous string }

func (e *BackupTypeError) Error() string {
	return "storage: share has backups of type " + e.Previous
}

// BackupCreate is everything CreateShareBackup checks and writes, in
// Manila's order: the share's status, its snapshots, the quota, then the
// backup path's own conditions.
type BackupCreate struct {
	Backup ShareBackup
	// GenericProtocols, when set, are the share protocols the generic path
	// can back up.
	GenericProtocols []string
	// CheckBackupType refuses a backup whose type differs from the share's
	// latest available driver-assisted backup's.
	CheckBackupType bool
	JobDelay        time.Duration
}

// CreateShareBackup moves the share by state.ShareBackupCreate and records
// the backup (in b.Status, normally state.BackupInitial) and its job, in one
// transaction. Errors: ErrNotFound
// (no such share), *StateError (share status), *DependentsError
// (snapshots), *QuotaError, *ProtocolError, *BackupTypeError.
func (db *DB) CreateShareBackup(ctx context.Context, c BackupCreate) (ShareBackup, error) {
	b := c.Backup
	err := db.Write(ctx, func(tx *Tx) error {
		sh, err := tx.GetShare(ctx, b.ShareID)
		if err != nil {
			return err
		}
		if err := tx.checkNotBusy(ctx, sh.ID); err != nil {
			return err
		}
		if err := transition(ctx, tx, "shares", sh.ID, state.ShareBackupCreate); err != nil {
			return err
		}
		if n, err := tx.count(ctx, `SELECT count(*) FROM share_snapshots WHERE share_id = ? AND deleted = 'False'`, sh.ID); err != nil {
			return err
		} else if n > 0 {
			return &DependentsError{What: "snapshots", Count: n}
		}
		if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: b.ProjectID, UserID: b.UserID},
			map[string]int{"backups": 1, "backup_gigabytes": sh.Size}); err != nil {
			return err
		}
		if c.CheckBackupType && b.BackupType != nil {
			var prev sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT backup_type FROM share_backups WHERE share_id = ? AND deleted = 'False'
				AND status = ? AND topic = 'manila-share' ORDER BY created_at DESC, id DESC LIMIT 1`, sh.ID, string(state.BackupAvailable)).Scan(&prev)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err == nil && (!prev.Valid || prev.String != *b.BackupType) {
				return &BackupTypeError{Previous: prev.String}
			}
		}
		if len(c.GenericProtocols) > 0 {
			ok := false
			for _, p := range c.GenericProtocols {
				ok = ok || strings.EqualFold(p, sh.Proto)
			}
			if !ok {
				return &ProtocolError{Proto: sh.Proto}
			}
		}
		b.Size, b.AvailabilityZone = sh.Size, sh.AvailabilityZone
		var opts any
		if b.Options != nil {
			raw, err := json.Marshal(b.Options)
			if err != nil {
				return err
			}
			opts = string(raw)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_backups (id, project_id, user_id, share_id, display_name,
			display_description, size, host, topic, status, progress, restore_progress, backup_type, availability_zone,
			backup_options, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0', '0', ?, ?, ?, ?)`,
			b.ID, b.ProjectID, b.UserID, b.ShareID, nullString(b.Name), nullString(b.Description), b.Size, nullString(b.Host),
			nullString(b.Topic), string(b.Status), nullString(b.BackupType), nullString(b.AvailabilityZone), opts, FormatTime(tx.Now)); err != nil {
			return fmt.Errorf("storage: insert backup: %w", err)
		}
		return tx.EnqueueJob(ctx, JobBackupCreate, b.ID, tx.Now.Add(c.JobDelay), nil)
	})
	if err != nil {
		return ShareBackup{}, err
	}
	return db.GetShareBackup(ctx, b.ID)
}

func (tx *Tx) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// GetShareBackup returns the live backup with this id.
func (db *DB) GetShareBackup(ctx context.Context, id string) (ShareBackup, error) {
	return getBackup(ctx, db.reader, id)
}

// GetShareBackup reads a backup inside a write transaction.
func (tx *Tx) GetShareBackup(ctx context.Context, id string) (ShareBackup, error) {
	return getBackup(ctx, tx, id)
}

func getBackup(ctx context.Context, q querier, id string) (ShareBackup, error) {
	b, err := scanBackup(q.QueryRowContext(ctx, `SELECT `+backupColumns+` FROM share_backups WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareBackup{}, ErrNotFound
	}
	return b, err
}

// BackupFilter narrows ListShareBackups; zero values mean no condition.
type BackupFilter struct {
	ProjectID       string
	ID              *string
	ShareID         *string
	Name            *string
	NameLike        *string
	Description     *string
	DescriptionLike *string
	Status          *string
	Host            *string
	Topic           *string
	// SortColumn is a column of share_backups; ties are broken by id.
	SortColumn string
	SortDesc   bool
	Limit      *int
	Offset     int
}

// BackupSortColumns are the columns ListShareBackups can sort on.
var BackupSortColumns = columnsOf(BackupSortKeys)

// ListShareBackups returns one page of live backups.
func (db *DB) ListShareBackups(ctx context.Context, f BackupFilter) ([]ShareBackup, error) {
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
	eq("id", f.ID)
	eq("share_id", f.ShareID)
	eq("display_name", f.Name)
	like("display_name", f.NameLike)
	eq("display_description", f.Description)
	like("display_description", f.DescriptionLike)
	eq("status", f.Status)
	eq("host", f.Host)
	eq("topic", f.Topic)
	col := f.SortColumn
	if col == "" {
		col = "created_at"
	}
	if !BackupSortColumns[col] {
		return nil, fmt.Errorf("storage: cannot sort backups by %q", col)
	}
	dir := "ASC"
	if f.SortDesc {
		dir = "DESC"
	}
	q := `SELECT ` + backupColumns + ` FROM share_backups WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY ` + col + ` ` + dir
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
		return nil, err
	}
	return collect(rows, scanBackup)
}

// UpdateShareBackup renames a backup (any status).
func (db *DB) UpdateShareBackup(ctx context.Context, id string, u NameUpdate) (ShareBackup, error) {
	return rename(ctx, db, "share_backups", id, u, getBackup)
}

// TransitionShareBackup applies t to a backup and, when job is set,
// enqueues it in the same transaction.
func (db *DB) TransitionShareBackup(ctx context.Context, id string, t state.Transition[state.BackupStatus], job string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "share_backups", id, t, job, jobDelay)
}

// BeginRestore moves the backup by state.BackupRestore and the target share
// by state.ShareBackupRestore (recording the backup as the share's
// source_backup_id), and enqueues the restore, in one transaction.
// A *StateError says which of the two was in the wrong state.
func (db *DB) BeginRestore(ctx context.Context, backupID, shareID string, jobDelay time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := tx.checkNotBusy(ctx, shareID); err != nil {
			return err
		}
		if err := transition(ctx, tx, "share_backups", backupID, state.BackupRestore); err != nil {
			return err
		}
		if err := transition(ctx, tx, "shares", shareID, state.ShareBackupRestore); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shares SET source_backup_id = ? WHERE id = ?`, backupID, shareID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE share_backups SET restore_share_id = ? WHERE id = ?`, shareID, backupID); err != nil {
			return err
		}
		// The job belongs to the share it writes into, so it never runs
		// beside another job of that share (a force delete).
		return tx.EnqueueJob(ctx, JobBackupRestore, shareID, tx.Now.Add(jobDelay), &backupID)
	})
}

// SetBackupProgress records how far a backup (field "progress") or a
// restore ("restore_progress") has come, as Manila's percentage string.
func (db *DB) SetBackupProgress(ctx context.Context, id, field string, percent int) error {
	if field != "progress" && field != "restore_progress" {
		return fmt.Errorf("storage: no progress field %q", field)
	}
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE share_backups SET `+field+` = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			fmt.Sprint(percent), FormatTime(tx.Now), id)
		return err
	})
}

// FinishBackup ends a backup job: the backup takes transition t with the
// given field values set, and the share (if shareID is set) takes shareT.
// Either may have been changed by an admin meanwhile; then that part is left
// alone and reported with *StateError after the rest is written.
func (tx *Tx) FinishBackup(ctx context.Context, id string, t state.Transition[state.BackupStatus], set map[string]any, shareID string, shareT state.Transition[state.ShareStatus]) error {
	var stateErr error
	err := transition(ctx, tx, "share_backups", id, t)
	var se *StateError
	switch {
	case err == nil:
		for col, v := range set {
			switch col {
			case "progress", "restore_progress", "fail_reason", "host", "topic", "restore_share_id":
			default:
				return fmt.Errorf("storage: backup field %q cannot be set here", col)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE share_backups SET `+col+` = ? WHERE id = ?`, v, id); err != nil {
				return err
			}
		}
	case errors.As(err, &se):
		stateErr = err
	default:
		return err
	}
	if shareID != "" {
		err := transition(ctx, tx, "shares", shareID, shareT)
		switch {
		case err == nil, errors.Is(err, ErrNotFound):
		case errors.As(err, &se):
			stateErr = err
		default:
			return err
		}
	}
	return stateErr
}

// SoftDeleteShareBackup removes a backup from every read (and so from the
// project's quota usage).
func (tx *Tx) SoftDeleteShareBackup(ctx context.Context, id string) error {
	return softDelete(ctx, tx, "share_backups", id, state.BackupDeleted)
}

// shareDependents finds what keeps a share from being deleted, in Manila's
// order: its live snapshots, backups (of any project) and cgsnapshot
// members; nil when there is nothing.
func (tx *Tx) shareDependents(ctx context.Context, shareID string) (*DependentsError, error) {
	for _, d := range []struct{ what, query string }{
		{"snapshots", `SELECT count(*) FROM share_snapshots WHERE share_id = ? AND deleted = 'False'`},
		{"backups", `SELECT count(*) FROM share_backups WHERE share_id = ? AND deleted = 'False'`},
		{"share group snapshot members", `SELECT count(*) FROM share_group_snapshot_members WHERE share_id = ? AND deleted = 'False'`},
	} {
		n, err := tx.count(ctx, d.query, shareID)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return &DependentsError{What: d.what, Count: n}, nil
		}
	}
	return nil, nil
}

// BeginShareDelete moves a share by t (state.ShareDelete, or
// state.ShareForceDelete from any status) and enqueues its delete job,
// unless t does not leave its status or it still has snapshots or backups
// (*DependentsError).
func (db *DB) BeginShareDelete(ctx context.Context, id string, t state.Transition[state.ShareStatus], jobDelay time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := transition(ctx, tx, "shares", id, t); err != nil {
			return err
		}
		if dep, err := tx.shareDependents(ctx, id); err != nil {
			return err
		} else if dep != nil {
			return dep
		}
		return tx.EnqueueJob(ctx, JobShareDelete, id, tx.Now.Add(jobDelay), nil)
	})
}

// SetBackupHost records the host doing a backup's work.
func (tx *Tx) SetBackupHost(ctx context.Context, id, host string) error {
	_, err := tx.ExecContext(ctx, `UPDATE share_backups SET host = ? WHERE id = ? AND deleted = 'False'`, host, id)
	return err
}
