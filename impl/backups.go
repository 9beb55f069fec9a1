package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Backup topics, as Manila names the services that do the work.
const (
	topicGeneric = "manila-data"  // empty backup_options: the data service path
	topicDriver  = "manila-share" // backup_options given: the driver-assisted path
)

func (s *Server) backupView(ri *requestInfo, b storage.ShareBackup) gen.ShareBackup {
	d := gen.ShareBackup{
		Id:               b.ID,
		Name:             ns(b.Name),
		ShareId:          b.ShareID,
		Status:           string(b.Status),
		Description:      ns(b.Description),
		Size:             b.Size,
		CreatedAt:        storage.FormatTime(b.CreatedAt),
		AvailabilityZone: ns(b.AvailabilityZone),
		Progress:         b.Progress,
		RestoreProgress:  b.RestoreProgress,
	}
	if b.UpdatedAt != nil {
		d.UpdatedAt = nsv(storage.FormatTime(*b.UpdatedAt))
	} else {
		d.UpdatedAt = nullStr()
	}
	// Which of these a caller sees, at which version, is the spec's
	// (x-manila-min-version, x-manila-policy on the ShareBackup schema).
	d.BackupType = ns(b.BackupType)
	d.Host, d.Topic = ns(b.Host), ns(b.Topic)
	return d
}

// visibleBackup is Manila's project-scoped backup lookup.
func (s *Server) visibleBackup(ctx context.Context, id string, missing *Fault) (storage.ShareBackup, error) {
	return projectScoped(ctx, id, s.db.GetShareBackup, func(b storage.ShareBackup) string { return b.ProjectID }, missing)
}

func noBackup(id string) *Fault { return notFound("No backup exists with ID %s.", id) }

// CreateShareBackup is POST /v2/share-backups: 202, the backup in
// 'creating' and its share in 'backup_creating'; a job copies the data.
func (s *Server) CreateShareBackup(ctx context.Context, req gen.CreateShareBackupRequestObject) (gen.CreateShareBackupResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.ShareBackup
	shareID := optString(in.ShareId)
	if shareID == "" {
		return nil, badRequest("'share_id' is missing from the request body.")
	}
	sh, err := s.visibleShare(ctx, shareID, badRequest("No share exists with ID %s.", shareID))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Backup can not be created for share '%s' since it has been soft deleted.", sh.ID)
	}
	if sh.TaskState != nil && state.ShareTaskBusy.Contains(state.ShareTaskStatus(*sh.TaskState)) {
		return nil, conflict("Share is busy with an active task: Share %s is busy as part of an active task: %s.", sh.ID, *sh.TaskState)
	}
	var opts map[string]any
	if in.BackupOptions.IsSpecified() && !in.BackupOptions.IsNull() {
		opts = in.BackupOptions.MustGet()
	}
	b := storage.ShareBackup{
		ID:          uuid.NewString(),
		ProjectID:   ri.Caller.ProjectID,
		UserID:      ri.Caller.UserID,
		ShareID:     sh.ID,
		Name:        optPtr(in.Name),
		Description: optPtr(in.Description),
		Status:      state.BackupInitial,
		Options:     opts,
	}
	create := storage.BackupCreate{JobDelay: s.cfg.MinTransition}
	if len(opts) == 0 {
		b.Topic = ptr(topicGeneric)
		create.GenericProtocols = s.cfg.BackupGenericProtocols
	} else {
		b.Topic = ptr(topicDriver)
		host, _, _ := strings.Cut(deref(sh.Host), "#")
		b.Host = &host
		if raw, ok := opts["backup_type"]; ok {
			t, isString := raw.(string)
			if !isString {
				t = renderValue(raw)
			}
			b.BackupType = &t
			create.CheckBackupType = true
		}
	}
	create.Backup = b
	created, err := s.db.CreateShareBackup(ctx, create)
	if err != nil {
		return nil, s.backupCreateFault(err, sh)
	}
	s.cfg.Jobs.Notify()
	// Manila answers with the object it has just inserted, before it records
	// which service does the work: topic is still null there, and so is host
	// on the generic path.
	created.Topic = nil
	if len(opts) == 0 {
		created.Host = nil
	}
	return gen.CreateShareBackup202JSONResponse{ShareBackup: s.backupView(ri, created)}, nil
}

// backupCreateFault is Manila's answer for a backup create storage
// refused: its preconditions, checked in the transaction that inserts it.
func (s *Server) backupCreateFault(err error, sh storage.Share) error {
	var se *storage.StateError
	var de *storage.DependentsError
	var qe *storage.QuotaError
	var te *storage.BackupTypeError
	var pe *storage.ProtocolError
	var be *storage.BusyError
	switch {
	case errors.As(err, &be):
		return busyFault(be)
	case errors.As(err, &se):
		return badRequest("Share %s is in '%s' state, but it must be in '%s' state to create a backup.", sh.ID, se.Current, state.ShareAvailable)
	case errors.As(err, &de):
		return badRequest("Cannot backup share %s while it has snapshots.", sh.ID)
	case errors.As(err, &qe):
		return backupQuotaFault(qe)
	case errors.As(err, &te):
		return badRequest("Share '%s' has existing backups with backup_type: '%s'. You must delete these backups to schedule a backup with a different backup_type, or re-use the same backup_type.", deref(sh.Name), te.Previous)
	case errors.As(err, &pe):
		return badRequest("Cannot backup share %s. The generic approach for share backups only supports the following protocols: %s.", sh.ID, pyList(s.cfg.BackupGenericProtocols))
	case errors.Is(err, storage.ErrNotFound):
		return badRequest("No share exists with ID %s.", sh.ID)
	}
	return internalError(err)
}

// backupQuotaFault is Manila's 413 for an exceeded backup quota.
func backupQuotaFault(qe *storage.QuotaError) *Fault {
	if qe.Over("backup_gigabytes") {
		return overLimit("ShareBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested %dG, quota is %dG and %dG has been consumed.",
			qe.Deltas["backup_gigabytes"], qe.Quotas["backup_gigabytes"], qe.Consumed["backup_gigabytes"])
	}
	return overLimit("BackupLimitExceeded: Maximum number of backups allowed (%d) exceeded.", qe.Quotas["backups"])
}

// ShowShareBackup is GET /v2/share-backups/{id}.
func (s *Server) ShowShareBackup(ctx context.Context, req gen.ShowShareBackupRequestObject) (gen.ShowShareBackupResponseObject, error) {
	b, err := s.visibleBackup(ctx, req.BackupId, noBackup(req.BackupId))
	if err != nil {
		return nil, err
	}
	return gen.ShowShareBackup200JSONResponse{ShareBackup: s.backupView(reqInfo(ctx), b)}, nil
}

// UpdateShareBackup is PUT /v2/share-backups/{id}: name and description
// only, in any status.
func (s *Server) UpdateShareBackup(ctx context.Context, req gen.UpdateShareBackupRequestObject) (gen.UpdateShareBackupResponseObject, error) {
	b, err := s.visibleBackup(ctx, req.BackupId, noBackup(req.BackupId))
	if err != nil {
		return nil, err
	}
	in := req.Body.ShareBackup
	var u storage.NameUpdate
	if in.Name.IsSpecified() {
		u.Name, u.ClearName = optPtr(in.Name), in.Name.IsNull()
	}
	if in.Description.IsSpecified() {
		u.Description, u.ClearDescription = optPtr(in.Description), in.Description.IsNull()
	}
	updated, err := s.db.UpdateShareBackup(ctx, b.ID, u)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, noBackup(req.BackupId)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateShareBackup200JSONResponse{ShareBackup: s.backupView(reqInfo(ctx), updated)}, nil
}

// DeleteShareBackup is DELETE /v2/share-backups/{id}.
func (s *Server) DeleteShareBackup(ctx context.Context, req gen.DeleteShareBackupRequestObject) (gen.DeleteShareBackupResponseObject, error) {
	b, err := s.visibleBackup(ctx, req.BackupId, noBackup(req.BackupId))
	if err != nil {
		return nil, err
	}
	err = s.db.TransitionShareBackup(ctx, b.ID, state.BackupDelete, storage.JobBackupDelete, s.cfg.MinTransition)
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return nil, badRequest("Invalid backup: Backup %s status must be available or error.", b.ID)
	case errors.Is(err, storage.ErrNotFound):
		return nil, noBackup(req.BackupId)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return gen.DeleteShareBackup202Response{}, nil
}

// backupActionTable binds the handlers x-manila-actions names for share
// backups.
func (s *Server) backupActionTable() actionTable[gen.ShareBackupActionResponseObject] {
	return actionTable[gen.ShareBackupActionResponseObject]{
		"restore":      s.restoreBackup,
		"reset_status": s.resetBackupStatus,
	}
}

// ShareBackupAction is POST /v2/share-backups/{id}/action: restore or
// reset_status.
func (s *Server) ShareBackupAction(ctx context.Context, req gen.ShareBackupActionRequestObject) (gen.ShareBackupActionResponseObject, error) {
	return s.actions.backup.run(ctx, req.BackupId)
}

func (s *Server) resetBackupStatus(ctx context.Context, id string, value json.RawMessage) (gen.ShareBackupActionResponseObject, error) {
	reset, err := resetTarget(value, state.BackupResetStatus)
	if err != nil {
		return nil, err
	}
	b, err := s.visibleBackup(ctx, id, notFound(defaultNotFound))
	if err != nil {
		return nil, err
	}
	if err := s.db.TransitionShareBackup(ctx, b.ID, reset, "", 0); err != nil {
		return nil, notFoundOr(err)
	}
	return emptyAccepted{}, nil
}

func (s *Server) restoreBackup(ctx context.Context, backupID string, value json.RawMessage) (gen.ShareBackupActionResponseObject, error) {
	ri := reqInfo(ctx)
	targeted := false
	var target string
	restore, err := decodeAction[gen.ShareBackupRestoreTarget](value)
	if err != nil {
		return nil, err
	}
	if s.behaves(ri, "restore_into_share") && restore != nil {
		switch v := restore.(type) {
		case string:
			target, targeted = v, v != ""
		case map[string]any:
			if len(v) != 0 {
				return nil, badRequest("Invalid input received: restore takes the id of the share to restore into, or null.")
			}
		default:
			return nil, badRequest("Invalid input received: restore takes the id of the share to restore into, or null.")
		}
	}
	b, err := s.visibleBackup(ctx, backupID, noBackup(backupID))
	if err != nil {
		return nil, err
	}
	if !state.BackupRestore.Allows(b.Status) {
		return nil, badRequest("Invalid backup: Backup %s status must be available.", b.ID)
	}
	if !targeted {
		target = b.ShareID
	}
	sh, err := s.visibleShare(ctx, target, notFound("NotFound: Resource could not be found."))
	if err != nil {
		return nil, err
	}
	if !state.ShareBackupRestore.Allows(sh.Status) {
		return nil, badRequest("Invalid share: Share to be restored to must be available.")
	}
	if b.Size > sh.Size {
		return nil, badRequest("Invalid share: Share size %d is too small to restore backup of size %d.", sh.Size, b.Size)
	}
	if targeted && sh.ID != b.ShareID {
		// Manila checks neither; restoring one project's data into another's
		// share, or an NFS tree into a CIFS share, is refused here.
		if sh.ProjectID != b.ProjectID {
			return nil, badRequest("Invalid share: Share to be restored to must belong to the backup's project.")
		}
		source, err := s.db.GetShare(ctx, b.ShareID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, internalError(err)
		}
		if err == nil && !strings.EqualFold(source.Proto, sh.Proto) {
			return nil, badRequest("Invalid share: Share to be restored to must use the backup's protocol (%s).", source.Proto)
		}
	}
	err = s.db.BeginRestore(ctx, b.ID, sh.ID, s.cfg.MinTransition)
	var se *storage.StateError
	var be *storage.BusyError
	switch {
	case errors.As(err, &be):
		return nil, busyFault(be)
	case errors.As(err, &se) && se.Of == "share":
		return nil, badRequest("Invalid share: Share to be restored to must be available.")
	case errors.As(err, &se):
		return nil, badRequest("Invalid backup: Backup %s status must be available.", b.ID)
	case errors.Is(err, storage.ErrNotFound):
		return nil, noBackup(backupID)
	case err != nil:
		return nil, internalError(err)
	}
	s.cfg.Jobs.Notify()
	out := gen.ShareBackupAction202JSONResponse{}
	out.Restore.BackupId, out.Restore.ShareId = b.ID, sh.ID
	return out, nil
}

// ListShareBackups is GET /v2/share-backups.
func (s *Server) ListShareBackups(ctx context.Context, req gen.ListShareBackupsRequestObject) (gen.ListShareBackupsResponseObject, error) {
	backups, links, err := s.listBackups(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareBackups200JSONResponse{ShareBackups: make([]gen.ShareBackupSummary, len(backups)), ShareBackupLinks: links}
	for i, b := range backups {
		out.ShareBackups[i] = gen.ShareBackupSummary{Id: b.ID, Name: ns(b.Name), ShareId: b.ShareID, Status: string(b.Status)}
	}
	return out, nil
}

// ListShareBackupsDetail is GET /v2/share-backups/detail.
func (s *Server) ListShareBackupsDetail(ctx context.Context, req gen.ListShareBackupsDetailRequestObject) (gen.ListShareBackupsDetailResponseObject, error) {
	ri := reqInfo(ctx)
	backups, links, err := s.listBackups(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareBackupsDetail200JSONResponse{ShareBackups: make([]gen.ShareBackup, len(backups)), ShareBackupLinks: links}
	for i, b := range backups {
		out.ShareBackups[i] = s.backupView(ri, b)
	}
	return out, nil
}

// listBackups reads the filters the pipeline kept: admin-only ones a
// non-admin sent are gone already.
func (s *Server) listBackups(ctx context.Context, limit, offset *int) ([]storage.ShareBackup, *[]gen.Link, error) {
	ri := reqInfo(ctx)
	q := ri.query
	get := func(key string) *string {
		if _, ok := q[key]; !ok {
			return nil
		}
		v := q.Get(key)
		return &v
	}

	f := storage.BackupFilter{ProjectID: ri.Caller.ProjectID}
	var err error
	if f.SortColumn, f.SortDesc, err = listOrder(q, storage.BackupSortKeys); err != nil {
		return nil, nil, err
	}
	allTenants := get("all_tenants")
	if allTenants == nil {
		allTenants = get("all_projects")
	}
	// Only callers share_backup:get_all_project allows still have it (the
	// spec's gate on the parameter).
	if allTenants != nil && *allTenants != "" {
		f.ProjectID = ""
	}
	if id := get("share_id"); id != nil && *id != "" {
		if _, err := s.visibleShare(ctx, *id, badRequest("No share exists with ID %s.", *id)); err != nil {
			return nil, nil, err
		}
		f.ShareID = id
	}
	f.ID = get("id")
	f.Name = get("name")
	f.NameLike = get("name~")
	f.Description = get("description")
	f.DescriptionLike = get("description~")
	f.Status = get("status")
	f.Host = get("host")
	f.Topic = get("topic")
	f.Limit = limit
	if offset != nil {
		f.Offset = *offset
	}
	backups, err := s.db.ListShareBackups(ctx, f)
	if err != nil {
		return nil, nil, internalError(err)
	}
	var last string
	if len(backups) > 0 {
		last = backups[len(backups)-1].ID
	}
	return backups, ri.pageLinks("share-backups", limit, len(backups), last), nil
}

// emptyAccepted is the 202 with an empty body that Manila's reset_status
// returns; the spec's 202 for this action describes restore's body, so the
// generated code has no empty variant.
type emptyAccepted struct{}

func (emptyAccepted) VisitShareBackupActionResponse(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusAccepted)
	return nil
}
