package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Share groups (2.31+) are the records the consistency group API (2.4+)
// shows too: one engine, two views, as in Manila once its consistency
// groups became share groups.

func (s *Server) shareGroupView(ri *requestInfo, g storage.ShareGroup) gen.ShareGroup {
	return gen.ShareGroup{
		Id:                         g.ID,
		Name:                       ns(g.Name),
		CreatedAt:                  storage.FormatTime(g.CreatedAt),
		Status:                     string(g.Status),
		Description:                ns(g.Description),
		ProjectId:                  g.ProjectID,
		Host:                       ns(g.Host),
		ShareGroupTypeId:           ns(g.ShareGroupTypeID),
		SourceShareGroupSnapshotId: ns(g.SourceShareGroupSnapshotID),
		ShareNetworkId:             ns(g.ShareNetworkID),
		ShareTypes:                 g.ShareTypes,
		Links:                      cgLinks(ri, "share_groups", g.ID),
		// From 2.34 and for admins only: the spec's annotations.
		AvailabilityZone:          ns(g.AvailabilityZone),
		ConsistentSnapshotSupport: ns(g.ConsistentSnapshotSupport),
		ShareServerId:             ns(g.ShareServerID),
	}
}

func errNotFoundShareGroup(id string) *Fault { return notFound("Share group %s not found.", id) }

// visibleShareGroup is Manila's project-scoped share group lookup.
func (s *Server) visibleShareGroup(ctx context.Context, id string) (storage.ShareGroup, error) {
	return projectScoped(ctx, id, s.db.GetShareGroup, func(g storage.ShareGroup) string { return g.ProjectID }, errNotFoundShareGroup(id))
}

// CreateShareGroup is POST /v2/share-groups.
func (s *Server) CreateShareGroup(ctx context.Context, req gen.CreateShareGroupRequestObject) (gen.CreateShareGroupResponseObject, error) {
	ri := reqInfo(ctx)
	in := &req.Body.ShareGroup
	plan, err := s.shareGroupCreatePlan(ctx, in)
	if err != nil {
		return nil, err
	}
	g := storage.ShareGroup{
		ID:               storage.NewID(),
		ProjectID:        ri.Caller.ProjectID,
		UserID:           ri.Caller.UserID,
		Name:             optPtr(in.Name),
		Description:      optPtr(in.Description),
		Status:           state.ConsistencyGroupInitial,
		ShareGroupTypeID: &plan.groupType.ID,
		AvailabilityZone: plan.zone,
		ShareTypes:       plan.shareTypes,
	}
	var created storage.ShareGroup
	if plan.source != "" {
		created, err = s.createShareGroupFromSnapshot(ctx, g, plan.source)
	} else {
		created, err = s.db.CreateShareGroup(ctx, g, s.cfg.MinTransition)
		var qe *storage.QuotaError
		if errors.As(err, &qe) {
			return nil, groupQuotaFault
		}
		if err != nil {
			return nil, internalError(err)
		}
	}
	if err != nil {
		return nil, err
	}
	s.cfg.Jobs.Notify()
	return gen.CreateShareGroup202JSONResponse{ShareGroup: s.shareGroupView(ri, created)}, nil
}

// shareGroupPlan is what a create checked: the group type, the share
// types of a group made empty, its zone, or the snapshot it is made from.
type shareGroupPlan struct {
	groupType  storage.ShareGroupType
	shareTypes []string
	zone       *string
	source     string
}

// shareGroupCreatePlan checks a create's body in Manila's order
// (manila/api/v2/share_groups.py, then manila/share_group/api.py).
func (s *Server) shareGroupCreatePlan(ctx context.Context, in *gen.ShareGroupCreateRequest_ShareGroup) (shareGroupPlan, error) {
	var plan shareGroupPlan
	if len(in.AdditionalProperties) > 0 {
		return plan, badRequest("The fields %s are invalid.", pySet(extraKeys(in.AdditionalProperties)))
	}
	fromSnapshot := in.SourceShareGroupSnapshotId.IsSpecified()
	if in.ShareTypes.IsSpecified() && fromSnapshot {
		return plan, badRequest("Cannot supply both 'share_types' and 'source_share_group_snapshot_id' attributes.")
	}
	var typeIDs []string
	if in.ShareTypes.IsSpecified() && !in.ShareTypes.IsNull() {
		typeIDs = in.ShareTypes.MustGet()
	}
	if len(typeIDs) == 0 && !fromSnapshot {
		def, err := s.db.GetShareTypeByName(ctx, s.cfg.DefaultShareType)
		if errors.Is(err, storage.ErrNotFound) {
			return plan, badRequest("Must specify at least one share type as a default share type has not been configured.")
		}
		if err != nil {
			return plan, internalError(err)
		}
		typeIDs = []string{def.ID}
	}
	for _, id := range typeIDs {
		if !isUUIDLike(id) {
			return plan, badRequest("The 'share_types' attribute must be a list of uuids")
		}
	}
	network := in.ShareNetworkId.IsSpecified()
	if network && fromSnapshot {
		return plan, badRequest("Cannot supply both 'share_network_id' and 'source_share_group_snapshot_id' attributes as the share network is inherited from the source.")
	}
	if zone := optString(in.AvailabilityZone); zone != "" {
		if fromSnapshot {
			return plan, badRequest("Cannot supply both 'availability_zone' and 'source_share_group_snapshot_id' attributes as the availability zone is inherited from the source.")
		}
		if zone != s.cfg.AvailabilityZone {
			return plan, notFound("Availability zone %s could not be found.", zone)
		}
		plan.zone = &s.cfg.AvailabilityZone
	}
	if fromSnapshot {
		plan.source = optString(in.SourceShareGroupSnapshotId)
		if !isUUIDLike(plan.source) {
			return plan, badRequest("The 'source_share_group_snapshot_id' attribute must be a uuid.")
		}
	} else if network && !isUUIDLike(optString(in.ShareNetworkId)) {
		return plan, badRequest("The 'share_network_id' attribute must be a uuid.")
	}
	gt, err := s.shareGroupTypeOf(ctx, in)
	if err != nil {
		return plan, err
	}
	plan.groupType = gt
	if plan.source != "" {
		return plan, nil
	}
	if err := s.checkGroupShareTypes(ctx, typeIDs, gt, optString(in.ShareNetworkId), optString(in.AvailabilityZone)); err != nil {
		return plan, err
	}
	plan.shareTypes = typeIDs
	return plan, nil
}

// shareGroupTypeOf is the group type a create names, or the configured
// default; a private type the caller was not granted does not exist.
func (s *Server) shareGroupTypeOf(ctx context.Context, in *gen.ShareGroupCreateRequest_ShareGroup) (storage.ShareGroupType, error) {
	ri := reqInfo(ctx)
	if !in.ShareGroupTypeId.IsSpecified() {
		gt, err := s.db.GetShareGroupTypeByName(ctx, s.cfg.DefaultShareGroupType)
		if errors.Is(err, storage.ErrNotFound) {
			return gt, badRequest("Must specify a share group type as a default share group type has not been configured.")
		}
		if err != nil {
			return gt, internalError(err)
		}
		return gt, nil
	}
	id := optString(in.ShareGroupTypeId)
	if !isUUIDLike(id) {
		return storage.ShareGroupType{}, badRequest("The 'share_group_type_id' attribute must be a uuid.")
	}
	gt, err := s.db.GetShareGroupType(ctx, id)
	if err == nil && !gt.IsPublic && !ri.Caller.IsAdmin() {
		var ok bool
		if ok, err = s.db.ShareGroupTypeUsable(ctx, id, ri.Caller.ProjectID); err == nil && !ok {
			err = storage.ErrNotFound
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		return gt, badRequest("Invalid input received: The specified share group type %s does not exist.", id)
	}
	if err != nil {
		return gt, internalError(err)
	}
	return gt, nil
}

// checkGroupShareTypes is share_group/api.py's check of an empty group's
// share types: each exists, they agree on driver_handles_share_servers
// (and so on the network), they are among the group type's, and the zone
// is one they are offered in.
func (s *Server) checkGroupShareTypes(ctx context.Context, typeIDs []string, gt storage.ShareGroupType, network, zone string) error {
	var dhss *bool
	var types []storage.ShareType
	for _, id := range typeIDs {
		st, err := s.db.GetShareType(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return badRequest("Share type with id %s could not be found.", id)
		}
		if err != nil {
			return internalError(err)
		}
		types = append(types, st)
		v := specTrue(st.ExtraSpecs, "driver_handles_share_servers")
		if dhss != nil && *dhss != v {
			return badRequest("Invalid input received: The specified share_types cannot have conflicting values for the driver_handles_share_servers extra spec.")
		}
		dhss = &v
		if !v && network != "" {
			return badRequest("Invalid input received: When using a share types with the driver_handles_share_servers extra spec as False, a share_network_id must not be provided.")
		}
	}
	if network != "" {
		if _, err := s.db.GetShareNetwork(ctx, network); err != nil {
			return badRequest("Invalid input received: The specified share network does not exist.")
		}
	}
	if dhss != nil && *dhss && network == "" {
		return badRequest("Invalid input received: When using a share type with the driver_handles_share_servers extra spec as True, a share_network_id must be provided.")
	}
	for _, id := range typeIDs {
		if !contains(gt.ShareTypes, id) {
			return badRequest("Invalid input received: The specified share types must be a subset of the share types supported by the share group type.")
		}
	}
	var unsupported []string
	for _, st := range types {
		if zones := st.ExtraSpecs["availability_zones"]; zones != "" && zone != "" && !contains(strings.Split(zones, ","), zone) {
			unsupported = append(unsupported, st.Name+" (ID: "+st.ID+")")
		}
	}
	if len(unsupported) > 0 {
		return badRequest("Invalid input received: Share group cannot be created since the following share types are not supported within the availability zone '%s': (%s)", zone, strings.Join(unsupported, ", "))
	}
	return nil
}

// createShareGroupFromSnapshot makes g with one new share per member of
// the source snapshot, on the source group's host.
func (s *Server) createShareGroupFromSnapshot(ctx context.Context, g storage.ShareGroup, source string) (storage.ShareGroup, error) {
	ri := reqInfo(ctx)
	missing := badRequest("Share group snapshot %s could not be found.", source)
	if _, err := projectScoped(ctx, source, s.db.GetShareGroupSnapshot, func(c storage.ShareGroupSnapshot) string { return c.ProjectID }, missing); err != nil {
		return g, err
	}
	g.SourceShareGroupSnapshotID = &source
	created, err := s.db.CreateShareGroupFromSnapshot(ctx, g, func(m storage.ShareGroupSnapshotMember) storage.Share {
		return storage.Share{
			ID: storage.NewID(), ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID, Size: m.Size, Proto: m.ShareProto,
			ShareTypeID: m.ShareTypeID, AvailabilityZone: &s.cfg.AvailabilityZone, Host: &s.cfg.Host,
		}
	}, s.cfg.MinTransition)
	var se *storage.StateError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &qe) && qe.Over("share_groups"):
		return g, groupQuotaFault
	case errors.As(err, &qe) && shareQuotaFault(qe) != nil:
		return g, shareQuotaFault(qe)
	case errors.As(err, &se):
		return g, &Fault{Status: http.StatusConflict, Message: "Invalid share group snapshot: Share group snapshot status must be available."}
	case errors.Is(err, storage.ErrNotFound):
		return g, missing
	case err != nil:
		return g, internalError(err)
	}
	return created, nil
}

// ShowShareGroup is GET /v2/share-groups/{id}.
func (s *Server) ShowShareGroup(ctx context.Context, req gen.ShowShareGroupRequestObject) (gen.ShowShareGroupResponseObject, error) {
	g, err := s.visibleShareGroup(ctx, req.ShareGroupId)
	if err != nil {
		return nil, err
	}
	return gen.ShowShareGroup200JSONResponse{ShareGroup: s.shareGroupView(reqInfo(ctx), g)}, nil
}

// UpdateShareGroup is PUT /v2/share-groups/{id}.
func (s *Server) UpdateShareGroup(ctx context.Context, req gen.UpdateShareGroupRequestObject) (gen.UpdateShareGroupResponseObject, error) {
	in := req.Body.ShareGroup
	if len(in.AdditionalProperties) > 0 {
		return nil, badRequest("The fields %s are invalid or not allowed to be updated.", pySet(extraKeys(in.AdditionalProperties)))
	}
	g, err := s.visibleShareGroup(ctx, req.ShareGroupId)
	if err != nil {
		return nil, err
	}
	updated, err := s.db.UpdateShareGroup(ctx, g.ID, nameUpdate(in.Name, in.Description))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFoundShareGroup(g.ID)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateShareGroup200JSONResponse{ShareGroup: s.shareGroupView(reqInfo(ctx), updated)}, nil
}

// DeleteShareGroup is DELETE /v2/share-groups/{id}: a group never placed
// goes at once; otherwise it must be available or in error, with no
// snapshots and no shares.
func (s *Server) DeleteShareGroup(ctx context.Context, req gen.DeleteShareGroupRequestObject) (gen.DeleteShareGroupResponseObject, error) {
	g, err := s.visibleShareGroup(ctx, req.ShareGroupId)
	if err != nil {
		return nil, err
	}
	_, err = s.db.BeginShareGroupDelete(ctx, g.ID, s.cfg.MinTransition)
	var se *storage.StateError
	var de *storage.DependentsError
	switch {
	case errors.As(err, &se):
		return nil, conflict("Invalid share group: Share group status must be one of %s", state.ConsistencyGroupDeletable.Tuple())
	case errors.As(err, &de) && de.What == "shares":
		return nil, conflict("Invalid share group: Cannot delete a share group with shares")
	case errors.As(err, &de):
		return nil, conflict("Invalid share group: Cannot delete a share group with snapshots")
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNotFoundShareGroup(g.ID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteShareGroup202Response{}, nil
}

// shareGroupActionTable binds the handlers x-manila-actions names for
// share groups.
func (s *Server) shareGroupActionTable() actionTable[gen.ShareGroupActionResponseObject] {
	return actionTable[gen.ShareGroupActionResponseObject]{
		"reset_status": func(ctx context.Context, id string, v json.RawMessage) (gen.ShareGroupActionResponseObject, error) {
			return accepted[gen.ShareGroupActionResponseObject](gen.ShareGroupAction202Response{}, s.resetGroup(ctx, id, v))
		},
		"force_delete": func(ctx context.Context, id string, _ json.RawMessage) (gen.ShareGroupActionResponseObject, error) {
			return accepted[gen.ShareGroupActionResponseObject](gen.ShareGroupAction202Response{}, s.forceDeleteGroup(ctx, id))
		},
	}
}

// ShareGroupAction is POST /v2/share-groups/{id}/action.
func (s *Server) ShareGroupAction(ctx context.Context, req gen.ShareGroupActionRequestObject) (gen.ShareGroupActionResponseObject, error) {
	return s.actions.shareGroup.run(ctx, req.ShareGroupId)
}

// ListShareGroups is GET /v2/share-groups.
func (s *Server) ListShareGroups(ctx context.Context, req gen.ListShareGroupsRequestObject) (gen.ListShareGroupsResponseObject, error) {
	ri := reqInfo(ctx)
	groups, err := s.listShareGroups(ctx, ri, req.Params.Limit, req.Params.Offset, req.Params.AllTenants)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareGroups200JSONResponse{ShareGroups: make([]gen.ShareSummary, len(groups))}
	for i, g := range groups {
		out.ShareGroups[i] = gen.ShareSummary{Id: g.ID, Name: ns(g.Name), Links: cgLinks(ri, "share_groups", g.ID)}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(groups) == *req.Params.Limit {
		out.ShareGroupsLinks = cgNextLink(ri, "share_groups", groups[len(groups)-1].ID)
	}
	return out, nil
}

// ListShareGroupsDetail is GET /v2/share-groups/detail.
func (s *Server) ListShareGroupsDetail(ctx context.Context, req gen.ListShareGroupsDetailRequestObject) (gen.ListShareGroupsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	groups, err := s.listShareGroups(ctx, ri, req.Params.Limit, req.Params.Offset, req.Params.AllTenants)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareGroupsDetail200JSONResponse{ShareGroups: make([]gen.ShareGroup, len(groups))}
	for i, g := range groups {
		out.ShareGroups[i] = s.shareGroupView(ri, g)
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(groups) == *req.Params.Limit {
		out.ShareGroupsLinks = cgNextLink(ri, "share_groups", groups[len(groups)-1].ID)
	}
	return out, nil
}

func (s *Server) listShareGroups(ctx context.Context, ri *requestInfo, limit, offset *int, allTenants *string) ([]storage.ShareGroup, error) {
	f, err := s.groupFilter(ri, storage.ShareGroupKeys, "Share groups", map[string]string{"group_type_id": "share_group_type_id"})
	if err != nil {
		return nil, err
	}
	if id, ok := f.Equal["availability_zone"]; ok {
		// Manila filters on the zone's id; manilite keeps the zone's name.
		f.Equal["availability_zone"] = s.zoneNameOf(ctx, id)
	}
	f.ProjectID = listProject(ri, allTenants)
	f.Limit, f.Offset = listWindow(limit, offset)
	groups, err := s.db.ListShareGroups(ctx, f)
	if err != nil {
		return nil, internalError(err)
	}
	return groups, nil
}

// zoneNameOf is the name of the zone with this id, or "" (which no group
// has) when there is none.
func (s *Server) zoneNameOf(ctx context.Context, id string) string {
	az, err := s.db.EnsureAvailabilityZone(ctx, s.cfg.AvailabilityZone)
	if err != nil || az.ID != id {
		return ""
	}
	return az.Name
}

// listControlKeys are the parameters of Manila's group lists that page
// and order rather than filter.
var listControlKeys = map[string]bool{"limit": true, "offset": true, "sort_key": true, "sort_dir": true, "all_tenants": true}

// groupFilter reads a share group (or group snapshot) list's query as
// Manila's _share_group_get_all does: every parameter but the paging and
// ordering ones filters exactly on the model column of its name (name~
// and description~ by substring), and any other is refused. aliases
// renames parameters first (group_type_id is share_group_type_id).
func (s *Server) groupFilter(ri *requestInfo, keys map[string]string, what string, aliases map[string]string) (storage.GroupFilter, error) {
	f := storage.GroupFilter{Equal: map[string]string{}, Like: map[string]string{}}
	for key, values := range ri.query {
		if listControlKeys[key] || len(values) == 0 {
			continue
		}
		name := key
		if alias, ok := aliases[key]; ok {
			name = alias
		}
		target := f.Equal
		if base, ok := strings.CutSuffix(name, "~"); ok && (base == "name" || base == "description") {
			name, target = base, f.Like
		}
		col, ok := keys[name]
		if !ok {
			return f, badRequest("Invalid input received: %s cannot be filtered using '%s' key.", what, key)
		}
		target[col] = values[len(values)-1]
	}
	var err error
	if f.SortColumn, f.SortDesc, err = listOrder(ri.query, keys); err != nil {
		return f, err
	}
	return f, nil
}

// dependentsWords names a share's dependents as the caller's version of
// Manila does: share group snapshot members were cgsnapshot members before
// share groups.
func (s *Server) dependentsWords(ri *requestInfo, what string) string {
	if what == "share group snapshot members" && !s.behaves(ri, "share_groups") {
		return "cgsnapshot members"
	}
	return what
}
