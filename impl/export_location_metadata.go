package impl

import (
	"context"
	"errors"
	"maps"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Export location metadata (2.87+): Manila's MetadataController as
// manila/api/v2/share_export_locations.py uses it. Manila keeps an export
// location's preferred flag as its metadata item "preferred", which is an
// admin-only key (admin_only_el_metadata).

// Manila capitalizes the resource name "share_export_location" for its 404.
const (
	msgELNotFound     = "Share_export_location not found."
	ruleAdminOnlyELMD = "share_export_location:update_admin_only_metadata"
)

// DefaultAdminOnlyELMetadata is Manila's admin_only_el_metadata default
// (constants.AdminOnlyMetadata.EXPORT_LOCATION_KEYS).
var DefaultAdminOnlyELMetadata = []string{"preferred"}

// elPreferred is the view's preferred: the metadata item, read with oslo's
// lenient bool_from_string; an export location read without its metadata
// has its column.
func elPreferred(el storage.ExportLocation) bool {
	if el.Metadata == nil {
		return el.Preferred
	}
	return parseBool(el.Metadata["preferred"])
}

// elMetadataView is the view's metadata: all items but preferred.
func elMetadataView(el storage.ExportLocation) *map[string]string {
	out := maps.Clone(el.Metadata)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, "preferred")
	return &out
}

// verifyShareForEL is the controller's _verify_share: a missing share is
// "Share '<id>' not found.". Manila answers share:get's 403 for another
// project's private share; manilite answers the 404, as its export
// location list does.
func (s *Server) verifyShareForEL(ctx context.Context, shareID string) error {
	_, err := s.visibleShare(ctx, shareID, notFound("Share '%s' not found.", shareID))
	return err
}

// elMetadataToWrite is _validate_metadata_for_update: admin-only keys in
// the body need their rule; otherwise the current admin-only items are
// kept (replace) or the body is merged into the current items.
func (s *Server) elMetadataToWrite(ctx context.Context, elID string, body map[string]*interface{}, replace bool) (map[string]*interface{}, error) {
	persistent := s.cfg.AdminOnlyELMetadata
	for k := range body {
		if contains(persistent, k) {
			ok, err := s.allowed(ctx, ruleAdminOnlyELMD, callerTarget(reqInfo(ctx)))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, forbidden(msgAdminOnlyMeta)
			}
			persistent = nil
			break
		}
	}
	current, err := s.db.GetMetadata(ctx, storage.ExportLocationMetadata, elID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, internalError(err)
	}
	out := map[string]*interface{}{}
	if !replace {
		for k, v := range current {
			out[k] = anyPtr(v)
		}
	}
	for k, v := range body {
		if replace || !contains(persistent, k) {
			out[k] = v
		}
	}
	if replace {
		for _, k := range persistent {
			if v, ok := current[k]; ok {
				out[k] = anyPtr(v)
			}
		}
	}
	return out, nil
}

// writeELMetadata validates, checks the share and writes the items as
// Manila does, answering the export location's metadata after the write.
func (s *Server) writeELMetadata(ctx context.Context, shareID, elID string, body map[string]*interface{}, replace bool, itemKey *string) (map[string]string, error) {
	merged, err := s.elMetadataToWrite(ctx, elID, body, replace)
	if err != nil {
		return nil, err
	}
	if err := s.verifyShareForEL(ctx, shareID); err != nil {
		return nil, err
	}
	items, f := metadataItems(merged)
	if f != nil {
		return nil, f
	}
	if itemKey != nil {
		if f := checkOneItem(items, *itemKey); f != nil {
			return nil, f
		}
	}
	if _, err := s.db.SetMetadata(ctx, storage.ExportLocationMetadata, elID, items, true); err != nil {
		return nil, missingOr(err, msgELNotFound)
	}
	return items, nil
}

func anyPtr(s string) *interface{} {
	var v interface{} = s
	return &v
}

// ListExportLocationMetadata is GET .../export_locations/{el}/metadata.
func (s *Server) ListExportLocationMetadata(ctx context.Context, req gen.ListExportLocationMetadataRequestObject) (gen.ListExportLocationMetadataResponseObject, error) {
	if err := s.verifyShareForEL(ctx, req.ShareId); err != nil {
		return nil, err
	}
	md, err := s.db.GetMetadata(ctx, storage.ExportLocationMetadata, req.ExportLocationId)
	if err != nil {
		return nil, missingOr(err, msgELNotFound)
	}
	return gen.ListExportLocationMetadata200JSONResponse{Metadata: md}, nil
}

// CreateExportLocationMetadata is POST .../metadata: merge.
func (s *Server) CreateExportLocationMetadata(ctx context.Context, req gen.CreateExportLocationMetadataRequestObject) (gen.CreateExportLocationMetadataResponseObject, error) {
	md, err := s.writeELMetadata(ctx, req.ShareId, req.ExportLocationId, req.Body.Metadata, false, nil)
	if err != nil {
		return nil, err
	}
	return gen.CreateExportLocationMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateAllExportLocationMetadata is PUT .../metadata: replace.
func (s *Server) UpdateAllExportLocationMetadata(ctx context.Context, req gen.UpdateAllExportLocationMetadataRequestObject) (gen.UpdateAllExportLocationMetadataResponseObject, error) {
	md, err := s.writeELMetadata(ctx, req.ShareId, req.ExportLocationId, req.Body.Metadata, true, nil)
	if err != nil {
		return nil, err
	}
	return gen.UpdateAllExportLocationMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateExportLocationMetadataItem is POST .../metadata/{key}. As in
// Manila, the item is merged into the current items before the one-item
// check, so an export location with other items ("preferred" is one)
// answers "Request body contains too many items".
func (s *Server) UpdateExportLocationMetadataItem(ctx context.Context, req gen.UpdateExportLocationMetadataItemRequestObject) (gen.UpdateExportLocationMetadataItemResponseObject, error) {
	md, err := s.writeELMetadata(ctx, req.ShareId, req.ExportLocationId, req.Body.Metadata, false, &req.Key)
	if err != nil {
		return nil, err
	}
	return gen.UpdateExportLocationMetadataItem200JSONResponse{Metadata: md}, nil
}

// ShowExportLocationMetadataItem is GET .../metadata/{key}.
func (s *Server) ShowExportLocationMetadataItem(ctx context.Context, req gen.ShowExportLocationMetadataItemRequestObject) (gen.ShowExportLocationMetadataItemResponseObject, error) {
	if err := s.verifyShareForEL(ctx, req.ShareId); err != nil {
		return nil, err
	}
	item, err := s.metadataItem(ctx, storage.ExportLocationMetadata, req.ExportLocationId, req.Key, msgELNotFound)
	if err != nil {
		return nil, err
	}
	return gen.ShowExportLocationMetadataItem200JSONResponse{Meta: item}, nil
}

// DeleteExportLocationMetadataItem is DELETE .../metadata/{key}.
func (s *Server) DeleteExportLocationMetadataItem(ctx context.Context, req gen.DeleteExportLocationMetadataItemRequestObject) (gen.DeleteExportLocationMetadataItemResponseObject, error) {
	if err := s.verifyShareForEL(ctx, req.ShareId); err != nil {
		return nil, err
	}
	if err := s.deleteMetadataItem(ctx, storage.ExportLocationMetadata, req.ExportLocationId, req.Key, msgELNotFound); err != nil {
		return nil, err
	}
	return gen.DeleteExportLocationMetadataItem200Response{}, nil
}
