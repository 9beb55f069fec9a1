package impl

import (
	"context"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// snapshotSource is what a share created from a snapshot takes from it:
// Manila gives the new share its parent's type, zone, host and (by
// default) size.
type snapshotSource struct {
	snapshot storage.ShareSnapshot
	parent   storage.Share
}

// findSnapshotSource looks up the create's snapshot_id, in Manila's order:
// the snapshot (404 for one the caller may not see), its parent share, and
// from 2.24 the parent's create_share_from_snapshot_support. nil without a
// snapshot_id.
func (s *Server) findSnapshotSource(ctx context.Context, body *gen.ShareCreateRequest) (*snapshotSource, error) {
	ri := reqInfo(ctx)
	id := optString(body.Share.SnapshotId)
	if id == "" {
		return nil, nil
	}
	missing := notFound("ShareSnapshotNotFound: Snapshot %s could not be found.", id)
	sn, err := projectScoped(ctx, id, s.db.GetShareSnapshot, func(sn storage.ShareSnapshot) string { return sn.ProjectID }, missing)
	if err != nil {
		return nil, err
	}
	if ok, err := s.allowed(ctx, "share_snapshot:get_snapshot", snapshotTarget(sn)); err != nil || !ok {
		return nil, errors.Join(err, missing)
	}
	parent, err := s.visibleShare(ctx, sn.ShareID, notFound("Share %s could not be found.", sn.ShareID))
	if err != nil {
		return nil, err
	}
	if s.behaves(ri, "share_from_snapshot_capability") && !specTrue(parent.TypeExtraSpecs, "create_share_from_snapshot_support") {
		return nil, badRequest("A new share may not be created from snapshot '%s', because the snapshot's parent share does not have that capability.", sn.ID)
	}
	return &snapshotSource{snapshot: sn, parent: parent}, nil
}

// check is Manila's share API create checks against the source: the
// snapshot available, the size no smaller than the snapshot's, the zone
// and the type (if given) the parent's. It returns the size the share
// gets.
func (src *snapshotSource) check(in *gen.ShareCreateRequest, shareType *storage.ShareType) (int, error) {
	if src.snapshot.Status != state.SnapshotAvailable {
		return 0, badRequest("Invalid share snapshot: status must be '%s'.", state.SnapshotAvailable)
	}
	size := src.snapshot.Size
	if in.Share.Size != nil {
		size = *in.Share.Size
	}
	if size < src.snapshot.Size {
		return 0, badRequest("Invalid input received: Share size '%d' must be equal or greater than snapshot size.", size)
	}
	if az := optString(in.Share.AvailabilityZone); az != "" && az != deref(src.parent.AvailabilityZone) {
		return 0, badRequest("Invalid input received: The specified availability zone must be the same as the parent share when creating from snapshot..")
	}
	if shareType != nil && shareType.ID != deref(src.parent.ShareTypeID) {
		return 0, badRequest("Invalid input received: Invalid share type specified: the requested share type must match the type of the source share. If a share type is not specified when requesting a new share from a snapshot, the share type of the source share will be applied to the new share..")
	}
	return size, nil
}

// place gives the new share its source: the snapshot, the parent's zone
// and host.
func (src *snapshotSource) place(sh *storage.Share) {
	sh.SnapshotID = &src.snapshot.ID
	sh.AvailabilityZone = src.parent.AvailabilityZone
	sh.Host = src.parent.Host
	sh.ShareTypeID = src.parent.ShareTypeID
}
