package storage

import (
	"context"
	"sort"
)

// QuotaScope names whose quotas: a project's (UserID and ShareTypeID
// empty), or a user's or a share type's within the project.
type QuotaScope struct {
	ProjectID   string
	UserID      string
	ShareTypeID string
}

func (sc QuotaScope) project() QuotaScope { return QuotaScope{ProjectID: sc.ProjectID} }

// Quota is one resource's limit (-1: unlimited) and use: InUse is what
// exists, Reserved what operations under way (extends) will add.
type Quota struct {
	Limit    int
	InUse    int
	Reserved int
}

// QuotaRange is what a quota may be set to (Manila's settable quotas):
// at least Minimum, and at most Maximum unless Maximum is -1.
type QuotaRange struct{ Minimum, Maximum int }

// QuotaDefaults are the default limits, by resource.
func (db *DB) QuotaDefaults() map[string]int {
	out := make(map[string]int, len(db.quotaDefaults))
	for k, v := range db.quotaDefaults {
		out[k] = v
	}
	return out
}

// Quotas are the scope's limits and usages for every resource: a user's or
// share type's own limit, else the project's, else the default.
func (db *DB) Quotas(ctx context.Context, sc QuotaScope) (map[string]Quota, error) {
	limits, err := db.limits(ctx, db.reader, sc)
	if err != nil {
		return nil, err
	}
	use, err := quotaUsage(ctx, db.reader, sc, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Quota, len(limits))
	for res, limit := range limits {
		out[res] = Quota{Limit: limit, InUse: use[res].InUse, Reserved: use[res].Reserved}
	}
	return out, nil
}

// SettableQuotas are the ranges the scope's quotas may be set to, as
// Manila's DbQuotaDriver.get_settable_quotas computes them.
func (db *DB) SettableQuotas(ctx context.Context, sc QuotaScope) (map[string]QuotaRange, error) {
	project, err := db.Quotas(ctx, sc.project())
	if err != nil {
		return nil, err
	}
	out := make(map[string]QuotaRange, len(project))
	if sc.UserID != "" || sc.ShareTypeID != "" {
		sub, err := db.Quotas(ctx, sc)
		if err != nil {
			return nil, err
		}
		for res, q := range sub {
			out[res] = QuotaRange{Minimum: q.InUse + q.Reserved, Maximum: project[res].Limit}
		}
		return out, nil
	}
	// What the project's users' own quotas already hand out.
	handed := map[string]int{}
	rows, err := db.reader.QueryContext(ctx, `SELECT resource, sum(hard_limit) FROM quotas
		WHERE project_id = ? AND user_id != '' GROUP BY resource`, sc.ProjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var res string
		var n int
		if err := rows.Scan(&res, &n); err != nil {
			return nil, err
		}
		handed[res] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for res, q := range project {
		out[res] = QuotaRange{Minimum: max(handed[res], q.InUse+q.Reserved), Maximum: -1}
	}
	return out, nil
}

// SetQuota sets one resource's limit for the scope.
func (db *DB) SetQuota(ctx context.Context, sc QuotaScope, resource string, limit int) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO quotas (project_id, user_id, share_type_id, resource, hard_limit, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, user_id, share_type_id, resource)
			DO UPDATE SET hard_limit = excluded.hard_limit, updated_at = excluded.created_at`,
			sc.ProjectID, sc.UserID, sc.ShareTypeID, resource, limit, FormatTime(tx.Now))
		return err
	})
}

// DeleteQuotas removes the scope's limits, so its defaults apply again: a
// user's or a share type's own, or the project's with its users' (not its
// share types', as in Manila).
func (db *DB) DeleteQuotas(ctx context.Context, sc QuotaScope) error {
	return db.Write(ctx, func(tx *Tx) error {
		q, args := `DELETE FROM quotas WHERE project_id = ? AND share_type_id = ?`, []any{sc.ProjectID, sc.ShareTypeID}
		if sc.UserID != "" {
			q, args = q+` AND user_id = ?`, append(args, sc.UserID)
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// CheckQuotaLimit is Manila's limit_check for a quota with no usage
// (per_share_gigabytes): value may not pass the project's limit.
func (db *DB) CheckQuotaLimit(ctx context.Context, projectID, resource string, value int) error {
	limits, err := db.limits(ctx, db.reader, QuotaScope{ProjectID: projectID})
	if err != nil {
		return err
	}
	if limit, ok := limits[resource]; ok && limit >= 0 && limit < value {
		return &QuotaError{Overs: []string{resource}, Quotas: map[string]int{resource: limit}, Deltas: map[string]int{resource: value}}
	}
	return nil
}

// limits are the scope's limits: its own rows over the project's over the
// defaults.
func (db *DB) limits(ctx context.Context, q querier, sc QuotaScope) (map[string]int, error) {
	out := db.QuotaDefaults()
	rows, err := q.QueryContext(ctx, `SELECT resource, hard_limit FROM quotas WHERE project_id = ?
		AND ((user_id = '' AND share_type_id = '') OR (user_id = ? AND share_type_id = ?))
		ORDER BY user_id = '' AND share_type_id = '' DESC`, sc.ProjectID, sc.UserID, sc.ShareTypeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var res string
		var limit int
		if err := rows.Scan(&res, &limit); err != nil {
			return nil, err
		}
		out[res] = limit // the scope's own rows come last and win
	}
	return out, rows.Err()
}

// quotaUsage counts what the scope uses from the live rows: shares and
// their gigabytes (with the gigabytes extends under way reserve),
// snapshots, backups. Backups are not charged to share types, as in Manila.
// With want set, only the queries that count its resources run: a share
// create need not count snapshots, backups and networks.
func quotaUsage(ctx context.Context, q querier, sc QuotaScope, want map[string]int) (map[string]Quota, error) {
	wanted := func(resources ...string) bool {
		if want == nil {
			return true
		}
		for _, r := range resources {
			if _, ok := want[r]; ok {
				return true
			}
		}
		return false
	}
	filter := func(typeColumn string) (string, []any) {
		where, args := ` AND x.project_id = ?`, []any{sc.ProjectID}
		if sc.UserID != "" {
			where, args = where+` AND x.user_id = ?`, append(args, sc.UserID)
		}
		if sc.ShareTypeID != "" {
			where, args = where+` AND `+typeColumn+` = ?`, append(args, sc.ShareTypeID)
		}
		return where, args
	}
	var shares, gigabytes, reserved, snapshots, snapGigabytes, backups, backupGigabytes int
	where, args := filter("x.share_type_id")
	if wanted("shares", "gigabytes") {
		if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(x.size), 0),
			coalesce(sum(CASE WHEN x.new_size > x.size THEN x.new_size - x.size ELSE 0 END), 0)
			FROM shares x WHERE x.deleted = 'False'`+where, args...).Scan(&shares, &gigabytes, &reserved); err != nil {
			return nil, err
		}
	}
	if wanted("snapshots", "snapshot_gigabytes") {
		where, args = filter("sh.share_type_id")
		if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(x.size), 0)
			FROM share_snapshots x JOIN shares sh ON sh.id = x.share_id WHERE x.deleted = 'False'`+where, args...).Scan(&snapshots, &snapGigabytes); err != nil {
			return nil, err
		}
	}
	if sc.ShareTypeID == "" && wanted("backups", "backup_gigabytes") {
		where, args = filter("")
		if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(x.size), 0)
			FROM share_backups x WHERE x.deleted = 'False'`+where, args...).Scan(&backups, &backupGigabytes); err != nil {
			return nil, err
		}
	}
	var networks, groups, groupSnapshots int
	if sc.ShareTypeID == "" && wanted("share_networks", "share_groups", "share_group_snapshots") {
		where, args = filter("")
		if err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM share_networks x WHERE x.deleted = 'False'`+where+`),
			(SELECT count(*) FROM share_groups x WHERE x.deleted = 'False'`+where+`),
			(SELECT count(*) FROM share_group_snapshots x WHERE x.deleted = 'False'`+where+`)`,
			append(append(append([]any{}, args...), args...), args...)...).Scan(&networks, &groups, &groupSnapshots); err != nil {
			return nil, err
		}
	}
	return map[string]Quota{
		"share_networks":        {InUse: networks},
		"share_groups":          {InUse: groups},
		"share_group_snapshots": {InUse: groupSnapshots},
		"shares":                {InUse: shares},
		"gigabytes":             {InUse: gigabytes, Reserved: reserved},
		"snapshots":             {InUse: snapshots},
		"snapshot_gigabytes":    {InUse: snapGigabytes},
		"backups":               {InUse: backups},
		"backup_gigabytes":      {InUse: backupGigabytes},
	}, nil
}

// reserveQuota is Manila's quota reserve, inside the transaction that
// creates or grows the resource (so two racing requests cannot both take
// the last unit): each positive delta must fit the project's quota and the
// user's, then the project's and the share type's. It returns *QuotaError
// naming what would go over.
func (db *DB) reserveQuota(ctx context.Context, tx *Tx, sc QuotaScope, deltas map[string]int) error {
	projectLimits, err := db.limits(ctx, tx, sc.project())
	if err != nil {
		return err
	}
	passes := []QuotaScope{{ProjectID: sc.ProjectID, UserID: sc.UserID}}
	if sc.ShareTypeID != "" {
		passes = append(passes, QuotaScope{ProjectID: sc.ProjectID, ShareTypeID: sc.ShareTypeID})
	}
	passLimits := make([]map[string]int, len(passes))
	bounded := false // some growth meets a limit: usage must be counted
	for i, pass := range passes {
		if passLimits[i], err = db.limits(ctx, tx, pass); err != nil {
			return err
		}
		for res, d := range deltas {
			if d >= 0 && limitOf(passLimits[i], res) >= 0 {
				bounded = true
			}
		}
	}
	if !bounded {
		// Nothing the request grows has a limit, so no count can refuse
		// it: the usage queries (which read every live row of the
		// project) are not needed.
		return nil
	}
	projectUse, err := quotaUsage(ctx, tx, sc.project(), deltas)
	if err != nil {
		return err
	}
	for i, pass := range passes {
		limits := passLimits[i]
		use, err := quotaUsage(ctx, tx, pass, deltas)
		if err != nil {
			return err
		}
		qe := &QuotaError{Quotas: map[string]int{}, Consumed: map[string]int{}, Deltas: deltas}
		same := true
		for res, d := range deltas {
			limit, pl := limitOf(limits, res), limitOf(projectLimits, res)
			used, pused := use[res].InUse+use[res].Reserved, projectUse[res].InUse+projectUse[res].Reserved
			qe.Quotas[res], qe.Consumed[res] = limit, used
			same = same && limit == pl
			if limit >= 0 && d >= 0 && ((0 <= pl && pl < d+pused) || limit < d+used) {
				qe.Overs = append(qe.Overs, res)
			}
		}
		if len(qe.Overs) == 0 {
			continue
		}
		sort.Strings(qe.Overs)
		if same {
			// Manila reports the project's usage when the limits are the
			// project's.
			for res := range deltas {
				qe.Consumed[res] = projectUse[res].InUse + projectUse[res].Reserved
			}
		}
		return qe
	}
	return nil
}

// typeOf is a share's type id, "" for none.
func typeOf(id *string) string {
	if id == nil {
		return ""
	}
	return *id
}

// limitOf is a resource's limit; one with no default is unlimited.
func limitOf(limits map[string]int, res string) int {
	if limit, ok := limits[res]; ok {
		return limit
	}
	return -1
}
