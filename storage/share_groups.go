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

// Job kinds of share groups and their snapshots. The values are the
// consistency group ones they were first queued under: jobs are durable.
const (
	JobShareGroupCreate         = "cg.create"
	JobShareGroupDelete         = "cg.delete"
	JobShareGroupSnapshotCreate = "cgsnapshot.create"
	JobShareGroupSnapshotDelete = "cgsnapshot.delete"
)

// ShareGroup is a live share group. The consistency group API (2.4-2.30)
// and the share group API (2.31+) show the same record, as Manila's did
// once its consistency groups became share groups.
type ShareGroup struct {
	ID                         string
	ProjectID                  string
	UserID                     string
	Name                       *string
	Description                *string
	Status                     state.ConsistencyGroupStatus
	Host                       *string
	ShareNetworkID             *string
	ShareServerID              *string
	SourceShareGroupSnapshotID *string
	ShareGroupTypeID           *string
	AvailabilityZone           *string
	ConsistentSnapshotSupport  *string
	ShareTypes                 []string
	CreatedAt                  time.Time
	UpdatedAt                  *time.Time
}

// ShareGroupSnapshot is a live share group snapshot (a cgsnapshot below
// 2.31).
type ShareGroupSnapshot struct {
	ID           string
	ProjectID    string
	UserID       string
	ShareGroupID string
	Name         *string
	Description  *string
	Status       state.CGSnapshotStatus
	CreatedAt    time.Time
	UpdatedAt    *time.Time
}

// ShareGroupSnapshotMember is one share's image in a cgsnapshot.
type ShareGroupSnapshotMember struct {
	ID                   string
	ShareGroupSnapshotID string
	ShareID              string
	ProjectID            string
	UserID               string
	Size                 int
	ShareProto           string
	ShareTypeID          *string
	Status               state.CGSnapshotMemberStatus
	CreatedAt            time.Time
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
	share_server_id, source_share_group_snapshot_id, share_group_type_id, availability_zone,
	consistent_snapshot_support, created_at, updated_at,
	(SELECT json_group_array(share_type_id) FROM (SELECT share_type_id FROM share_group_share_types
	   WHERE share_group_id = share_groups.id ORDER BY share_type_id) gt)`

func scanCG(s scanner) (ShareGroup, error) {
	var g ShareGroup
	var name, desc, host, net, server, source, groupType, az, consistent, updated, types sql.NullString
	var created string
	if err := s.Scan(&g.ID, &g.ProjectID, &g.UserID, &name, &desc, &g.Status, &host, &net, &server, &source,
		&groupType, &az, &consistent, &created, &updated, &types); err != nil {
		return ShareGroup{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ShareGroup{}, fmt.Errorf("storage: consistency group %s created_at: %w", g.ID, err)
	}
	g.CreatedAt, g.UpdatedAt = t, scanTime(updated)
	g.Name, g.Description, g.Host = scanString(name), scanString(desc), scanString(host)
	g.ShareNetworkID, g.ShareServerID, g.SourceShareGroupSnapshotID = scanString(net), scanString(server), scanString(source)
	g.ShareGroupTypeID, g.AvailabilityZone, g.ConsistentSnapshotSupport = scanString(groupType), scanString(az), scanString(consistent)
	g.ShareTypes = []string{}
	if types.Valid {
		if err := json.Unmarshal([]byte(types.String), &g.ShareTypes); err != nil {
			return ShareGroup{}, err
		}
	}
	return g, nil
}

func (tx *Tx) insertCG(ctx context.Context, g ShareGroup) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO share_groups (id, project_id, user_id, display_name, display_description,
		status, host, share_network_id, share_server_id, source_share_group_snapshot_id, share_group_type_id,
		availability_zone, consistent_snapshot_support, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, g.ProjectID, g.UserID, nullString(g.Name), nullString(g.Description), string(g.Status), nullString(g.Host),
		nullString(g.ShareNetworkID), nullString(g.ShareServerID), nullString(g.SourceShareGroupSnapshotID),
		nullString(g.ShareGroupTypeID), nullString(g.AvailabilityZone), nullString(g.ConsistentSnapshotSupport), FormatTime(tx.Now)); err != nil {
		return fmt.Errorf("storage: insert share group: %w", err)
	}
	for _, st := range g.ShareTypes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_share_types (share_group_id, share_type_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, g.ID, st); err != nil {
			return err
		}
	}
	return nil
}

// CreateShareGroup records a new, empty group and the job that
// places it.
func (db *DB) CreateShareGroup(ctx context.Context, g ShareGroup, jobDelay time.Duration) (ShareGroup, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := db.reserveGroupQuota(ctx, tx, g); err != nil {
			return err
		}
		if err := tx.insertCG(ctx, g); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, JobShareGroupCreate, g.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ShareGroup{}, err
	}
	return db.GetShareGroup(ctx, g.ID)
}

// CreateShareGroupFromSnapshot records a new group built from a
// cgsnapshot, which must be in state.CGSnapshotUsable (*StateError Of
// "cgsnapshot"): it inherits the source group's share types, network, server
// and host, and gets one new share in state.ShareInitial per member, whose data the job copies
// from the member's image. newShare fills in each share from its member.
func (db *DB) CreateShareGroupFromSnapshot(ctx context.Context, g ShareGroup, newShare func(ShareGroupSnapshotMember) Share, jobDelay time.Duration) (ShareGroup, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		snap, err := getShareGroupSnapshot(ctx, tx, *g.SourceShareGroupSnapshotID)
		if err != nil {
			return err
		}
		if !state.CGSnapshotUsable.Contains(snap.Status) {
			return &StateError{Of: "cgsnapshot", Current: string(snap.Status)}
		}
		src, err := getCG(ctx, tx, snap.ShareGroupID)
		if err != nil {
			return err
		}
		g.ShareTypes, g.ShareNetworkID, g.ShareServerID, g.Host = src.ShareTypes, src.ShareNetworkID, src.ShareServerID, src.Host
		g.AvailabilityZone, g.ConsistentSnapshotSupport = src.AvailabilityZone, src.ConsistentSnapshotSupport
		if g.ShareGroupTypeID == nil {
			g.ShareGroupTypeID = src.ShareGroupTypeID
		}
		if err := db.reserveGroupQuota(ctx, tx, g); err != nil {
			return err
		}
		if err := tx.insertCG(ctx, g); err != nil {
			return err
		}
		members, err := listShareGroupSnapshotMembers(ctx, tx, snap.ID, nil, 0)
		if err != nil {
			return err
		}
		for _, m := range members {
			sh := newShare(m)
			sh.ShareGroupID, sh.SourceShareGroupSnapshotMemberID = &g.ID, &m.ID
			if err := db.reserveShareQuota(ctx, tx, sh); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO shares (id, project_id, user_id, display_name, display_description, size,
				share_proto, status, share_type_id, availability_zone, is_public, host, share_group_id,
				source_share_group_snapshot_member_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
				sh.ID, sh.ProjectID, sh.UserID, nullString(sh.Name), nullString(sh.Description), sh.Size, sh.Proto, string(state.ShareInitial),
				nullString(sh.ShareTypeID), nullString(sh.AvailabilityZone), nullString(sh.Host), g.ID, m.ID, FormatTime(tx.Now)); err != nil {
				return fmt.Errorf("storage: insert share from member %s: %w", m.ID, err)
			}
		}
		return tx.EnqueueJob(ctx, JobShareGroupCreate, g.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ShareGroup{}, err
	}
	return db.GetShareGroup(ctx, g.ID)
}

// reserveGroupQuota charges a new group to its owner's share_groups quota.
func (db *DB) reserveGroupQuota(ctx context.Context, tx *Tx, g ShareGroup) error {
	return db.reserveQuota(ctx, tx, QuotaScope{ProjectID: g.ProjectID, UserID: g.UserID}, map[string]int{"share_groups": 1})
}

// GetShareGroup returns the live group with this id.
func (db *DB) GetShareGroup(ctx context.Context, id string) (ShareGroup, error) {
	return getCG(ctx, db.reader, id)
}

// GetShareGroup reads a group inside a write transaction.
func (tx *Tx) GetShareGroup(ctx context.Context, id string) (ShareGroup, error) {
	return getCG(ctx, tx, id)
}

func getCG(ctx context.Context, q querier, id string) (ShareGroup, error) {
	g, err := scanCG(q.QueryRowContext(ctx, `SELECT `+cgColumns+` FROM share_groups WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareGroup{}, ErrNotFound
	}
	return g, err
}

// GroupFilter narrows and orders a list of share groups or of their
// snapshots. Equal and Like are keyed by the list's key table
// (ShareGroupKeys or ShareGroupSnapshotKeys); SortColumn is one of its
// columns ("" is created_at).
type GroupFilter struct {
	ProjectID  string // "" lists every project
	Equal      map[string]string
	Like       map[string]string
	SortColumn string
	SortDesc   bool
	Limit      int
	Offset     int
}

// where is the filter's WHERE clause over a table whose key table is keys.
// Manila matches LIKE '%v%' without escaping, so % and _ stay wildcards.
func (f GroupFilter) where(keys map[string]string) (string, []any, error) {
	cols := columnsOf(keys)
	w, args := ` WHERE deleted = 'False'`, []any{}
	if f.ProjectID != "" {
		w, args = w+` AND project_id = ?`, append(args, f.ProjectID)
	}
	for _, m := range []struct {
		values map[string]string
		op     string
		wrap   func(string) string
	}{{f.Equal, " = ?", func(v string) string { return v }}, {f.Like, " LIKE ?", func(v string) string { return "%" + v + "%" }}} {
		for _, col := range sortedKeys(m.values) {
			if !cols[col] {
				return "", nil, fmt.Errorf("storage: no filter column %q", col)
			}
			w, args = w+` AND `+col+m.op, append(args, m.wrap(m.values[col]))
		}
	}
	return w, args, nil
}

// order is the filter's ORDER BY, ties broken by id.
func (f GroupFilter) order(keys map[string]string) (string, error) {
	col := f.SortColumn
	if col == "" {
		col = "created_at"
	}
	if !columnsOf(keys)[col] {
		return "", fmt.Errorf("storage: no sort column %q", col)
	}
	dir := " ASC"
	if f.SortDesc {
		dir = " DESC"
	}
	return ` ORDER BY ` + col + dir + `, id` + dir, nil
}

// ListShareGroups returns live share groups as f selects them.
func (db *DB) ListShareGroups(ctx context.Context, f GroupFilter) ([]ShareGroup, error) {
	return listGroups(ctx, db, f, `SELECT `+cgColumns+` FROM share_groups`, ShareGroupKeys, scanCG)
}

func listGroups[T any](ctx context.Context, db *DB, f GroupFilter, sel string, keys map[string]string, scan func(scanner) (T, error)) ([]T, error) {
	where, args, err := f.where(keys)
	if err != nil {
		return nil, err
	}
	order, err := f.order(keys)
	if err != nil {
		return nil, err
	}
	rows, err := db.reader.QueryContext(ctx, sel+where+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}

// UpdateShareGroup renames a group (any status).
func (db *DB) UpdateShareGroup(ctx context.Context, id string, u NameUpdate) (ShareGroup, error) {
	return rename(ctx, db, "share_groups", id, u, getCG)
}

// BeginShareGroupDelete deletes a group: at once (reporting true) if it was never
// placed on a host, as Manila does; otherwise, if it has no snapshots and
// no shares, it takes state.ConsistencyGroupDelete and gets a job. Errors: ErrNotFound, *StateError, *DependentsError.
func (db *DB) BeginShareGroupDelete(ctx context.Context, id string, jobDelay time.Duration) (bool, error) {
	immediate := false
	err := db.Write(ctx, func(tx *Tx) error {
		g, err := tx.GetShareGroup(ctx, id)
		if err != nil {
			return err
		}
		if g.Host == nil || *g.Host == "" {
			immediate = true
			return tx.softDeleteCG(ctx, id)
		}
		if err := transition(ctx, tx, "share_groups", id, state.ConsistencyGroupDelete); err != nil {
			return err
		}
		if n, err := tx.count(ctx, `SELECT count(*) FROM share_group_snapshots WHERE share_group_id = ? AND deleted = 'False'`, id); err != nil {
			return err
		} else if n > 0 {
			return &DependentsError{What: "cgsnapshots", Count: n}
		}
		if n, err := tx.count(ctx, `SELECT count(*) FROM shares WHERE share_group_id = ? AND deleted = 'False'`, id); err != nil {
			return err
		} else if n > 0 {
			return &DependentsError{What: "shares", Count: n}
		}
		return tx.EnqueueJob(ctx, JobShareGroupDelete, id, tx.Now.Add(jobDelay), nil)
	})
	return immediate, err
}

// ForceDeleteShareGroup removes a group at once, whatever its state,
// shares or snapshots (Manila's force_delete).
func (db *DB) ForceDeleteShareGroup(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.softDeleteCG(ctx, id) })
}

func (tx *Tx) softDeleteCG(ctx context.Context, id string) error {
	if err := softDelete(ctx, tx, "share_groups", id, state.ConsistencyGroupDeleted); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM share_group_share_types WHERE share_group_id = ?`, id)
	return err
}

// SoftDeleteShareGroup is the end of a group's delete job.
func (tx *Tx) SoftDeleteShareGroup(ctx context.Context, id string) error {
	return tx.softDeleteCG(ctx, id)
}

// TransitionShareGroup applies t to a group.
func (db *DB) TransitionShareGroup(ctx context.Context, id string, t state.Transition[state.ConsistencyGroupStatus]) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.TransitionShareGroup(ctx, id, t) })
}

// TransitionShareGroup is the in-transaction form.
func (tx *Tx) TransitionShareGroup(ctx context.Context, id string, t state.Transition[state.ConsistencyGroupStatus]) error {
	return transition(ctx, tx, "share_groups", id, t)
}

// PlaceShareGroup makes a group available on host
// (state.ConsistencyGroupCreateDone), in zone unless it was made in one;
// like Manila's share manager it also resets created_at to now.
func (tx *Tx) PlaceShareGroup(ctx context.Context, id, host, zone string) error {
	if err := tx.TransitionShareGroup(ctx, id, state.ConsistencyGroupCreateDone); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE share_groups SET host = ?, availability_zone = coalesce(availability_zone, ?), created_at = ? WHERE id = ?`,
		host, zone, FormatTime(tx.Now), id)
	return err
}

// SharesOfShareGroup lists a group's live shares.
func (db *DB) SharesOfShareGroup(ctx context.Context, id string) ([]Share, error) {
	shares, _, err := db.ListShares(ctx, ShareFilter{ShareGroupID: &id, SortColumn: "created_at"}, false)
	return shares, err
}

const cgSnapshotColumns = `id, project_id, user_id, share_group_id, display_name, display_description, status, created_at, updated_at`

func scanShareGroupSnapshot(s scanner) (ShareGroupSnapshot, error) {
	var c ShareGroupSnapshot
	var name, desc, updated sql.NullString
	var created string
	if err := s.Scan(&c.ID, &c.ProjectID, &c.UserID, &c.ShareGroupID, &name, &desc, &c.Status, &created, &updated); err != nil {
		return ShareGroupSnapshot{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ShareGroupSnapshot{}, err
	}
	c.CreatedAt, c.UpdatedAt, c.Name, c.Description = t, scanTime(updated), scanString(name), scanString(desc)
	return c, nil
}

// CreateShareGroupSnapshot records a snapshot of every live share of the group, one
// member each, and the job that takes their images. The group must be in
// state.ConsistencyGroupUsable (*StateError Of "consistency_group") and each
// of its shares in state.ShareSnapshotSource (*ShareStateError).
func (db *DB) CreateShareGroupSnapshot(ctx context.Context, c ShareGroupSnapshot, jobDelay time.Duration) (ShareGroupSnapshot, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		g, err := tx.GetShareGroup(ctx, c.ShareGroupID)
		if err != nil {
			return err
		}
		if !state.ConsistencyGroupUsable.Contains(g.Status) {
			return &StateError{Of: "consistency_group", Current: string(g.Status)}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, status, size, share_proto, share_type_id FROM shares
			WHERE share_group_id = ? AND deleted = 'False' ORDER BY created_at, id`, g.ID)
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
		if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: c.ProjectID, UserID: c.UserID}, map[string]int{"share_group_snapshots": 1}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_snapshots (id, project_id, user_id, share_group_id, display_name,
			display_description, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.ProjectID, c.UserID, g.ID, nullString(c.Name), nullString(c.Description), string(state.CGSnapshotInitial), FormatTime(tx.Now)); err != nil {
			return err
		}
		for _, m := range shares {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_snapshot_members (id, share_group_snapshot_id, share_id, project_id, user_id, size,
				share_proto, share_type_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				NewID(), c.ID, m.id, c.ProjectID, c.UserID, m.size, m.proto, m.typeID, string(state.CGSnapshotMemberInitial), FormatTime(tx.Now)); err != nil {
				return err
			}
		}
		return tx.EnqueueJob(ctx, JobShareGroupSnapshotCreate, c.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ShareGroupSnapshot{}, err
	}
	return db.GetShareGroupSnapshot(ctx, c.ID)
}

// GetShareGroupSnapshot returns the live cgsnapshot with this id.
func (db *DB) GetShareGroupSnapshot(ctx context.Context, id string) (ShareGroupSnapshot, error) {
	return getShareGroupSnapshot(ctx, db.reader, id)
}

func getShareGroupSnapshot(ctx context.Context, q querier, id string) (ShareGroupSnapshot, error) {
	c, err := scanShareGroupSnapshot(q.QueryRowContext(ctx, `SELECT `+cgSnapshotColumns+` FROM share_group_snapshots WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareGroupSnapshot{}, ErrNotFound
	}
	return c, err
}

// ListShareGroupSnapshots returns live share group snapshots as f
// selects them.
func (db *DB) ListShareGroupSnapshots(ctx context.Context, f GroupFilter) ([]ShareGroupSnapshot, error) {
	return listGroups(ctx, db, f, `SELECT `+cgSnapshotColumns+` FROM share_group_snapshots`, ShareGroupSnapshotKeys, scanShareGroupSnapshot)
}

// UpdateShareGroupSnapshot renames a cgsnapshot (any status).
func (db *DB) UpdateShareGroupSnapshot(ctx context.Context, id string, u NameUpdate) (ShareGroupSnapshot, error) {
	return rename(ctx, db, "share_group_snapshots", id, u, getShareGroupSnapshot)
}

// ListShareGroupSnapshotMembers returns a page of a cgsnapshot's live members;
// limit nil means all.
func (db *DB) ListShareGroupSnapshotMembers(ctx context.Context, cgsnapshotID string, limit *int, offset int) ([]ShareGroupSnapshotMember, error) {
	return listShareGroupSnapshotMembers(ctx, db.reader, cgsnapshotID, limit, offset)
}

// listShareGroupSnapshotMembers lists a cgsnapshot's members in the order
// they were made: CreateShareGroupSnapshot inserts them together, in their
// shares' (created_at, id) order. That order is spelled out rather than
// left to rowid, whose PostgreSQL stand-in (ctid) moves when a row is
// updated.
func listShareGroupSnapshotMembers(ctx context.Context, q querier, cgsnapshotID string, limit *int, offset int) ([]ShareGroupSnapshotMember, error) {
	query := `SELECT id, share_group_snapshot_id, share_id, project_id, user_id, size, share_proto, share_type_id, status, created_at
		FROM share_group_snapshot_members m WHERE share_group_snapshot_id = ? AND deleted = 'False'
		ORDER BY created_at, (SELECT s.created_at FROM shares s WHERE s.id = m.share_id), share_id`
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
	var out []ShareGroupSnapshotMember
	for rows.Next() {
		var m ShareGroupSnapshotMember
		var typeID sql.NullString
		var created string
		if err := rows.Scan(&m.ID, &m.ShareGroupSnapshotID, &m.ShareID, &m.ProjectID, &m.UserID, &m.Size, &m.ShareProto, &typeID, &m.Status, &created); err != nil {
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

// TransitionShareGroupSnapshot applies t to a cgsnapshot and, when job is set,
// enqueues it.
func (db *DB) TransitionShareGroupSnapshot(ctx context.Context, id string, t state.Transition[state.CGSnapshotStatus], job string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "share_group_snapshots", id, t, job, jobDelay)
}

// FinishShareGroupSnapshot makes a cgsnapshot and its members available
// (state.CGSnapshotCreateDone, state.CGSnapshotMemberCreateDone), resetting
// their created_at to now as Manila's share manager does.
func (tx *Tx) FinishShareGroupSnapshot(ctx context.Context, id string) error {
	if err := transition(ctx, tx, "share_group_snapshots", id, state.CGSnapshotCreateDone); err != nil {
		return err
	}
	now := FormatTime(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE share_group_snapshots SET created_at = ? WHERE id = ?`, now, id); err != nil {
		return err
	}
	member := state.CGSnapshotMemberCreateDone
	q := `UPDATE share_group_snapshot_members SET status = ?, created_at = ? WHERE share_group_snapshot_id = ? AND deleted = 'False' AND status IN ` + inClause(len(member.From))
	args := []any{string(member.To), now, id}
	for _, s := range member.From {
		args = append(args, string(s))
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// FailShareGroupSnapshot marks a cgsnapshot in error (state.CGSnapshotCreateFailed;
// its members stay as they are, as in Manila).
func (tx *Tx) FailShareGroupSnapshot(ctx context.Context, id string) error {
	return transition(ctx, tx, "share_group_snapshots", id, state.CGSnapshotCreateFailed)
}

// SoftDeleteShareGroupSnapshot removes a cgsnapshot and its members from every read.
func (tx *Tx) SoftDeleteShareGroupSnapshot(ctx context.Context, id string) error {
	if err := softDelete(ctx, tx, "share_group_snapshots", id, state.CGSnapshotDeleted); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE share_group_snapshot_members SET deleted = id, deleted_at = ? WHERE share_group_snapshot_id = ? AND deleted = 'False'`,
		FormatTime(tx.Now), id)
	return err
}

// ForceDeleteShareGroupSnapshot removes a cgsnapshot at once, whatever its state.
func (db *DB) ForceDeleteShareGroupSnapshot(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.SoftDeleteShareGroupSnapshot(ctx, id) })
}

// checkNotBusy returns *BusyError while a cgsnapshot that includes the
// share is being taken (state.CGSnapshotBusy): until it is, nothing may
// change the share.
func (tx *Tx) checkNotBusy(ctx context.Context, shareID string) error {
	args := []any{shareID}
	for _, s := range state.CGSnapshotBusy {
		args = append(args, string(s))
	}
	n, err := tx.count(ctx, `SELECT count(*) FROM share_group_snapshot_members m JOIN share_group_snapshots c ON c.id = m.share_group_snapshot_id
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
