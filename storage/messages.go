package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Manila's user message resource types and level
// (manila/message/message_field.py Resource, message_levels.ERROR).
const (
	MessageShare         = "SHARE"
	MessageShareSnapshot = "SHARE_SNAPSHOT"
	MessageLevelError    = "ERROR"
)

// Manila's action and detail ids (message_field.Action and Detail) that
// manilite writes; their texts are the spec's x-manila-user-messages.
const (
	MessageActionCreate = "002"
	MessageActionDelete = "007"
	MessageActionShrink = "009"
	MessageActionExtend = "008"
	// MessageActionAllocateHost and MessageFilterCapabilities: the
	// scheduler found no back end whose capabilities satisfy the type.
	MessageActionAllocateHost = "001"
	MessageFilterCapabilities = "008"
	MessageUnknownError       = "001"
	// MessageDriverFailedExtend and MessageDriverRefusedShrink: an extend
	// the data plane failed, a shrink below the data the share holds.
	MessageDriverFailedExtend  = "015"
	MessageDriverRefusedShrink = "018"
	// MessageUnexpectedNetwork: a share network given to a backend that
	// does not handle share servers.
	MessageUnexpectedNetwork = "003"
)

// MessageTTL is Manila's default message_ttl: a message expires 30 days
// after it is written.
const MessageTTL = 30 * 24 * time.Hour

// Message is a live user message.
type Message struct {
	ID           string
	ProjectID    string
	RequestID    string
	ResourceType string
	ResourceID   string
	ActionID     string
	DetailID     string
	Level        string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// MessageFilter narrows ListMessages; nil and zero values mean no
// condition. ProjectID "" lists every project's (an admin's view).
type MessageFilter struct {
	ProjectID                   string
	ActionID, DetailID, Level   *string
	RequestID, ResourceID       *string
	ResourceType                *string
	CreatedSince, CreatedBefore *time.Time
	Ascending                   bool
	Limit                       *int
	Offset                      int
}

// messageTables are the tables of the resources messages are about, by
// Manila's resource type, to find the project a message is for.
var messageTables = map[string]string{MessageShare: "shares", MessageShareSnapshot: "share_snapshots"}

// AddMessage leaves a user message about a resource, for the resource's
// project, as Manila's message API create does: level ERROR, a request
// id, expiring after MessageTTL. Call it in the transaction that sets the
// resource's error status, so that the two commit together (the worker's
// failures do); code that fails later for other reasons (a shrink that
// would lose data, ...) calls it the same way with the action and detail
// ids Manila uses there (manila/message/message_field.py), e.g.
//
//	tx.AddMessage(ctx, storage.MessageShare, sh.ID, storage.MessageActionShrink, "018")
//
// resourceType is MessageShare or MessageShareSnapshot; a resource that is
// gone is ErrNotFound.
func (tx *Tx) AddMessage(ctx context.Context, resourceType, resourceID, actionID, detailID string) error {
	table, ok := messageTables[resourceType]
	if !ok {
		return fmt.Errorf("storage: no messages about %q", resourceType)
	}
	var projectID string
	err := tx.QueryRowContext(ctx, `SELECT project_id FROM `+table+` WHERE id = ?`, resourceID).Scan(&projectID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO messages (id, project_id, request_id, resource_type, resource_id,
		action_id, detail_id, message_level, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		uuid.NewString(), projectID, "req-"+uuid.NewString(), resourceType, resourceID, actionID, detailID,
		MessageLevelError, FormatTime(tx.Now), FormatTime(tx.Now.Add(MessageTTL)))
	if err != nil {
		return fmt.Errorf("storage: add message: %w", err)
	}
	return nil
}

const messageColumns = `id, project_id, request_id, resource_type, resource_id, action_id, detail_id, message_level, created_at, expires_at`

func scanMessage(s scanner) (Message, error) {
	var m Message
	var created, expires string
	if err := s.Scan(&m.ID, &m.ProjectID, &m.RequestID, &m.ResourceType, &m.ResourceID, &m.ActionID, &m.DetailID,
		&m.Level, &created, &expires); err != nil {
		return Message{}, err
	}
	var err error
	if m.CreatedAt, err = ParseTime(created); err != nil {
		return Message{}, err
	}
	m.ExpiresAt, err = ParseTime(expires)
	return m, err
}

// GetMessage returns a live message.
func (db *DB) GetMessage(ctx context.Context, id string) (Message, error) {
	m, err := scanMessage(db.reader.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ? AND deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, ErrNotFound
	}
	return m, err
}

// ListMessages returns one page of live messages, newest first unless
// f.Ascending.
func (db *DB) ListMessages(ctx context.Context, f MessageFilter) ([]Message, error) {
	q := `SELECT ` + messageColumns + ` FROM messages WHERE deleted = 'False'`
	var args []any
	eq := func(col string, v *string) {
		if v != nil {
			q += ` AND ` + col + ` = ?`
			args = append(args, *v)
		}
	}
	if f.ProjectID != "" {
		eq("project_id", &f.ProjectID)
	}
	eq("action_id", f.ActionID)
	eq("detail_id", f.DetailID)
	eq("message_level", f.Level)
	eq("request_id", f.RequestID)
	eq("resource_id", f.ResourceID)
	eq("resource_type", f.ResourceType)
	if f.CreatedSince != nil {
		q, args = q+` AND created_at >= ?`, append(args, FormatTime(*f.CreatedSince))
	}
	if f.CreatedBefore != nil {
		q, args = q+` AND created_at <= ?`, append(args, FormatTime(*f.CreatedBefore))
	}
	dir := " DESC"
	if f.Ascending {
		dir = " ASC"
	}
	q += ` ORDER BY created_at` + dir + `, id` + dir + ` LIMIT ? OFFSET ?`
	limit := -1 // no limit (the dialect makes a bound -1 one on PostgreSQL too)
	if f.Limit != nil {
		limit = *f.Limit
	}
	rows, err := db.reader.QueryContext(ctx, q, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanMessage)
}

// DeleteMessage soft-deletes a live message.
func (db *DB) DeleteMessage(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET deleted = id, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			FormatTime(tx.Now), FormatTime(tx.Now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
