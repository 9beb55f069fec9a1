package impl

import (
	"context"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// A snapshot's export location is its directory, as a share's is its
// directory; the snapshot is its own instance.

func (ri *requestInfo) snapshotELSummary(el storage.SnapshotExportLocation) gen.SnapshotExportLocationSummary {
	return gen.SnapshotExportLocationSummary{Id: el.ID, Path: el.Path,
		Links: ri.links("share_snapshot_export_locations", el.ID), ShareSnapshotInstanceId: ptr(el.SnapshotID),
		IsAdminOnly: ptr(el.IsAdminOnly)}
}

func (ri *requestInfo) snapshotELDetail(el storage.SnapshotExportLocation) gen.SnapshotExportLocation {
	sum := ri.snapshotELSummary(el)
	out := gen.SnapshotExportLocation{Id: sum.Id, Path: sum.Path, Links: sum.Links,
		ShareSnapshotInstanceId: sum.ShareSnapshotInstanceId, IsAdminOnly: sum.IsAdminOnly,
		CreatedAt: storage.FormatTime(el.CreatedAt), UpdatedAt: nullStr()}
	if el.UpdatedAt != nil {
		out.UpdatedAt = nsv(storage.FormatTime(*el.UpdatedAt))
	}
	return out
}

// snapshotForLocations is Manila's _verify_snapshot(_instance): the
// snapshot (project-scoped unless admin), and for a private share
// share:get with the share as target; missing is the endpoint's 404.
func (s *Server) snapshotForLocations(ctx context.Context, id string, missing *Fault) (storage.ShareSnapshot, error) {
	sn, err := projectScoped(ctx, id, s.db.GetShareSnapshot, func(sn storage.ShareSnapshot) string { return sn.ProjectID }, missing)
	if err != nil {
		return sn, err
	}
	sh, err := s.db.GetShare(ctx, sn.ShareID)
	if errors.Is(err, storage.ErrNotFound) {
		return sn, missing
	}
	if err != nil {
		return sn, internalError(err)
	}
	if sh.IsPublic {
		return sn, nil
	}
	return sn, s.requirePolicy(ctx, "share:get", shareTarget(sh))
}

// snapshotLocationList lists the snapshot's export locations; admin-only
// ones only for admins.
func (s *Server) snapshotLocationList(ctx context.Context, id string, missing *Fault) (gen.SnapshotExportLocationList, error) {
	ri := reqInfo(ctx)
	out := gen.SnapshotExportLocationList{ShareSnapshotExportLocations: []gen.SnapshotExportLocationSummary{}}
	sn, err := s.snapshotForLocations(ctx, id, missing)
	if err != nil {
		return out, err
	}
	els, err := s.db.ListSnapshotExportLocations(ctx, sn.ID)
	if err != nil {
		return out, internalError(err)
	}
	for _, el := range els {
		if ri.Caller.IsAdmin() || !el.IsAdminOnly {
			out.ShareSnapshotExportLocations = append(out.ShareSnapshotExportLocations, ri.snapshotELSummary(el))
		}
	}
	return out, nil
}

// snapshotLocation is one export location, looked up by its id alone as
// Manila does; an unknown id is the bare NotFound Manila lets through.
func (s *Server) snapshotLocation(ctx context.Context, id, elID string, missing *Fault) (gen.SnapshotExportLocationResponse, error) {
	if _, err := s.snapshotForLocations(ctx, id, missing); err != nil {
		return gen.SnapshotExportLocationResponse{}, err
	}
	el, err := s.db.GetSnapshotExportLocation(ctx, elID)
	if errors.Is(err, storage.ErrNotFound) {
		return gen.SnapshotExportLocationResponse{}, notFound("NotFound: Resource could not be found.")
	}
	if err != nil {
		return gen.SnapshotExportLocationResponse{}, internalError(err)
	}
	return gen.SnapshotExportLocationResponse{ShareSnapshotExportLocation: reqInfo(ctx).snapshotELDetail(el)}, nil
}

// ListSnapshotExportLocations is GET /v2/snapshots/{id}/export-locations (2.32+).
func (s *Server) ListSnapshotExportLocations(ctx context.Context, req gen.ListSnapshotExportLocationsRequestObject) (gen.ListSnapshotExportLocationsResponseObject, error) {
	out, err := s.snapshotLocationList(ctx, req.SnapshotId, notFound("Snapshot '%s' not found.", req.SnapshotId))
	return gen.ListSnapshotExportLocations200JSONResponse(out), err
}

// ShowSnapshotExportLocation is GET /v2/snapshots/{id}/export-locations/{el}.
func (s *Server) ShowSnapshotExportLocation(ctx context.Context, req gen.ShowSnapshotExportLocationRequestObject) (gen.ShowSnapshotExportLocationResponseObject, error) {
	out, err := s.snapshotLocation(ctx, req.SnapshotId, req.ExportLocationId, notFound("Snapshot '%s' not found.", req.SnapshotId))
	return gen.ShowSnapshotExportLocation200JSONResponse(out), err
}

// ListSnapshotInstanceExportLocations is GET
// /v2/snapshot-instances/{id}/export-locations (admin, 2.32+).
func (s *Server) ListSnapshotInstanceExportLocations(ctx context.Context, req gen.ListSnapshotInstanceExportLocationsRequestObject) (gen.ListSnapshotInstanceExportLocationsResponseObject, error) {
	out, err := s.snapshotLocationList(ctx, req.SnapshotInstanceId, notFound("Snapshot instance '%s' not found.", req.SnapshotInstanceId))
	return gen.ListSnapshotInstanceExportLocations200JSONResponse(out), err
}

// ShowSnapshotInstanceExportLocation is GET
// /v2/snapshot-instances/{id}/export-locations/{el} (admin).
func (s *Server) ShowSnapshotInstanceExportLocation(ctx context.Context, req gen.ShowSnapshotInstanceExportLocationRequestObject) (gen.ShowSnapshotInstanceExportLocationResponseObject, error) {
	out, err := s.snapshotLocation(ctx, req.SnapshotInstanceId, req.ExportLocationId, notFound("Snapshot instance '%s' not found.", req.SnapshotInstanceId))
	return gen.ShowSnapshotInstanceExportLocation200JSONResponse(out), err
}
