package impl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// taskStateValue checks one key of a reset_task_state value as Manila's
// schema does: null or one of TASK_STATE_STATUSES.
func taskStateValue(raw json.RawMessage, key string) (*string, bool, error) {
	if len(raw) == 0 {
		return nil, false, nil
	}
	var v *string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, true, badRequest("Malformed request body")
	}
	if v != nil && !state.ShareTaskResetTargets.Contains(state.ShareTaskStatus(*v)) {
		valid := strings.TrimSuffix(state.ShareTaskResetTargets.List(), "]") + ", None]"
		return nil, true, badRequest("Invalid input for field/attribute %s. Value: %s. '%s' is not one of %s", key, *v, *v, valid)
	}
	return v, true, nil
}

// resetShareTaskState is reset_task_state: _reset_status on task_state.
func (s *Server) resetShareTaskState(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(value, &keys); err != nil {
		return nil, badRequest("Malformed request body")
	}
	if _, _, err := taskStateValue(keys["os-task_state"], "os-task_state"); err != nil {
		return nil, err
	}
	task, given, err := taskStateValue(keys["task_state"], "task_state")
	if err != nil {
		return nil, err
	}
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("task state cannot be reset for share '%s' since it has been soft deleted.", id)
	}
	// _reset_status is itself decorated with the reset_status rule.
	if err := s.requirePolicy(ctx, "share:reset_status", callerTarget(reqInfo(ctx))); err != nil {
		return nil, err
	}
	if !given {
		return nil, badRequest("Must specify 'task_state'")
	}
	if err := s.requirePolicy(ctx, "share:reset_status", shareTarget(sh)); err != nil {
		return nil, err
	}
	if err := s.db.SetShareTaskState(ctx, sh.ID, task); err != nil {
		return nil, notFoundOr(err)
	}
	return gen.ShareAction202Response{}, nil
}

// migrationShare is the migration actions' lookup.
func (s *Server) migrationShare(ctx context.Context, id string) (storage.Share, error) {
	return s.visibleShare(ctx, id, notFound("Share %s not found.", id))
}

// migrationRefusal is _migration_validate_error_message, or fallback.
func migrationRefusal(sh storage.Share, fallback string) *Fault {
	task := ""
	if sh.TaskState != nil {
		task = *sh.TaskState
	}
	msg := fallback
	switch state.ShareTaskStatus(task) {
	case state.ShareTaskMigrationSuccess:
		msg = "Migration of share " + sh.ID + " has already completed."
	case "", state.ShareTaskMigrationError:
		msg = "There is no migration being performed for share " + sh.ID + " at this moment."
	case state.ShareTaskMigrationCancelled:
		msg = "Migration of share " + sh.ID + " was already cancelled."
	case state.ShareTaskMigrationDriverPhase1Done, state.ShareTaskDataCopyingCompleted:
		msg = "Migration of share " + sh.ID + " has already completed first phase."
	}
	return badRequest("Invalid share: %s.", msg)
}

// noMigratingInstances is get_migrating_instances on a share that has one
// instance (manilite never makes a destination instance): Manila's
// ShareMigrationFailed, a 500 with the server's default message.
func noMigratingInstances(sh storage.Share) *Fault {
	src := "None"
	if sh.Status == state.ShareMigrating {
		src = sh.ID
	}
	return internalError(fmt.Errorf("Share migration failed: Share instances %s and None in inconsistent states, "+
		"cannot continue share migration for share %s.", src, sh.ID))
}

func (s *Server) migrationComplete(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.migrationShare(ctx, id)
	if err != nil {
		return nil, err
	}
	if sh.TaskState == nil || !state.ShareTaskFirstPhaseDone.Contains(state.ShareTaskStatus(*sh.TaskState)) {
		return nil, migrationRefusal(sh, "First migration phase of share "+sh.ID+" not completed yet.")
	}
	return nil, noMigratingInstances(sh)
}

func (s *Server) migrationCancel(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	sh, err := s.migrationShare(ctx, id)
	if err != nil {
		return nil, err
	}
	if sh.TaskState != nil {
		switch state.ShareTaskStatus(*sh.TaskState) {
		case state.ShareTaskDataCopyingCompleted, state.ShareTaskMigrationDriverPhase1Done, state.ShareTaskMigrationDriverInProgress:
			return nil, noMigratingInstances(sh)
		}
	}
	// data_copying_in_progress needs a data service; manilite has none.
	return nil, migrationRefusal(sh, "Migration of share "+sh.ID+" cannot be cancelled at this moment.")
}

// migrationProgress is _migration_get_progress.
func (s *Server) migrationProgress(ctx context.Context, id string) (gen.MigrationProgress, error) {
	sh, err := s.migrationShare(ctx, id)
	if err != nil {
		return gen.MigrationProgress{}, err
	}
	task := state.ShareTaskStatus(deref(sh.TaskState))
	var total int
	switch {
	case task == state.ShareTaskMigrationDriverInProgress:
		return gen.MigrationProgress{}, noMigratingInstances(sh)
	case state.ShareTaskProgressDone.Contains(task):
		total = 100
	case state.ShareTaskProgressNone.Contains(task):
		total = 0
	default:
		return gen.MigrationProgress{}, migrationRefusal(sh, "Migration progress of share "+sh.ID+" cannot be obtained at this moment.")
	}
	return gen.MigrationProgress{TotalProgress: total, TaskState: ns(sh.TaskState), Details: &map[string]any{}}, nil
}

// progressResponse is migration_get_progress's 200 with its body.
type progressResponse gen.MigrationProgress

func (r progressResponse) VisitShareActionResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(r)
}

func (s *Server) migrationGetProgress(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	p, err := s.migrationProgress(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.behaves(reqInfo(ctx), "migration_progress_details") {
		p.Details = nil
	}
	return progressResponse(p), nil
}

// ShowShareMigrationProgress is GET /v2/shares/{id}/migration-progress.
func (s *Server) ShowShareMigrationProgress(ctx context.Context, req gen.ShowShareMigrationProgressRequestObject) (gen.ShowShareMigrationProgressResponseObject, error) {
	p, err := s.migrationProgress(ctx, req.ShareId)
	if err != nil {
		return nil, err
	}
	return gen.ShowShareMigrationProgress200JSONResponse(p), nil
}

// migrationFlag is one of migration_start's booleans: Manila's
// parameter_types.boolean, then strutils.bool_from_string.
func migrationFlag(name string, v any) (bool, error) {
	b, err := extendForce(v)
	if err != nil || v == nil {
		return false, badRequest("Invalid input for field/attribute %s. Value: %s. %s is not valid under any of the given schemas", name, plainValue(v), renderValue(v))
	}
	return b, nil
}

func (s *Server) migrationStart(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	in, err := decodeAction[gen.MigrationStart](value)
	if err != nil {
		return nil, err
	}
	flags := map[string]bool{}
	for _, f := range []struct {
		name string
		v    any
	}{{"nondisruptive", in.Nondisruptive}, {"preserve_metadata", in.PreserveMetadata}, {"preserve_snapshots", in.PreserveSnapshots},
		{"writable", in.Writable}, {"force_host_assisted_migration", in.ForceHostAssistedMigration}} {
		if f.v == nil && f.name == "force_host_assisted_migration" {
			continue
		}
		if flags[f.name], err = migrationFlag(f.name, f.v); err != nil {
			return nil, err
		}
	}
	sh, err := s.migrationShare(ctx, id)
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, badRequest("Invalid share: Migration cannot start for share '%s' since it has been soft deleted..", id)
	}
	if n := optString(in.NewShareNetworkId); n != "" {
		// manilite has no share networks.
		return nil, badRequest("Share network %s not found.", n)
	}
	typeID := deref(sh.ShareTypeID)
	if t := optString(in.NewShareTypeId); t != "" {
		st, err := s.db.GetShareType(ctx, t)
		if err != nil {
			return nil, badRequest("Share type %s not found.", t)
		}
		if f := sizeFilter(&st, sh.Size, sizeOpCreate); f != nil {
			return nil, f
		}
		typeID = st.ID
	}
	if flags["force_host_assisted_migration"] && (flags["preserve_metadata"] || flags["writable"] || flags["nondisruptive"] || flags["preserve_snapshots"]) {
		return nil, badRequest(`Invalid input received: Invalid parameter combination. Cannot set parameters "nondisruptive", "writable", "preserve_snapshots" or "preserve_metadata" to True when enabling the "force_host_assisted_migration" option.`)
	}
	return s.beginMigration(ctx, sh, in.Host, typeID, flags["force_host_assisted_migration"])
}

// beginMigration is the rest of the share API's migration_start.
func (s *Server) beginMigration(ctx context.Context, sh storage.Share, dest, typeID string, hostAssisted bool) (gen.ShareActionResponseObject, error) {
	if sh.Status != state.ShareAvailable {
		return nil, badRequest("Invalid share: Share instance %s status must be available, but current status is: %s..", sh.ID, sh.Status)
	}
	if f := busyTask(sh); f != nil {
		return nil, badRequest("%s", f.Message)
	}
	if hostAssisted {
		if _, err := s.db.LatestShareSnapshot(ctx, sh.ID); err == nil {
			return nil, conflict("Share %s must not have snapshots when using host-assisted migration.", sh.ID)
		}
	}
	destBackend, _, _ := strings.Cut(dest, "#")
	ourBackend, _, _ := strings.Cut(s.cfg.Host, "#")
	if destBackend != ourBackend {
		return nil, notFound("Service %s could not be found.", destBackend)
	}
	task := state.ShareTaskMigrationSuccess
	status := gen.ShareActionResponseObject(gen.ShareAction200Response{})
	if typeID != deref(sh.ShareTypeID) || dest != deref(sh.Host) {
		// Manila's scheduler finds no such pool (manilite has one) or its
		// share manager no way to move the data: the migration ends in
		// migration_error with the share available.
		task, status = state.ShareTaskMigrationError, gen.ShareAction202Response{}
	}
	t := string(task)
	if err := s.db.SetShareTaskState(ctx, sh.ID, &t); err != nil {
		return nil, notFoundOr(err)
	}
	return status, nil
}

// busyTask is _check_is_share_busy's refusal, nil for a share not busy.
func busyTask(sh storage.Share) *Fault {
	if sh.TaskState != nil && state.ShareTaskBusy.Contains(state.ShareTaskStatus(*sh.TaskState)) {
		return conflict("Share is busy with an active task: Share %s is busy as part of an active task: %s..", sh.ID, *sh.TaskState)
	}
	return nil
}
