package impl

import (
	"context"
	"errors"
	"sort"
	"unicode/utf8"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Share and snapshot metadata: Manila's MetadataController
// (manila/api/v2/metadata.py), with the share controller's admin-only keys
// (manila/api/v2/shares.py _validate_metadata_for_update).

// DefaultAdminOnlyMetadata is Manila's admin_only_metadata default
// (constants.AdminOnlyMetadata.ADMIN_METADATA_KEYS: the scheduler's affinity
// hints and the manage time).
var DefaultAdminOnlyMetadata = []string{"__affinity_same_host", "__affinity_different_host", "__managed_at"}

const (
	msgMalformedBody   = "Malformed request body"
	msgShareNotFound   = "Share not found."
	msgNotFoundGeneric = "NotFound: Resource could not be found."
	msgNoSuchItem      = "MetadataItemNotFound: Metadata item is not found."
	msgAdminOnlyMeta   = "Cannot set or update admin only metadata."
	ruleAdminOnlyMeta  = "share:update_admin_only_metadata"
)

// metadataItems is Manila's check_metadata_properties over a request's
// items (in key order): keys and values non-empty, at most 255 and 1023
// characters. A value Python cannot take the length of is a malformed body.
func metadataItems(in map[string]*interface{}) (map[string]string, *Fault) {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(in))
	for _, k := range keys {
		if k == "" {
			return nil, badRequest("Metadata property key is blank.")
		}
		if utf8.RuneCountInString(k) > 255 {
			return nil, badRequest("Metadata property key is greater than 255 characters.")
		}
		var v any
		if in[k] != nil {
			v = *in[k]
		}
		if !pyTruthy(v) {
			return nil, badRequest("Metadata property value is blank.")
		}
		s, ok := v.(string)
		if !ok {
			return nil, badRequest(msgMalformedBody)
		}
		if utf8.RuneCountInString(s) > 1023 {
			return nil, badRequest("Metadata property value is greater than 1023 characters.")
		}
		out[k] = s
	}
	return out, nil
}

// shareForMetadata is the metadata controller's share lookup: another
// project's private share is "Share not found."; changing a public share's
// metadata takes share:get with the share as target.
func (s *Server) shareForMetadata(ctx context.Context, id string, forModification bool) (storage.Share, error) {
	sh, err := s.visibleShare(ctx, id, notFound(msgShareNotFound))
	if err != nil {
		return sh, err
	}
	if forModification && sh.IsPublic {
		return sh, s.requirePolicy(ctx, "share:get", shareTarget(sh))
	}
	return sh, nil
}

// isAdminOnlyKey reports whether Manila's admin_only_metadata names key.
func (s *Server) isAdminOnlyKey(key string) bool { return contains(s.cfg.AdminOnlyMetadata, key) }

// writeShareMetadata is the share controller's create (merge), update_all
// (replace) and, with itemKey, update_metadata_item: admin-only keys, then
// the share's current metadata, the items' checks, the lookup, the write.
func (s *Server) writeShareMetadata(ctx context.Context, id string, in map[string]*interface{}, replace bool, itemKey *string) (map[string]string, error) {
	ri := reqInfo(ctx)
	persistent := s.cfg.AdminOnlyMetadata
	for k := range in {
		if s.isAdminOnlyKey(k) {
			ok, err := s.allowed(ctx, ruleAdminOnlyMeta, callerTarget(ri))
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
	current, err := s.db.GetMetadata(ctx, storage.ShareMetadata, id)
	if err != nil {
		return nil, missingOr(err, msgNotFoundGeneric)
	}
	items, f := metadataItems(in)
	if f != nil {
		return nil, f
	}
	merged := items
	if replace {
		for _, k := range persistent {
			if v, ok := current[k]; ok {
				merged[k] = v
			}
		}
	} else {
		merged = current
		for k, v := range items {
			merged[k] = v
		}
	}
	if itemKey != nil {
		if f := checkOneItem(merged, *itemKey); f != nil {
			return nil, f
		}
	}
	if _, err := s.shareForMetadata(ctx, id, true); err != nil {
		return nil, err
	}
	out, err := s.db.SetMetadata(ctx, storage.ShareMetadata, id, merged, replace)
	if err != nil {
		return nil, missingOr(err, msgShareNotFound)
	}
	return out, nil
}

// checkOneItem is update_metadata_item's check that the body is exactly the
// item the URL names.
func checkOneItem(items map[string]string, key string) *Fault {
	if _, ok := items[key]; !ok {
		return badRequest("Request body and URI mismatch")
	}
	if len(items) > 1 {
		return badRequest("Request body contains too many items")
	}
	return nil
}

// missingOr maps storage.ErrNotFound to a 404 with msg, anything else to an
// internal error.
func missingOr(err error, msg string) error {
	if errors.Is(err, storage.ErrNotFound) {
		return notFound("%s", msg)
	}
	return internalError(err)
}

// ListShareMetadata is GET /v2/shares/{id}/metadata.
func (s *Server) ListShareMetadata(ctx context.Context, req gen.ListShareMetadataRequestObject) (gen.ListShareMetadataResponseObject, error) {
	if _, err := s.shareForMetadata(ctx, req.ShareId, false); err != nil {
		return nil, err
	}
	md, err := s.db.GetMetadata(ctx, storage.ShareMetadata, req.ShareId)
	if err != nil {
		return nil, missingOr(err, msgShareNotFound)
	}
	return gen.ListShareMetadata200JSONResponse{Metadata: md}, nil
}

// CreateShareMetadata is POST /v2/shares/{id}/metadata: merge.
func (s *Server) CreateShareMetadata(ctx context.Context, req gen.CreateShareMetadataRequestObject) (gen.CreateShareMetadataResponseObject, error) {
	md, err := s.writeShareMetadata(ctx, req.ShareId, req.Body.Metadata, false, nil)
	if err != nil {
		return nil, err
	}
	return gen.CreateShareMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateAllShareMetadata is PUT /v2/shares/{id}/metadata: replace.
func (s *Server) UpdateAllShareMetadata(ctx context.Context, req gen.UpdateAllShareMetadataRequestObject) (gen.UpdateAllShareMetadataResponseObject, error) {
	md, err := s.writeShareMetadata(ctx, req.ShareId, req.Body.Metadata, true, nil)
	if err != nil {
		return nil, err
	}
	return gen.UpdateAllShareMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateShareMetadataItem is POST /v2/shares/{id}/metadata/{key}.
func (s *Server) UpdateShareMetadataItem(ctx context.Context, req gen.UpdateShareMetadataItemRequestObject) (gen.UpdateShareMetadataItemResponseObject, error) {
	md, err := s.writeShareMetadata(ctx, req.ShareId, req.Body.Metadata, false, &req.Key)
	if err != nil {
		return nil, err
	}
	return gen.UpdateShareMetadataItem200JSONResponse{Metadata: md}, nil
}

// ShowShareMetadataItem is GET /v2/shares/{id}/metadata/{key}.
func (s *Server) ShowShareMetadataItem(ctx context.Context, req gen.ShowShareMetadataItemRequestObject) (gen.ShowShareMetadataItemResponseObject, error) {
	if _, err := s.shareForMetadata(ctx, req.ShareId, false); err != nil {
		return nil, err
	}
	item, err := s.metadataItem(ctx, storage.ShareMetadata, req.ShareId, req.Key, msgShareNotFound)
	if err != nil {
		return nil, err
	}
	return gen.ShowShareMetadataItem200JSONResponse{Meta: item}, nil
}

// metadataItem is {key: value} of one item, or Manila's 404 for a missing one.
func (s *Server) metadataItem(ctx context.Context, of storage.MetadataOf, id, key, missing string) (map[string]string, error) {
	md, err := s.db.GetMetadata(ctx, of, id)
	if err != nil {
		return nil, missingOr(err, missing)
	}
	v, ok := md[key]
	if !ok {
		return nil, notFound(msgNoSuchItem)
	}
	return map[string]string{key: v}, nil
}

// deleteMetadataItem removes one item, or answers Manila's 404.
func (s *Server) deleteMetadataItem(ctx context.Context, of storage.MetadataOf, id, key, missing string) error {
	err := s.db.DeleteMetadataItem(ctx, of, id, key)
	if errors.Is(err, storage.ErrNoSuchKey) {
		return notFound(msgNoSuchItem)
	}
	if err != nil {
		return missingOr(err, missing)
	}
	return nil
}

// DeleteShareMetadataItem is DELETE /v2/shares/{id}/metadata/{key}.
func (s *Server) DeleteShareMetadataItem(ctx context.Context, req gen.DeleteShareMetadataItemRequestObject) (gen.DeleteShareMetadataItemResponseObject, error) {
	if s.isAdminOnlyKey(req.Key) {
		if err := s.requirePolicy(ctx, ruleAdminOnlyMeta, callerTarget(reqInfo(ctx))); err != nil {
			return nil, err
		}
	}
	if _, err := s.shareForMetadata(ctx, req.ShareId, true); err != nil {
		return nil, err
	}
	if err := s.deleteMetadataItem(ctx, storage.ShareMetadata, req.ShareId, req.Key, msgShareNotFound); err != nil {
		return nil, err
	}
	return gen.DeleteShareMetadataItem200Response{}, nil
}
