package impl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// softDeleteRetention is Manila's soft_deleted_share_retention_time default.
const softDeleteRetention = 7 * 24 * time.Hour

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pyList renders a list as Python's repr does: ['a', 'b'].
func pyList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// policyRefused is the 403 Manila gives when a check inside its share API
// (not the controller's decorator) fails.
func policyRefused(action string) *Fault {
	return forbidden("Policy doesn't allow %s to be performed.", action)
}

// lookupShare returns a share and whether the caller may see it, as
// Manila's share API get does: public shares are visible to all, private
// ones pass share:get with the share as target.
func (s *Server) lookupShare(ctx context.Context, id string) (storage.Share, bool, error) {
	sh, err := s.db.GetShare(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Share{}, false, nil
	}
	if err != nil {
		return storage.Share{}, false, internalError(err)
	}
	if sh.IsPublic {
		return sh, true, nil
	}
	ok, err := s.allowed(ctx, "share:get", shareTarget(sh))
	if err != nil {
		return storage.Share{}, false, err
	}
	return sh, ok, nil
}

// visibleShare returns the share if the caller may see it, and otherwise
// the fault the endpoint answers with (Manila words it per endpoint).
func (s *Server) visibleShare(ctx context.Context, id string, missing *Fault) (storage.Share, error) {
	sh, visible, err := s.lookupShare(ctx, id)
	if err != nil {
		return storage.Share{}, err
	}
	if !visible {
		return storage.Share{}, missing
	}
	return sh, nil
}

// requirePolicy is a check Manila makes inside its share API rather than in
// the controller's decorator; a refusal names the rule.
func (s *Server) requirePolicy(ctx context.Context, action string, target policy.Target) error {
	ok, err := s.allowed(ctx, action, target)
	if err != nil {
		return err
	}
	if !ok {
		return policyRefused(action)
	}
	return nil
}

// callerTarget is Manila's default policy target: the caller's own project.
func callerTarget(ri *requestInfo) policy.Target {
	return policy.Target{ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID}
}

func shareTarget(sh storage.Share) policy.Target {
	return policy.Target{ProjectID: sh.ProjectID, UserID: sh.UserID, Fields: map[string]any{
		"id": sh.ID, "status": string(sh.Status), "is_public": sh.IsPublic, "share_type_id": deref(sh.ShareTypeID),
	}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var uuidLike = regexp.MustCompile(`^(?i)(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$`)

// isUUIDLike is oslo_utils.uuidutils.is_uuid_like.
func isUUIDLike(s string) bool { return uuidLike.MatchString(s) }

// CreateShare is POST /v2/shares.
func (s *Server) CreateShare(ctx context.Context, req gen.CreateShareRequestObject) (gen.CreateShareResponseObject, error) {
	ri := reqInfo(ctx)
	in := &req.Body.Share
	if err := s.checkShareCreateRefs(ctx, req.Body); err != nil {
		return nil, err
	}
	src, err := s.findSnapshotSource(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	shareType, requested, err := s.createShareType(ctx, req.Body, src)
	if err != nil {
		return nil, err
	}
	group, err := s.joinGroup(ctx, req.Body, shareType)
	if err != nil {
		return nil, err
	}
	size, err := createSize(req.Body, src, shareType)
	if err != nil {
		return nil, err
	}
	if shareType != nil {
		if group == nil && src == nil && specTrue(shareType.ExtraSpecs, "driver_handles_share_servers") {
			return nil, badRequest("Share network must be set when the driver_handles_share_servers is true.")
		}
		if zones, ok := shareType.ExtraSpecs["availability_zones"]; ok && optString(in.AvailabilityZone) != "" && s.behaves(ri, "availability_zone_in_share_type") {
			if !contains(splitCSV(zones), optString(in.AvailabilityZone)) {
				return nil, badRequest("Share type %s is not supported within the availability zone chosen %s.", requested, optString(in.AvailabilityZone))
			}
		}
		if f := checkSizeLimits(shareType, size); f != nil {
			return nil, f
		}
	}
	sh, err := newShareRow(ri, req.Body, shareType, group, size)
	if err != nil {
		return nil, err
	}
	if net := optString(in.ShareNetworkId); net != "" {
		if err := s.networkServesZone(ctx, ri, net, optString(in.AvailabilityZone), shareType); err != nil {
			return nil, err
		}
		// The backend does not handle share servers: the share fails
		// (error, and a user message) when its job runs, as Manila's
		// share manager fails it.
		sh.ShareNetworkID = &net
	}
	if src != nil {
		src.place(&sh)
	}
	if err := s.checkPerShareQuota(ctx, size); err != nil {
		return nil, err
	}
	created, err := s.db.CreateShare(ctx, sh, s.cfg.MinTransition)
	var se *storage.StateError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &qe) && shareQuotaFault(qe) != nil:
		return nil, shareQuotaFault(qe)
	case errors.As(err, &se) && optString(in.ShareGroupId) != "":
		return nil, badRequest("Share group status must be available, got %s.", se.Current)
	case errors.As(err, &se):
		return nil, badRequest("Consistency group status must be available, got%s.", se.Current)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.CreateShare200JSONResponse{Share: s.shareView(ri, created)}, nil
}

// publicFlag reads an is_public the spec has validated: a boolean, a
// string oslo's bool_from_string(strict=True) accepts, or 0/1.
func publicFlag(v *any) (set, public bool) {
	if v == nil {
		return false, false
	}
	switch x := (*v).(type) {
	case bool:
		return true, x
	case string:
		b, _ := parseStrictBool(x)
		return true, b
	case float64:
		return true, x != 0
	}
	return true, false
}

// checkShareCreateRefs refuses what a create names that manilite does not
// have (another zone), a share network Manila refuses
// and a public share the caller may not create.
func (s *Server) checkShareCreateRefs(ctx context.Context, body *gen.ShareCreateRequest) error {
	ri, in := reqInfo(ctx), &body.Share
	if _, public := publicFlag(in.IsPublic); public {
		ok, err := s.allowed(ctx, "share:create_public_share", callerTarget(ri))
		if err != nil {
			return err
		}
		if !ok {
			return forbidden("User is not authorized to set 'is_public' to True in the request.")
		}
	}
	if az := optString(in.AvailabilityZone); az != "" && az != s.cfg.AvailabilityZone {
		return notFound("Availability zone %s could not be found.", az)
	}
	if net := optString(in.ShareNetworkId); net != "" {
		if err := s.checkShareNetwork(ctx, net, optString(in.AvailabilityZone)); err != nil {
			return err
		}
	}
	if in.ShareType.IsSpecified() && in.VolumeType.IsSpecified() {
		return badRequest("Cannot specify both share_type and volume_type")
	}
	return nil
}

// createShareType is the type a new share gets, and the name or id the
// request gave: a UUID-like value is an id, anything else a name; none
// given means the snapshot's parent's type, or else the configured
// default, if it exists.
func (s *Server) createShareType(ctx context.Context, body *gen.ShareCreateRequest, src *snapshotSource) (*storage.ShareType, string, error) {
	ri, in := reqInfo(ctx), &body.Share
	requested := optString(in.ShareType)
	if requested == "" {
		requested = optString(in.VolumeType)
	}
	if requested == "" && src != nil {
		if src.parent.ShareTypeID == nil {
			return nil, "", nil
		}
		st, err := s.db.GetShareType(ctx, *src.parent.ShareTypeID)
		if err != nil {
			return nil, "", notFoundOr(err)
		}
		return &st, "", nil
	}
	if requested == "" {
		st, err := s.db.GetShareTypeByName(ctx, s.cfg.DefaultShareType)
		switch {
		case err == nil:
			return &st, "", nil
		case errors.Is(err, storage.ErrNotFound):
			return nil, "", nil
		}
		return nil, "", internalError(err)
	}
	var st storage.ShareType
	var err error
	if isUUIDLike(requested) {
		st, err = s.db.GetShareType(ctx, requested)
	} else {
		st, err = s.db.GetShareTypeByName(ctx, requested)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "", notFound("Share type not found.")
	}
	if err != nil {
		return nil, "", internalError(err)
	}
	if !st.IsPublic && !ri.Caller.IsAdmin() {
		usable, err := s.db.ShareTypeUsable(ctx, st.ID, ri.Caller.ProjectID)
		if err != nil {
			return nil, "", internalError(err)
		}
		if !usable {
			return nil, "", notFound("Share type not found.")
		}
	}
	return &st, requested, nil
}

// joinGroup is the group a new share joins, if it names one: a share
// group (share_group_id, 2.31+) or a consistency group
// (consistency_group_id, which needs no experimental header: old clients
// send it without). Both are the same records; the messages are each
// API's.
func (s *Server) joinGroup(ctx context.Context, body *gen.ShareCreateRequest, shareType *storage.ShareType) (*storage.ShareGroup, error) {
	if id := optString(body.Share.ShareGroupId); id != "" {
		return s.joinShareGroup(ctx, body, id, shareType)
	}
	cgID := optString(body.Share.ConsistencyGroupId)
	if cgID == "" {
		return nil, nil
	}
	g, err := s.visibleCG(ctx, cgID)
	if err != nil {
		return nil, badRequest("ConsistencyGroup %s could not be found.", cgID)
	}
	if !state.ConsistencyGroupUsable.Contains(g.Status) {
		return nil, badRequest("Consistency group status must be available, got%s.", g.Status)
	}
	if shareType != nil && !contains(g.ShareTypes, shareType.ID) {
		return nil, badRequest("The specified share type (%s) is not supported by the specified consistency group (%s).", shareType.ID, g.ID)
	}
	return &g, nil
}

// joinShareGroup is Manila's check of a share group a new share names
// (manila/api/v2/shares.py, then manila/share/api.py create).
func (s *Server) joinShareGroup(ctx context.Context, body *gen.ShareCreateRequest, id string, shareType *storage.ShareType) (*storage.ShareGroup, error) {
	g, err := s.visibleShareGroup(ctx, id)
	if err != nil {
		return nil, notFound("Share group %s could not be found.", id)
	}
	if !state.ConsistencyGroupUsable.Contains(g.Status) {
		return nil, badRequest("Share group status must be available, got %s.", g.Status)
	}
	if shareType != nil && !contains(g.ShareTypes, shareType.ID) {
		return nil, badRequest("The specified share type (%s) is not supported by the specified share group (%s).", shareType.ID, g.ID)
	}
	if optString(body.Share.ShareNetworkId) != derefOr(g.ShareNetworkID, "") {
		return nil, badRequest("The specified share network (%s) is not supported by the specified share group (%s).", pyStr(optString(body.Share.ShareNetworkId)), g.ID)
	}
	return &g, nil
}

// derefOr is *p, or def when p is nil.
func derefOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// createSize is the new share's size: the request's, or with a snapshot
// and none given the snapshot's (checked against the source).
func createSize(body *gen.ShareCreateRequest, src *snapshotSource, shareType *storage.ShareType) (int, error) {
	if src != nil {
		return src.check(body, shareType)
	}
	if body.Share.Size == nil {
		return 0, badRequest("Invalid input received: Share size 'None' must be an integer and greater than 0.")
	}
	return *body.Share.Size, nil
}

// newShareRow is the row a create inserts.
func newShareRow(ri *requestInfo, body *gen.ShareCreateRequest, shareType *storage.ShareType, group *storage.ShareGroup, size int) (storage.Share, error) {
	in := &body.Share
	md := map[string]string{}
	if in.Metadata.IsSpecified() && !in.Metadata.IsNull() {
		md = in.Metadata.MustGet()
		if f := checkMetadata(md); f != nil {
			return storage.Share{}, f
		}
	}
	name := in.DisplayName
	if in.Name.IsSpecified() {
		name = in.Name
	}
	desc := in.DisplayDescription
	if in.Description.IsSpecified() {
		desc = in.Description
	}
	_, public := publicFlag(in.IsPublic)
	sh := storage.Share{
		ID:          uuid.NewString(),
		ProjectID:   ri.Caller.ProjectID,
		UserID:      ri.Caller.UserID,
		Name:        optPtr(name),
		Description: optPtr(desc),
		Size:        size,
		Proto:       strings.ToUpper(in.ShareProto),
		Status:      state.ShareInitial,
		IsPublic:    public,
		Host:        ptr(""),
		Metadata:    md,
	}
	if az := optString(in.AvailabilityZone); az != "" {
		sh.AvailabilityZone = &az
	}
	if shareType != nil {
		sh.ShareTypeID = &shareType.ID
	}
	if group != nil {
		sh.ShareGroupID = &group.ID
	}
	return sh, nil
}

func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkSizeLimits applies the type's provisioning:min/max_share_size to a
// new share.
func checkSizeLimits(st *storage.ShareType, size int) *Fault {
	return sizeFilter(st, size, sizeOpCreate)
}

// sizeOp is provision_filter_on_size's operation: which of the type's
// provisioning size limits apply.
type sizeOp struct{ min, max, maxExtend bool }

var (
	sizeOpCreate      = sizeOp{min: true, max: true}
	sizeOpShrink      = sizeOp{min: true}
	sizeOpExtend      = sizeOp{max: true}
	sizeOpAdminExtend = sizeOp{maxExtend: true}
)

// sizeFilter is Manila's provision_filter_on_size.
func sizeFilter(st *storage.ShareType, size int, op sizeOp) *Fault {
	limit := func(key string) (int, bool) {
		n, err := strconv.Atoi(st.ExtraSpecs[key])
		return n, err == nil
	}
	if min, ok := limit("provisioning:min_share_size"); ok && op.min && size < min {
		return badRequest("Invalid input received: Specified share size of '%d' is less than the minimum required size of '%d' for share type '%s'.", size, min, st.Name)
	}
	if max, ok := limit("provisioning:max_share_size"); ok && op.max && size > max {
		return badRequest("Invalid input received: Specified share size of '%d' is greater than the maximum allowable size of '%d' for share type '%s'.", size, max, st.Name)
	}
	if max, ok := limit("provisioning:max_share_extend_size"); ok && op.maxExtend && size > max {
		return badRequest("Invalid input received: Specified share size of '%d' is greater than the maximum allowable extend size of '%d' for share type '%s'.", size, max, st.Name)
	}
	return nil
}

// checkMetadata is Manila's _check_metadata_properties.
func checkMetadata(md map[string]string) *Fault {
	for k, v := range md {
		switch {
		case k == "":
			return badRequest("Metadata property key is blank.")
		case len(k) > 255:
			return badRequest("Metadata property key is greater than 255 characters.")
		case v == "":
			return badRequest("Metadata property value is blank.")
		case len(v) > 1023:
			return badRequest("Metadata property value is greater than 1023 characters.")
		}
	}
	return nil
}

// ShowShare is GET /v2/shares/{id}.
func (s *Server) ShowShare(ctx context.Context, req gen.ShowShareRequestObject) (gen.ShowShareResponseObject, error) {
	sh, err := s.visibleShare(ctx, req.ShareId, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	return gen.ShowShare200JSONResponse{Share: s.shareView(reqInfo(ctx), sh)}, nil
}

// UpdateShare is PUT /v2/shares/{id}.
func (s *Server) UpdateShare(ctx context.Context, req gen.UpdateShareRequestObject) (gen.UpdateShareResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.Share
	sh, err := s.visibleShare(ctx, req.ShareId, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Share '%s cannot be updated, since it has been soft deleted.", sh.ID)
	}
	var u storage.ShareUpdate
	if set, pub := publicFlag(in.IsPublic); set {
		if pub {
			ok, err := s.allowed(ctx, "share:set_public_share", callerTarget(ri))
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, forbidden("User is not authorized to set 'is_public' to True in the request.")
			}
		}
		u.IsPublic = &pub
	}
	if err := s.requirePolicy(ctx, "share:update", shareTarget(sh)); err != nil {
		return nil, err
	}
	if in.DisplayName.IsSpecified() {
		u.Name, u.ClearName = optPtr(in.DisplayName), in.DisplayName.IsNull()
	}
	if in.DisplayDescription.IsSpecified() {
		u.Description, u.ClearDescription = optPtr(in.DisplayDescription), in.DisplayDescription.IsNull()
	}
	updated, err := s.db.UpdateShare(ctx, sh.ID, u)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound(defaultNotFound)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateShare200JSONResponse{Share: s.shareView(ri, updated)}, nil
}

// DeleteShare is DELETE /v2/shares/{id}: the share goes to "deleting" and a
// job removes its data and then the row.
//
// A share in a group is deleted only by naming its group: share_group_id,
// as Manila asks today, or consistency_group_id, as it asked before 2.31.
func (s *Server) DeleteShare(ctx context.Context, req gen.DeleteShareRequestObject) (gen.DeleteShareResponseObject, error) {
	sh, err := s.visibleShare(ctx, req.ShareId, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	if err := s.checkGroupOnDelete(reqInfo(ctx), sh, req.Params); err != nil {
		return nil, err
	}
	if err := s.requirePolicy(ctx, "share:delete", shareTarget(sh)); err != nil {
		return nil, err
	}
	err = s.db.BeginShareDelete(ctx, sh.ID, state.ShareDelete, s.cfg.MinTransition)
	var se *storage.StateError
	var de *storage.DependentsError
	switch {
	case errors.As(err, &se):
		return nil, forbidden("Invalid share: Share status must be one of %s.", state.ShareDeletable.Tuple())
	case errors.As(err, &de):
		return nil, forbidden("Invalid share: Share still has %d dependent %s.", de.Count, s.dependentsWords(reqInfo(ctx), de.What))
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteShare202Response{}, nil
}

// shareActionTable binds the handlers x-manila-actions names for shares.
func (s *Server) shareActionTable() actionTable[gen.ShareActionResponseObject] {
	return actionTable[gen.ShareActionResponseObject]{
		"reset_status": s.resetShareStatus,
		"force_delete": s.forceDeleteShare,
		"soft_delete":  s.softDeleteShare,
		"restore":      s.restoreShare,
		"extend":       s.extendShare,
		"shrink":       s.shrinkShare,

		"reset_task_state":       s.resetShareTaskState,
		"migration_start":        s.migrationStart,
		"migration_complete":     s.migrationComplete,
		"migration_cancel":       s.migrationCancel,
		"migration_get_progress": s.migrationGetProgress,
		"unmanage":               s.unmanageShare,
		"revert":                 s.revertShare,
		"allow_access":           s.allowAccess,
		"deny_access":            s.denyAccess,
		"access_list":            s.accessList,
	}
}

// ShareAction is POST /v2/shares/{id}/action.
func (s *Server) ShareAction(ctx context.Context, req gen.ShareActionRequestObject) (gen.ShareActionResponseObject, error) {
	return s.actions.share.run(ctx, req.ShareId)
}

func (s *Server) resetShareStatus(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	// Manila's schema rejects a status that is not a share status at all
	// before it looks the share up; the admin-action checks come after.
	status, err := resetStatusValue(value)
	if err != nil {
		return nil, err
	}
	if status != nil && !state.ShareStatuses.Contains(state.ShareStatus(*status)) {
		return nil, badRequest("Invalid input for field/attribute status. Value: %s. '%s' is not one of %s", *status, *status, state.ShareStatuses.List())
	}
	sh, err := s.visibleShare(ctx, id, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	// os-reset_status (below 2.7) looks the share up before its rule.
	if err := s.authorizeAfterLookup(ctx, callerTarget(reqInfo(ctx)), nil); err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("status cannot be reset for share '%s' since it has been soft deleted.", sh.ID)
	}
	reset, err := resetTarget(value, state.ShareResetStatus)
	if err != nil {
		return nil, err
	}
	if err := s.setShareStatusByReset(ctx, sh.ID, reset.To); err != nil {
		return nil, err
	}
	return gen.ShareAction202Response{}, nil
}

// setShareStatusByReset sets the share's status as an admin's reset does,
// with Manila's answers for a busy share and a missing one.
func (s *Server) setShareStatusByReset(ctx context.Context, id string, to state.ShareStatus) error {
	err := s.db.ResetShareStatus(ctx, id, to)
	var be *storage.BusyError
	if errors.As(err, &be) {
		return busyFault(be)
	}
	if err != nil {
		return notFoundOr(err)
	}
	return nil
}

func (s *Server) forceDeleteShare(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.visibleShare(ctx, id, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	// Force delete skips the status check; dependents still block it, and
	// Manila's admin-action mixin lets those surface as 400.
	err = s.db.BeginShareDelete(ctx, sh.ID, state.ShareForceDelete, 0)
	var de *storage.DependentsError
	switch {
	case errors.As(err, &de):
		return nil, badRequest("Invalid share: Share still has %d dependent %s.", de.Count, de.What)
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.ShareAction202Response{}, nil
}

func (s *Server) softDeleteShare(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.visibleShare(ctx, id, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	if err := s.requirePolicy(ctx, "share:soft_delete", shareTarget(sh)); err != nil {
		return nil, err
	}
	err = s.db.SoftDeleteShareToBin(ctx, sh.ID, state.ShareDeletable, time.Now().Add(softDeleteRetention))
	var se *storage.StateError
	var de *storage.DependentsError
	switch {
	case errors.As(err, &se) && se.Current == "soft_deleted":
		return nil, forbidden("Invalid share: The share has been soft deleted already.")
	case errors.As(err, &se):
		return nil, forbidden("Invalid share: Share status must be one of %s.", state.ShareDeletable.Tuple())
	case errors.As(err, &de):
		return nil, forbidden("Invalid share: Share still has %d dependent %s.", de.Count, de.What)
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case err != nil:
		return nil, internalError(err)
	}
	return gen.ShareAction202Response{}, nil
}

func (s *Server) restoreShare(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	if _, err := s.visibleShare(ctx, id, notFound("No share exists with ID %s.", id)); err != nil {
		return nil, err
	}
	restored, err := s.db.RestoreShareFromBin(ctx, id, state.ShareBeingDeleted)
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return nil, forbidden("Share %s is being deleted or has suffered an error during deletion, cannot be restored.", id)
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("No share exists with ID %s.", id)
	case err != nil:
		return nil, internalError(err)
	}
	if !restored {
		return gen.ShareAction200Response{}, nil
	}
	return gen.ShareAction202Response{}, nil
}

// ListShares is GET /v2/shares.
func (s *Server) ListShares(ctx context.Context, req gen.ListSharesRequestObject) (gen.ListSharesResponseObject, error) {
	ri := reqInfo(ctx)
	shares, count, links, err := s.listShares(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListShares200JSONResponse{Shares: make([]gen.ShareSummary, len(shares)), Count: count, SharesLinks: links}
	for i, sh := range shares {
		out.Shares[i] = s.shareSummary(ri, sh)
	}
	return out, nil
}

// ListSharesDetail is GET /v2/shares/detail.
func (s *Server) ListSharesDetail(ctx context.Context, req gen.ListSharesDetailRequestObject) (gen.ListSharesDetailResponseObject, error) {
	ri := reqInfo(ctx)
	shares, count, links, err := s.listShares(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListSharesDetail200JSONResponse{Shares: make([]gen.ShareDetail, len(shares)), Count: count, SharesLinks: links}
	for i, sh := range shares {
		out.Shares[i] = s.shareView(ri, sh)
	}
	return out, nil
}

// listShares reads the filters the pipeline kept: those outside their
// version range, or admin-only ones a non-admin sent, are gone already.
func (s *Server) listShares(ctx context.Context, limit, offset *int) ([]storage.Share, *int, *[]gen.Link, error) {
	ri := reqInfo(ctx)
	f, withCount, err := s.shareFilter(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if f.SortColumn, f.SortDesc, err = listOrder(ri.query, storage.ShareSortKeys); err != nil {
		return nil, nil, nil, err
	}
	// Manila applies offset only together with limit.
	if limit != nil {
		f.Limit = limit
		if offset != nil {
			f.Offset = *offset
		}
	}
	shares, total, err := s.db.ListShares(ctx, f, withCount)
	if err != nil {
		return nil, nil, nil, internalError(err)
	}
	var last string
	if len(shares) > 0 {
		last = shares[len(shares)-1].ID
	}
	return shares, countIf(withCount, total), ri.pageLinks("shares", limit, len(shares), last), nil
}

// shareFilter is the share list's query as a storage filter, and whether
// the total count is asked for.
func (s *Server) shareFilter(ctx context.Context) (storage.ShareFilter, bool, error) {
	ri := reqInfo(ctx)
	q := ri.query
	get := func(key string) *string {
		if !q.Has(key) {
			return nil
		}
		val := q.Get(key)
		return &val
	}
	f := storage.ShareFilter{ProjectID: ri.Caller.ProjectID}
	if q.Has("all_tenants") {
		all, err := queryBool(q, "all_tenants", true, strictBoolMessage)
		if err != nil {
			return f, false, err
		}
		if all {
			f.ProjectID = q.Get("project_id")
		}
	}
	var err error
	if f.IncludePublic, err = queryBool(q, "is_public", false, strictBoolMessage); err != nil {
		return f, false, err
	}
	// Manila moves name and description (2.36+) over display_name and
	// display_description, which it takes at every version.
	first := func(keys ...string) *string {
		for _, k := range keys {
			if v := get(k); v != nil {
				return v
			}
		}
		return nil
	}
	f.Name, f.Status, f.ShareTypeID = first("name", "display_name"), get("status"), get("share_type_id")
	f.SnapshotID, f.ShareNetworkID, f.ShareGroupID = get("snapshot_id"), get("share_network_id"), first("share_group_id", "consistency_group_id")
	f.ExportLocationID, f.ExportLocationPath = get("export_location_id"), get("export_location_path")
	f.NameLike, f.Description, f.DescriptionLike = get("name~"), first("description", "display_description"), get("description~")
	// host, share_server_id and extra_specs need a rule of their own: the
	// spec's x-manila-policy-required, checked by the pipeline.
	f.Host = get("host")
	// manilite has no share servers: nothing is on any.
	if q.Has("share_server_id") {
		f.IDs = []string{""}
	}
	for _, dict := range []struct {
		key, what string
		dst       *map[string]string
	}{{"metadata", "metadata", &f.Metadata}, {"extra_specs", "extra specs", &f.ExtraSpecs}} {
		if raw := get(dict.key); raw != nil {
			parsed, err := parseDictLiteral(*raw)
			if err != nil {
				return f, false, badRequest("Invalid input received: Wrong %s filter provided: %s.", dict.what, *raw)
			}
			*dict.dst = parsed
		}
	}
	expecting := func(key string) func(string) string {
		return func(v string) string { return fmt.Sprintf("Invalid value %s for %s. Expecting a boolean.", v, key) }
	}
	if f.IsSoftDeleted, err = queryBool(q, "is_soft_deleted", false, expecting("is_soft_deleted")); err != nil {
		return f, false, err
	}
	withCount, err := queryBool(q, "with_count", false, expecting("with_count"))
	return f, withCount, err
}

// queryBool reads a boolean query parameter as oslo's strict booleans; an
// absent one is false, an empty one whenEmpty; refused tells the message.
func queryBool(q url.Values, key string, whenEmpty bool, refused func(string) string) (bool, error) {
	if !q.Has(key) {
		return false, nil
	}
	raw := q.Get(key)
	if raw == "" && whenEmpty {
		return true, nil
	}
	b, ok := parseStrictBool(raw)
	if !ok {
		return false, badRequest("%s", refused(raw))
	}
	return b, nil
}

// listOrder is a list's sort column and direction: sort_key (the spec's
// enum has refused unknown keys) through the list's key table, and sort_dir
// asc or desc in any case (default created_at, desc).
func listOrder(q url.Values, keys map[string]string) (string, bool, error) {
	sortKey, sortDir := "created_at", "desc"
	if q.Has("sort_key") {
		sortKey = q.Get("sort_key")
	}
	if q.Has("sort_dir") {
		sortDir = q.Get("sort_dir")
	}
	switch strings.ToLower(sortDir) {
	case "asc":
		return keys[sortKey], false, nil
	case "desc":
		return keys[sortKey], true, nil
	}
	return "", false, badRequest("Invalid input received: Wrong sorting data provided: sort key is '%s' and sort direction is '%s'.", sortKey, sortDir)
}

// pageLinks is a list's links: Manila's next link when a page came back
// full (n items of limit), after the item last.
func (ri *requestInfo) pageLinks(collection string, limit *int, n int, last string) *[]gen.Link {
	if limit == nil || *limit <= 0 || n != *limit {
		return nil
	}
	return &[]gen.Link{{Rel: "next", Href: ri.nextLink(collection, last)}}
}

// countIf is the list's count when with_count asked for it.
func countIf(withCount bool, total int) *int {
	if !withCount {
		return nil
	}
	return &total
}

// nextLink is Manila's collection "next" link: the original query (raw, in
// order) with marker set to the last item's id, under the project id in the
// request URL, if any.
func (ri *requestInfo) nextLink(collection, marker string) string {
	return ri.nextLinkIn(ri.URLProject, collection, marker)
}

// nextLinkIn is nextLink under project ("" for none).
func (ri *requestInfo) nextLinkIn(project, collection, marker string) string {
	var parts []string
	placed := false
	for _, kv := range strings.Split(ri.rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		if k == "marker" {
			if !placed {
				parts = append(parts, "marker="+marker)
				placed = true
			}
			continue
		}
		parts = append(parts, kv)
	}
	if !placed {
		parts = append(parts, "marker="+marker)
	}
	if project != "" {
		project = "/" + project
	}
	return ri.BaseURL + "/v2" + project + "/" + collection + "?" + strings.Join(parts, "&")
}

// busyFault is Manila's ShareBusyException (409) for a share whose
// consistency group snapshot is being taken.
func busyFault(be *storage.BusyError) *Fault {
	return conflict("Share is busy with an active task: Share %s is busy as part of an active task: consistency group snapshot in progress.", be.ShareID)
}

// checkGroupOnDelete is Manila's check that a delete names the group of a
// share in one, in the words of the parameter the caller used.
func (s *Server) checkGroupOnDelete(ri *requestInfo, sh storage.Share, p gen.DeleteShareParams) error {
	if sh.ShareGroupID == nil {
		return nil
	}
	oldWords := p.ConsistencyGroupId != nil || !s.behaves(ri, "share_groups")
	if p.ShareGroupId == nil && oldWords {
		given := ""
		if p.ConsistencyGroupId != nil {
			given = *p.ConsistencyGroupId
		}
		switch {
		case given == "":
			return badRequest("Must provide 'consistency_group_id' as a request parameter when deleting a share in a consistency group.")
		case given != *sh.ShareGroupID:
			return badRequest("The specified 'consistency_group_id' does not match the consistency group id of the share.")
		}
		return nil
	}
	given := ""
	if p.ShareGroupId != nil {
		given = *p.ShareGroupId
	}
	switch {
	case given == "":
		return badRequest("Must provide 'share_group_id' as a request parameter when deleting a share in a share group.")
	case given != *sh.ShareGroupID:
		return badRequest("The specified 'share_group_id' does not match the share group id of the share.")
	}
	return nil
}
