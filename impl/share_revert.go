package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// revertShare is the revert action (2.27+): the controller's _revert
// checks, then the share API's revert_to_snapshot as a job.
func (s *Server) revertShare(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	in, err := decodeAction[gen.ShareRevert](value)
	if err != nil {
		return nil, err
	}
	snapID := in.SnapshotId.String()
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	sn, err := projectScoped(ctx, snapID, s.db.GetShareSnapshot, func(sn storage.ShareSnapshot) string { return sn.ProjectID },
		badRequest("Snapshot %s could not be found.", snapID))
	if err != nil {
		return nil, err
	}
	switch {
	case sh.IsSoftDeleted:
		return nil, forbidden("Share '%s cannot revert to snapshot, since it has been soft deleted.", id)
	case !specTrue(sh.TypeExtraSpecs, "revert_to_snapshot_support"):
		return nil, badRequest("Share %s may not be reverted to snapshot %s, because the share does not have that capability.", id, snapID)
	case sh.ID != sn.ShareID:
		return nil, badRequest("Snapshot %s is not associated with share %s.", snapID, id)
	case sh.Status != state.ShareAvailable:
		return nil, conflict("Share %s is in '%s' state, but it must be in '%s' state to be reverted to a snapshot.", id, sh.Status, state.ShareAvailable)
	case sn.Status != state.SnapshotAvailable:
		return nil, conflict("Snapshot %s is in '%s' state, but it must be in '%s' state to be restored.", snapID, sn.Status, state.SnapshotAvailable)
	case busyTask(sh) != nil:
		return nil, conflict("Share %s may not be reverted while it has an active task.", id)
	}
	latest, err := s.db.LatestShareSnapshot(ctx, sh.ID)
	if err != nil {
		return nil, notFoundOr(err)
	}
	if latest.ID != sn.ID {
		return nil, conflict("Snapshot %s may not be restored because it is not the most recent snapshot of share %s. Currently the latest snapshot is %s.", snapID, id, latest.ID)
	}
	err = s.db.BeginShareRevert(ctx, sh.ID, sn.ID, s.cfg.MinTransition)
	var se *storage.StateError
	var be *storage.BusyError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &se) && se.Of == "share":
		return nil, conflict("Share %s is in '%s' state, but it must be in '%s' state to be reverted to a snapshot.", id, se.Current, state.ShareAvailable)
	case errors.As(err, &se):
		return nil, conflict("Snapshot %s is in '%s' state, but it must be in '%s' state to be restored.", snapID, se.Current, state.SnapshotAvailable)
	case errors.As(err, &be):
		return nil, busyFault(be)
	case errors.As(err, &qe):
		grow := sn.Size - sh.Size
		return nil, forbidden("Quota exceeded for %s. Reverting share %s to snapshot %s will increase the share's size by %dG, (%dG of %dG already consumed).",
			reqInfo(ctx).Caller.ProjectID, id, snapID, grow, qe.Consumed["gigabytes"], qe.Quotas["gigabytes"])
	case err != nil:
		return nil, notFoundOr(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ShareAction202Response{}, nil
}

// unmanageShare is unmanage (2.7+) and os-share-unmanage (2.0-2.6): the
// share leaves manilite, its directory stays on disk.
func (s *Server) unmanageShare(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	switch {
	case sh.IsSoftDeleted:
		return nil, forbidden("Share '%s cannot be unmanaged, since it has been soft deleted.", id)
	case sh.ShareNetworkID != nil && !s.behaves(reqInfo(ctx), "unmanage_share_server_shares"):
		return nil, forbidden("Operation 'unmanage' is not supported for shares that are created on top of share servers (created with share-networks).")
	case state.ShareTransitional.Contains(sh.Status):
		return nil, forbidden("Share with transitional state can not be unmanaged. Share '%s' is in '%s' state.", id, sh.Status)
	}
	t := state.ShareUnmanage
	if sh.Status == state.ShareManageError {
		t = state.ShareUnmanageManageError
	}
	if f := busyTask(sh); f != nil {
		return nil, badRequest("%s", f.Message)
	}
	err = s.db.BeginShareUnmanage(ctx, sh.ID, t, s.cfg.MinTransition)
	var de *storage.DependentsError
	var se *storage.StateError
	switch {
	case errors.As(err, &de):
		return nil, forbidden("Share '%s' can not be unmanaged because it has '%d' dependent %s.", id, de.Count, s.dependentsWords(reqInfo(ctx), de.What))
	case errors.As(err, &se):
		return nil, forbidden("Share with transitional state can not be unmanaged. Share '%s' is in '%s' state.", id, se.Current)
	case err != nil:
		return nil, notFoundOr(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ShareAction202Response{}, nil
}

// UnmanageShareLegacy is POST /v2/os-share-unmanage/{id}/unmanage (2.0-2.6).
func (s *Server) UnmanageShareLegacy(ctx context.Context, req gen.UnmanageShareLegacyRequestObject) (gen.UnmanageShareLegacyResponseObject, error) {
	if _, err := s.unmanageShare(ctx, req.ShareId, nil); err != nil {
		return nil, err
	}
	return gen.UnmanageShareLegacy202Response{}, nil
}

// unmanageSnapshot is the snapshot unmanage action (2.12+).
func (s *Server) unmanageSnapshot(ctx context.Context, id string, _ json.RawMessage) (gen.SnapshotActionResponseObject, error) {
	sn, err := s.visibleSnapshot(ctx, id)
	if err != nil {
		return nil, notFound("Snapshot %s could not be found.", id)
	}
	sh, err := s.db.GetShare(ctx, sn.ShareID)
	if err != nil {
		return nil, notFound("Share %s could not be found.", sn.ShareID)
	}
	switch {
	case sh.ShareNetworkID != nil && !s.behaves(reqInfo(ctx), "unmanage_share_server_shares"):
		return nil, forbidden("Operation 'unmanage_snapshot' is not supported for snapshots of shares that are created with share servers (created with share-networks).")
	case state.SnapshotTransitional.Contains(sn.Status):
		return nil, forbidden("Snapshot with transitional state cannot be unmanaged. Snapshot '%s' is in '%s' state.", id, sn.Status)
	}
	err = s.db.BeginSnapshotUnmanage(ctx, sn.ID, s.cfg.MinTransition)
	var se *storage.StateError
	if errors.As(err, &se) {
		return nil, forbidden("Snapshot with transitional state cannot be unmanaged. Snapshot '%s' is in '%s' state.", id, se.Current)
	}
	if err != nil {
		return nil, notFoundOr(err)
	}
	s.cfg.Jobs.Notify()
	return gen.SnapshotAction202Response{}, nil
}
