package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

func (s *Server) cgSnapshotView(ri *requestInfo, c storage.ShareGroupSnapshot) gen.CGSnapshot {
	return gen.CGSnapshot{
		Id:                 c.ID,
		Name:               ns(c.Name),
		CreatedAt:          storage.FormatTime(c.CreatedAt),
		Status:             string(c.Status),
		Description:        ns(c.Description),
		ProjectId:          c.ProjectID,
		ConsistencyGroupId: c.ShareGroupID,
		Links:              cgLinks(ri, "cgsnapshot", c.ID),
	}
}

func errNotFoundCGSnapshot(id string) *Fault {
	return notFound("Consistency group snapshot %s not found.", id)
}

// visibleCGSnapshot is the project-scoped cgsnapshot lookup.
func (s *Server) visibleCGSnapshot(ctx context.Context, id string) (storage.ShareGroupSnapshot, error) {
	return projectScoped(ctx, id, s.db.GetShareGroupSnapshot, func(c storage.ShareGroupSnapshot) string { return c.ProjectID }, errNotFoundCGSnapshot(id))
}

// CreateCGSnapshot is POST /v2/cgsnapshots: one point-in-time image of every
// share of the group; while it is taken, nothing in manilite changes them.
func (s *Server) CreateCGSnapshot(ctx context.Context, req gen.CreateCGSnapshotRequestObject) (gen.CreateCGSnapshotResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.Cgsnapshot
	groupID := optString(in.ConsistencyGroupId)
	if groupID == "" {
		return nil, badRequest("Must supply 'consistency_group_id' attribute.")
	}
	if !isUUIDLike(groupID) {
		return nil, badRequest("The 'consistency_group_id' attribute must be a uuid.")
	}
	if _, err := s.visibleCG(ctx, groupID); err != nil {
		return nil, badRequest("ConsistencyGroup %s could not be found.", groupID)
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
		return nil, conflict("Invalid ConsistencyGroup: Consistency group status must be available")
	case errors.As(err, &sse):
		return nil, conflict("Invalid ConsistencyGroup: Share %s in consistency group must have status of available in order to create a CG snapshot", sse.ShareID)
	case errors.Is(err, storage.ErrNotFound):
		return nil, badRequest("ConsistencyGroup %s could not be found.", groupID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.CreateCGSnapshot202JSONResponse{Cgsnapshot: s.cgSnapshotView(ri, created)}, nil
}

// ShowCGSnapshot is GET /v2/cgsnapshots/{id}.
func (s *Server) ShowCGSnapshot(ctx context.Context, req gen.ShowCGSnapshotRequestObject) (gen.ShowCGSnapshotResponseObject, error) {
	c, err := s.visibleCGSnapshot(ctx, req.CgsnapshotId)
	if err != nil {
		return nil, err
	}
	return gen.ShowCGSnapshot200JSONResponse{Cgsnapshot: s.cgSnapshotView(reqInfo(ctx), c)}, nil
}

// UpdateCGSnapshot is PUT /v2/cgsnapshots/{id}.
func (s *Server) UpdateCGSnapshot(ctx context.Context, req gen.UpdateCGSnapshotRequestObject) (gen.UpdateCGSnapshotResponseObject, error) {
	in := req.Body.Cgsnapshot
	if len(in.AdditionalProperties) > 0 {
		return nil, badRequest("The fields %s are invalid or not allowed to be updated.", pySet(extraKeys(in.AdditionalProperties)))
	}
	c, err := s.visibleCGSnapshot(ctx, req.CgsnapshotId)
	if err != nil {
		return nil, err
	}
	updated, err := s.db.UpdateShareGroupSnapshot(ctx, c.ID, nameUpdate(in.Name, in.Description))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFoundCGSnapshot(c.ID)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateCGSnapshot200JSONResponse{Cgsnapshot: s.cgSnapshotView(reqInfo(ctx), updated)}, nil
}

// DeleteCGSnapshot is DELETE /v2/cgsnapshots/{id}.
func (s *Server) DeleteCGSnapshot(ctx context.Context, req gen.DeleteCGSnapshotRequestObject) (gen.DeleteCGSnapshotResponseObject, error) {
	c, err := s.visibleCGSnapshot(ctx, req.CgsnapshotId)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.GetShareGroup(ctx, c.ShareGroupID); errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("ConsistencyGroupNotFound: ConsistencyGroup %s could not be found.", c.ShareGroupID)
	} else if err != nil {
		return nil, internalError(err)
	}
	err = s.db.TransitionShareGroupSnapshot(ctx, c.ID, state.CGSnapshotDelete, storage.JobShareGroupSnapshotDelete, s.cfg.MinTransition)
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return nil, conflict("Invalid CGSnapshot: Consistency group snapshot status must be one of %s", state.CGSnapshotDeletable.Tuple())
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNotFoundCGSnapshot(c.ID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteCGSnapshot202Response{}, nil
}

// ListCGSnapshotMembers is GET /v2/cgsnapshots/{id}/members. Manila answers
// for any id, even another project's; here an unknown or foreign
// cgsnapshot is 404.
func (s *Server) ListCGSnapshotMembers(ctx context.Context, req gen.ListCGSnapshotMembersRequestObject) (gen.ListCGSnapshotMembersResponseObject, error) {
	ri := reqInfo(ctx)
	c, err := s.visibleCGSnapshot(ctx, req.CgsnapshotId)
	if err != nil {
		return nil, err
	}
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	members, err := s.db.ListShareGroupSnapshotMembers(ctx, c.ID, &limit, offset)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListCGSnapshotMembers200JSONResponse{CgsnapshotMembers: make([]gen.CGSnapshotMember, len(members))}
	for i, m := range members {
		out.CgsnapshotMembers[i] = gen.CGSnapshotMember{
			Id: m.ID, CreatedAt: storage.FormatTime(m.CreatedAt), Size: m.Size, ShareProtocol: m.ShareProto,
			ProjectId: m.ProjectID, ShareTypeId: ns(m.ShareTypeID), CgsnapshotId: m.ShareGroupSnapshotID, ShareId: m.ShareID,
		}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(members) == *req.Params.Limit {
		// Manila's quirk: the link names the cgsnapshot collection and uses
		// the cgsnapshot's id as the marker.
		out.CgsnapshotMembersLinks = cgNextLink(ri, "cgsnapshot", c.ID)
	}
	return out, nil
}

// cgsnapshotActionTable binds the handlers x-manila-actions names for
// cgsnapshots.
func (s *Server) cgsnapshotActionTable() actionTable[gen.CgsnapshotActionResponseObject] {
	return actionTable[gen.CgsnapshotActionResponseObject]{
		"reset_status": func(ctx context.Context, id string, v json.RawMessage) (gen.CgsnapshotActionResponseObject, error) {
			return accepted[gen.CgsnapshotActionResponseObject](gen.CgsnapshotAction202Response{}, s.resetGroupSnapshot(ctx, id, v))
		},
		"force_delete": func(ctx context.Context, id string, _ json.RawMessage) (gen.CgsnapshotActionResponseObject, error) {
			return accepted[gen.CgsnapshotActionResponseObject](gen.CgsnapshotAction202Response{}, s.forceDeleteGroupSnapshot(ctx, id))
		},
	}
}

// CgsnapshotAction is POST /v2/cgsnapshots/{id}/action.
func (s *Server) CgsnapshotAction(ctx context.Context, req gen.CgsnapshotActionRequestObject) (gen.CgsnapshotActionResponseObject, error) {
	return s.actions.cgsnapshot.run(ctx, req.CgsnapshotId)
}

// ListCGSnapshots is GET /v2/cgsnapshots.
func (s *Server) ListCGSnapshots(ctx context.Context, req gen.ListCGSnapshotsRequestObject) (gen.ListCGSnapshotsResponseObject, error) {
	ri := reqInfo(ctx)
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	snaps, err := s.db.ListShareGroupSnapshots(ctx, storage.GroupFilter{ProjectID: listProject(ri, req.Params.AllTenants), Limit: limit, Offset: offset})
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListCGSnapshots200JSONResponse{Cgsnapshots: make([]gen.ShareSummary, len(snaps))}
	for i, c := range snaps {
		out.Cgsnapshots[i] = gen.ShareSummary{Id: c.ID, Name: ns(c.Name), Links: cgLinks(ri, "cgsnapshot", c.ID)}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(snaps) == *req.Params.Limit {
		out.CgsnapshotLinks = cgNextLink(ri, "cgsnapshot", snaps[len(snaps)-1].ID)
	}
	return out, nil
}

// ListCGSnapshotsDetail is GET /v2/cgsnapshots/detail.
func (s *Server) ListCGSnapshotsDetail(ctx context.Context, req gen.ListCGSnapshotsDetailRequestObject) (gen.ListCGSnapshotsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	snaps, err := s.db.ListShareGroupSnapshots(ctx, storage.GroupFilter{ProjectID: listProject(ri, req.Params.AllTenants), Limit: limit, Offset: offset})
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListCGSnapshotsDetail200JSONResponse{Cgsnapshots: make([]gen.CGSnapshot, len(snaps))}
	for i, c := range snaps {
		out.Cgsnapshots[i] = s.cgSnapshotView(ri, c)
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(snaps) == *req.Params.Limit {
		out.CgsnapshotLinks = cgNextLink(ri, "cgsnapshot", snaps[len(snaps)-1].ID)
	}
	return out, nil
}
