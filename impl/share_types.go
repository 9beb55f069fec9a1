package impl

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Extra specs a non-admin may see (manila/share/share_types.py
// get_tenant_visible_extra_specs).
var tenantVisibleSpecs = map[string]bool{
	"driver_handles_share_servers": true, "snapshot_support": true, "create_share_from_snapshot_support": true,
	"revert_to_snapshot_support": true, "replication_type": true, "mount_snapshot_support": true,
	"availability_zones": true, "provisioning:max_share_size": true, "provisioning:min_share_size": true,
	"provisioning:max_share_extend_size": true,
}

// The optional boolean capabilities; from 2.24 non-admins see a missing one
// as false.
var optionalBoolSpecs = []string{"snapshot_support", "create_share_from_snapshot_support", "revert_to_snapshot_support", "mount_snapshot_support"}

func (s *Server) shareTypeView(ri *requestInfo, st storage.ShareType) gen.ShareType {
	admin := ri.Caller.IsAdmin()
	specs := map[string]any{}
	for k, val := range st.ExtraSpecs {
		if admin || tenantVisibleSpecs[k] {
			specs[k] = val
		}
	}
	if !admin && s.behaves(ri, "share_type_capability_defaults") {
		for _, k := range optionalBoolSpecs {
			if _, ok := specs[k]; !ok {
				specs[k] = false
			}
		}
	}
	required := map[string]any{}
	if dhss, ok := st.ExtraSpecs["driver_handles_share_servers"]; ok {
		required["driver_handles_share_servers"] = dhss
	}
	// Which keys a caller sees at which version is the spec's
	// (x-manila-min-version / x-manila-max-version on the ShareType schema).
	return gen.ShareType{
		Id: st.ID, Name: st.Name, ExtraSpecs: specs, RequiredExtraSpecs: required,
		OsShareTypeAccessIsPublic: ptr(st.IsPublic), ShareTypeAccessIsPublic: ptr(st.IsPublic),
		Description: ns(st.Description), IsDefault: ptr(st.Name == s.cfg.DefaultShareType),
	}
}

// visibleShareType returns a type the caller may see: public ones, and
// private ones an admin asks for or the caller's project was granted.
func (s *Server) visibleShareType(ctx context.Context, st storage.ShareType) (bool, error) {
	ri := reqInfo(ctx)
	if st.IsPublic || ri.Caller.IsAdmin() {
		return true, nil
	}
	ok, err := s.db.ShareTypeUsable(ctx, st.ID, ri.Caller.ProjectID)
	if err != nil {
		return false, internalError(err)
	}
	return ok, nil
}

// ListShareTypes is GET /v2/types.
func (s *Server) ListShareTypes(ctx context.Context, req gen.ListShareTypesRequestObject) (gen.ListShareTypesResponseObject, error) {
	ri := reqInfo(ctx)
	f := storage.ShareTypeFilter{AccessProject: ri.Caller.ProjectID}
	if ri.Caller.IsAdmin() && req.Params.IsPublic != nil {
		raw := *req.Params.IsPublic
		if strings.EqualFold(raw, "all") {
			f.AccessProject = ""
		} else {
			b, ok := parseStrictBool(raw)
			if !ok {
				return nil, badRequest("Invalid is_public filter [%s]", raw)
			}
			if !b {
				f.AccessProject = ""
				f.IsPublic = ptr(false)
			}
		}
	}
	if req.Params.ExtraSpecs != nil {
		specs, err := parseDictLiteral(*req.Params.ExtraSpecs)
		if err != nil {
			return nil, badRequest("Invalid input received: Wrong extra specs filter provided: %s.", *req.Params.ExtraSpecs)
		}
		f.ExtraSpecs = specs
	}
	types, err := s.db.ListShareTypes(ctx, f)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListShareTypes200JSONResponse{ShareTypes: make([]gen.ShareType, len(types))}
	for i, st := range types {
		out.ShareTypes[i] = s.shareTypeView(ri, st)
	}
	out.VolumeTypes = out.ShareTypes
	return out, nil
}

// ShowShareType is GET /v2/types/{id} (by id only).
func (s *Server) ShowShareType(ctx context.Context, req gen.ShowShareTypeRequestObject) (gen.ShowShareTypeResponseObject, error) {
	if req.ShareTypeId == "detail" {
		// Manila routes /types/detail to a controller method that does not
		// exist, which answers with the generic 404.
		return nil, notFound(defaultNotFound)
	}
	st, err := s.db.GetShareType(ctx, req.ShareTypeId)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Share type not found.")
	}
	if err != nil {
		return nil, internalError(err)
	}
	if ok, err := s.visibleShareType(ctx, st); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFound("Share type not found.")
	}
	view := s.shareTypeView(reqInfo(ctx), st)
	return gen.ShowShareType200JSONResponse{ShareType: view, VolumeType: view}, nil
}

// ShowDefaultShareType is GET /v2/types/default.
func (s *Server) ShowDefaultShareType(ctx context.Context, _ gen.ShowDefaultShareTypeRequestObject) (gen.ShowDefaultShareTypeResponseObject, error) {
	st, err := s.db.GetShareTypeByName(ctx, s.cfg.DefaultShareType)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Default share type not found")
	}
	if err != nil {
		return nil, internalError(err)
	}
	view := s.shareTypeView(reqInfo(ctx), st)
	return gen.ShowDefaultShareType200JSONResponse{ShareType: view, VolumeType: view}, nil
}

// specKeyPattern is Manila's VALID_KEY_NAME_REGEX, ^[\w\.\-\:\_]+$ with
// Python's Unicode \w: letters and digits of any script, and the
// underscore.
var specKeyPattern = regexp.MustCompile(`^[\p{L}\p{N}_.:\-]+$`)

// CreateShareType is POST /v2/types.
func (s *Server) CreateShareType(ctx context.Context, req gen.CreateShareTypeRequestObject) (gen.CreateShareTypeResponseObject, error) {
	ri := reqInfo(ctx)
	in := req.Body.ShareType
	if in == nil {
		in = req.Body.VolumeType
	}
	if in == nil {
		return nil, badRequest(defaultBadRequest)
	}
	desc := optPtr(in.Description)
	name := optString(in.Name)
	if name == "" {
		return nil, badRequest("Type name or description is not valid.")
	}
	specs := map[string]string{}
	if in.ExtraSpecs != nil {
		for k, raw := range *in.ExtraSpecs {
			if !specKeyPattern.MatchString(k) {
				return nil, badRequest("Key names can only contain alphanumeric characters, underscores, periods, colons and hyphens.")
			}
			switch val := raw.(type) {
			case string:
				specs[k] = val
			case bool:
				if val {
					specs[k] = "True"
				} else {
					specs[k] = "False"
				}
			case float64:
				specs[k] = strconv.FormatFloat(val, 'f', -1, 64)
			default:
				return nil, badRequest("Invalid extra_spec: %s: %s", k, renderValue(raw))
			}
		}
	}
	if s.behaves(ri, "snapshot_support_default") {
		if _, ok := specs["snapshot_support"]; !ok {
			specs["snapshot_support"] = "True"
		}
	}
	if f := validateExtraSpecs(specs); f != nil {
		return nil, f
	}
	isPublic := true
	if in.ShareTypeAccessIsPublic != nil {
		isPublic = *in.ShareTypeAccessIsPublic
	}
	if in.OsShareTypeAccessIsPublic != nil {
		isPublic = *in.OsShareTypeAccessIsPublic
	}
	if desc != nil && *desc == "" {
		desc = nil
	}
	st, err := s.db.CreateShareType(ctx, storage.ShareType{
		ID: uuid.NewString(), Name: name, Description: desc, IsPublic: isPublic, ExtraSpecs: specs,
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, conflict("Share Type %s already exists.", name)
	}
	if err != nil {
		return nil, internalError(err)
	}
	view := s.shareTypeView(ri, st)
	return gen.CreateShareType200JSONResponse{ShareType: view, VolumeType: view}, nil
}

// validateExtraSpecs applies Manila's checks of required and optional specs.
func validateExtraSpecs(specs map[string]string) *Fault {
	dhss, ok := specs["driver_handles_share_servers"]
	if !ok {
		return badRequest("Invalid extra_spec: Required extra specs 'driver_handles_share_servers' not specified.")
	}
	if _, ok := parseExtraSpecBool(dhss); !ok {
		return badRequest("Invalid extra_spec: Value of required extra_spec driver_handles_share_servers is not valid.")
	}
	keys := make([]string, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := specs[k]
		switch k {
		case "snapshot_support", "create_share_from_snapshot_support", "revert_to_snapshot_support", "mount_snapshot_support":
			if _, ok := parseExtraSpecBool(v); !ok {
				return badRequest("Invalid share type: Invalid extra_spec: Invalid boolean extra spec %s : %s.", k, v)
			}
		case "replication_type":
			if v != "writable" && v != "readable" && v != "dr" {
				return badRequest("Invalid share type: Invalid extra_spec: Value of optional extra_spec %s is not valid.", k)
			}
		case "provisioning:max_share_size", "provisioning:min_share_size", "provisioning:max_share_extend_size":
			if n, err := fmt.Sscanf(v, "%d", new(int)); n != 1 || err != nil || strings.TrimLeft(v, "0123456789") != "" {
				return badRequest("Invalid share type: Invalid extra_spec: Value of optional extra_spec %s is not valid.", k)
			}
		}
	}
	return nil
}

// UpdateShareType is PUT /v2/types/{id} (2.50+).
func (s *Server) UpdateShareType(ctx context.Context, req gen.UpdateShareTypeRequestObject) (gen.UpdateShareTypeResponseObject, error) {
	in := req.Body.ShareType
	var u storage.ShareTypeUpdate
	given := false
	if in.Name.IsSpecified() && !in.Name.IsNull() {
		n := in.Name.MustGet()
		if strings.TrimSpace(n) == "" {
			return nil, badRequest("Share type name cannot be empty.")
		}
		u.Name, given = &n, true
	}
	if in.Description.IsSpecified() && !in.Description.IsNull() {
		d := in.Description.MustGet()
		if d == "" {
			u.ClearDescription = true
		} else {
			u.Description = &d
		}
		given = true
	}
	if in.ShareTypeAccessIsPublic != nil {
		u.IsPublic, given = in.ShareTypeAccessIsPublic, true
	}
	if !given {
		return nil, badRequest("Specify share type name, description, share_type_access:is_public or a combination thereof.")
	}
	st, err := s.db.UpdateShareType(ctx, req.ShareTypeId, u)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("ShareTypeNotFound: Share type %s could not be found.", req.ShareTypeId)
	case errors.Is(err, storage.ErrConflict):
		return nil, conflict("Share Type %s already exists.", *u.Name)
	case err != nil:
		return nil, internalError(err)
	}
	view := s.shareTypeView(reqInfo(ctx), st)
	return gen.UpdateShareType200JSONResponse{ShareType: view, VolumeType: view}, nil
}

// DeleteShareType is DELETE /v2/types/{id}.
func (s *Server) DeleteShareType(ctx context.Context, req gen.DeleteShareTypeRequestObject) (gen.DeleteShareTypeResponseObject, error) {
	err := s.db.DeleteShareType(ctx, req.ShareTypeId)
	var inUse *storage.InUseError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case errors.As(err, &inUse):
		return nil, badRequest("Target share type is still in use.")
	case err != nil:
		return nil, internalError(err)
	}
	return gen.DeleteShareType202Response{}, nil
}

// ListShareTypeExtraSpecs is GET /v2/types/{id}/extra_specs.
func (s *Server) ListShareTypeExtraSpecs(ctx context.Context, req gen.ListShareTypeExtraSpecsRequestObject) (gen.ListShareTypeExtraSpecsResponseObject, error) {
	st, err := s.db.GetShareType(ctx, req.ShareTypeId)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Share type %s could not be found.", req.ShareTypeId)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.ListShareTypeExtraSpecs200JSONResponse{ExtraSpecs: st.ExtraSpecs}, nil
}
