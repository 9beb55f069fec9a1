package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Snapshot instances: every snapshot is its own one instance (its id, its
// status), of its share's one instance (the share's id).

func snapshotInstanceView(sn storage.ShareSnapshot) gen.SnapshotInstance {
	v := gen.SnapshotInstance{Id: sn.ID, SnapshotId: sn.ID, CreatedAt: storage.FormatTime(sn.CreatedAt),
		UpdatedAt: nullStr(), Status: string(sn.Status), ShareId: sn.ShareID, ShareInstanceId: sn.ShareID,
		Progress: ns(sn.Progress), ProviderLocation: ns(sn.ProviderLocation)}
	if sn.UpdatedAt != nil {
		v.UpdatedAt = nsv(storage.FormatTime(*sn.UpdatedAt))
	}
	return v
}

// snapshotInstances lists every project's snapshots (the rules are
// admin-only), of one snapshot with snapshot_id.
func (s *Server) snapshotInstances(ctx context.Context, snapshotID *string) ([]storage.ShareSnapshot, error) {
	if snapshotID != nil && *snapshotID != "" {
		sn, err := s.db.GetShareSnapshot(ctx, *snapshotID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, internalError(err)
		}
		return []storage.ShareSnapshot{sn}, nil
	}
	snaps, _, err := s.db.ListShareSnapshots(ctx, storage.SnapshotFilter{SortColumn: "created_at"})
	if err != nil {
		return nil, internalError(err)
	}
	return snaps, nil
}

// ListSnapshotInstances is GET /v2/snapshot-instances (admin).
func (s *Server) ListSnapshotInstances(ctx context.Context, req gen.ListSnapshotInstancesRequestObject) (gen.ListSnapshotInstancesResponseObject, error) {
	snaps, err := s.snapshotInstances(ctx, req.Params.SnapshotId)
	if err != nil {
		return nil, err
	}
	out := gen.ListSnapshotInstances200JSONResponse{SnapshotInstances: make([]gen.SnapshotInstanceSummary, len(snaps))}
	for i, sn := range snaps {
		out.SnapshotInstances[i] = gen.SnapshotInstanceSummary{Id: sn.ID, SnapshotId: sn.ID, Status: string(sn.Status)}
	}
	return out, nil
}

// ListSnapshotInstancesDetail is GET /v2/snapshot-instances/detail (admin).
func (s *Server) ListSnapshotInstancesDetail(ctx context.Context, req gen.ListSnapshotInstancesDetailRequestObject) (gen.ListSnapshotInstancesDetailResponseObject, error) {
	snaps, err := s.snapshotInstances(ctx, req.Params.SnapshotId)
	if err != nil {
		return nil, err
	}
	out := gen.ListSnapshotInstancesDetail200JSONResponse{SnapshotInstances: make([]gen.SnapshotInstance, len(snaps))}
	for i, sn := range snaps {
		out.SnapshotInstances[i] = snapshotInstanceView(sn)
	}
	return out, nil
}

// ShowSnapshotInstance is GET /v2/snapshot-instances/{id} (admin).
func (s *Server) ShowSnapshotInstance(ctx context.Context, req gen.ShowSnapshotInstanceRequestObject) (gen.ShowSnapshotInstanceResponseObject, error) {
	sn, err := s.snapshotInstance(ctx, req.SnapshotInstanceId, notFound("Snapshot instance %s not found.", req.SnapshotInstanceId))
	if err != nil {
		return nil, err
	}
	return gen.ShowSnapshotInstance200JSONResponse{SnapshotInstance: snapshotInstanceView(sn)}, nil
}

func (s *Server) snapshotInstance(ctx context.Context, id string, missing *Fault) (storage.ShareSnapshot, error) {
	sn, err := s.db.GetShareSnapshot(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return sn, missing
	}
	if err != nil {
		return sn, internalError(err)
	}
	return sn, nil
}

func (s *Server) snapshotInstanceActionTable() actionTable[gen.SnapshotInstanceActionResponseObject] {
	return actionTable[gen.SnapshotInstanceActionResponseObject]{"reset_status": s.resetSnapshotInstanceStatus}
}

// SnapshotInstanceAction is POST /v2/snapshot-instances/{id}/action (admin).
func (s *Server) SnapshotInstanceAction(ctx context.Context, req gen.SnapshotInstanceActionRequestObject) (gen.SnapshotInstanceActionResponseObject, error) {
	return s.actions.snapshotInstance.run(ctx, req.SnapshotInstanceId)
}

// resetSnapshotInstanceStatus checks the status against the admin-action
// mixin's default set (not the snapshot's), then resets the snapshot.
func (s *Server) resetSnapshotInstanceStatus(ctx context.Context, id string, value json.RawMessage) (gen.SnapshotInstanceActionResponseObject, error) {
	reset, err := resetTarget(value, state.SnapshotInstanceResetStatus)
	if err != nil {
		return nil, err
	}
	missing := notFound("Snapshot instance %s could not be found.", id)
	if _, err := s.snapshotInstance(ctx, id, missing); err != nil {
		return nil, err
	}
	err = s.db.TransitionShareSnapshot(ctx, id, reset, "", 0)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, missing
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.SnapshotInstanceAction202Response{}, nil
}
