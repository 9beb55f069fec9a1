package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/manilite/manilite/state"
)

// Job kinds of consistency groups and their snapshots.
const (
	JobCGCreate         = "cg.create"
	JobCGDelete         = "cg.delete"
	JobCGSnapshotCreate = "cgsnapshot.create"
	JobCGSnapshotDelete = "cgsnapshot.delete"
)

// ConsistencyGroup is a live consistency group.
type ConsistencyGroup struct {
	ID                 string
	ProjectID          string
	UserID             string
	Name               *string
	Description        *string
	Status             state.ConsistencyGroupStatus
	Host               *string
	ShareNetworkID     *string
	ShareServerID      *string
	SourceCGSnapshotID *string
	ShareTypes         []string
	CreatedAt          time.Time
	UpdatedAt          *time.Time
}

// CGSnapshot is a live consistency group snapshot.
type CGSnapshot struct {
	ID                 string
	ProjectID          string
	UserID             string
	ConsistencyGroupID string
	Name               *string
	Description        *string
	Status             state.CGSnapshotStatus
	CreatedAt          time.Time
	UpdatedAt          *time.Time
}

// CGSnapshotMember is one share's image in a cgsnapshot.
type CGSnapshotMember struct {
	ID           string
	CGSnapshotID string
	ShareID      string
	ProjectID    string
	UserID       string
	Size         int
	ShareProto   string
	ShareTypeID  *string
	Status       state.CGSnapshotMemberStatus
	CreatedAt    time.Time
}

// ShareStateError reports a member share in the wrong state.
type ShareStateError struct {
	ShareID string
	Current string
}

func (e *ShareStateError) Error() string {
	return fmt.Sprintf("storage: share %s is in state %q", e.ShareID, e.Current)
}

const cgColumns = `id, project_id, user_id, display_name, display_description, status, host, share_network_id,
	share_server_id, source_cgsnapshot_id, created_at, updated_at,
	(SELECT json_group_array(share_type_id) FROM (SELECT share_type_id FROM consistency_group_share_types
	   WHERE consistency_group_id = consistency_groups.id ORDER BY share_type_id))`

func scanCG(s scanner) (ConsistencyGroup, error) {
	var g ConsistencyGroup
	var name, desc, host, net, server, source, updated, types sql.NullString
	var created string
	if err := s.Scan(&g.ID, &g.ProjectID, &g.UserID, &name, &desc, &g.Status, &host, &net, &server, &source, &created, &updated, &types); err != nil {
		return ConsistencyGroup{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ConsistencyGroup{}, fmt.Errorf("storage: consistency group %s created_at: %w", g.ID, err)
	}
	g.CreatedAt, g.UpdatedAt = t, scanTime(updated)
	g.Name, g.Description, g.Host = scanString(name), scanString(desc), scanString(host)
	g.ShareNetworkID, g.ShareServerID, g.SourceCGSnapshotID = scanString(net), scanString(server), scanString(source)
	g.ShareTypes = []string{}
	if types.Valid {
		if err := json.Unmarshal([]byte(types.String), &g.ShareTypes); err != nil {
			return ConsistencyGroup{}, err
		}
	}
	return g, nil
}

func (tx *Tx) insertCG(ctx context.Context, g ConsistencyGroup) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO consistency_groups (id, project_id, user_id, display_name, display_description,
		status, host, share_network_id, share_server_id, source_cgsnapshot_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ProjectID, g.UserID, nullString(g.Name), nullString(g.Description), string(g.Status), nullString(g.Host),
		nullString(g.ShareNetworkID), nullString(g.ShareServerID), nullString(g.SourceCGSnapshotID), FormatTime(tx.Now)); err != nil {
		return fmt.Errorf("storage: insert consistency group: %w", err)
	}
	for _, st := range g.ShareTypes {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO consistency_group_share_types (consistency_group_id, share_type_id) VALUES (?, ?)`, g.ID, st); err != nil {
			return err
		}
	}
	return nil
}

// CreateConsistencyGroup records a new, empty group and the job that
// places it.
func (db *DB) CreateConsistencyGroup(ctx context.Context, g ConsistencyGroup, jobDelay time.Duration) (ConsistencyGroup, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.insertCG(ctx, g); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, JobCGCreate, g.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ConsistencyGroup{}, err
	}
	return db.GetConsistencyGroup(ctx, g.ID)
}

// CreateConsistencyGroupFromSnapshot records a new group built from a
// cgsnapshot, which must be in state.CGSnapshotUsable (*StateError Of
// "cgsnapshot"): it inherits the source group's share types, network, server
// and host, and gets one new share in state.ShareInitial per member, whose data the job copies
// from the member's image. newShare fills in each share from its member.
func (db *DB) CreateConsistencyGroupFromSnapshot(ctx context.Context, g ConsistencyGroup, newShare func(CGSnapshotMember) Share, jobDelay time.Duration) (ConsistencyGroup, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		snap, err := getCGSnapshot(ctx, tx, *g.SourceCGSnapshotID)
		if err != nil {
			return err
		}
		if !state.CGSnapshotUsable.Contains(snap.Status) {
			return &StateError{Of: "cgsnapshot", Current: string(snap.Status)}
		}
		src, err := getCG(ctx, tx, snap.ConsistencyGroupID)
		if err != nil {
			return err
		}
		g.ShareTypes, g.ShareNetworkID, g.ShareServerID, g.Host = src.ShareTypes, src.ShareNetworkID, src.ShareServerID, src.Host
		if err := tx.insertCG(ctx, g); err != nil {
			return err
		}
		members, err := listCGSnapshotMembers(ctx, tx, snap.ID, nil, 0)
		if err != nil {
			return err
		}
		for _, m := range members {
			sh := newShare(m)
			sh.ConsistencyGroupID, sh.SourceCGSnapshotMemberID = &g.ID, &m.ID
			if err := db.reserveShareQuota(ctx, tx, sh); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO shares (id, project_id, user_id, display_name, display_description, size,
				share_proto, status, share_type_id, availability_zone, is_public, host, consistency_group_id,
				source_cgsnapshot_member_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
				sh.ID, sh.ProjectID, sh.UserID, nullString(sh.Name), nullString(sh.Description), sh.Size, sh.Proto, string(state.ShareInitial),
				nullString(sh.ShareTypeID), nullString(sh.AvailabilityZone), nullString(sh.Host), g.ID, m.ID, FormatTime(tx.Now)); err != nil {
				return fmt.Errorf("storage: insert share from member %s: %w", m.ID, err)
			}
		}
		return tx.EnqueueJob(ctx, JobCGCreate, g.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ConsistencyGroup{}, err
	}
	return db.GetConsistencyGroup(ctx, g.ID)
}

// GetConsistencyGroup returns the live group with this id.
func (db *DB) GetConsistencyGroup(ctx context.Context, id string) (ConsistencyGroup, error) {
	return getCG(ctx, db.reader, id)
}

// GetConsistencyGroup reads a group inside a write transaction.
func (tx *Tx) GetConsistencyGroup(ctx context.Context, id string) (ConsistencyGroup, error) {
	return getCG(ctx, tx, id)
}

func getCG(ctx context.Context, q querier, id string) (ConsistencyGroup, error) {
	g, err := scanCG(q.QueryRowContext(ctx, `SELECT `+cgColumns+` FROM consistency_groups WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ConsistencyGroup{}, ErrNotFound
	}
	return g, err
}

// ListConsistencyGroups returns live groups (of one project, unless
// projectID is empty), oldest first.
func (db *DB) ListConsistencyGroups(ctx context.Context, projectID string, limit, offset int) ([]ConsistencyGroup, error) {
	q := `SELECT ` + cgColumns + ` FROM consistency_groups WHERE deleted = 'False'`
	var args []any
	if projectID != "" {
		q, args = q+` AND project_id = ?`, append(args, projectID)
	}
	q, args = q+` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCG)
}

// UpdateConsistencyGroup renames a group (any status).
func (db *DB) UpdateConsistencyGroup(ctx context.Context, id string, u NameUpdate) (ConsistencyGroup, error) {
	return rename(ctx, db, "consistency_groups", id, u, getCG)
}

// BeginCGDelete deletes a group: at once (reporting true) if it was never
// placed on a host, as Manila does; otherwise, if it has no cgsnapshots and
// no shares, it takes state.ConsistencyGroupDelete and gets a job. Errors: ErrNotFound, *StateError, *DependentsError.
func (db *DB) BeginCGDelete(ctx context.Context, id string, jobDelay time.Duration) (bool, error) {
	immediate := false
	err := db.Write(ctx, func(tx *Tx) error {
		g, err := tx.GetConsistencyGroup(ctx, id)
		if err != nil {
			return err
		}
		if g.Host == nil || *g.Host == "" {
			immediate = true
			return tx.softDeleteCG(ctx, id)
		}
		if err := transition(ctx, tx, "consistency_groups", id, state.ConsistencyGroupDelete); err != nil {
			return err
		}
		if n, err := tx.count(ctx, `SELECT count(*) FROM cgsnapshots WHERE consistency_group_id = ? AND deleted = 'False'`, id); err != nil {
			return err
		} else if n > 0 {
			return &DependentsError{What: "cgsnapshots", Count: n}
		}
		if n, err := tx.count(ctx, `SELECT count(*) FROM shares WHERE consistency_group_id = ? AND deleted = 'False'`, id); err != nil {
			return err
		} else if n > 0 {
			return &DependentsError{What: "shares", Count: n}
		}
		return tx.EnqueueJob(ctx, JobCGDelete, id, tx.Now.Add(jobDelay), nil)
	})
	return immediate, err
}

// ForceDeleteConsistencyGroup removes a group at once, whatever its state,
// shares or cgsnapshots (Manila's force_delete).
func (db *DB) ForceDeleteConsistencyGroup(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.softDeleteCG(ctx, id) })
}

func (tx *Tx) softDeleteCG(ctx context.Context, id string) error {
	if err := softDelete(ctx, tx, "consistency_groups", id, state.ConsistencyGroupDeleted); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM consistency_group_share_types WHERE consistency_group_id = ?`, id)
	return err
}

// SoftDeleteConsistencyGroup is the end of a group's delete job.
func (tx *Tx) SoftDeleteConsistencyGroup(ctx context.Context, id string) error {
	return tx.softDeleteCG(ctx, id)
}

// TransitionConsistencyGroup applies t to a group.
func (db *DB) TransitionConsistencyGroup(ctx context.Context, id string, t state.Transition[state.ConsistencyGroupStatus]) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.TransitionConsistencyGroup(ctx, id, t) })
}

// TransitionConsistencyGroup is the in-transaction form.
func (tx *Tx) TransitionConsistencyGroup(ctx context.Context, id string, t state.Transition[state.ConsistencyGroupStatus]) error {
	return transition(ctx, tx, "consistency_groups", id, t)
}

// PlaceConsistencyGroup makes a group available on host
// (state.ConsistencyGroupCreateDone); like Manila's share manager it also
// resets created_at to now.
func (tx *Tx) PlaceConsistencyGroup(ctx context.Context, id, host string) error {
	if err := tx.TransitionConsistencyGroup(ctx, id, state.ConsistencyGroupCreateDone); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE consistency_groups SET host = ?, created_at = ? WHERE id = ?`, host, FormatTime(tx.Now), id)
	return err
}

// SharesOfConsistencyGroup lists a group's live shares.
func (db *DB) SharesOfConsistencyGroup(ctx context.Context, id string) ([]Share, error) {
	shares, _, err := db.ListShares(ctx, ShareFilter{ConsistencyGroupID: &id, SortColumn: "created_at"}, false)
	return shares, err
}

const cgSnapshotColumns = `id, project_id, user_id, consistency_group_id, display_name, display_description, status, created_at, updated_at`

func scanCGSnapshot(s scanner) (CGSnapshot, error) {
	var c CGSnapshot
	var name, desc, updated sql.NullString
	var created string
	if err := s.Scan(&c.ID, &c.ProjectID, &c.UserID, &c.ConsistencyGroupID, &name, &desc, &c.Status, &created, &updated); err != nil {
		return CGSnapshot{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return CGSnapshot{}, err
	}
	c.CreatedAt, c.UpdatedAt, c.Name, c.Description = t, scanTime(updated), scanString(name), scanString(desc)
	return c, nil
}

// CreateCGSnapshot records a snapshot of every live share of the group, one
// member each, and the job that takes their images. The group must be in
// state.ConsistencyGroupUsable (*StateError Of "consistency_group") and each
// of its shares in state.ShareSnapshotSource (*ShareStateError).
func (db *DB) CreateCGSnapshot(ctx context.Context, c CGSnapshot, jobDelay time.Duration) (CGSnapshot, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		g, err := tx.GetConsistencyGroup(ctx, c.ConsistencyGroupID)
		if err != nil {
			return err
		}
		if !state.ConsistencyGroupUsable.Contains(g.Status) {
			return &StateError{Of: "consistency_group", Current: string(g.Status)}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, status, size, share_proto, share_type_id FROM shares
			WHERE consistency_group_id = ? AND deleted = 'False' ORDER BY created_at, id`, g.ID)
		if err != nil {
			return err
		}
		type memberShare struct {
			id, proto string
			status    state.ShareStatus
			size      int
			typeID    sql.NullString
		}
		var shares []memberShare
		for rows.Next() {
			var m memberShare
			if err := rows.Scan(&m.id, &m.status, &m.size, &m.proto, &m.typeID); err != nil {
				rows.Close()
				return err
			}
			shares = append(shares, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range shares {
			if !state.ShareSnapshotSource.Contains(m.status) {
				return &ShareStateError{ShareID: m.id, Current: string(m.status)}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cgsnapshots (id, project_id, user_id, consistency_group_id, display_name,
			display_description, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ProjectID, c.UserID, g.ID, nullString(c.Name), nullString(c.Description), string(state.CGSnapshotInitial), FormatTime(tx.Now)); err != nil {
			return err
		}
		for _, m := range shares {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cgsnapshot_members (id, cgsnapshot_id, share_id, project_id, user_id, size,
				share_proto, share_type_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				NewID(), c.ID, m.id, c.ProjectID, c.UserID, m.size, m.proto, m.typeID, string(state.CGSnapshotMemberInitial), FormatTime(tx.Now)); err != nil {
				return err
			}
		}
		return tx.EnqueueJob(ctx, JobCGSnapshotCreate, c.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return CGSnapshot{}, err
	}
	return db.GetCGSnapshot(ctx, c.ID)
}

// GetCGSnapshot returns the live cgsnapshot with this id.
func (db *DB) GetCGSnapshot(ctx context.Context, id string) (CGSnapshot, error) {
	return getCGSnapshot(ctx, db.reader, id)
}

func getCGSnapshot(ctx context.Context, q querier, id string) (CGSnapshot, error) {
	c, err := scanCGSnapshot(q.QueryRowContext(ctx, `SELECT `+cgSnapshotColumns+` FROM cgsnapshots WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return CGSnapshot{}, ErrNotFound
	}
	return c, err
}

// ListCGSnapshots returns live cgsnapshots (of one project, unless
// projectID is empty), oldest first.
func (db *DB) ListCGSnapshots(ctx context.Context, projectID string, limit, offset int) ([]CGSnapshot, error) {
	q := `SELECT ` + cgSnapshotColumns + ` FROM cgsnapshots WHERE deleted = 'False'`
	var args []any
	if projectID != "" {
		q, args = q+` AND project_id = ?`, append(args, projectID)
	}
	q, args = q+` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanCGSnapshot)
}

// UpdateCGSnapshot renames a cgsnapshot (any status).
func (db *DB) UpdateCGSnapshot(ctx context.Context, id string, u NameUpdate) (CGSnapshot, error) {
	return rename(ctx, db, "cgsnapshots", id, u, getCGSnapshot)
}

// ListCGSnapshotMembers returns a page of a cgsnapshot's live members;
// limit nil means all.
func (db *DB) ListCGSnapshotMembers(ctx context.Context, cgsnapshotID string, limit *int, offset int) ([]CGSnapshotMember, error) {
	return listCGSnapshotMembers(ctx, db.reader, cgsnapshotID, limit, offset)
}

func listCGSnapshotMembers(ctx context.Context, q querier, cgsnapshotID string, limit *int, offset int) ([]CGSnapshotMember, error) {
	query := `SELECT id, cgsnapshot_id, share_id, project_id, user_id, size, share_proto, share_type_id, status, created_at
		FROM cgsnapshot_members WHERE cgsnapshot_id = ? AND deleted = 'False' ORDER BY created_at, rowid`
	args := []any{cgsnapshotID}
	if limit != nil {
		query, args = query+` LIMIT ? OFFSET ?`, append(args, *limit, offset)
	} else if offset > 0 {
		query, args = query+` LIMIT -1 OFFSET ?`, append(args, offset)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CGSnapshotMember
	for rows.Next() {
		var m CGSnapshotMember
		var typeID sql.NullString
		var created string
		if err := rows.Scan(&m.ID, &m.CGSnapshotID, &m.ShareID, &m.ProjectID, &m.UserID, &m.Size, &m.ShareProto, &typeID, &m.Status, &created); err != nil {
			return nil, err
		}
		t, err := ParseTime(created)
		if err != nil {
			return nil, err
		}
		m.CreatedAt, m.ShareTypeID = t, scanString(typeID)
		out = append(out, m)
	}
	return out, rows.Err()
}

// TransitionCGSnapshot applies t to a cgsnapshot and, when job is set,
// enqueues it.
func (db *DB) TransitionCGSnapshot(ctx context.Context, id string, t state.Transition[state.CGSnapshotStatus], job string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "cgsnapshots", id, t, job, jobDelay)
}

// FinishCGSnapshot makes a cgsnapshot and its members available
// (state.CGSnapshotCreateDone, state.CGSnapshotMemberCreateDone), resetting
// their created_at to now as Manila's share manager does.
func (tx *Tx) FinishCGSnapshot(ctx context.Context, id string) error {
	if err := transition(ctx, tx, "cgsnapshots", id, state.CGSnapshotCreateDone); err != nil {
		return err
	}
	now := FormatTime(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE cgsnapshots SET created_at = ? WHERE id = ?`, now, id); err != nil {
		return err
	}
	member := state.CGSnapshotMemberCreateDone
	q := `UPDATE cgsnapshot_members SET status = ?, created_at = ? WHERE cgsnapshot_id = ? AND deleted = 'False' AND status IN ` + inClause(len(member.From))
	args := []any{string(member.To), now, id}
	for _, s := range member.From {
		args = append(args, string(s))
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// FailCGSnapshot marks a cgsnapshot in error (state.CGSnapshotCreateFailed;
// its members stay as they are, as in Manila).
func (tx *Tx) FailCGSnapshot(ctx context.Context, id string) error {
	return transition(ctx, tx, "cgsnapshots", id, state.CGSnapshotCreateFailed)
}

// SoftDeleteCGSnapshot removes a cgsnapshot and its members from every read.
func (tx *Tx) SoftDeleteCGSnapshot(ctx context.Context, id string) error {
	if err := softDelete(ctx, tx, "cgsnapshots", id, state.CGSnapshotDeleted); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE cgsnapshot_members SET deleted = id, deleted_at = ? WHERE cgsnapshot_id = ? AND deleted = 'False'`,
		FormatTime(tx.Now), id)
	return err
}

// ForceDeleteCGSnapshot removes a cgsnapshot at once, whatever its state.
func (db *DB) ForceDeleteCGSnapshot(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.SoftDeleteCGSnapshot(ctx, id) })
}

// checkNotBusy returns *BusyError while a cgsnapshot that includes the
// share is being taken (state.CGSnapshotBusy): until it is, nothing may
// change the share.
func (tx *Tx) checkNotBusy(ctx context.Context, shareID string) error {
	args := []any{shareID}
	for _, s := range state.CGSnapshotBusy {
		args = append(args, string(s))
	}
	n, err := tx.count(ctx, `SELECT count(*) FROM cgsnapshot_members m JOIN cgsnapshots c ON c.id = m.cgsnapshot_id
		WHERE m.share_id = ? AND m.deleted = 'False' AND c.deleted = 'False' AND c.status IN `+inClause(len(state.CGSnapshotBusy)), args...)
	if err != nil {
		return err
	}
	if n > 0 {
		return &BusyError{ShareID: shareID}
	}
	return nil
}

// ResetShareStatus sets a share's status (state.ShareResetStatus, an
// admin's reset_status; the API checks the target), unless a consistency
// group snapshot of it is being taken (*BusyError).
func (db *DB) ResetShareStatus(ctx context.Context, id string, status state.ShareStatus) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := tx.checkNotBusy(ctx, id); err != nil {
			return err
		}
		return tx.TransitionShare(ctx, id, state.ShareResetStatus.To(status))
	})
}

// NewID returns a new random UUID (version 4), as Manila's ids are.
func NewID() string { return uuid.NewString() }
