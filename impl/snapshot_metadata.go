package impl

import (
	"context"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Snapshot metadata (2.73+): Manila's MetadataController as the snapshot
// controller uses it, with no admin-only keys.

// Manila capitalizes the resource name "share_snapshot" for its 404.
const msgSnapshotNotFound = "Share_snapshot not found."

// snapshotForMetadata is the controller's project-scoped snapshot lookup;
// a change also takes share_snapshot:get_snapshot with the snapshot as
// target.
func (s *Server) snapshotForMetadata(ctx context.Context, id string, forModification bool) error {
	sn, err := projectScoped(ctx, id, s.db.GetShareSnapshot, func(sn storage.ShareSnapshot) string { return sn.ProjectID }, notFound(msgSnapshotNotFound))
	if err != nil || !forModification {
		return err
	}
	return s.requirePolicy(ctx, "share_snapshot:get_snapshot", snapshotTarget(sn))
}

// writeSnapshotMetadata checks the items (and with itemKey that they are
// that one item), looks the snapshot up and writes them. Manila answers
// with the items written, not the snapshot's whole metadata.
func (s *Server) writeSnapshotMetadata(ctx context.Context, id string, in map[string]*interface{}, replace bool, itemKey *string) (map[string]string, error) {
	items, f := metadataItems(in)
	if f != nil {
		return nil, f
	}
	if itemKey != nil {
		if f := checkOneItem(items, *itemKey); f != nil {
			return nil, f
		}
	}
	if err := s.snapshotForMetadata(ctx, id, true); err != nil {
		return nil, err
	}
	if _, err := s.db.SetMetadata(ctx, storage.SnapshotMetadata, id, items, replace); err != nil {
		return nil, missingOr(err, msgSnapshotNotFound)
	}
	return items, nil
}

// ListSnapshotMetadata is GET /v2/snapshots/{id}/metadata.
func (s *Server) ListSnapshotMetadata(ctx context.Context, req gen.ListSnapshotMetadataRequestObject) (gen.ListSnapshotMetadataResponseObject, error) {
	if err := s.snapshotForMetadata(ctx, req.SnapshotId, false); err != nil {
		return nil, err
	}
	md, err := s.db.GetMetadata(ctx, storage.SnapshotMetadata, req.SnapshotId)
	if err != nil {
		return nil, missingOr(err, msgSnapshotNotFound)
	}
	return gen.ListSnapshotMetadata200JSONResponse{Metadata: md}, nil
}

// CreateSnapshotMetadata is POST /v2/snapshots/{id}/metadata: merge.
func (s *Server) CreateSnapshotMetadata(ctx context.Context, req gen.CreateSnapshotMetadataRequestObject) (gen.CreateSnapshotMetadataResponseObject, error) {
	md, err := s.writeSnapshotMetadata(ctx, req.SnapshotId, req.Body.Metadata, false, nil)
	if err != nil {
		return nil, err
	}
	return gen.CreateSnapshotMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateAllSnapshotMetadata is PUT /v2/snapshots/{id}/metadata: replace.
func (s *Server) UpdateAllSnapshotMetadata(ctx context.Context, req gen.UpdateAllSnapshotMetadataRequestObject) (gen.UpdateAllSnapshotMetadataResponseObject, error) {
	md, err := s.writeSnapshotMetadata(ctx, req.SnapshotId, req.Body.Metadata, true, nil)
	if err != nil {
		return nil, err
	}
	return gen.UpdateAllSnapshotMetadata200JSONResponse{Metadata: md}, nil
}

// UpdateSnapshotMetadataItem is POST /v2/snapshots/{id}/metadata/{key}.
func (s *Server) UpdateSnapshotMetadataItem(ctx context.Context, req gen.UpdateSnapshotMetadataItemRequestObject) (gen.UpdateSnapshotMetadataItemResponseObject, error) {
	md, err := s.writeSnapshotMetadata(ctx, req.SnapshotId, req.Body.Metadata, false, &req.Key)
	if err != nil {
		return nil, err
	}
	return gen.UpdateSnapshotMetadataItem200JSONResponse{Metadata: md}, nil
}

// ShowSnapshotMetadataItem is GET /v2/snapshots/{id}/metadata/{key}.
func (s *Server) ShowSnapshotMetadataItem(ctx context.Context, req gen.ShowSnapshotMetadataItemRequestObject) (gen.ShowSnapshotMetadataItemResponseObject, error) {
	if err := s.snapshotForMetadata(ctx, req.SnapshotId, false); err != nil {
		return nil, err
	}
	item, err := s.metadataItem(ctx, storage.SnapshotMetadata, req.SnapshotId, req.Key, msgSnapshotNotFound)
	if err != nil {
		return nil, err
	}
	return gen.ShowSnapshotMetadataItem200JSONResponse{Meta: item}, nil
}

// DeleteSnapshotMetadataItem is DELETE /v2/snapshots/{id}/metadata/{key}.
func (s *Server) DeleteSnapshotMetadataItem(ctx context.Context, req gen.DeleteSnapshotMetadataItemRequestObject) (gen.DeleteSnapshotMetadataItemResponseObject, error) {
	if err := s.snapshotForMetadata(ctx, req.SnapshotId, true); err != nil {
		return nil, err
	}
	if err := s.deleteMetadataItem(ctx, storage.SnapshotMetadata, req.SnapshotId, req.Key, msgSnapshotNotFound); err != nil {
		return nil, err
	}
	return gen.DeleteSnapshotMetadataItem200Response{}, nil
}
