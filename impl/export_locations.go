package impl

import (
	"context"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// exportLocationSummary is an export location in the list. preferred's
// version and the admin-only keys are the spec's annotations. manilite has
// no share instances; the share is its own.
func exportLocationSummary(el storage.ExportLocation) gen.ExportLocationSummary {
	return gen.ExportLocationSummary{Id: el.ID, Path: el.Path, Preferred: ptr(elPreferred(el)),
		ShareInstanceId: ptr(el.ShareID), IsAdminOnly: ptr(el.IsAdminOnly), Metadata: elMetadataView(el)}
}

// exportLocationDetail is one export location, with its dates.
func exportLocationDetail(el storage.ExportLocation) gen.ExportLocation {
	out := gen.ExportLocation{Id: el.ID, Path: el.Path, Preferred: ptr(elPreferred(el)),
		ShareInstanceId: ptr(el.ShareID), IsAdminOnly: ptr(el.IsAdminOnly), Metadata: elMetadataView(el),
		CreatedAt: storage.FormatTime(el.CreatedAt), UpdatedAt: nullStr()}
	if el.UpdatedAt != nil {
		out.UpdatedAt = nsv(storage.FormatTime(*el.UpdatedAt))
	}
	return out
}

// ListExportLocations is GET /v2/shares/{id}/export_locations (2.9+).
//
// Manila answers 403 for another project's private share here; manilite
// answers 404, as for every other resource a caller may not see.
func (s *Server) ListExportLocations(ctx context.Context, req gen.ListExportLocationsRequestObject) (gen.ListExportLocationsResponseObject, error) {
	ri := reqInfo(ctx)
	sh, err := s.visibleShare(ctx, req.ShareId, notFound("Share '%s' not found.", req.ShareId))
	if err != nil {
		return nil, err
	}
	out := gen.ListExportLocations200JSONResponse{ExportLocations: []gen.ExportLocationSummary{}}
	for _, el := range sh.ExportLocations {
		if el.IsAdminOnly && !ri.Caller.IsAdmin() {
			continue
		}
		out.ExportLocations = append(out.ExportLocations, exportLocationSummary(el))
	}
	return out, nil
}

// ShowExportLocation is GET /v2/shares/{id}/export_locations/{el} (2.9+).
func (s *Server) ShowExportLocation(ctx context.Context, req gen.ShowExportLocationRequestObject) (gen.ShowExportLocationResponseObject, error) {
	ri := reqInfo(ctx)
	sh, err := s.visibleShare(ctx, req.ShareId, notFound("Share '%s' not found.", req.ShareId))
	if err != nil {
		return nil, err
	}
	for _, el := range sh.ExportLocations {
		if el.ID != req.ExportLocationId {
			continue
		}
		if el.IsAdminOnly && !ri.Caller.IsAdmin() {
			return nil, forbidden(defaultForbidden)
		}
		return gen.ShowExportLocation200JSONResponse{ExportLocation: exportLocationDetail(el)}, nil
	}
	return nil, notFound("Export location '%s' not found.", req.ExportLocationId)
}
