package impl

import (
	"context"
	"encoding/json"

	"github.com/manilite/manilite/state"
)

// The admin actions of groups and group snapshots, which the share group
// API and the consistency group API both offer on the same records. A
// record the caller cannot see is webob's plain 404 in either API.

// resetGroup is reset_status of a share (or consistency) group.
func (s *Server) resetGroup(ctx context.Context, id string, value json.RawMessage) error {
	reset, err := resetTarget(value, state.ConsistencyGroupResetStatus)
	if err != nil {
		return err
	}
	g, err := s.visibleShareGroup(ctx, id)
	if err != nil {
		return genericNotFound(err)
	}
	if err := s.db.TransitionShareGroup(ctx, g.ID, reset); err != nil {
		return notFoundOr(err)
	}
	return nil
}

// forceDeleteGroup is force_delete of a group: gone at once, whatever its
// state, shares or snapshots.
func (s *Server) forceDeleteGroup(ctx context.Context, id string) error {
	g, err := s.visibleShareGroup(ctx, id)
	if err != nil {
		return genericNotFound(err)
	}
	if err := s.db.ForceDeleteShareGroup(ctx, g.ID); err != nil {
		return notFoundOr(err)
	}
	return nil
}

// resetGroupSnapshot is reset_status of a share group snapshot (a
// cgsnapshot).
func (s *Server) resetGroupSnapshot(ctx context.Context, id string, value json.RawMessage) error {
	reset, err := resetTarget(value, state.CGSnapshotResetStatus)
	if err != nil {
		return err
	}
	c, err := s.visibleShareGroupSnapshot(ctx, id)
	if err != nil {
		return genericNotFound(err)
	}
	if err := s.db.TransitionShareGroupSnapshot(ctx, c.ID, reset, "", 0); err != nil {
		return notFoundOr(err)
	}
	return nil
}

// forceDeleteGroupSnapshot is force_delete of a group snapshot.
func (s *Server) forceDeleteGroupSnapshot(ctx context.Context, id string) error {
	c, err := s.visibleShareGroupSnapshot(ctx, id)
	if err != nil {
		return genericNotFound(err)
	}
	if err := s.db.ForceDeleteShareGroupSnapshot(ctx, c.ID); err != nil {
		return notFoundOr(err)
	}
	return nil
}

// accepted is an action's answer: ok (its 202), or err.
func accepted[R any](ok R, err error) (R, error) {
	if err != nil {
		var zero R
		return zero, err
	}
	return ok, nil
}
