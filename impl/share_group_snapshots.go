package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Share group snapshots (2.31+) are the cgsnapshots of the consistency
// group API: each is one image of all its group's shares, taken by one
// backend call.

func (s *Server) shareGroupSnapshotView(ctx context.Context, ri *requestInfo, c storage.ShareGroupSnapshot) (gen.ShareGroupSnapshot, error) {
	members, err := s.db.ListShareGroupSnapshotMembers(ctx, c.ID, nil, 0)
	if err != nil {
		return gen.ShareGroupSnapshot{}, internalError(err)
	}
	v := gen.ShareGroupSnapshot{
		Id:           c.ID,
		Name:         ns(c.Name),
		CreatedAt:    storage.FormatTime(c.CreatedAt),
		Status:       string(c.Status),
		Description:  ns(c.Description),
		ProjectId:    c.ProjectID,
		ShareGroupId: c.ShareGroupID,
		Links:        cgLinks(ri, "share_group_snapshot", c.ID),
	}
	v.Members = make([]struct {
		Id      string `json:"id"`
		ShareId string `json:"share_id"`
		Size    int    `json:"size"`
	}, len(members))
	for i, m := range members {
		v.Members[i].Id, v.Members[i].ShareId, v.Members[i].Size = m.ID, m.ShareID, m.Size
	}
	return v, nil
}

func errNotFoundShareGroupSnapshot(id string) *Fault {
	return notFound("Share group snapshot %s not found.", id)
}

// visibleShareGroupSnapshot is the project-scoped lookup.
func (s *Server) visibleShareGroupSnapshot(ctx context.Context, id string) (storage.ShareGroupSnapshot, error) {
	return projectScoped(ctx, id, s.db.GetShareGroupSnapshot, func(c storage.ShareGroupSnapshot) string { return c.ProjectID }, errNotFoundShareGroupSnapshot(id))
}

// CreateShareGroupSnapshot is POST /v2/share-group-snapshots.
func (s *Server) CreateShareGroupSnapshot(ctx context.Context, req gen.CreateShareGroupSnapshotRequestObject) (gen.CreateShareGroupSnapshotResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.ShareGroupSnapshot
	groupID := optString(in.ShareGroupId)
	if groupID == "" {
		return nil, badRequest("Must supply 'share_group_id' attribute.")
	}
	if !isUUIDLike(groupID) {
		return nil, badRequest("The 'share_group_id' attribute must be a uuid.")
	}
	missing := badRequest("Share group %s could not be found.", groupID)
	if _, err := projectScoped(ctx, groupID, s.db.GetShareGroup, func(g storage.ShareGroup) string { return g.ProjectID }, missing); err != nil {
		return nil, err
	}
	created, err := s.db.CreateShareGroupSnapshot(ctx, storage.ShareGroupSnapshot{
		ID:           storage.NewID(),
		ProjectID:    ri.Caller.ProjectID,
		UserID:       ri.Caller.UserID,
		ShareGroupID: groupID,
		Name:         optPtr(in.Name),
		Description:  optPtr(in.Description),
	}, s.cfg.MinTransition)
	var se *storage.StateError
	var sse *storage.ShareStateError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &qe):
		return nil, groupSnapshotQuotaFault
	case errors.As(err, &se):
		return nil, conflict("Invalid share group: Share group status must be available")
	case errors.As(err, &sse):
		return nil, conflict("Invalid share group: Share %s in share group must have status of available in order to create a group snapshot", sse.ShareID)
	case errors.Is(err, storage.ErrNotFound):
		return nil, missing
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	v, err := s.shareGroupSnapshotView(ctx, ri, created)
	if err != nil {
		return nil, err
	}
	return gen.CreateShareGroupSnapshot202JSONResponse{ShareGroupSnapshot: v}, nil
}

// ShowShareGroupSnapshot is GET /v2/share-group-snapshots/{id}.
func (s *Server) ShowShareGroupSnapshot(ctx context.Context, req gen.ShowShareGroupSnapshotRequestObject) (gen.ShowShareGroupSnapshotResponseObject, error) {
	c, err := s.visibleShareGroupSnapshot(ctx, req.ShareGroupSnapshotId)
	if err != nil {
		return nil, err
	}
	v, err := s.shareGroupSnapshotView(ctx, reqInfo(ctx), c)
	if err != nil {
		return nil, err
	}
	return gen.ShowShareGroupSnapshot200JSONResponse{ShareGroupSnapshot: v}, nil
}

// UpdateShareGroupSnapshot is PUT /v2/share-group-snapshots/{id}.
func (s *Server) UpdateShareGroupSnapshot(ctx context.Context, req gen.UpdateShareGroupSnapshotRequestObject) (gen.UpdateShareGroupSnapshotResponseObject, error) {
	in := req.Body.ShareGroupSnapshot
	if len(in.AdditionalProperties) > 0 {
		return nil, badRequest("The fields %s are invalid or not allowed to be updated.", pySet(extraKeys(in.AdditionalProperties)))
	}
	c, err := s.visibleShareGroupSnapshot(ctx, req.ShareGroupSnapshotId)
	if err != nil {
		return nil, err
	}
	updated, err := s.db.UpdateShareGroupSnapshot(ctx, c.ID, nameUpdate(in.Name, in.Description))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFoundShareGroupSnapshot(c.ID)
	}
	if err != nil {
		return nil, internalError(err)
	}
	v, err := s.shareGroupSnapshotView(ctx, reqInfo(ctx), updated)
	if err != nil {
		return nil, err
	}
	return gen.UpdateShareGroupSnapshot200JSONResponse{ShareGroupSnapshot: v}, nil
}

// DeleteShareGroupSnapshot is DELETE /v2/share-group-snapshots/{id}.
func (s *Server) DeleteShareGroupSnapshot(ctx context.Context, req gen.DeleteShareGroupSnapshotRequestObject) (gen.DeleteShareGroupSnapshotResponseObject, error) {
	c, err := s.visibleShareGroupSnapshot(ctx, req.ShareGroupSnapshotId)
	if err != nil {
		return nil, err
	}
	err = s.db.TransitionShareGroupSnapshot(ctx, c.ID, state.CGSnapshotDelete, storage.JobShareGroupSnapshotDelete, s.cfg.MinTransition)
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return nil, conflict("Invalid share group snapshot: Share group snapshot status must be one of %s", state.CGSnapshotDeletable.Tuple())
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNotFoundShareGroupSnapshot(c.ID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteShareGroupSnapshot202Response{}, nil
}

// ListShareGroupSnapshotMembers is GET /v2/share-group-snapshots/{id}/members.
// Manila answers for any id, even another project's; here an unknown or
// foreign snapshot is 404, as for cgsnapshots.
func (s *Server) ListShareGroupSnapshotMembers(ctx context.Context, req gen.ListShareGroupSnapshotMembersRequestObject) (gen.ListShareGroupSnapshotMembersResponseObject, error) {
	ri := reqInfo(ctx)
	c, err := s.visibleShareGroupSnapshot(ctx, req.ShareGroupSnapshotId)
	if err != nil {
		return nil, err
	}
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	members, err := s.db.ListShareGroupSnapshotMembers(ctx, c.ID, &limit, offset)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListShareGroupSnapshotMembers200JSONResponse{ShareGroupSnapshotMembers: make([]gen.ShareGroupSnapshotMember, len(members))}
	for i, m := range members {
		out.ShareGroupSnapshotMembers[i] = gen.ShareGroupSnapshotMember{
			Id: m.ID, CreatedAt: storage.FormatTime(m.CreatedAt), Size: m.Size, ShareProtocol: m.ShareProto,
			ProjectId: m.ProjectID, ShareGroupSnapshotId: m.ShareGroupSnapshotID, ShareId: m.ShareID,
		}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(members) == *req.Params.Limit {
		// Manila's view names the collection share_group_snapshot_id and
		// uses the snapshot's id as the marker.
		out.ShareGroupSnapshotMembersLinks = cgNextLink(ri, "share_group_snapshot_id", c.ID)
	}
	return out, nil
}

// shareGroupSnapshotActionTable binds the handlers x-manila-actions names.
func (s *Server) shareGroupSnapshotActionTable() actionTable[gen.ShareGroupSnapshotActionResponseObject] {
	return actionTable[gen.ShareGroupSnapshotActionResponseObject]{
		"reset_status": func(ctx context.Context, id string, v json.RawMessage) (gen.ShareGroupSnapshotActionResponseObject, error) {
			return accepted[gen.ShareGroupSnapshotActionResponseObject](gen.ShareGroupSnapshotAction202Response{}, s.resetGroupSnapshot(ctx, id, v))
		},
		"force_delete": func(ctx context.Context, id string, _ json.RawMessage) (gen.ShareGroupSnapshotActionResponseObject, error) {
			return accepted[gen.ShareGroupSnapshotActionResponseObject](gen.ShareGroupSnapshotAction202Response{}, s.forceDeleteGroupSnapshot(ctx, id))
		},
	}
}

// ShareGroupSnapshotAction is POST /v2/share-group-snapshots/{id}/action.
func (s *Server) ShareGroupSnapshotAction(ctx context.Context, req gen.ShareGroupSnapshotActionRequestObject) (gen.ShareGroupSnapshotActionResponseObject, error) {
	return s.actions.shareGroupSnapshot.run(ctx, req.ShareGroupSnapshotId)
}

// ListShareGroupSnapshots is GET /v2/share-group-snapshots.
func (s *Server) ListShareGroupSnapshots(ctx context.Context, req gen.ListShareGroupSnapshotsRequestObject) (gen.ListShareGroupSnapshotsResponseObject, error) {
	ri := reqInfo(ctx)
	snaps, err := s.listShareGroupSnapshots(ctx, ri, req.Params.Limit, req.Params.Offset, req.Params.AllTenants)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareGroupSnapshots200JSONResponse{ShareGroupSnapshots: make([]gen.ShareSummary, len(snaps))}
	for i, c := range snaps {
		out.ShareGroupSnapshots[i] = gen.ShareSummary{Id: c.ID, Name: ns(c.Name), Links: cgLinks(ri, "share_group_snapshot", c.ID)}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(snaps) == *req.Params.Limit {
		out.ShareGroupSnapshotLinks = cgNextLink(ri, "share_group_snapshot", snaps[len(snaps)-1].ID)
	}
	return out, nil
}

// ListShareGroupSnapshotsDetail is GET /v2/share-group-snapshots/detail.
func (s *Server) ListShareGroupSnapshotsDetail(ctx context.Context, req gen.ListShareGroupSnapshotsDetailRequestObject) (gen.ListShareGroupSnapshotsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	snaps, err := s.listShareGroupSnapshots(ctx, ri, req.Params.Limit, req.Params.Offset, req.Params.AllTenants)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareGroupSnapshotsDetail200JSONResponse{ShareGroupSnapshots: make([]gen.ShareGroupSnapshot, len(snaps))}
	for i, c := range snaps {
		if out.ShareGroupSnapshots[i], err = s.shareGroupSnapshotView(ctx, ri, c); err != nil {
			return nil, err
		}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(snaps) == *req.Params.Limit {
		out.ShareGroupSnapshotLinks = cgNextLink(ri, "share_group_snapshot", snaps[len(snaps)-1].ID)
	}
	return out, nil
}

func (s *Server) listShareGroupSnapshots(ctx context.Context, ri *requestInfo, limit, offset *int, allTenants *string) ([]storage.ShareGroupSnapshot, error) {
	f, err := s.groupFilter(ri, storage.ShareGroupSnapshotKeys, "Share group snapshots", nil)
	if err != nil {
		return nil, err
	}
	if len(f.Like) > 0 {
		// Manila's snapshot list has no substring filters: name~ is a key
		// it cannot filter by.
		for _, k := range []string{"name~", "description~"} {
			if ri.query.Has(k) {
				return nil, badRequest("Invalid input received: Share group snapshots cannot be filtered using '%s' key.", k)
			}
		}
	}
	f.ProjectID = listProject(ri, allTenants)
	f.Limit, f.Offset = listWindow(limit, offset)
	snaps, err := s.db.ListShareGroupSnapshots(ctx, f)
	if err != nil {
		return nil, internalError(err)
	}
	return snaps, nil
}
