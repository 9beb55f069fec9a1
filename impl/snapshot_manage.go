package impl

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Snapshot manage (POST /v2/snapshots/manage, 2.12+): Manila's snapshot
// controller _manage and share API manage_snapshot. manilite's driver
// adopts a folder of its snapshots folder that no snapshot owns (one a
// snapshot unmanage left).

// snapshotManageParam is _validate_parameters for one required string,
// with its 422s.
func snapshotManageParam(name string, v interface {
	IsSpecified() bool
	IsNull() bool
	MustGet() interface{}
}) (string, error) {
	if !v.IsSpecified() {
		return "", unprocessable("Required parameter %s not found.", name)
	}
	var raw any
	if !v.IsNull() {
		raw = v.MustGet()
	}
	if !pyTruthy(raw) {
		return "", unprocessable("Required parameter %s is empty.", name)
	}
	s, ok := raw.(string)
	if !ok {
		return "", unprocessable("Parameter %s must be a string.", name)
	}
	return s, nil
}

// ManageSnapshot is POST /v2/snapshots/manage.
func (s *Server) ManageSnapshot(ctx context.Context, req gen.ManageSnapshotRequestObject) (gen.ManageSnapshotResponseObject, error) {
	ri := reqInfo(ctx)
	if req.Body.Snapshot == nil {
		return nil, unprocessable("Snapshot entity not found in request body.")
	}
	in := req.Body.Snapshot
	shareID, err := snapshotManageParam("share_id", in.ShareId)
	if err != nil {
		return nil, err
	}
	location, err := snapshotManageParam("provider_location", in.ProviderLocation)
	if err != nil {
		return nil, err
	}
	sh, err := s.visibleShare(ctx, shareID, notFound("Share %s could not be found.", shareID))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Can not manage snapshot for share '%s' since it has been soft deleted.", shareID)
	}
	name, desc := in.DisplayName, in.DisplayDescription
	if !name.IsSpecified() {
		name = in.Name
	}
	if !desc.IsSpecified() {
		desc = in.Description
	}
	sn := storage.ShareSnapshot{ID: uuid.NewString(), ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID,
		ShareID: sh.ID, Name: optPtr(name), Description: optPtr(desc), Status: state.SnapshotManageStarting,
		ProviderLocation: &location}
	if in.Metadata.IsSpecified() && !in.Metadata.IsNull() {
		sn.Metadata = in.Metadata.MustGet()
	}
	created, err := s.db.ManageShareSnapshot(ctx, sn, s.cfg.MinTransition)
	var ce *storage.ConflictError
	switch {
	case errors.As(err, &ce):
		return nil, conflict("Manage existing share snapshot failed due to invalid share snapshot: %s.", ce.Reason)
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("Share %s could not be found.", shareID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ManageSnapshot202JSONResponse{Snapshot: s.snapshotView(ri, created)}, nil
}
