package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/manilite/manilite/state"
)

// JobAccessSync applies a share's queued access rules (resource: the share).
const JobAccessSync = "share.access_sync"

// AccessRuleMetadata is the metadata of share access rules (2.45+).
var AccessRuleMetadata = MetadataOf{table: "share_access_rule_metadata", idColumn: "access_id", parent: "share_access_rules"}

// AccessRule is one access rule of a share.
type AccessRule struct {
	ID          string
	ShareID     string
	AccessType  string
	AccessTo    string
	AccessLevel string
	AccessKey   *string
	State       state.AccessRuleStatus
	CreatedAt   time.Time
	UpdatedAt   *time.Time
	Metadata    map[string]string
}

// ErrAccessExists means the share already has a rule for that client.
var ErrAccessExists = errors.New("storage: access rule exists")

// AccessChange is what a rule change needs of the share: the statuses in
// which the share refuses it (*StateError Of "share"), and the job's delay.
type AccessChange struct {
	ShareID  string
	Refuse   state.Set[state.ShareStatus]
	JobDelay time.Duration
}

const accessColumns = `a.id, a.share_id, a.access_type, a.access_to, a.access_level, a.access_key, a.state, a.created_at, a.updated_at,
	(SELECT json_group_object(meta_key, value) FROM share_access_rule_metadata WHERE access_id = a.id)`

func scanAccessRule(s scanner) (AccessRule, error) {
	var r AccessRule
	var key, updated, md sql.NullString
	var created string
	if err := s.Scan(&r.ID, &r.ShareID, &r.AccessType, &r.AccessTo, &r.AccessLevel, &key, &r.State, &created, &updated, &md); err != nil {
		return r, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return r, fmt.Errorf("storage: access rule %s created_at: %w", r.ID, err)
	}
	r.CreatedAt, r.AccessKey, r.UpdatedAt = t, scanString(key), scanTime(updated)
	r.Metadata = map[string]string{}
	if md.Valid && md.String != "" {
		if err := json.Unmarshal([]byte(md.String), &r.Metadata); err != nil {
			return r, fmt.Errorf("storage: access rule %s metadata: %w", r.ID, err)
		}
	}
	return r, nil
}

// beginAccessChange checks the share for a rule change and moves its
// access_rules_status from active to syncing, enqueuing the job that
// applies the change.
func (tx *Tx) beginAccessChange(ctx context.Context, c AccessChange) error {
	sh, err := tx.GetShare(ctx, c.ShareID)
	if err != nil {
		return err
	}
	if c.Refuse.Contains(sh.Status) {
		return &StateError{Of: "share", Current: string(sh.Status)}
	}
	if err := tx.setAccessRulesStatus(ctx, c.ShareID, state.AccessRulesSync); err != nil {
		return err
	}
	return tx.EnqueueJob(ctx, JobAccessSync, c.ShareID, tx.Now.Add(c.JobDelay), nil)
}

func setArgs[S ~string](set state.Set[S]) []any {
	out := make([]any, 0, len(set))
	for _, s := range set {
		out = append(out, string(s))
	}
	return out
}

// AllowAccess adds rule (in state.AccessRuleInitial) to c.ShareID, unless
// one of the share's live rules of the same type is for the same client
// (same reports it: ErrAccessExists) or the share refuses the change.
func (db *DB) AllowAccess(ctx context.Context, c AccessChange, rule AccessRule, same func(accessTo string) bool) (AccessRule, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT access_to FROM share_access_rules WHERE share_id = ? AND access_type = ? AND deleted = 'False'`,
			c.ShareID, rule.AccessType)
		if err != nil {
			return err
		}
		var existing []string
		for rows.Next() {
			var to string
			if err := rows.Scan(&to); err != nil {
				rows.Close()
				return err
			}
			existing = append(existing, to)
		}
		rows.Close()
		for _, to := range existing {
			if same(to) {
				return ErrAccessExists
			}
		}
		if err := tx.beginAccessChange(ctx, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_access_rules (id, share_id, access_type, access_to, access_level, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, rule.ID, c.ShareID, rule.AccessType, rule.AccessTo, rule.AccessLevel,
			string(state.AccessRuleInitial), FormatTime(tx.Now)); err != nil {
			return fmt.Errorf("storage: insert access rule: %w", err)
		}
		for k, v := range rule.Metadata {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_access_rule_metadata (access_id, meta_key, value) VALUES (?, ?, ?)`, rule.ID, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return AccessRule{}, err
	}
	return db.GetAccessRule(ctx, rule.ID)
}

// ChangeAccessRule moves a live rule of c.ShareID by t (state.AccessRuleDeny,
// or state.AccessRuleUpdate with the new level) and starts the job.
// ErrNotFound when the share has no such rule.
func (db *DB) ChangeAccessRule(ctx context.Context, c AccessChange, id string, t state.Transition[state.AccessRuleStatus], level *string) (AccessRule, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.beginAccessChange(ctx, c); err != nil {
			return err
		}
		q := `UPDATE share_access_rules SET state = ?, updated_at = ?, access_level = coalesce(?, access_level)
			WHERE id = ? AND share_id = ? AND deleted = 'False'`
		args := []any{string(t.To), FormatTime(tx.Now), nullString(level), id, c.ShareID}
		if !t.FromAny() {
			q += ` AND state IN ` + inClause(len(t.From))
			args = append(args, setArgs(t.From)...)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return AccessRule{}, err
	}
	return db.GetAccessRule(ctx, id)
}

// GetAccessRule returns the live rule with this id.
func (db *DB) GetAccessRule(ctx context.Context, id string) (AccessRule, error) {
	r, err := scanAccessRule(db.reader.QueryRowContext(ctx, `SELECT `+accessColumns+` FROM share_access_rules a WHERE a.id = ? AND a.deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

// ListAccessRules returns a share's live rules, oldest first.
func (db *DB) ListAccessRules(ctx context.Context, shareID string) ([]AccessRule, error) {
	return listAccessRules(ctx, db.reader, shareID)
}

func listAccessRules(ctx context.Context, q querier, shareID string) ([]AccessRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+accessColumns+` FROM share_access_rules a WHERE a.share_id = ? AND a.deleted = 'False'
		ORDER BY a.created_at, a.id`, shareID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AccessRule{}
	for rows.Next() {
		r, err := scanAccessRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FinishAccessSync ends an access job for a share. Of the rules it saw
// (seen, each with the state it was read in), those the data plane refused
// (refused, by id) are in error; of the others, those it applied become
// active and those it removed are deleted. A rule changed since it was read
// keeps its new state (its own job follows). When no rule is left pending
// the share's access_rules_status settles: error while any rule is in
// error, else active (Manila's _loop_for_refresh_else_update_access_rules_status).
func (tx *Tx) FinishAccessSync(ctx context.Context, shareID string, seen []AccessRule, refused []string) error {
	now := FormatTime(tx.Now)
	for _, r := range seen {
		switch {
		case slices.Contains(refused, r.ID) && state.AccessRuleRefused.Allows(r.State):
			if _, err := tx.ExecContext(ctx, `UPDATE share_access_rules SET state = ?, updated_at = ? WHERE id = ? AND state = ? AND deleted = 'False'`,
				string(state.AccessRuleRefused.To), now, r.ID, string(r.State)); err != nil {
				return err
			}
		case state.AccessRuleApplyDone.Allows(r.State):
			if _, err := tx.ExecContext(ctx, `UPDATE share_access_rules SET state = ?, updated_at = ? WHERE id = ? AND state = ? AND deleted = 'False'`,
				string(state.AccessRuleApplyDone.To), now, r.ID, string(r.State)); err != nil {
				return err
			}
		case state.AccessRuleDenyDone.Allows(r.State):
			if _, err := tx.ExecContext(ctx, `UPDATE share_access_rules SET state = ?, updated_at = ?, deleted = id, deleted_at = ?
				WHERE id = ? AND state = ? AND deleted = 'False'`, string(state.AccessRuleDenyDone.To), now, now, r.ID, string(r.State)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM share_access_rule_metadata WHERE access_id = ?`, r.ID); err != nil {
				return err
			}
		}
	}
	pending := setArgs(state.AccessRulePending)
	n, err := tx.count(ctx, `SELECT count(*) FROM share_access_rules WHERE share_id = ? AND deleted = 'False' AND state IN `+inClause(len(pending)),
		append([]any{shareID}, pending...)...)
	if err != nil || n > 0 {
		return err
	}
	failed, err := tx.count(ctx, `SELECT count(*) FROM share_access_rules WHERE share_id = ? AND deleted = 'False' AND state = ?`,
		shareID, string(state.AccessRuleError))
	if err != nil {
		return err
	}
	t := state.AccessRulesSyncDone
	if failed > 0 {
		t = state.AccessRulesSyncRefused
	}
	return tx.setAccessRulesStatus(ctx, shareID, t)
}

// FailAccessSync records that the data plane failed for good on a share:
// its pending rules (those being applied, changed or denied) are in error,
// and so is its access_rules_status, as Manila's _update_access_rules does
// when the driver raises.
func (tx *Tx) FailAccessSync(ctx context.Context, shareID string) error {
	t := state.AccessRuleApplyFailed
	if _, err := tx.ExecContext(ctx, `UPDATE share_access_rules SET state = ?, updated_at = ?
		WHERE share_id = ? AND deleted = 'False' AND state IN `+inClause(len(t.From)),
		append([]any{string(t.To), FormatTime(tx.Now), shareID}, setArgs(t.From)...)...); err != nil {
		return err
	}
	return tx.setAccessRulesStatus(ctx, shareID, state.AccessRulesSyncFailed)
}

// setAccessRulesStatus moves the share's access_rules_status by t, if it is
// in one t leaves.
func (tx *Tx) setAccessRulesStatus(ctx context.Context, shareID string, t state.Transition[state.AccessRulesStatus]) error {
	_, err := tx.ExecContext(ctx, `UPDATE shares SET access_rules_status = ? WHERE id = ? AND deleted = 'False' AND access_rules_status IN `+inClause(len(t.From)),
		append([]any{string(t.To), shareID}, setArgs(t.From)...)...)
	return err
}

// ListAccessRules reads a share's live rules inside a write transaction.
func (tx *Tx) ListAccessRules(ctx context.Context, shareID string) ([]AccessRule, error) {
	return listAccessRules(ctx, tx, shareID)
}

// deleteShareAccessRules deletes a share's rules with the share.
func (tx *Tx) deleteShareAccessRules(ctx context.Context, shareID string) error {
	now := FormatTime(tx.Now)
	if _, err := tx.ExecContext(ctx, `DELETE FROM share_access_rule_metadata WHERE access_id IN
		(SELECT id FROM share_access_rules WHERE share_id = ? AND deleted = 'False')`, shareID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE share_access_rules SET state = ?, deleted = id, deleted_at = ? WHERE share_id = ? AND deleted = 'False'`,
		string(state.AccessRuleDeleted), now, shareID)
	return err
}
