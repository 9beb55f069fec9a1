package impl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// shareQuotaFault is Manila's check_if_share_quotas_exceeded: gigabytes
// first, then shares; nil when neither went over.
func shareQuotaFault(qe *storage.QuotaError) *Fault {
	switch {
	case qe.Over("gigabytes"):
		return overLimit("ShareSizeExceedsAvailableQuota: Requested share exceeds allowed project/user or share type gigabytes quota.")
	case qe.Over("shares"):
		return overLimit("ShareLimitExceeded: Maximum number of shares allowed (%d) either per project/user or share type quota is exceeded.", qe.Quotas["shares"])
	}
	return nil
}

// groupQuotaFault and groupSnapshotQuotaFault are Manila's
// ShareGroupsLimitExceeded and ShareGroupSnapshotsLimitExceeded, for
// consistency groups and share groups alike.
var (
	groupQuotaFault         = overLimit("ShareGroupsLimitExceeded: Maximum number of allowed share-groups is exceeded.")
	groupSnapshotQuotaFault = overLimit("ShareGroupSnapshotsLimitExceeded: Maximum number of allowed share-group-snapshots is exceeded.")
)

// snapshotQuotaFault is create_snapshot's answer to OverQuota.
func snapshotQuotaFault(qe *storage.QuotaError) *Fault {
	if qe.Over("snapshot_gigabytes") {
		return overLimit("SnapshotSizeExceedsAvailableQuota: Requested snapshot exceeds allowed project/user or share type gigabytes quota.")
	}
	return overLimit("SnapshotLimitExceeded: Maximum number of snapshots allowed (%d) either per project/user or share type quota is exceeded.", qe.Quotas["snapshots"])
}

// checkPerShareQuota is check_is_share_size_within_per_share_quota_limit,
// against the caller's project's per_share_gigabytes.
func (s *Server) checkPerShareQuota(ctx context.Context, size int) error {
	err := s.db.CheckQuotaLimit(ctx, reqInfo(ctx).Caller.ProjectID, "per_share_gigabytes", size)
	var qe *storage.QuotaError
	if errors.As(err, &qe) {
		return overLimit("ShareSizeExceedsLimit: Requested share size %d is larger than maximum allowed limit %d.", size, qe.Quotas["per_share_gigabytes"])
	}
	if err != nil {
		return internalError(err)
	}
	return nil
}

// resizeValue reads new_size (and force) as Manila's
// _get_valid_extend_parameters reads them.
func resizeValue(value json.RawMessage) (size int, force any, err error) {
	var v struct {
		NewSize json.RawMessage `json:"new_size"`
		Force   any             `json:"force"`
	}
	if err := json.Unmarshal(value, &v); err != nil {
		return 0, nil, badRequest("Malformed request body")
	}
	var raw any
	dec := json.NewDecoder(bytes.NewReader(v.NewSize))
	dec.UseNumber()
	n, ok := 0, false
	if dec.Decode(&raw) == nil {
		if _, isBool := raw.(bool); !isBool {
			n, ok = pyInt(raw)
		}
	}
	if !ok {
		return 0, nil, badRequest("New share size must be specified as an integer.")
	}
	return n, v.Force, nil
}

// extendForce is the extend's force: strutils.bool_from_string(strict).
func extendForce(v any) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(x); err == nil && x != "T" && x != "F" {
			return b, nil
		}
		switch x {
		case "yes", "Yes", "YES", "on", "On", "ON", "y", "Y":
			return true, nil
		case "no", "No", "NO", "off", "Off", "OFF", "n", "N":
			return false, nil
		}
	}
	return false, badRequest("Invalid boolean force : %s", plainValue(v))
}

// resizableShare is what extend and shrink check before Manila's share API
// does: the share is visible and not in the recycle bin.
func (s *Server) resizableShare(ctx context.Context, id, verb string) (storage.Share, error) {
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return sh, err
	}
	if sh.IsSoftDeleted {
		return sh, forbidden("Cannot %s share '%s' since it has been soft deleted.", verb, id)
	}
	return sh, nil
}

// beginResize starts the resize job and words its refusals.
func (s *Server) beginResize(ctx context.Context, r storage.ShareResize, statusMsg func(current string) *Fault) (gen.ShareActionResponseObject, error) {
	r.JobDelay = s.cfg.MinTransition
	err := s.db.BeginShareResize(ctx, r)
	var se *storage.StateError
	var be *storage.BusyError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &se):
		return nil, statusMsg(se.Current)
	case errors.As(err, &be):
		return nil, busyFault(be)
	case errors.As(err, &qe):
		// The extend controller turns ShareSizeExceedsAvailableQuota into a
		// 403 with the bare message.
		return nil, forbidden("Requested share exceeds allowed project/user or share type gigabytes quota.")
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("Share %s could not be found.", r.ShareID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ShareAction202Response{}, nil
}

func (s *Server) extendShare(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	ri := reqInfo(ctx)
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	size, rawForce, err := resizeValue(value)
	if err != nil {
		return nil, err
	}
	force := false
	if s.behaves(ri, "extend_force") {
		if force, err = extendForce(rawForce); err != nil {
			return nil, err
		}
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Cannot extend share '%s' since it has been soft deleted.", id)
	}
	rule := "share:extend"
	if force {
		rule = "share:force_extend"
	}
	if err := s.requirePolicy(ctx, rule, shareTarget(sh)); err != nil {
		return nil, err
	}
	refused := func(current string) *Fault {
		return badRequest("Invalid share: Share %s status must be '%s' to extend, but current status is: %s..", sh.ID, state.ShareAvailable, current)
	}
	if !state.ShareExtend.Allows(sh.Status) {
		return nil, refused(string(sh.Status))
	}
	if size <= sh.Size {
		return nil, badRequest("Invalid input received: New size for extend must be greater than current size. (current: %d, extended: %d)..", sh.Size, size)
	}
	if err := s.checkPerShareQuota(ctx, size); err != nil {
		return nil, err
	}
	beyondMax, err := s.allowed(ctx, "share:extend_beyond_max_share_size", shareTarget(sh))
	if err != nil {
		return nil, err
	}
	op := sizeOpExtend
	if beyondMax {
		op = sizeOpAdminExtend
	}
	if err := s.shareSizeFilter(ctx, sh, size, op); err != nil {
		return nil, err
	}
	return s.beginResize(ctx, storage.ShareResize{ShareID: sh.ID, NewSize: size, Begin: state.ShareExtend, Job: storage.JobShareExtend}, refused)
}

func (s *Server) shrinkShare(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	size, _, err := resizeValue(value)
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Cannot shrink share '%s' since it has been soft deleted.", id)
	}
	if err := s.requirePolicy(ctx, "share:shrink", shareTarget(sh)); err != nil {
		return nil, err
	}
	refused := func(current string) *Fault {
		return badRequest("Invalid share: Share %s status must in (%s) to shrink, but current status is: %s..", sh.ID, state.ShareShrinkable.Join(", "), current)
	}
	if !state.ShareShrink.Allows(sh.Status) {
		return nil, refused(string(sh.Status))
	}
	if size >= sh.Size || size <= 0 {
		return nil, badRequest("Invalid input received: New size for shrink must be less than current size and greater than 0 (current: %d, new: %d).", sh.Size, size)
	}
	if err := s.shareSizeFilter(ctx, sh, size, sizeOpShrink); err != nil {
		return nil, err
	}
	return s.beginResize(ctx, storage.ShareResize{ShareID: sh.ID, NewSize: size, Begin: state.ShareShrink, Job: storage.JobShareShrink}, refused)
}

// shareSizeFilter is provision_filter_on_size with the share's type.
func (s *Server) shareSizeFilter(ctx context.Context, sh storage.Share, size int, op sizeOp) error {
	if sh.ShareTypeID == nil {
		return nil
	}
	st, err := s.db.GetShareType(ctx, *sh.ShareTypeID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return internalError(err)
	}
	if f := sizeFilter(&st, size, op); f != nil {
		return f
	}
	return nil
}
