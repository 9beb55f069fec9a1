package impl

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Share manage (POST /v2/shares/manage, 2.7+; /v2/os-share-manage below):
// Manila's ShareManageController and share API manage. manilite's driver
// adopts a directory of its shares folder that no share owns (one an
// unmanage left, say): a job renames it to the new share's and measures it.

// ManageShare is POST /v2/shares/manage.
func (s *Server) ManageShare(ctx context.Context, req gen.ManageShareRequestObject) (gen.ManageShareResponseObject, error) {
	sh, err := s.manageShare(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.ManageShare200JSONResponse{Share: s.shareView(reqInfo(ctx), sh)}, nil
}

// ManageShareLegacy is POST /v2/os-share-manage (2.0-2.6).
func (s *Server) ManageShareLegacy(ctx context.Context, req gen.ManageShareLegacyRequestObject) (gen.ManageShareLegacyResponseObject, error) {
	sh, err := s.manageShare(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.ManageShareLegacy200JSONResponse{Share: s.shareView(reqInfo(ctx), sh)}, nil
}

// manageParam is one of the required parameters, in Manila's order and
// with its 422s.
func manageParam(name string, present, empty bool) error {
	if !present {
		return unprocessable("Required parameter %s not found", name)
	}
	if empty {
		return unprocessable("Required parameter %s is empty", name)
	}
	return nil
}

// manageExportPath is _validate_manage_parameters: the three required
// parameters, the export path (a string or {"path": ...}) and the pool.
func manageExportPath(in *gen.ShareManageRequest_Share) (string, error) {
	var raw any
	if in.ExportPath.IsSpecified() && !in.ExportPath.IsNull() {
		raw = in.ExportPath.MustGet()
	}
	if err := manageParam("export_path", in.ExportPath.IsSpecified(), !pyTruthy(raw)); err != nil {
		return "", err
	}
	if err := manageParam("service_host", in.ServiceHost.IsSpecified(), optString(in.ServiceHost) == ""); err != nil {
		return "", err
	}
	if err := manageParam("protocol", in.Protocol.IsSpecified(), optString(in.Protocol) == ""); err != nil {
		return "", err
	}
	if m, ok := raw.(map[string]any); ok {
		if raw, ok = m["path"]; !ok {
			return "", unprocessable("Export path must be a string, or a dictionary with a 'path' item")
		}
	}
	path, ok := raw.(string)
	if !ok {
		path = renderValue(raw)
	}
	if _, pool, _ := strings.Cut(optString(in.ServiceHost), "#"); pool == "" {
		return "", badRequest("service_host parameter should contain pool.")
	}
	return path, nil
}

func (s *Server) manageShare(ctx context.Context, body *gen.ShareManageRequest) (storage.Share, error) {
	ri := reqInfo(ctx)
	if body.Share == nil {
		return storage.Share{}, unprocessable("Share entity not found in request body")
	}
	in := body.Share
	path, err := manageExportPath(in)
	if err != nil {
		return storage.Share{}, err
	}
	host := optString(in.ServiceHost)
	backendHost, _, _ := strings.Cut(host, "#")
	if ours, _, _ := strings.Cut(s.cfg.Host, "#"); backendHost != ours {
		return storage.Share{}, notFound("Service %s could not be found.", backendHost)
	}
	st, err := s.manageShareType(ctx, optString(in.ShareType))
	if err != nil {
		return storage.Share{}, err
	}
	_, public := publicFlag(in.IsPublic)
	if public {
		if ok, err := s.allowed(ctx, "share:create_public_share", callerTarget(ri)); err != nil || !ok {
			return storage.Share{}, errors.Join(err, forbidden("User is not authorized to set 'is_public' to True in the request."))
		}
	}
	if f := checkManageAgainstType(in, st); f != nil {
		return storage.Share{}, f
	}
	name, desc := in.DisplayName, in.DisplayDescription
	if !name.IsSpecified() {
		name = in.Name
	}
	if !desc.IsSpecified() {
		desc = in.Description
	}
	sh := storage.Share{
		ID: uuid.NewString(), ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID,
		Name: optPtr(name), Description: optPtr(desc), Proto: strings.ToUpper(optString(in.Protocol)),
		Status: state.ShareManageStarting, ShareTypeID: &st.ID, IsPublic: public, Host: &host,
	}
	created, err := s.db.ManageShare(ctx, sh, path, uuid.NewString(), s.cfg.MinTransition)
	var ce *storage.ConflictError
	switch {
	case errors.As(err, &ce):
		return storage.Share{}, conflict("Invalid share: %s.", ce.Reason)
	case err != nil:
		return storage.Share{}, internalError(err)
	}
	s.cfg.Jobs.Notify()
	return created, nil
}

// manageShareType is get_share_type_by_name_or_id: none given is the
// default type.
func (s *Server) manageShareType(ctx context.Context, requested string) (storage.ShareType, error) {
	var st storage.ShareType
	var err error
	switch {
	case requested == "":
		st, err = s.db.GetShareTypeByName(ctx, s.cfg.DefaultShareType)
		if errors.Is(err, storage.ErrNotFound) {
			return st, notFound("Default share type not found.")
		}
	case isUUIDLike(requested):
		st, err = s.db.GetShareType(ctx, requested)
	default:
		st, err = s.db.GetShareTypeByName(ctx, requested)
	}
	if errors.Is(err, storage.ErrNotFound) && isUUIDLike(requested) {
		return st, notFound("Share type %s could not be found.", requested)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return st, notFound("Share type with name %s could not be found.", requested)
	}
	if err != nil {
		return st, internalError(err)
	}
	return st, nil
}

// checkManageAgainstType is the share API's checks of a manage against
// the type: a share server exactly when the type handles them, and a
// mount point name only where the type supports it.
func checkManageAgainstType(in *gen.ShareManageRequest_Share, st storage.ShareType) *Fault {
	dhss := specTrue(st.ExtraSpecs, "driver_handles_share_servers")
	server := optString(in.ShareServerId)
	if dhss && server == "" {
		return badRequest("Invalid input received: Share Server ID parameter is required when managing a share using a share type with driver_handles_share_servers extra-spec set to True..")
	}
	if !dhss && server != "" {
		return badRequest("Invalid input received: Share Server ID parameter is not expected when managing a share using a share type with driver_handles_share_servers extra-spec set to False..")
	}
	if in.MountPointName.IsSpecified() && !in.MountPointName.IsNull() && !specTrue(st.ExtraSpecs, "mount_point_name_support") {
		return badRequest("Invalid input received: Setting a mount point name is not supported by the share type used: %s..", st.ID)
	}
	return nil
}
