package impl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Snapshot lists cap limit at Manila's osapi_max_limit.
const maxListLimit = 1000

func (s *Server) snapshotView(ri *requestInfo, sn storage.ShareSnapshot) gen.Snapshot {
	d := gen.Snapshot{
		Id:          sn.ID,
		ShareId:     sn.ShareID,
		ShareSize:   sn.ShareSize,
		CreatedAt:   storage.FormatTime(sn.CreatedAt),
		Status:      string(sn.Status),
		Name:        ns(sn.Name),
		Description: ns(sn.Description),
		Size:        sn.Size,
		ShareProto:  sn.ShareProto,
		Links:       ri.links("snapshots", sn.ID),
	}
	// Which of these a caller sees, at which version, is the spec's
	// (x-manila-min-version, x-manila-policy on the Snapshot schema).
	d.ProviderLocation = ns(sn.ProviderLocation)
	d.UserId, d.ProjectId = ptr(sn.UserID), ptr(sn.ProjectID)
	md := sn.Metadata
	if md == nil {
		md = map[string]string{}
	}
	d.Metadata = &md
	return d
}

func snapshotTarget(sn storage.ShareSnapshot) policy.Target {
	return policy.Target{ProjectID: sn.ProjectID, UserID: sn.UserID, Fields: map[string]any{
		"id": sn.ID, "share_id": sn.ShareID, "status": string(sn.Status),
	}}
}

// visibleSnapshot is Manila's project-scoped snapshot lookup: another
// project's snapshot does not exist for a non-admin.
func (s *Server) visibleSnapshot(ctx context.Context, id string) (storage.ShareSnapshot, error) {
	return projectScoped(ctx, id, s.db.GetShareSnapshot, func(sn storage.ShareSnapshot) string { return sn.ProjectID }, notFound(defaultNotFound))
}

// projectScoped is Manila's project_only lookup: a missing resource, or for
// a non-admin another project's, is the endpoint's own "missing" fault.
func projectScoped[T any](ctx context.Context, id string, get func(context.Context, string) (T, error), project func(T) string, missing *Fault) (T, error) {
	ri := reqInfo(ctx)
	v, err := get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ri.Caller.IsAdmin() && project(v) != ri.Caller.ProjectID) {
		var zero T
		return zero, missing
	}
	if err != nil {
		var zero T
		return zero, internalError(err)
	}
	return v, nil
}

// CreateSnapshot is POST /v2/snapshots: 202, the snapshot in 'creating';
// a job copies the share's directory.
func (s *Server) CreateSnapshot(ctx context.Context, req gen.CreateSnapshotRequestObject) (gen.CreateSnapshotResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.Snapshot
	sh, err := s.visibleShare(ctx, in.ShareId, notFound("NotFound: Resource could not be found."))
	if err != nil {
		return nil, err
	}
	if !specTrue(sh.TypeExtraSpecs, "snapshot_support") {
		return nil, unprocessable("Snapshots cannot be created for share '%s' since it does not have that capability.", sh.ID)
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Snapshots cannot be created for share '%s' since it has been soft deleted.", sh.ID)
	}
	if err := s.authorizeAfterLookup(ctx, shareTarget(sh), nil); err != nil {
		return nil, err
	}
	md := map[string]string{}
	if in.Metadata.IsSpecified() && !in.Metadata.IsNull() {
		md = in.Metadata.MustGet()
		if f := checkMetadata(md); f != nil {
			return nil, f
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
	sn, err := s.db.CreateShareSnapshot(ctx, storage.ShareSnapshot{
		ID:          uuid.NewString(),
		ProjectID:   ri.Caller.ProjectID,
		UserID:      ri.Caller.UserID,
		ShareID:     sh.ID,
		Name:        optPtr(name),
		Description: optPtr(desc),
		Status:      state.SnapshotInitial,
		Progress:    ptr("0%"),
		Metadata:    md,
	}, state.ShareSnapshotSource, s.cfg.MinTransition)
	var se *storage.StateError
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &qe):
		return nil, snapshotQuotaFault(qe)
	case errors.As(err, &se):
		return nil, badRequest("Invalid share: Source share status must be available.")
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("NotFound: Resource could not be found.")
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.CreateSnapshot202JSONResponse{Snapshot: s.snapshotView(ri, sn)}, nil
}

// ShowSnapshot is GET /v2/snapshots/{id}.
func (s *Server) ShowSnapshot(ctx context.Context, req gen.ShowSnapshotRequestObject) (gen.ShowSnapshotResponseObject, error) {
	sn, err := s.visibleSnapshot(ctx, req.SnapshotId)
	if err != nil {
		return nil, err
	}
	// Manila's get_snapshot: a caller its rule refuses finds nothing.
	if err := s.authorizeAfterLookup(ctx, snapshotTarget(sn), notFound(defaultNotFound)); err != nil {
		return nil, err
	}
	return gen.ShowSnapshot200JSONResponse{Snapshot: s.snapshotView(reqInfo(ctx), sn)}, nil
}

// UpdateSnapshot is PUT /v2/snapshots/{id}.
func (s *Server) UpdateSnapshot(ctx context.Context, req gen.UpdateSnapshotRequestObject) (gen.UpdateSnapshotResponseObject, error) {
	sn, err := s.visibleSnapshot(ctx, req.SnapshotId)
	if err != nil {
		return nil, err
	}
	in := req.Body.Snapshot
	var u storage.NameUpdate
	if in.DisplayName.IsSpecified() {
		u.Name, u.ClearName = optPtr(in.DisplayName), in.DisplayName.IsNull()
	}
	if in.DisplayDescription.IsSpecified() {
		u.Description, u.ClearDescription = optPtr(in.DisplayDescription), in.DisplayDescription.IsNull()
	}
	updated, err := s.db.UpdateShareSnapshot(ctx, sn.ID, u)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound(defaultNotFound)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateSnapshot200JSONResponse{Snapshot: s.snapshotView(reqInfo(ctx), updated)}, nil
}

// DeleteSnapshot is DELETE /v2/snapshots/{id}.
func (s *Server) DeleteSnapshot(ctx context.Context, req gen.DeleteSnapshotRequestObject) (gen.DeleteSnapshotResponseObject, error) {
	sn, err := s.visibleSnapshot(ctx, req.SnapshotId)
	if err != nil {
		return nil, err
	}
	if err := s.requirePolicy(ctx, "share:delete_snapshot", snapshotTarget(sn)); err != nil {
		return nil, err
	}
	err = s.db.TransitionShareSnapshot(ctx, sn.ID, state.SnapshotDelete, storage.JobSnapshotDelete, s.cfg.MinTransition)
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return nil, badRequest("Invalid share snapshot: Share Snapshot status must be one of %s.", state.SnapshotDeletable.Tuple())
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteSnapshot202Response{}, nil
}

// snapshotActionTable binds the handlers x-manila-actions names for
// snapshots.
func (s *Server) snapshotActionTable() actionTable[gen.SnapshotActionResponseObject] {
	return actionTable[gen.SnapshotActionResponseObject]{
		"reset_status": s.resetSnapshotStatus,
		"force_delete": s.forceDeleteSnapshot,
		"unmanage":     s.unmanageSnapshot,
	}
}

// SnapshotAction is POST /v2/snapshots/{id}/action (admin).
func (s *Server) SnapshotAction(ctx context.Context, req gen.SnapshotActionRequestObject) (gen.SnapshotActionResponseObject, error) {
	return s.actions.snapshot.run(ctx, req.SnapshotId)
}

func (s *Server) resetSnapshotStatus(ctx context.Context, id string, value json.RawMessage) (gen.SnapshotActionResponseObject, error) {
	// The admin-action mixin validates the status before it looks the
	// snapshot up.
	reset, err := resetTarget(value, state.SnapshotResetStatus)
	if err != nil {
		return nil, err
	}
	sn, err := s.visibleSnapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.TransitionShareSnapshot(ctx, sn.ID, reset, "", 0); err != nil {
		return nil, notFoundOr(err)
	}
	return gen.SnapshotAction202Response{}, nil
}

func (s *Server) forceDeleteSnapshot(ctx context.Context, id string, _ json.RawMessage) (gen.SnapshotActionResponseObject, error) {
	sn, err := s.visibleSnapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.TransitionShareSnapshot(ctx, sn.ID, state.SnapshotForceDelete, storage.JobSnapshotDelete, 0); err != nil {
		return nil, notFoundOr(err)
	}
	s.cfg.Jobs.Notify()
	return gen.SnapshotAction202Response{}, nil
}

// notFoundOr maps storage.ErrNotFound to the generic 404 and anything else
// to an internal error.
func notFoundOr(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return notFound(defaultNotFound)
	}
	return internalError(err)
}

// ListSnapshots is GET /v2/snapshots.
func (s *Server) ListSnapshots(ctx context.Context, req gen.ListSnapshotsRequestObject) (gen.ListSnapshotsResponseObject, error) {
	ri := reqInfo(ctx)
	snaps, count, links, err := s.listSnapshots(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListSnapshots200JSONResponse{Snapshots: make([]gen.ShareSummary, len(snaps)), Count: count, ShareSnapshotsLinks: links}
	for i, sn := range snaps {
		out.Snapshots[i] = gen.ShareSummary{Id: sn.ID, Name: ns(sn.Name), Links: ri.links("snapshots", sn.ID)}
	}
	return out, nil
}

// ListSnapshotsDetail is GET /v2/snapshots/detail.
func (s *Server) ListSnapshotsDetail(ctx context.Context, req gen.ListSnapshotsDetailRequestObject) (gen.ListSnapshotsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	snaps, count, links, err := s.listSnapshots(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListSnapshotsDetail200JSONResponse{Snapshots: make([]gen.Snapshot, len(snaps)), Count: count, ShareSnapshotsLinks: links}
	for i, sn := range snaps {
		out.Snapshots[i] = s.snapshotView(ri, sn)
	}
	return out, nil
}

// listSnapshots reads the filters the pipeline kept: those outside their
// version range, or admin-only ones a non-admin sent, are gone already.
func (s *Server) listSnapshots(ctx context.Context, limit, offset *int) ([]storage.ShareSnapshot, *int, *[]gen.Link, error) {
	ri := reqInfo(ctx)
	f, withCount, err := snapshotFilter(ri)
	if err != nil {
		return nil, nil, nil, err
	}
	if limit != nil {
		capped := min(*limit, maxListLimit)
		f.Limit = &capped
	}
	if offset != nil {
		f.Offset = *offset
	}
	snaps, total, err := s.db.ListShareSnapshots(ctx, f)
	if err != nil {
		return nil, nil, nil, internalError(err)
	}
	var last string
	if len(snaps) > 0 {
		last = snaps[len(snaps)-1].ID
	}
	return snaps, countIf(withCount, total), ri.pageLinks("snapshots", f.Limit, len(snaps), last), nil
}

// snapshotFilter is the snapshot list's query as a storage filter and
// order, and whether the total count is asked for. Manila refuses an empty
// filter value (but all_tenants's).
func snapshotFilter(ri *requestInfo) (storage.SnapshotFilter, bool, error) {
	q := ri.query
	get := func(key string) (*string, error) {
		if !q.Has(key) {
			return nil, nil
		}
		val := q.Get(key)
		if val == "" && key != "all_tenants" {
			return nil, badRequest("Invalid input received: Wrong '%s' filter provided: '%s'.", key, val)
		}
		return &val, nil
	}
	f := storage.SnapshotFilter{ProjectID: ri.Caller.ProjectID}
	if q.Has("all_tenants") {
		pid, err := get("project_id")
		if err != nil {
			return f, false, err
		}
		f.ProjectID = ""
		if pid != nil {
			f.ProjectID = *pid
		}
	}
	// In Manila's order: the first empty filter names itself in the error.
	var err error
	var size, withCount *string
	for _, fl := range []struct {
		key string
		dst **string
	}{{"name", &f.Name}, {"status", &f.Status}, {"share_id", &f.ShareID}, {"description", &f.Description},
		{"name~", &f.NameLike}, {"description~", &f.DescriptionLike}, {"size", &size}, {"with_count", &withCount}} {
		if *fl.dst, err = get(fl.key); err != nil {
			return f, false, err
		}
	}
	if size != nil {
		n, convErr := strconv.Atoi(*size)
		if convErr != nil || n < 0 {
			return f, false, badRequest("Invalid input received: Wrong 'size' filter provided: '%s'.", *size)
		}
		f.Size = &n
	}
	// The spec's enum has refused unknown keys already; Manila sorts
	// ascending for any direction but desc.
	f.SortColumn = "created_at"
	if k := q.Get("sort_key"); k != "" {
		f.SortColumn = storage.SnapshotSortKeys[k]
	}
	f.SortDesc = strings.EqualFold(q.Get("sort_dir"), "desc") || q.Get("sort_dir") == ""
	counted, err := queryBool(q, "with_count", false, func(v string) string {
		return fmt.Sprintf("Invalid value %s for with_count. Expecting a boolean.", v)
	})
	return f, counted, err
}
