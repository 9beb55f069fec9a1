package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// cgLinks are the links Manila built for consistency groups and
// cgsnapshots: always under the caller's project, with its view builders'
// collection names (consistency_groups, cgsnapshot), which are not the
// routes' names.
func cgLinks(ri *requestInfo, collection, id string) []gen.Link {
	p := "/" + ri.Caller.ProjectID
	return []gen.Link{
		{Rel: "self", Href: ri.BaseURL + "/v2" + p + "/" + collection + "/" + id},
		{Rel: "bookmark", Href: ri.BaseURL + p + "/" + collection + "/" + id},
	}
}

// cgNextLink is Manila's next link for these lists: under the caller's
// project and the view builder's collection name.
func cgNextLink(ri *requestInfo, collection, marker string) *[]gen.Link {
	return &[]gen.Link{{Rel: "next", Href: ri.nextLinkIn(ri.Caller.ProjectID, collection, marker)}}
}

func (s *Server) cgView(ri *requestInfo, g storage.ShareGroup) gen.ConsistencyGroup {
	d := gen.ConsistencyGroup{
		Id:                 g.ID,
		Name:               ns(g.Name),
		CreatedAt:          storage.FormatTime(g.CreatedAt),
		Status:             string(g.Status),
		Description:        ns(g.Description),
		ProjectId:          g.ProjectID,
		Host:               ns(g.Host),
		SourceCgsnapshotId: ns(g.SourceShareGroupSnapshotID),
		ShareNetworkId:     ns(g.ShareNetworkID),
		ShareTypes:         g.ShareTypes,
		Links:              cgLinks(ri, "consistency_groups", g.ID),
		// Admins only: the spec's x-manila-policy on the property.
		ShareServerId: ns(g.ShareServerID),
	}
	return d
}

// pySet renders keys as Python 3's repr of a set.
func pySet(keys []string) string {
	sort.Strings(keys)
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = "'" + k + "'"
	}
	return "{" + strings.Join(q, ", ") + "}"
}

func extraKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// visibleCG is Manila's project-scoped group lookup.
func (s *Server) visibleCG(ctx context.Context, id string) (storage.ShareGroup, error) {
	return projectScoped(ctx, id, s.db.GetShareGroup, func(g storage.ShareGroup) string { return g.ProjectID }, errNotFoundCG(id))
}

func errNotFoundCG(id string) *Fault { return notFound("Consistency group %s not found.", id) }

// listWindow is Manila's limited(): limit 0 or absent means the maximum page.
func listWindow(limit, offset *int) (int, int) {
	l := maxListLimit
	if limit != nil && *limit > 0 {
		l = min(*limit, maxListLimit)
	}
	o := 0
	if offset != nil {
		o = *offset
	}
	return l, o
}

// listProject is the project a list covers: all of them for an admin who
// asks with all_tenants (any non-empty value).
func listProject(ri *requestInfo, allTenants *string) string {
	if ri.Caller.IsAdmin() && allTenants != nil && *allTenants != "" {
		return ""
	}
	return ri.Caller.ProjectID
}

// CreateConsistencyGroup is POST /v2/consistency-groups.
func (s *Server) CreateConsistencyGroup(ctx context.Context, req gen.CreateConsistencyGroupRequestObject) (gen.CreateConsistencyGroupResponseObject, error) {
	ri := reqInfo(ctx)
	in := &req.Body.ConsistencyGroup
	typeIDs, err := s.cgCreateTypes(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	g := storage.ShareGroup{
		ID:          storage.NewID(),
		ProjectID:   ri.Caller.ProjectID,
		UserID:      ri.Caller.UserID,
		Name:        optPtr(in.Name),
		Description: optPtr(in.Description),
		Status:      state.ConsistencyGroupInitial,
	}
	var created storage.ShareGroup
	if in.SourceCgsnapshotId.IsSpecified() {
		created, err = s.createCGFromSnapshot(ctx, g, optString(in.SourceCgsnapshotId))
	} else {
		created, err = s.createEmptyCG(ctx, g, typeIDs, in.ShareNetworkId.IsSpecified() && !in.ShareNetworkId.IsNull())
	}
	if err != nil {
		return nil, err
	}
	s.cfg.Jobs.Notify()
	return gen.CreateConsistencyGroup202JSONResponse{ConsistencyGroup: s.cgView(ri, created)}, nil
}

// cgCreateTypes checks a create's keys as Manila does and returns the
// share types of a group made empty (none for one made from a cgsnapshot).
func (s *Server) cgCreateTypes(ctx context.Context, body *gen.ConsistencyGroupCreateRequest) ([]string, error) {
	in := &body.ConsistencyGroup
	if len(in.AdditionalProperties) > 0 {
		return nil, badRequest("The fields %s are invalid.", pySet(extraKeys(in.AdditionalProperties)))
	}
	if in.ShareTypes.IsSpecified() && in.SourceCgsnapshotId.IsSpecified() {
		return nil, badRequest("Cannot supply both 'share_types' and 'source_cgsnapshot_id' attributes.")
	}
	var typeIDs []string
	if in.ShareTypes.IsSpecified() && !in.ShareTypes.IsNull() {
		typeIDs = in.ShareTypes.MustGet()
	}
	if len(typeIDs) == 0 && !in.SourceCgsnapshotId.IsSpecified() {
		def, err := s.db.GetShareTypeByName(ctx, s.cfg.DefaultShareType)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, badRequest("Must specify at least one share type as a default share type has not been configured.")
		}
		if err != nil {
			return nil, internalError(err)
		}
		typeIDs = []string{def.ID}
	}
	for _, id := range typeIDs {
		if !isUUIDLike(id) {
			return nil, badRequest("The 'share_types' attribute must be a list of uuids")
		}
	}
	if in.ShareNetworkId.IsSpecified() && in.SourceCgsnapshotId.IsSpecified() {
		return nil, badRequest("Cannot supply both 'share_network_id' and 'source_cgsnapshot_id' attributes as the share network is inherited from the source.")
	}
	if in.SourceCgsnapshotId.IsSpecified() && !isUUIDLike(optString(in.SourceCgsnapshotId)) {
		return nil, badRequest("The 'source_cgsnapshot_id' attribute must be a uuid.")
	}
	if !in.SourceCgsnapshotId.IsSpecified() && in.ShareNetworkId.IsSpecified() && !isUUIDLike(optString(in.ShareNetworkId)) {
		return nil, badRequest("The 'share_network_id' attribute must be a uuid.")
	}
	return typeIDs, nil
}

// createCGFromSnapshot makes g with one new share per member of source.
func (s *Server) createCGFromSnapshot(ctx context.Context, g storage.ShareGroup, source string) (storage.ShareGroup, error) {
	ri := reqInfo(ctx)
	snap, err := s.db.GetShareGroupSnapshot(ctx, source)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ri.Caller.IsAdmin() && snap.ProjectID != ri.Caller.ProjectID) {
		return g, badRequest("Consistency group snapshot %s could not be found.", source)
	}
	if err != nil {
		return g, internalError(err)
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
		return g, &Fault{Status: http.StatusConflict, Message: "Invalid CGSnapshot: Consistency group snapshot status must be available"}
	case errors.Is(err, storage.ErrNotFound):
		return g, badRequest("Consistency group snapshot %s could not be found.", source)
	case err != nil:
		return g, internalError(err)
	}
	return created, nil
}

// createEmptyCG makes g for share types that must exist and agree on
// driver_handles_share_servers.
func (s *Server) createEmptyCG(ctx context.Context, g storage.ShareGroup, typeIDs []string, network bool) (storage.ShareGroup, error) {
	var dhss *bool
	for _, id := range typeIDs {
		st, err := s.db.GetShareType(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return g, badRequest("Share type with id %s could not be found", id)
		}
		if err != nil {
			return g, internalError(err)
		}
		v := specTrue(st.ExtraSpecs, "driver_handles_share_servers")
		if dhss != nil && *dhss != v {
			return g, badRequest("Invalid input received: The specified share_types cannot have conflicting values for the driver_handles_share_servers extra spec.")
		}
		dhss = &v
		if !v && network {
			return g, badRequest("Invalid input received: When using a share types with the driver_handles_share_servers extra spec as False, a share_network_id must not be provided.")
		}
	}
	if network {
		// manilite has no share networks.
		return g, badRequest("Invalid input received: The specified share network does not exist.")
	}
	if dhss != nil && *dhss {
		return g, badRequest("Invalid input received: When using a share type with the driver_handles_share_servers extra spec as True, a share_network_id must be provided.")
	}
	g.ShareTypes = typeIDs
	created, err := s.db.CreateShareGroup(ctx, g, s.cfg.MinTransition)
	var qe *storage.QuotaError
	if errors.As(err, &qe) {
		return g, groupQuotaFault
	}
	if err != nil {
		return g, internalError(err)
	}
	return created, nil
}

// ShowConsistencyGroup is GET /v2/consistency-groups/{id}.
func (s *Server) ShowConsistencyGroup(ctx context.Context, req gen.ShowConsistencyGroupRequestObject) (gen.ShowConsistencyGroupResponseObject, error) {
	g, err := s.visibleCG(ctx, req.ConsistencyGroupId)
	if err != nil {
		return nil, err
	}
	return gen.ShowConsistencyGroup200JSONResponse{ConsistencyGroup: s.cgView(reqInfo(ctx), g)}, nil
}

// UpdateConsistencyGroup is PUT /v2/consistency-groups/{id}.
func (s *Server) UpdateConsistencyGroup(ctx context.Context, req gen.UpdateConsistencyGroupRequestObject) (gen.UpdateConsistencyGroupResponseObject, error) {
	in := req.Body.ConsistencyGroup
	if len(in.AdditionalProperties) > 0 {
		return nil, badRequest("The fields %s are invalid or not allowed to be updated.", pySet(extraKeys(in.AdditionalProperties)))
	}
	g, err := s.visibleCG(ctx, req.ConsistencyGroupId)
	if err != nil {
		return nil, err
	}
	updated, err := s.db.UpdateShareGroup(ctx, g.ID, nameUpdate(in.Name, in.Description))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFoundCG(g.ID)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateConsistencyGroup200JSONResponse{ConsistencyGroup: s.cgView(reqInfo(ctx), updated)}, nil
}

// nameUpdate turns optional name/description fields into a storage update:
// absent leaves a field, null clears it.
func nameUpdate(name, desc interface {
	IsSpecified() bool
	IsNull() bool
	Get() (string, error)
}) storage.NameUpdate {
	var u storage.NameUpdate
	if name.IsSpecified() {
		u.Name, u.ClearName = optPtr(name), name.IsNull()
	}
	if desc.IsSpecified() {
		u.Description, u.ClearDescription = optPtr(desc), desc.IsNull()
	}
	return u
}

// DeleteConsistencyGroup is DELETE /v2/consistency-groups/{id}.
func (s *Server) DeleteConsistencyGroup(ctx context.Context, req gen.DeleteConsistencyGroupRequestObject) (gen.DeleteConsistencyGroupResponseObject, error) {
	g, err := s.visibleCG(ctx, req.ConsistencyGroupId)
	if err != nil {
		return nil, err
	}
	_, err = s.db.BeginShareGroupDelete(ctx, g.ID, s.cfg.MinTransition)
	var se *storage.StateError
	var de *storage.DependentsError
	switch {
	case errors.As(err, &se):
		return nil, conflict("Invalid ConsistencyGroup: Consistency group status must be one of %s", state.ConsistencyGroupDeletable.Tuple())
	case errors.As(err, &de):
		return nil, conflict("Invalid ConsistencyGroup: Cannot delete a consistency group with %s", de.What)
	case errors.Is(err, storage.ErrNotFound):
		return nil, errNotFoundCG(g.ID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteConsistencyGroup202Response{}, nil
}

// cgActionTable binds the handlers x-manila-actions names for
// consistency groups.
func (s *Server) cgActionTable() actionTable[gen.ConsistencyGroupActionResponseObject] {
	return actionTable[gen.ConsistencyGroupActionResponseObject]{
		"reset_status": func(ctx context.Context, id string, v json.RawMessage) (gen.ConsistencyGroupActionResponseObject, error) {
			return accepted[gen.ConsistencyGroupActionResponseObject](gen.ConsistencyGroupAction202Response{}, s.resetGroup(ctx, id, v))
		},
		"force_delete": func(ctx context.Context, id string, _ json.RawMessage) (gen.ConsistencyGroupActionResponseObject, error) {
			return accepted[gen.ConsistencyGroupActionResponseObject](gen.ConsistencyGroupAction202Response{}, s.forceDeleteGroup(ctx, id))
		},
	}
}

// ConsistencyGroupAction is POST /v2/consistency-groups/{id}/action.
func (s *Server) ConsistencyGroupAction(ctx context.Context, req gen.ConsistencyGroupActionRequestObject) (gen.ConsistencyGroupActionResponseObject, error) {
	return s.actions.cg.run(ctx, req.ConsistencyGroupId)
}

// ListConsistencyGroups is GET /v2/consistency-groups.
func (s *Server) ListConsistencyGroups(ctx context.Context, req gen.ListConsistencyGroupsRequestObject) (gen.ListConsistencyGroupsResponseObject, error) {
	ri := reqInfo(ctx)
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	groups, err := s.db.ListShareGroups(ctx, storage.GroupFilter{ProjectID: listProject(ri, req.Params.AllTenants), Limit: limit, Offset: offset})
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListConsistencyGroups200JSONResponse{ConsistencyGroups: make([]gen.ShareSummary, len(groups))}
	for i, g := range groups {
		out.ConsistencyGroups[i] = gen.ShareSummary{Id: g.ID, Name: ns(g.Name), Links: cgLinks(ri, "consistency_groups", g.ID)}
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(groups) == *req.Params.Limit {
		out.ConsistencyGroupsLinks = cgNextLink(ri, "consistency_groups", groups[len(groups)-1].ID)
	}
	return out, nil
}

// ListConsistencyGroupsDetail is GET /v2/consistency-groups/detail.
func (s *Server) ListConsistencyGroupsDetail(ctx context.Context, req gen.ListConsistencyGroupsDetailRequestObject) (gen.ListConsistencyGroupsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	limit, offset := listWindow(req.Params.Limit, req.Params.Offset)
	groups, err := s.db.ListShareGroups(ctx, storage.GroupFilter{ProjectID: listProject(ri, req.Params.AllTenants), Limit: limit, Offset: offset})
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListConsistencyGroupsDetail200JSONResponse{ConsistencyGroups: make([]gen.ConsistencyGroup, len(groups))}
	for i, g := range groups {
		out.ConsistencyGroups[i] = s.cgView(ri, g)
	}
	if req.Params.Limit != nil && *req.Params.Limit > 0 && len(groups) == *req.Params.Limit {
		out.ConsistencyGroupsLinks = cgNextLink(ri, "consistency_groups", groups[len(groups)-1].ID)
	}
	return out, nil
}

// genericNotFound replaces a 404's message with webob's default, as
// Manila's admin actions answer (they pass their message positionally).
func genericNotFound(err error) error {
	var f *Fault
	if errors.As(err, &f) && f.Status == http.StatusNotFound {
		return notFound(defaultNotFound)
	}
	return err
}
