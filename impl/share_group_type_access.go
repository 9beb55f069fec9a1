package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// The projects granted a private share group type
// (manila/api/v2/share_group_types.py: share_group_type_access and the
// addProjectAccess / removeProjectAccess actions).

// Manila answers these with the exception class's message template, its
// placeholders unfilled (err.message, not err.msg).
const (
	msgGroupTypeAccessExistsTemplate = "Share group type access for %(type_id)s / %(project_id)s combination already exists."
	msgGroupTypeNoAccessTemplate     = "Share group type access not found for %(type_id)s / %(project_id)s combination."
	msgGroupTypeNotFoundTemplate     = "Share group type %(type_id)s could not be found."
)

// ListShareGroupTypeAccess is GET /v2/share-group-types/{id}/access.
func (s *Server) ListShareGroupTypeAccess(ctx context.Context, req gen.ListShareGroupTypeAccessRequestObject) (gen.ListShareGroupTypeAccessResponseObject, error) {
	id := req.ShareGroupTypeId
	t, err := s.lookupShareGroupType(ctx, id, "Share group type "+id+" not found.")
	if err != nil {
		return nil, err
	}
	if t.IsPublic {
		return nil, notFound("Access list not available for public share group types.")
	}
	projects, err := s.db.ShareGroupTypeProjects(ctx, id)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListShareGroupTypeAccess200JSONResponse{ShareGroupTypeAccess: make([]gen.ShareGroupTypeAccess, len(projects))}
	for i, p := range projects {
		out.ShareGroupTypeAccess[i] = gen.ShareGroupTypeAccess{ShareGroupTypeId: id, ProjectId: p}
	}
	return out, nil
}

func (s *Server) shareGroupTypeActionTable() actionTable[gen.ShareGroupTypeActionResponseObject] {
	return actionTable[gen.ShareGroupTypeActionResponseObject]{
		"add_project_access":    s.addShareGroupTypeAccess,
		"remove_project_access": s.removeShareGroupTypeAccess,
	}
}

// ShareGroupTypeAction is POST /v2/share-group-types/{id}/action.
func (s *Server) ShareGroupTypeAction(ctx context.Context, req gen.ShareGroupTypeActionRequestObject) (gen.ShareGroupTypeActionResponseObject, error) {
	return s.actions.shareGroupType.run(ctx, req.ShareGroupTypeId)
}

// groupAccessProject is _check_body and _assert_non_public_share_group_type:
// the project to grant or revoke (UUID-like, as oslo's is_uuid_like: with
// or without dashes), once the type is known to be private.
func (s *Server) groupAccessProject(ctx context.Context, id string, value json.RawMessage) (string, error) {
	in, err := decodeAction[gen.ProjectAccess](value)
	if err != nil {
		return "", err
	}
	project := nullableValue(in.Project)
	p, ok := project.(string)
	if !ok || !isUUIDLike(p) {
		return "", badRequest("Project value (%s) must be in uuid format.", pyStr(project))
	}
	t, err := s.visibleShareGroupType(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "", notFound("%s", msgGroupTypeNotFoundTemplate)
	case err != nil:
		return "", internalError(err)
	case t.IsPublic:
		return "", conflict("Type access modification is not applicable to public share group type.")
	}
	return p, nil
}

func (s *Server) addShareGroupTypeAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareGroupTypeActionResponseObject, error) {
	project, err := s.groupAccessProject(ctx, id, value)
	if err != nil {
		return nil, err
	}
	err = s.db.AddShareGroupTypeProject(ctx, id, project)
	switch {
	case errors.Is(err, storage.ErrConflict):
		return nil, conflict("%s", msgGroupTypeAccessExistsTemplate)
	case err != nil:
		return nil, missingOr(err, msgGroupTypeNotFoundTemplate)
	}
	return gen.ShareGroupTypeAction202Response{}, nil
}

func (s *Server) removeShareGroupTypeAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareGroupTypeActionResponseObject, error) {
	project, err := s.groupAccessProject(ctx, id, value)
	if err != nil {
		return nil, err
	}
	err = s.db.RemoveShareGroupTypeProject(ctx, id, project)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey):
		return nil, notFound("%s", msgGroupTypeNoAccessTemplate)
	case err != nil:
		return nil, missingOr(err, msgGroupTypeNotFoundTemplate)
	}
	return gen.ShareGroupTypeAction202Response{}, nil
}
