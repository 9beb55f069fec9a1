package impl

import (
	"context"
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Share group types (manila/api/v2/share_group_types.py, its view
// manila/api/views/share_group_types.py and manila/share_group/
// share_group_types.py). Which keys a view shows at which version is the
// spec's (is_default from 2.46).

// Manila answers these with the exception class's message template, its
// placeholders unfilled (err.message, not err.msg).
const (
	msgGroupTypeExistsTemplate  = "Share group type %(type_id)s already exists."
	msgShareTypeMissingTemplate = "Share Type %(share_type)s does not exist."
)

func (s *Server) shareGroupTypeView(t storage.ShareGroupType) gen.ShareGroupType {
	specs := t.GroupSpecs
	if specs == nil {
		specs = map[string]string{}
	}
	types := t.ShareTypes
	if types == nil {
		types = []string{}
	}
	return gen.ShareGroupType{
		Id: t.ID, Name: t.Name, IsPublic: t.IsPublic, GroupSpecs: specs, ShareTypes: types,
		IsDefault: ptr(t.Name == s.cfg.DefaultShareGroupType),
	}
}

// visibleShareGroupType is share_group_types.get: the live type with this
// id, if the caller may see it (admins see every type, others the public
// ones and those granted to their project); storage.ErrNotFound otherwise.
func (s *Server) visibleShareGroupType(ctx context.Context, id string) (storage.ShareGroupType, error) {
	t, err := s.db.GetShareGroupType(ctx, id)
	if err != nil {
		return t, err
	}
	ri := reqInfo(ctx)
	if t.IsPublic || ri.Caller.IsAdmin() {
		return t, nil
	}
	ok, err := s.db.ShareGroupTypeUsable(ctx, id, ri.Caller.ProjectID)
	if err != nil {
		return t, err
	}
	if !ok {
		return storage.ShareGroupType{}, storage.ErrNotFound
	}
	return t, nil
}

// lookupShareGroupType is visibleShareGroupType with the 404 worded by
// notFoundMsg (Manila words it per controller method).
func (s *Server) lookupShareGroupType(ctx context.Context, id, notFoundMsg string) (storage.ShareGroupType, error) {
	t, err := s.visibleShareGroupType(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return t, notFound("%s", notFoundMsg)
	case err != nil:
		return t, internalError(err)
	}
	return t, nil
}

// ListShareGroupTypes is GET /v2/share-group-types.
func (s *Server) ListShareGroupTypes(ctx context.Context, req gen.ListShareGroupTypesRequestObject) (gen.ListShareGroupTypesResponseObject, error) {
	ri := reqInfo(ctx)
	// Manila's non-admins always get is_public=True: public types and those
	// granted to their project.
	f := storage.ShareGroupTypeFilter{AccessProject: ri.Caller.ProjectID}
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
				f.AccessProject, f.IsPublic = "", ptr(false)
			}
		}
	}
	// The pipeline has refused a non-empty filter below 2.66 and dropped an
	// empty one (x-manila-refused); an empty one is ignored at every version.
	if req.Params.GroupSpecs != nil && *req.Params.GroupSpecs != "" {
		specs, err := parseDictLiteral(*req.Params.GroupSpecs)
		if err != nil {
			// Manila's ast.literal_eval raises here (a 500).
			return nil, badRequest("Invalid input received: Wrong group specs filter provided: %s.", *req.Params.GroupSpecs)
		}
		f.GroupSpecs = specs
	}
	types, err := s.db.ListShareGroupTypes(ctx, f)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListShareGroupTypes200JSONResponse{ShareGroupTypes: make([]gen.ShareGroupType, len(types))}
	for i, t := range types {
		out.ShareGroupTypes[i] = s.shareGroupTypeView(t)
	}
	return out, nil
}

// ShowShareGroupType is GET /v2/share-group-types/{id}.
func (s *Server) ShowShareGroupType(ctx context.Context, req gen.ShowShareGroupTypeRequestObject) (gen.ShowShareGroupTypeResponseObject, error) {
	if req.ShareGroupTypeId == "detail" {
		// Manila routes /share-group-types/detail to a controller method
		// that does not exist: the generic 404.
		return nil, notFound(defaultNotFound)
	}
	t, err := s.lookupShareGroupType(ctx, req.ShareGroupTypeId, "Share group type with id "+req.ShareGroupTypeId+" not found.")
	if err != nil {
		return nil, err
	}
	return gen.ShowShareGroupType200JSONResponse{ShareGroupType: s.shareGroupTypeView(t)}, nil
}

// ShowDefaultShareGroupType is GET /v2/share-group-types/default: Manila
// looks the type up by name without the project filter, so a private
// default is shown to anyone the rule allows.
func (s *Server) ShowDefaultShareGroupType(ctx context.Context, _ gen.ShowDefaultShareGroupTypeRequestObject) (gen.ShowDefaultShareGroupTypeResponseObject, error) {
	t, err := s.db.GetShareGroupTypeByName(ctx, s.cfg.DefaultShareGroupType)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound("Default share group type not found.")
	case err != nil:
		return nil, internalError(err)
	}
	return gen.ShowDefaultShareGroupType200JSONResponse{ShareGroupType: s.shareGroupTypeView(t)}, nil
}

// CreateShareGroupType is POST /v2/share-group-types, checking the body in
// the order of Manila's _create and share_group_type_create.
func (s *Server) CreateShareGroupType(ctx context.Context, req gen.CreateShareGroupTypeRequestObject) (gen.CreateShareGroupTypeResponseObject, error) {
	in := req.Body.ShareGroupType
	rawTypes := nullableValue(in.ShareTypes)
	if !pyTruthy(rawTypes) {
		return nil, badRequest("Supported share types must be provided.")
	}
	name, ok := nullableValue(in.Name).(string)
	if !ok || name == "" || utf8.RuneCountInString(name) > 255 {
		// Manila's len() of a name that is no string is a 500.
		return nil, badRequest("Share group type name is not valid.")
	}
	specs, f := createGroupSpecs(nullableValue(in.GroupSpecs))
	if f != nil {
		return nil, f
	}
	refs, iterable, strs := pyIterStrings(rawTypes)
	if !iterable {
		// Manila iterates the value in its database layer: a number or
		// true there is a 500.
		return nil, badRequest("Supported share types must be provided.")
	}
	if !strs {
		// An item that is no string names no share type.
		return nil, shareTypeRefFault(storage.ErrNotFound)
	}
	isPublic, ok := createIsPublic(in.IsPublic)
	if !ok {
		// Manila's database refuses it when it writes the row (a 500),
		// after it has looked the share types up.
		if _, err := s.db.ResolveShareTypes(ctx, refs); err != nil {
			return nil, shareTypeRefFault(err)
		}
		return nil, badRequest("is_public has a non-boolean value.")
	}
	t, err := s.db.CreateShareGroupType(ctx, storage.ShareGroupType{
		ID: uuid.NewString(), Name: name, IsPublic: isPublic, ShareTypes: refs, GroupSpecs: specs,
	})
	switch {
	case errors.Is(err, storage.ErrConflict):
		return nil, conflict("%s", msgGroupTypeExistsTemplate)
	case err != nil:
		return nil, shareTypeRefFault(err)
	}
	return gen.CreateShareGroupType200JSONResponse{ShareGroupType: s.shareGroupTypeView(t)}, nil
}

// shareTypeRefFault is Manila's 404 for a share type a create names that
// does not exist (ShareTypeDoesNotExist), or a 500 for anything else.
func shareTypeRefFault(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return notFound("%s", msgShareTypeMissingTemplate)
	}
	return internalError(err)
}

// nullableValue is the value of an untyped body key: nil when it is
// missing or null, as Python's dict.get gives None.
func nullableValue(n interface {
	IsSpecified() bool
	IsNull() bool
	Get() (interface{}, error)
}) any {
	if !n.IsSpecified() || n.IsNull() {
		return nil
	}
	v, _ := n.Get()
	return v
}

// createGroupSpecs checks the group_specs of a create as Manila's _create:
// null or an object whose keys and values are all strings.
func createGroupSpecs(raw any) (map[string]string, *Fault) {
	specs := map[string]string{}
	if raw == nil {
		return specs, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, badRequest("Group specs can be either of 'None' or 'dict' types.")
	}
	for k, v := range obj {
		str, ok := v.(string)
		if !ok {
			return nil, badRequest("Group specs keys and values should be strings.")
		}
		specs[k] = str
	}
	return specs, nil
}

// pyIterStrings is what Python's for loop over a JSON value yields, for the
// values Manila looks share types up by: a list's items, a string's
// characters, an object's keys. iterable is false for a number or a
// boolean; strs is false when an item is no string.
func pyIterStrings(v any) (refs []string, iterable, strs bool) {
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			s, ok := item.(string)
			if !ok {
				return nil, true, false
			}
			refs = append(refs, s)
		}
	case string:
		for _, r := range x {
			refs = append(refs, string(r))
		}
	case map[string]any:
		for k := range x {
			refs = append(refs, k)
		}
		sort.Strings(refs)
	default:
		return nil, false, false
	}
	return refs, true, true
}

// createIsPublic is the is_public of a create: true when missing or null,
// else a boolean, or 0 or 1 as Manila's database takes them.
func createIsPublic(n interface {
	IsSpecified() bool
	IsNull() bool
	Get() (interface{}, error)
}) (bool, bool) {
	switch v := nullableValue(n).(type) {
	case nil:
		return true, true
	case bool:
		return v, true
	case float64:
		return v == 1, v == 0 || v == 1
	}
	return false, false
}

// DeleteShareGroupType is DELETE /v2/share-group-types/{id}.
func (s *Server) DeleteShareGroupType(ctx context.Context, req gen.DeleteShareGroupTypeRequestObject) (gen.DeleteShareGroupTypeResponseObject, error) {
	if _, err := s.lookupShareGroupType(ctx, req.ShareGroupTypeId, defaultNotFound); err != nil {
		return nil, err
	}
	err := s.db.DeleteShareGroupType(ctx, req.ShareGroupTypeId)
	var inUse *storage.InUseError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, notFound(defaultNotFound)
	case errors.As(err, &inUse):
		return nil, badRequest("Target share group type with id %s is still in use.", req.ShareGroupTypeId)
	case err != nil:
		return nil, internalError(err)
	}
	return gen.DeleteShareGroupType204Response{}, nil
}
