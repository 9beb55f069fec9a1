package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/manilite/manilite/state"
)

// Share is a live share row with its metadata, type name and export
// locations.
type Share struct {
	ID                               string
	ProjectID                        string
	UserID                           string
	Name                             *string
	Description                      *string
	Size                             int
	Proto                            string
	Status                           state.ShareStatus
	TaskState                        *string
	ShareTypeID                      *string
	ShareTypeName                    *string
	AvailabilityZone                 *string
	IsPublic                         bool
	SnapshotID                       *string
	ShareNetworkID                   *string
	Host                             *string
	Progress                         *string
	IsSoftDeleted                    bool
	ScheduledToBeDeletedAt           *time.Time
	SourceBackupID                   *string
	ShareGroupID                     *string
	SourceShareGroupSnapshotMemberID *string
	CreatedAt                        time.Time
	UpdatedAt                        *time.Time
	Metadata                         map[string]string
	ExportLocations                  []ExportLocation
	// TypeExtraSpecs are the extra specs of the share's type (capabilities
	// such as snapshot_support are read from them).
	TypeExtraSpecs map[string]string
	// AccessRulesStatus is syncing while access rules are being applied.
	AccessRulesStatus state.AccessRulesStatus
}

// ExportLocation is one path a share is reachable at.
type ExportLocation struct {
	ID          string
	ShareID     string
	Path        string
	IsAdminOnly bool
	Preferred   bool
	CreatedAt   time.Time
	UpdatedAt   *time.Time
	// Metadata is the export location's metadata (2.87+), "preferred"
	// included (Manila keeps the flag there); nil when none.
	Metadata map[string]string
}

// ShareFilter narrows ListShares. Zero values mean "no condition".
type ShareFilter struct {
	// ProjectID limits the list to one project; empty lists every project.
	ProjectID string
	// IncludePublic also lists other projects' public shares.
	IncludePublic bool

	IDs                []string
	Name               *string
	NameLike           *string
	Description        *string
	DescriptionLike    *string
	Status             *string
	ShareTypeID        *string
	SnapshotID         *string
	ShareNetworkID     *string
	Host               *string
	ShareProto         *string
	AvailabilityZone   *string
	ShareGroupID       *string
	ExportLocationID   *string
	ExportLocationPath *string
	IsPublic           *bool
	// IsSoftDeleted selects soft-deleted shares (the recycle bin) instead of
	// ordinary ones.
	IsSoftDeleted bool
	Metadata      map[string]string
	ExtraSpecs    map[string]string

	// SortColumn must be a column of the shares table (the caller maps API
	// sort keys); SortDesc orders descending. Ties are broken by id.
	SortColumn string
	SortDesc   bool
	Limit      *int
	Offset     int
}

// ShareSortColumns are the columns ListShares can sort on. The empty name
// sorts by id alone (for keys Manila accepts that have no column here).
var ShareSortColumns = columnsOf(ShareSortKeys)

const shareColumns = `s.id, s.project_id, s.user_id, s.display_name, s.display_description, s.size, s.share_proto,
	s.status, s.task_state, s.share_type_id, t.name, s.availability_zone, s.is_public, s.snapshot_id,
	s.share_network_id, s.host, s.progress, s.is_soft_deleted, s.scheduled_to_be_deleted_at, s.source_backup_id,
	s.share_group_id, s.source_share_group_snapshot_member_id, s.created_at, s.updated_at,
	(SELECT json_group_object(meta_key, value) FROM share_metadata WHERE share_id = s.id),
	(SELECT json_group_object(spec_key, spec_value) FROM share_type_extra_specs WHERE share_type_id = s.share_type_id),
	(SELECT json_group_array(json_object('i', e.id, 'p', e.path, 'a', e.is_admin_only, 'f', e.preferred, 'c', e.created_at, 'u', e.updated_at,
	        'm', json((SELECT json_group_object(meta_key, value) FROM export_location_metadata WHERE export_location_id = e.id))))
	   FROM (SELECT * FROM export_locations WHERE share_id = s.id AND deleted = 'False' ORDER BY created_at, id) e),
	s.access_rules_status`

// Each share row carries its metadata, its type's extra specs and its export
// locations as JSON aggregates, so one query reads a whole share (four
// round trips through the driver cost more than decoding the JSON).
const shareFrom = ` FROM shares s LEFT JOIN share_types t ON t.id = s.share_type_id`

func scanShare(s scanner) (Share, error) {
	var sh Share
	var name, desc, task, typeID, typeName, az, snap, net, host, progress, sched, backup, cg, member, updated sql.NullString
	var created string
	var metadata, specs, locations sql.NullString
	err := s.Scan(&sh.ID, &sh.ProjectID, &sh.UserID, &name, &desc, &sh.Size, &sh.Proto, &sh.Status, &task, &typeID, &typeName,
		&az, &sh.IsPublic, &snap, &net, &host, &progress, &sh.IsSoftDeleted, &sched, &backup, &cg, &member, &created, &updated,
		&metadata, &specs, &locations, &sh.AccessRulesStatus)
	if err != nil {
		return Share{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return Share{}, fmt.Errorf("storage: share %s created_at: %w", sh.ID, err)
	}
	sh.CreatedAt = t
	sh.Name, sh.Description, sh.TaskState = scanString(name), scanString(desc), scanString(task)
	sh.ShareTypeID, sh.ShareTypeName, sh.AvailabilityZone = scanString(typeID), scanString(typeName), scanString(az)
	sh.SnapshotID, sh.ShareNetworkID, sh.Host, sh.Progress = scanString(snap), scanString(net), scanString(host), scanString(progress)
	sh.ScheduledToBeDeletedAt, sh.SourceBackupID = scanTime(sched), scanString(backup)
	sh.ShareGroupID, sh.SourceShareGroupSnapshotMemberID, sh.UpdatedAt = scanString(cg), scanString(member), scanTime(updated)
	if err := decodeShareAggregates(&sh, metadata, specs, locations); err != nil {
		return Share{}, err
	}
	return sh, nil
}

// CreateShare inserts a share (in sh.Status, normally state.ShareInitial)
// together with its metadata and the job that will make it available, in
// one transaction, charging it to its owner's quotas (*QuotaError). A share joining a consistency group needs the group in
// state.ConsistencyGroupUsable (*StateError Of "consistency_group").
func (db *DB) CreateShare(ctx context.Context, sh Share, jobDelay time.Duration) (Share, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		sh.CreatedAt = tx.Now
		if err := db.reserveShareQuota(ctx, tx, sh); err != nil {
			return err
		}
		if sh.ShareGroupID != nil {
			// The group must still be available when the share joins it.
			var status state.ConsistencyGroupStatus
			err := tx.QueryRowContext(ctx, `SELECT status FROM share_groups WHERE id = ? AND deleted = 'False'`, *sh.ShareGroupID).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return &StateError{Of: "consistency_group", Current: string(state.ConsistencyGroupDeleted)}
			}
			if err != nil {
				return err
			}
			if !state.ConsistencyGroupUsable.Contains(status) {
				return &StateError{Of: "consistency_group", Current: string(status)}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shares (id, project_id, user_id, display_name, display_description, size,
			share_proto, status, task_state, share_type_id, availability_zone, is_public, snapshot_id, share_network_id, host,
			progress, share_group_id, source_share_group_snapshot_member_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sh.ID, sh.ProjectID, sh.UserID, nullString(sh.Name), nullString(sh.Description), sh.Size, sh.Proto, string(sh.Status),
			nullString(sh.TaskState), nullString(sh.ShareTypeID), nullString(sh.AvailabilityZone), sh.IsPublic,
			nullString(sh.SnapshotID), nullString(sh.ShareNetworkID), nullString(sh.Host), nullString(sh.Progress),
			nullString(sh.ShareGroupID), nullString(sh.SourceShareGroupSnapshotMemberID), FormatTime(tx.Now))
		if err != nil {
			return fmt.Errorf("storage: insert share: %w", err)
		}
		if err := tx.replaceMetadata(ctx, sh.ID, sh.Metadata); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, JobShareCreate, sh.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return Share{}, err
	}
	return db.GetShare(ctx, sh.ID)
}

// quotaScope is where the share is charged: its owner and its type.
func (sh Share) quotaScope() QuotaScope {
	return QuotaScope{ProjectID: sh.ProjectID, UserID: sh.UserID, ShareTypeID: typeOf(sh.ShareTypeID)}
}

// reserveShareQuota charges a new share to its owner's and its type's
// shares and gigabytes quotas.
func (db *DB) reserveShareQuota(ctx context.Context, tx *Tx, sh Share) error {
	return db.reserveQuota(ctx, tx, sh.quotaScope(),
		map[string]int{"shares": 1, "gigabytes": sh.Size})
}

func (tx *Tx) replaceMetadata(ctx context.Context, shareID string, md map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM share_metadata WHERE share_id = ?`, shareID); err != nil {
		return err
	}
	for k, v := range md {
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_metadata (share_id, meta_key, value) VALUES (?, ?, ?)`, shareID, k, v); err != nil {
			return fmt.Errorf("storage: insert share metadata: %w", err)
		}
	}
	return nil
}

// GetShare returns the live share with this id.
func (db *DB) GetShare(ctx context.Context, id string) (Share, error) {
	sh, err := scanShare(db.reader.QueryRowContext(ctx, getShareQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Share{}, ErrNotFound
	}
	return sh, err
}

const getShareQuery = `SELECT ` + shareColumns + shareFrom + ` WHERE s.id = ? AND s.deleted = 'False'`

// GetShare reads a share inside a write transaction.
func (tx *Tx) GetShare(ctx context.Context, id string) (Share, error) {
	return getShare(ctx, tx, id)
}

func getShare(ctx context.Context, q querier, id string) (Share, error) {
	row := q.QueryRowContext(ctx, getShareQuery, id)
	sh, err := scanShare(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Share{}, ErrNotFound
	}
	return sh, err
}

func scanExportLocation(s scanner) (ExportLocation, error) {
	var el ExportLocation
	var created string
	var updated sql.NullString
	if err := s.Scan(&el.ID, &el.ShareID, &el.Path, &el.IsAdminOnly, &el.Preferred, &created, &updated); err != nil {
		return ExportLocation{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ExportLocation{}, err
	}
	el.CreatedAt, el.UpdatedAt = t, scanTime(updated)
	return el, nil
}

// ListShares returns one page of live shares and, when count is true, how
// many shares match the filter in all.
func (db *DB) ListShares(ctx context.Context, f ShareFilter, count bool) ([]Share, int, error) {
	where, args := shareWhere(f)
	total := 0
	if count {
		if err := db.reader.QueryRowContext(ctx, `SELECT count(*)`+shareFrom+` WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, err
		}
	}
	col := f.SortColumn
	if !ShareSortColumns[col] {
		return nil, 0, fmt.Errorf("storage: cannot sort shares by %q", col)
	}
	dir := "ASC"
	if f.SortDesc {
		dir = "DESC"
	}
	order := "s.id " + dir
	if col != "id" && col != "" {
		order = "s." + col + " " + dir + ", " + order
	}
	q := `SELECT ` + shareColumns + shareFrom + ` WHERE ` + where + ` ORDER BY ` + order
	if f.Limit != nil {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, *f.Limit, f.Offset)
	} else if f.Offset > 0 {
		q += ` LIMIT -1 OFFSET ?`
		args = append(args, f.Offset)
	}
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func shareWhere(f ShareFilter) (string, []any) {
	conds := []string{"s.deleted = 'False'"}
	var args []any
	eq := func(col string, v *string) {
		if v != nil {
			conds = append(conds, col+" = ?")
			args = append(args, *v)
		}
	}
	like := func(col string, v *string) {
		if v != nil {
			// Manila does LIKE '%v%' without escaping, so % and _ stay wildcards.
			conds = append(conds, col+" LIKE ?")
			args = append(args, "%"+*v+"%")
		}
	}
	if f.ProjectID != "" {
		if f.IncludePublic {
			conds = append(conds, "(s.project_id = ? OR s.is_public = 1)")
		} else {
			conds = append(conds, "s.project_id = ?")
		}
		args = append(args, f.ProjectID)
	}
	if f.IsSoftDeleted {
		conds = append(conds, "s.is_soft_deleted = 1")
	} else {
		conds = append(conds, "s.is_soft_deleted = 0")
	}
	if len(f.IDs) > 0 {
		conds = append(conds, "s.id IN "+inClause(len(f.IDs)))
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	eq("s.display_name", f.Name)
	like("s.display_name", f.NameLike)
	eq("s.display_description", f.Description)
	like("s.display_description", f.DescriptionLike)
	eq("s.status", f.Status)
	eq("s.share_type_id", f.ShareTypeID)
	eq("s.snapshot_id", f.SnapshotID)
	eq("s.share_network_id", f.ShareNetworkID)
	eq("s.host", f.Host)
	eq("s.share_proto", f.ShareProto)
	eq("s.availability_zone", f.AvailabilityZone)
	eq("s.share_group_id", f.ShareGroupID)
	if f.IsPublic != nil {
		conds = append(conds, "s.is_public = ?")
		args = append(args, *f.IsPublic)
	}
	if f.ExportLocationID != nil {
		conds = append(conds, "s.id IN (SELECT share_id FROM export_locations WHERE deleted = 'False' AND id = ?)")
		args = append(args, *f.ExportLocationID)
	}
	if f.ExportLocationPath != nil {
		conds = append(conds, "s.id IN (SELECT share_id FROM export_locations WHERE deleted = 'False' AND path = ?)")
		args = append(args, *f.ExportLocationPath)
	}
	for k, v := range f.Metadata {
		conds = append(conds, "s.id IN (SELECT share_id FROM share_metadata WHERE meta_key = ? AND value = ?)")
		args = append(args, k, v)
	}
	for k, v := range f.ExtraSpecs {
		conds = append(conds, "s.share_type_id IN (SELECT share_type_id FROM share_type_extra_specs WHERE spec_key = ? AND spec_value = ?)")
		args = append(args, k, v)
	}
	return strings.Join(conds, " AND "), args
}

// ShareUpdate holds the user-editable fields of a share; nil leaves a field
// as it is, and the Clear flags set it to NULL.
type ShareUpdate struct {
	Name             *string
	ClearName        bool
	Description      *string
	ClearDescription bool
	IsPublic         *bool
}

// UpdateShare applies u to a live share and returns the result.
func (db *DB) UpdateShare(ctx context.Context, id string, u ShareUpdate) (Share, error) {
	var out Share
	err := db.Write(ctx, func(tx *Tx) error {
		var sets []string
		var args []any
		if u.Name != nil || u.ClearName {
			sets = append(sets, "display_name = ?")
			args = append(args, nullString(u.Name))
		}
		if u.Description != nil || u.ClearDescription {
			sets = append(sets, "display_description = ?")
			args = append(args, nullString(u.Description))
		}
		if u.IsPublic != nil {
			sets = append(sets, "is_public = ?")
			args = append(args, *u.IsPublic)
		}
		if len(sets) > 0 {
			sets = append(sets, "updated_at = ?")
			args = append(args, FormatTime(tx.Now), id)
			res, err := tx.ExecContext(ctx, `UPDATE shares SET `+strings.Join(sets, ", ")+` WHERE id = ? AND deleted = 'False'`, args...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
		}
		var err error
		out, err = tx.GetShare(ctx, id)
		return err
	})
	return out, err
}

// TransitionShare applies t to a live share atomically. It returns
// ErrNotFound if there is no such share and *StateError if the share is in
// a status t does not leave. When job is not empty, that job is enqueued
// (due after jobDelay) in the same transaction.
func (db *DB) TransitionShare(ctx context.Context, id string, t state.Transition[state.ShareStatus], job string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "shares", id, t, job, jobDelay)
}

// TransitionShare is the in-transaction form of DB.TransitionShare.
func (tx *Tx) TransitionShare(ctx context.Context, id string, t state.Transition[state.ShareStatus]) error {
	return transition(ctx, tx, "shares", id, t)
}

// TransitionShareTo is TransitionShare that also sets the share's progress
// (Manila's "0%".."100%" string).
func (tx *Tx) TransitionShareTo(ctx context.Context, id string, t state.Transition[state.ShareStatus], progress string) error {
	if err := tx.TransitionShare(ctx, id, t); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE shares SET progress = ? WHERE id = ?`, progress, id)
	return err
}

// AddExportLocation records a path the share is reachable at.
func (tx *Tx) AddExportLocation(ctx context.Context, el ExportLocation) error {
	// updated_at is set too: Manila's manager writes the row again when the
	// driver reports it, and clients parse both dates.
	_, err := tx.ExecContext(ctx, `INSERT INTO export_locations (id, share_id, path, is_admin_only, preferred, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, el.ID, el.ShareID, el.Path, el.IsAdminOnly, el.Preferred, FormatTime(tx.Now), FormatTime(tx.Now))
	if err != nil {
		return err
	}
	// As Manila's drivers do, the preferred flag is also metadata (2.87+).
	preferred := "False"
	if el.Preferred {
		preferred = "True"
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO export_location_metadata (export_location_id, meta_key, value) VALUES (?, 'preferred', ?)`, el.ID, preferred)
	return err
}

// SoftDeleteShare marks a share (and its export locations and metadata)
// deleted by t (state.ShareDeleteDone), provided t leaves its status.
func (tx *Tx) SoftDeleteShare(ctx context.Context, id string, t state.Transition[state.ShareStatus]) error {
	if err := tx.TransitionShare(ctx, id, t); err != nil {
		return err
	}
	now := FormatTime(tx.Now)
	if _, err := tx.ExecContext(ctx, `UPDATE shares SET deleted = id, deleted_at = ? WHERE id = ?`, now, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE export_locations SET deleted = id, deleted_at = ? WHERE share_id = ? AND deleted = 'False'`, now, id); err != nil {
		return err
	}
	return tx.deleteShareAccessRules(ctx, id)
}

// SoftDeleteShareToBin moves a share to the recycle bin (Manila's
// soft_delete), provided it is in one of the statuses in from and not there
// already. It returns *StateError with Current CurrentSoftDeleted when it is.
func (db *DB) SoftDeleteShareToBin(ctx context.Context, id string, from state.Set[state.ShareStatus], purgeAt time.Time) error {
	return db.Write(ctx, func(tx *Tx) error {
		var status state.ShareStatus
		var soft bool
		err := tx.QueryRowContext(ctx, `SELECT status, is_soft_deleted FROM shares WHERE id = ? AND deleted = 'False'`, id).Scan(&status, &soft)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if soft {
			return &StateError{Of: "share", Current: CurrentSoftDeleted}
		}
		if !from.Contains(status) {
			return &StateError{Of: "share", Current: string(status)}
		}
		if dep, err := tx.shareDependents(ctx, id); err != nil {
			return err
		} else if dep != nil {
			return dep
		}
		_, err = tx.ExecContext(ctx, `UPDATE shares SET is_soft_deleted = 1, scheduled_to_be_deleted_at = ?, updated_at = ?
			WHERE id = ? AND deleted = 'False' AND is_soft_deleted = 0 AND status = ?`, FormatTime(purgeAt), FormatTime(tx.Now), id, string(status))
		return err
	})
}

// RestoreShareFromBin takes a share out of the recycle bin. It reports false
// when the share was not in it. A share in one of the statuses in refuse is
// left there and *StateError is returned.
func (db *DB) RestoreShareFromBin(ctx context.Context, id string, refuse state.Set[state.ShareStatus]) (bool, error) {
	restored := false
	err := db.Write(ctx, func(tx *Tx) error {
		var status state.ShareStatus
		var soft bool
		err := tx.QueryRowContext(ctx, `SELECT status, is_soft_deleted FROM shares WHERE id = ? AND deleted = 'False'`, id).Scan(&status, &soft)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !soft {
			return nil
		}
		if refuse.Contains(status) {
			return &StateError{Of: "share", Current: string(status)}
		}
		_, err = tx.ExecContext(ctx, `UPDATE shares SET is_soft_deleted = 0, scheduled_to_be_deleted_at = NULL, updated_at = ?
			WHERE id = ? AND deleted = 'False'`, FormatTime(tx.Now), id)
		restored = err == nil
		return err
	})
	return restored, err
}

// PlaceShare records where a share landed: its host and, if none was asked
// for, its availability zone.
func (tx *Tx) PlaceShare(ctx context.Context, id, host, zone string) error {
	_, err := tx.ExecContext(ctx, `UPDATE shares SET host = ?, availability_zone = COALESCE(availability_zone, ?) WHERE id = ?`, host, zone, id)
	return err
}

// decodeShareAggregates fills a share's maps and export locations from the
// JSON aggregates of its row.
func decodeShareAggregates(sh *Share, metadata, specs, locations sql.NullString) error {
	sh.Metadata = map[string]string{}
	if metadata.Valid {
		if err := decodeFlatObject(metadata.String, sh.Metadata); err != nil {
			return fmt.Errorf("storage: share %s metadata: %w", sh.ID, err)
		}
	}
	if specs.Valid && sh.ShareTypeID != nil {
		sh.TypeExtraSpecs = map[string]string{}
		if err := decodeFlatObject(specs.String, sh.TypeExtraSpecs); err != nil {
			return fmt.Errorf("storage: share %s type extra specs: %w", sh.ID, err)
		}
	}
	if !locations.Valid {
		return nil
	}
	// Typed rows: decoding into []any cost a share view more than the
	// rest of its columns.
	rows, err := decodeLocationRows(locations.String)
	if err != nil {
		return fmt.Errorf("storage: share %s export locations: %w", sh.ID, err)
	}
	for _, r := range rows {
		el := ExportLocation{ShareID: sh.ID, ID: r.ID, Path: r.Path, IsAdminOnly: r.AdminOnly != 0, Preferred: r.Preferred != 0}
		t, err := ParseTime(r.Created)
		if err != nil {
			return fmt.Errorf("storage: export location %s created_at: %w", el.ID, err)
		}
		el.CreatedAt = t
		if r.Updated != nil {
			if ut, err := ParseTime(*r.Updated); err == nil {
				el.UpdatedAt = &ut
			}
		}
		if len(r.Metadata) > 0 {
			el.Metadata = r.Metadata
		}
		sh.ExportLocations = append(sh.ExportLocations, el)
	}
	return nil
}
