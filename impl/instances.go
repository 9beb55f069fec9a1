package impl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Share instances: manilite keeps one instance per share, the share
// itself, so an instance's id is its share's id and an instance's status
// is its share's.

// shareInstanceView is Manila's share instance view; the spec's
// annotations pick the keys a version sees.
func shareInstanceView(sh storage.Share) gen.ShareInstance {
	paths := []string{}
	for _, el := range sh.ExportLocations {
		paths = append(paths, el.Path)
	}
	v := gen.ShareInstance{
		Id: sh.ID, ShareId: sh.ID, AvailabilityZone: ns(sh.AvailabilityZone),
		CreatedAt: storage.FormatTime(sh.CreatedAt), Host: ns(sh.Host), Status: string(sh.Status),
		ShareNetworkId: ns(sh.ShareNetworkID), ShareServerId: nullStr(), ExportLocation: nullStr(),
		ExportLocations: &paths, AccessRulesStatus: ptr(string(sh.AccessRulesStatus)), ReplicaState: nullStr(),
		ShareTypeId: ns(sh.ShareTypeID), CastRulesToReadonly: ptr(false), Progress: ns(sh.Progress),
		UpdatedAt: nullStr(),
	}
	if len(paths) > 0 {
		v.ExportLocation = nsv(paths[0])
	}
	if sh.UpdatedAt != nil {
		v.UpdatedAt = nsv(storage.FormatTime(*sh.UpdatedAt))
	}
	return v
}

// shareInstance is db.share_instance_get: any live share (the rules are
// admin-only), or the endpoint's fault.
func (s *Server) shareInstance(ctx context.Context, id string, missing *Fault) (storage.Share, error) {
	sh, err := s.db.GetShare(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return sh, missing
	}
	if err != nil {
		return sh, internalError(err)
	}
	return sh, nil
}

// ListShareInstances is GET /v2/share_instances (admin): every project's.
func (s *Server) ListShareInstances(ctx context.Context, req gen.ListShareInstancesRequestObject) (gen.ListShareInstancesResponseObject, error) {
	p := req.Params
	f := storage.ShareFilter{ExportLocationID: p.ExportLocationId, ExportLocationPath: p.ExportLocationPath,
		Status: p.Status, Host: p.Host, SortColumn: "created_at"}
	if p.IsSoftDeleted != nil {
		soft, err := queryBool(reqInfo(ctx).query, "is_soft_deleted", false, func(v string) string {
			return fmt.Sprintf("Invalid value %s for is_soft_deleted. Expecting a boolean.", v)
		})
		if err != nil {
			return nil, err
		}
		f.IsSoftDeleted = soft
	}
	shares, _, err := s.db.ListShares(ctx, f, false)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListShareInstances200JSONResponse{ShareInstances: make([]gen.ShareInstance, len(shares))}
	for i, sh := range shares {
		out.ShareInstances[i] = shareInstanceView(sh)
	}
	return out, nil
}

// ListInstancesOfShare is GET /v2/shares/{id}/instances (admin).
func (s *Server) ListInstancesOfShare(ctx context.Context, req gen.ListInstancesOfShareRequestObject) (gen.ListInstancesOfShareResponseObject, error) {
	sh, err := s.visibleShare(ctx, req.ShareId, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	return gen.ListInstancesOfShare200JSONResponse{ShareInstances: []gen.ShareInstance{shareInstanceView(sh)}}, nil
}

// ShowShareInstance is GET /v2/share_instances/{id} (admin).
func (s *Server) ShowShareInstance(ctx context.Context, req gen.ShowShareInstanceRequestObject) (gen.ShowShareInstanceResponseObject, error) {
	sh, err := s.shareInstance(ctx, req.ShareInstanceId, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	return gen.ShowShareInstance200JSONResponse{ShareInstance: shareInstanceView(sh)}, nil
}

// shareInstanceActionTable binds the handlers x-manila-actions names for
// share instances.
func (s *Server) shareInstanceActionTable() actionTable[gen.ShareInstanceActionResponseObject] {
	return actionTable[gen.ShareInstanceActionResponseObject]{
		"reset_status": s.resetShareInstanceStatus,
		"force_delete": s.forceDeleteShareInstance,
	}
}

// ShareInstanceAction is POST /v2/share_instances/{id}/action (admin).
func (s *Server) ShareInstanceAction(ctx context.Context, req gen.ShareInstanceActionRequestObject) (gen.ShareInstanceActionResponseObject, error) {
	return s.actions.shareInstance.run(ctx, req.ShareInstanceId)
}

// resetShareInstanceStatus is the admin-action mixin's reset on the
// instance: the status is checked first, then the instance looked up
// (db.share_instance_get's bare NotFound).
func (s *Server) resetShareInstanceStatus(ctx context.Context, id string, value json.RawMessage) (gen.ShareInstanceActionResponseObject, error) {
	reset, err := resetTarget(value, state.ShareResetStatus)
	if err != nil {
		return nil, err
	}
	sh, err := s.shareInstance(ctx, id, notFound("Resource could not be found."))
	if err != nil {
		return nil, err
	}
	if err := s.setShareStatusByReset(ctx, sh.ID, reset.To); err != nil {
		return nil, err
	}
	return gen.ShareInstanceAction202Response{}, nil
}

// forceDeleteShareInstance deletes the instance, which is its share.
func (s *Server) forceDeleteShareInstance(ctx context.Context, id string, _ json.RawMessage) (gen.ShareInstanceActionResponseObject, error) {
	sh, err := s.shareInstance(ctx, id, notFound("Resource could not be found."))
	if err != nil {
		return nil, err
	}
	err = s.db.BeginShareDelete(ctx, sh.ID, state.ShareForceDelete, 0)
	var de *storage.DependentsError
	switch {
	case errors.As(err, &de):
		return nil, badRequest("Invalid share: Share still has %d dependent %s.", de.Count, s.dependentsWords(reqInfo(ctx), de.What))
	case err != nil:
		return nil, notFoundOr(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ShareInstanceAction202Response{}, nil
}

// instanceWithLocations is _verify_share_instance: the instance, and for a
// private share share_instance:show with it as target.
func (s *Server) instanceWithLocations(ctx context.Context, id string) (storage.Share, error) {
	missing := notFound("Share instance '%s' not found.", id)
	sh, err := s.shareInstance(ctx, id, missing)
	if err != nil || sh.IsPublic {
		return sh, err
	}
	ok, err := s.allowed(ctx, "share_instance:show", shareTarget(sh))
	if err != nil {
		return sh, err
	}
	if !ok {
		return sh, forbidden(defaultForbidden)
	}
	return sh, nil
}

// ListShareInstanceExportLocations is GET /v2/share_instances/{id}/export_locations.
func (s *Server) ListShareInstanceExportLocations(ctx context.Context, req gen.ListShareInstanceExportLocationsRequestObject) (gen.ListShareInstanceExportLocationsResponseObject, error) {
	sh, err := s.instanceWithLocations(ctx, req.ShareInstanceId)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareInstanceExportLocations200JSONResponse{ExportLocations: make([]gen.ExportLocationSummary, len(sh.ExportLocations))}
	for i, el := range sh.ExportLocations {
		out.ExportLocations[i] = exportLocationSummary(el)
	}
	return out, nil
}

// ShowShareInstanceExportLocation is GET
// /v2/share_instances/{id}/export_locations/{el}: Manila looks the export
// location up by its id alone.
func (s *Server) ShowShareInstanceExportLocation(ctx context.Context, req gen.ShowShareInstanceExportLocationRequestObject) (gen.ShowShareInstanceExportLocationResponseObject, error) {
	if _, err := s.instanceWithLocations(ctx, req.ShareInstanceId); err != nil {
		return nil, err
	}
	el, err := s.db.GetExportLocation(ctx, req.ExportLocationId)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Export location %s could not be found.", req.ExportLocationId)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.ShowShareInstanceExportLocation200JSONResponse{ExportLocation: exportLocationDetail(el)}, nil
}
