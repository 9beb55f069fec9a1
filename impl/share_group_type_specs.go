package impl

import (
	"context"
	"errors"
	"sort"
	"unicode/utf8"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Share group type specs (manila/api/v2/share_group_type_specs.py).

// groupSpecsType is _assert_share_group_type_exists: the type, or Manila's
// 404 with the exception's formatted message.
func (s *Server) groupSpecsType(ctx context.Context, id string) (storage.ShareGroupType, error) {
	return s.lookupShareGroupType(ctx, id, "Share group type "+id+" could not be found.")
}

// verifyGroupSpecs is _verify_group_specs: every key a string of 1-255
// characters and every value one too, or a boolean, or an object checked
// the same way. Keys are taken in sorted order, so that of several bad
// specs the message names the same one every time.
func verifyGroupSpecs(specs map[string]any) *Fault {
	keys := make([]string, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := specs[k]
		if nested, ok := v.(map[string]any); ok && validSpecString(k) {
			if f := verifyGroupSpecs(nested); f != nil {
				return f
			}
			continue
		}
		str, isString := v.(string)
		_, isBool := v.(bool)
		if !validSpecString(k) || !(isBool || isString && validSpecString(str)) {
			return badRequest("Invalid extra_spec: %s: %s", k, pyStr(v))
		}
	}
	return nil
}

func validSpecString(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= 255
}

// storedGroupSpecs is what Manila's database keeps of verified specs:
// strings as they are and booleans as MySQL stores them ("1", "0"). An
// object value passes Manila's checks and then fails its database (a 500):
// manilite refuses it with the checks' message.
func storedGroupSpecs(specs map[string]any) (map[string]string, *Fault) {
	keys := make([]string, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(specs))
	for _, k := range keys {
		switch v := specs[k].(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = "0"
			if v {
				out[k] = "1"
			}
		default:
			return nil, badRequest("Invalid extra_spec: %s: %s", k, pyStr(v))
		}
	}
	return out, nil
}

// anyValues turns a decoded body object into plain values.
func anyValues(m map[string]*interface{}) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil {
			out[k] = nil
		} else {
			out[k] = *v
		}
	}
	return out
}

// ListShareGroupTypeSpecs is GET /v2/share-group-types/{id}/group-specs.
func (s *Server) ListShareGroupTypeSpecs(ctx context.Context, req gen.ListShareGroupTypeSpecsRequestObject) (gen.ListShareGroupTypeSpecsResponseObject, error) {
	t, err := s.groupSpecsType(ctx, req.ShareGroupTypeId)
	if err != nil {
		return nil, err
	}
	specs := t.GroupSpecs
	if specs == nil {
		specs = map[string]string{}
	}
	return gen.ListShareGroupTypeSpecs200JSONResponse{GroupSpecs: specs}, nil
}

// CreateShareGroupTypeSpecs is POST /v2/share-group-types/{id}/group-specs:
// Manila echoes the body.
func (s *Server) CreateShareGroupTypeSpecs(ctx context.Context, req gen.CreateShareGroupTypeSpecsRequestObject) (gen.CreateShareGroupTypeSpecsResponseObject, error) {
	if _, err := s.groupSpecsType(ctx, req.ShareGroupTypeId); err != nil {
		return nil, err
	}
	specs := anyValues(req.Body.GroupSpecs)
	if f := verifyGroupSpecs(specs); f != nil {
		return nil, f
	}
	for k := range specs {
		if !specKeyPattern.MatchString(k) {
			return nil, badRequest("Key names can only contain alphanumeric characters, underscores, periods, colons and hyphens.")
		}
	}
	stored, f := storedGroupSpecs(specs)
	if f != nil {
		return nil, f
	}
	if err := s.db.SetShareGroupTypeSpecs(ctx, req.ShareGroupTypeId, stored); err != nil {
		return nil, missingOr(err, "Share group type "+req.ShareGroupTypeId+" could not be found.")
	}
	return gen.CreateShareGroupTypeSpecs200JSONResponse{GroupSpecs: req.Body.GroupSpecs}, nil
}

// ShowShareGroupTypeSpec is GET /v2/share-group-types/{id}/group-specs/{key}.
func (s *Server) ShowShareGroupTypeSpec(ctx context.Context, req gen.ShowShareGroupTypeSpecRequestObject) (gen.ShowShareGroupTypeSpecResponseObject, error) {
	t, err := s.groupSpecsType(ctx, req.ShareGroupTypeId)
	if err != nil {
		return nil, err
	}
	v, ok := t.GroupSpecs[req.Key]
	if !ok {
		return nil, notFound(defaultNotFound)
	}
	return gen.ShowShareGroupTypeSpec200JSONResponse{req.Key: v}, nil
}

// UpdateShareGroupTypeSpec is PUT /v2/share-group-types/{id}/group-specs/{key},
// body {key: value}; Manila echoes the body. Unlike create it does not check
// the key's characters.
func (s *Server) UpdateShareGroupTypeSpec(ctx context.Context, req gen.UpdateShareGroupTypeSpecRequestObject) (gen.UpdateShareGroupTypeSpecResponseObject, error) {
	var body gen.GroupSpecItemRequest
	if req.Body != nil {
		body = *req.Body
	}
	if len(body) == 0 {
		return nil, badRequest("Request body empty.")
	}
	if _, err := s.groupSpecsType(ctx, req.ShareGroupTypeId); err != nil {
		return nil, err
	}
	if _, ok := body[req.Key]; !ok {
		return nil, badRequest("Request body and URI mismatch.")
	}
	if len(body) > 1 {
		return nil, badRequest("Request body contains too many items.")
	}
	specs := anyValues(body)
	if f := verifyGroupSpecs(specs); f != nil {
		return nil, f
	}
	stored, f := storedGroupSpecs(specs)
	if f != nil {
		return nil, f
	}
	if err := s.db.SetShareGroupTypeSpecs(ctx, req.ShareGroupTypeId, stored); err != nil {
		return nil, missingOr(err, "Share group type "+req.ShareGroupTypeId+" could not be found.")
	}
	return gen.UpdateShareGroupTypeSpec200JSONResponse(body), nil
}

// DeleteShareGroupTypeSpec is DELETE /v2/share-group-types/{id}/group-specs/{key}.
func (s *Server) DeleteShareGroupTypeSpec(ctx context.Context, req gen.DeleteShareGroupTypeSpecRequestObject) (gen.DeleteShareGroupTypeSpecResponseObject, error) {
	if _, err := s.groupSpecsType(ctx, req.ShareGroupTypeId); err != nil {
		return nil, err
	}
	err := s.db.DeleteShareGroupTypeSpec(ctx, req.ShareGroupTypeId, req.Key)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		return nil, notFound("Share group type %s has no group specs with key %s.", req.ShareGroupTypeId, req.Key)
	case err != nil:
		return nil, missingOr(err, "Share group type "+req.ShareGroupTypeId+" could not be found.")
	}
	return gen.DeleteShareGroupTypeSpec204Response{}, nil
}
