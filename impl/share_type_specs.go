package impl

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Share type extra specs (manila/api/v2/share_types_extra_specs.py) and
// type access (manila/api/v2/share_types.py).

const specDHSS = "driver_handles_share_servers"

// pyStr is Python's str() of a decoded JSON value, as Manila's messages
// show it.
func pyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return x
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return renderValue(v)
}

// specChecks are share_types.is_valid_optional_extra_spec's checks of a
// standard spec's value (given as Python's str of it); isBool marks the
// capabilities parsed by parse_boolean_extra_spec, which raises instead.
var specChecks = map[string]func(v any, s string) bool{
	"replication_type":                   func(_ any, s string) bool { return s == "writable" || s == "readable" || s == "dr" },
	"encryption_support":                 func(_ any, s string) bool { return s == "share" || s == "share_server" },
	"availability_zones":                 func(_ any, s string) bool { return !contains(trimmedCSV(s), "") },
	"provisioning:mount_point_prefix":    shortString,
	"default_qos_type":                   shortString,
	"provisioning:max_share_size":        positiveInt,
	"provisioning:min_share_size":        positiveInt,
	"provisioning:max_share_extend_size": positiveInt,
}

var boolSpecs = []string{"snapshot_support", "create_share_from_snapshot_support", "revert_to_snapshot_support",
	"mount_snapshot_support", "mount_point_name_support", "snapshot_inherit_share_access_support"}

func shortString(v any, s string) bool {
	_, ok := v.(string)
	return ok && utf8.RuneCountInString(s) < 256
}

func positiveInt(v any, s string) bool {
	if b, ok := v.(bool); ok {
		return b // int(True) is 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil && n >= 1
}

func trimmedCSV(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// extraSpecValue is _verify_extra_specs for one spec (required specs not
// demanded): the value to store, or a fault. A malformed boolean capability
// is badBool, which create and update word differently.
func extraSpecValue(k string, raw *interface{}) (value string, badBool bool, f *Fault) {
	var v any
	if raw != nil {
		v = *raw
	}
	s := pyStr(v)
	if contains(boolSpecs, k) {
		if _, ok := parseExtraSpecBool(s); !ok {
			return "", true, badRequest("Invalid extra_spec: Invalid boolean extra spec %s : %s.", k, strings.TrimSpace(s))
		}
	}
	str, isString := v.(string)
	_, isBool := v.(bool)
	valid := utf8.RuneCountInString(k) >= 1 && utf8.RuneCountInString(k) < 256 &&
		(isBool || isString && utf8.RuneCountInString(str) >= 1 && utf8.RuneCountInString(str) < 256)
	if k == specDHSS {
		_, ok := parseStrictBool(s)
		valid = valid && ok
	}
	if check, ok := specChecks[k]; ok {
		valid = valid && check(v, s)
	}
	if !valid {
		return "", false, badRequest("Invalid extra_spec: %s: %s", k, s)
	}
	if k == "availability_zones" {
		s = strings.Join(trimmedCSV(s), ",")
	}
	return s, false, nil
}

// extraSpecsType is _check_type: the live type, or Manila's 404.
func (s *Server) extraSpecsType(ctx context.Context, id string) (storage.ShareType, error) {
	st, err := s.db.GetShareType(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return st, notFound("Share type %s could not be found.", id)
	}
	if err != nil {
		return st, internalError(err)
	}
	return st, nil
}

// CreateShareTypeExtraSpecs is POST /v2/types/{id}/extra_specs.
func (s *Server) CreateShareTypeExtraSpecs(ctx context.Context, req gen.CreateShareTypeExtraSpecsRequestObject) (gen.CreateShareTypeExtraSpecsResponseObject, error) {
	if _, err := s.extraSpecsType(ctx, req.ShareTypeId); err != nil {
		return nil, err
	}
	in := req.Body.ExtraSpecs
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	specs := make(map[string]string, len(in))
	for _, k := range keys {
		v, badBool, f := extraSpecValue(k, in[k])
		if badBool {
			// Manila's create passes the message as webob's detail, so
			// the body shows webob's default explanation.
			return nil, badRequest(defaultBadRequest)
		}
		if f != nil {
			return nil, f
		}
		specs[k] = v
	}
	for _, k := range keys {
		if !specKeyPattern.MatchString(k) {
			return nil, badRequest("Key names can only contain alphanumeric characters, underscores, periods, colons and hyphens.")
		}
	}
	if err := s.db.SetShareTypeExtraSpecs(ctx, req.ShareTypeId, specs); err != nil {
		return nil, missingOr(err, "Share type "+req.ShareTypeId+" could not be found.")
	}
	return gen.CreateShareTypeExtraSpecs200JSONResponse{ExtraSpecs: in}, nil
}

// ShowShareTypeExtraSpec is GET /v2/types/{id}/extra_specs/{key}.
func (s *Server) ShowShareTypeExtraSpec(ctx context.Context, req gen.ShowShareTypeExtraSpecRequestObject) (gen.ShowShareTypeExtraSpecResponseObject, error) {
	st, err := s.extraSpecsType(ctx, req.ShareTypeId)
	if err != nil {
		return nil, err
	}
	v, ok := st.ExtraSpecs[req.Key]
	if !ok {
		return nil, notFound(defaultNotFound)
	}
	return gen.ShowShareTypeExtraSpec200JSONResponse{req.Key: v}, nil
}

// UpdateShareTypeExtraSpec is PUT /v2/types/{id}/extra_specs/{key}, body
// {key: value}; Manila echoes the body.
func (s *Server) UpdateShareTypeExtraSpec(ctx context.Context, req gen.UpdateShareTypeExtraSpecRequestObject) (gen.UpdateShareTypeExtraSpecResponseObject, error) {
	body := *req.Body
	if len(body) == 0 {
		return nil, badRequest("Request body empty")
	}
	if _, err := s.extraSpecsType(ctx, req.ShareTypeId); err != nil {
		return nil, err
	}
	raw, ok := body[req.Key]
	if !ok {
		return nil, badRequest("Request body and URI mismatch")
	}
	if len(body) > 1 {
		return nil, badRequest("Request body contains too many items")
	}
	v, _, f := extraSpecValue(req.Key, raw)
	if f != nil {
		return nil, f
	}
	if err := s.db.SetShareTypeExtraSpecs(ctx, req.ShareTypeId, map[string]string{req.Key: v}); err != nil {
		return nil, missingOr(err, "Share type "+req.ShareTypeId+" could not be found.")
	}
	if req.Key == "availability_zones" {
		var echoed interface{} = v
		body = gen.ExtraSpecItemRequest{req.Key: &echoed}
	}
	return gen.UpdateShareTypeExtraSpec200JSONResponse(body), nil
}

// DeleteShareTypeExtraSpec is DELETE /v2/types/{id}/extra_specs/{key}.
func (s *Server) DeleteShareTypeExtraSpec(ctx context.Context, req gen.DeleteShareTypeExtraSpecRequestObject) (gen.DeleteShareTypeExtraSpecResponseObject, error) {
	if _, err := s.extraSpecsType(ctx, req.ShareTypeId); err != nil {
		return nil, err
	}
	if req.Key == specDHSS || req.Key == "snapshot_support" && s.behaves(reqInfo(ctx), "snapshot_support_undeletable") {
		return nil, forbidden("Extra spec '%s' can't be deleted.", req.Key)
	}
	err := s.db.DeleteShareTypeExtraSpec(ctx, req.ShareTypeId, req.Key)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		return nil, notFound("Share Type %s has no extra specs with key %s.", req.ShareTypeId, req.Key)
	case err != nil:
		return nil, missingOr(err, "Share type "+req.ShareTypeId+" could not be found.")
	}
	return gen.DeleteShareTypeExtraSpec202Response{}, nil
}

// ListShareTypeAccess is GET /v2/types/{id}/share_type_access.
func (s *Server) ListShareTypeAccess(ctx context.Context, req gen.ListShareTypeAccessRequestObject) (gen.ListShareTypeAccessResponseObject, error) {
	list, err := s.shareTypeAccess(ctx, req.ShareTypeId)
	if err != nil {
		return nil, err
	}
	return gen.ListShareTypeAccess200JSONResponse(list), nil
}

// ListShareTypeAccessLegacy is GET /v2/types/{id}/os-share-type-access.
func (s *Server) ListShareTypeAccessLegacy(ctx context.Context, req gen.ListShareTypeAccessLegacyRequestObject) (gen.ListShareTypeAccessLegacyResponseObject, error) {
	list, err := s.shareTypeAccess(ctx, req.ShareTypeId)
	if err != nil {
		return nil, err
	}
	return gen.ListShareTypeAccessLegacy200JSONResponse(list), nil
}

func (s *Server) shareTypeAccess(ctx context.Context, id string) (gen.ShareTypeAccessList, error) {
	out := gen.ShareTypeAccessList{ShareTypeAccess: []gen.ShareTypeAccess{}}
	st, err := s.db.GetShareType(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return out, notFound("Share type %s not found.", id)
	}
	if err != nil {
		return out, internalError(err)
	}
	if st.IsPublic {
		return out, notFound("Access list not available for public share types.")
	}
	projects, err := s.db.ShareTypeProjects(ctx, id)
	if err != nil {
		return out, internalError(err)
	}
	for _, p := range projects {
		out.ShareTypeAccess = append(out.ShareTypeAccess, gen.ShareTypeAccess{ShareTypeId: id, ProjectId: p})
	}
	return out, nil
}

func (s *Server) shareTypeActionTable() actionTable[gen.ShareTypeActionResponseObject] {
	return actionTable[gen.ShareTypeActionResponseObject]{
		"add_project_access":    s.addProjectAccess,
		"remove_project_access": s.removeProjectAccess,
	}
}

// ShareTypeAction is POST /v2/types/{id}/action.
func (s *Server) ShareTypeAction(ctx context.Context, req gen.ShareTypeActionRequestObject) (gen.ShareTypeActionResponseObject, error) {
	return s.actions.shareType.run(ctx, req.ShareTypeId)
}

// Manila answers these with the exception class's message template, its
// placeholders unfilled (err.message, not err.msg).
const (
	msgTypeNotFoundTemplate = "Share type %(share_type_id)s could not be found."
	msgAccessExistsTemplate = "Share type access for %(share_type_id)s / %(project_id)s combination already exists."
	msgNoAccessTemplate     = "Share type access not found for %(share_type_id)s / %(project_id)s combination."
)

// accessProject is _check_body and _verify_if_non_public_share_type: the
// project to grant or revoke, once the type is known to be private.
func (s *Server) accessProject(ctx context.Context, id string, value json.RawMessage) (string, error) {
	in, err := decodeAction[gen.ProjectAccess](value)
	if err != nil {
		return "", err
	}
	var project any
	if in.Project.IsSpecified() && !in.Project.IsNull() {
		project = in.Project.MustGet()
	}
	p, ok := project.(string)
	if !ok || !isUUIDLike(p) {
		return "", badRequest("Bad project format: project is not in proper format (%s)", pyStr(project))
	}
	st, err := s.db.GetShareType(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "", notFound("%s", msgTypeNotFoundTemplate)
	case err != nil:
		return "", internalError(err)
	case st.IsPublic:
		return "", conflict("Type access modification is not applicable to public share type.")
	}
	return p, nil
}

func (s *Server) addProjectAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareTypeActionResponseObject, error) {
	project, err := s.accessProject(ctx, id, value)
	if err != nil {
		return nil, err
	}
	err = s.db.AddShareTypeProject(ctx, id, project)
	switch {
	case errors.Is(err, storage.ErrConflict):
		return nil, conflict("%s", msgAccessExistsTemplate)
	case err != nil:
		return nil, missingOr(err, msgTypeNotFoundTemplate)
	}
	return gen.ShareTypeAction202Response{}, nil
}

func (s *Server) removeProjectAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareTypeActionResponseObject, error) {
	project, err := s.accessProject(ctx, id, value)
	if err != nil {
		return nil, err
	}
	err = s.db.RemoveShareTypeProject(ctx, id, project)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		return nil, notFound("%s", msgNoAccessTemplate)
	case err != nil:
		return nil, missingOr(err, msgTypeNotFoundTemplate)
	}
	return gen.ShareTypeAction202Response{}, nil
}
