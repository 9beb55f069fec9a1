package impl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

const (
	// extQuotaDefault marks a QuotaSet property as a quota resource and
	// gives its default limit.
	extQuotaDefault = "x-manila-quota-default"
	// extNotForShareType marks a quota set key Manila leaves out of a share
	// type's quota set.
	extNotForShareType = "x-manila-not-for-share-type"
	// extQuotaLimit / extQuotaInUse name the resource a limits key shows.
	extQuotaLimit = "x-manila-quota-limit"
	extQuotaInUse = "x-manila-quota-in-use"
)

// quotaNonResourceKeys are the quota_set keys Manila's update reads that
// are not resources (NON_QUOTA_KEYS).
var quotaNonResourceKeys = map[string]bool{"tenant_id": true, "id": true, "force": true, "share_type": true}

// QuotaDefaults are the quota resources the spec's QuotaSet schema names,
// with Manila's default limits.
func QuotaDefaults(doc *openapi3.T) (map[string]int, error) {
	ref, ok := doc.Components.Schemas["QuotaSet"]
	if !ok || ref.Value == nil {
		return nil, errors.New("impl: the spec has no QuotaSet schema")
	}
	out := map[string]int{}
	for name, p := range ref.Value.Properties {
		if raw, ok := p.Value.Extensions[extQuotaDefault]; ok {
			n, ok := decodeExt(raw).(float64)
			if !ok || n != math.Trunc(n) {
				return nil, fmt.Errorf("impl: QuotaSet.%s: %s must be an integer", name, extQuotaDefault)
			}
			out[name] = int(n)
		}
	}
	return out, nil
}

// overLimit is Manila's 413 for a QuotaError: the exception's class name
// and message, retry at once.
func overLimit(format string, args ...any) *Fault {
	return &Fault{Status: http.StatusRequestEntityTooLarge, Header: http.Header{"Retry-After": []string{"0"}}, Message: fmt.Sprintf(format, args...)}
}

// quotaScope reads the user_id / share_type parameters as Manila's quota
// controller does: the share type (by name or id) must exist, and a user
// and a share type exclude each other.
func (s *Server) quotaScope(ctx context.Context, project string, user, shareType *string) (storage.QuotaScope, error) {
	sc := storage.QuotaScope{ProjectID: project, UserID: optStr(user)}
	if name := optStr(shareType); name != "" {
		st, err := s.db.GetShareType(ctx, name)
		if errors.Is(err, storage.ErrNotFound) {
			st, err = s.db.GetShareTypeByName(ctx, name)
		}
		if errors.Is(err, storage.ErrNotFound) {
			return sc, notFound("Share type with name or id '%s' not found.", name)
		}
		if err != nil {
			return sc, internalError(err)
		}
		sc.ShareTypeID = st.ID
	}
	if sc.UserID != "" && sc.ShareTypeID != "" {
		return sc, badRequest("'user_id' and 'share_type' values are mutually exclusive")
	}
	return sc, nil
}

func optStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// authorizeProject is Manila's authorize_project_context: only an admin
// may read another project's quotas.
func authorizeProject(ri *requestInfo, project string) error {
	if !ri.Caller.IsAdmin() && project != ri.Caller.ProjectID {
		return forbidden(defaultForbidden)
	}
	return nil
}

// quotaSetView is Manila's quota set view: every resource's value (a
// limit, or a {limit, in_use, reserved} detail), id when given, without
// the keys a share type's set leaves out. The spec's annotations decide
// the keys per microversion.
func (s *Server) quotaSetView(quotas map[string]storage.Quota, id string, sc storage.QuotaScope, detail bool, out any) error {
	view := map[string]any{}
	if id != "" {
		view["id"] = id
	}
	for name, p := range s.doc.Components.Schemas["QuotaSet"].Value.Properties {
		q, ok := quotas[name]
		if !ok || (sc.ShareTypeID != "" && p.Value.Extensions[extNotForShareType] != nil) {
			continue
		}
		if detail {
			view[name] = gen.QuotaUsage{Limit: q.Limit, InUse: q.InUse, Reserved: q.Reserved}
		} else {
			view[name] = q.Limit
		}
	}
	raw, err := json.Marshal(view)
	if err != nil {
		return internalError(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return internalError(err)
	}
	return nil
}

func (s *Server) showQuotas(ctx context.Context, project string, user, shareType *string, detail bool, out any) error {
	if err := authorizeProject(reqInfo(ctx), project); err != nil {
		return err
	}
	sc, err := s.quotaScope(ctx, project, user, shareType)
	if err != nil {
		return err
	}
	quotas, err := s.db.Quotas(ctx, sc)
	if err != nil {
		return internalError(err)
	}
	return s.quotaSetView(quotas, project, sc, detail, out)
}

// ShowQuotaSet is GET /v2/quota-sets/{project_id}.
func (s *Server) ShowQuotaSet(ctx context.Context, req gen.ShowQuotaSetRequestObject) (gen.ShowQuotaSetResponseObject, error) {
	var out gen.ShowQuotaSet200JSONResponse
	return out, s.showQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType, false, &out.QuotaSet)
}

// ShowQuotaSetLegacy is GET /v2/os-quota-sets/{project_id}.
func (s *Server) ShowQuotaSetLegacy(ctx context.Context, req gen.ShowQuotaSetLegacyRequestObject) (gen.ShowQuotaSetLegacyResponseObject, error) {
	var out gen.ShowQuotaSetLegacy200JSONResponse
	return out, s.showQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType, false, &out.QuotaSet)
}

// ShowQuotaSetDetail is GET /v2/quota-sets/{project_id}/detail (2.25+).
func (s *Server) ShowQuotaSetDetail(ctx context.Context, req gen.ShowQuotaSetDetailRequestObject) (gen.ShowQuotaSetDetailResponseObject, error) {
	var out gen.ShowQuotaSetDetail200JSONResponse
	return out, s.showQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType, true, &out.QuotaSet)
}

func (s *Server) defaultQuotas(project string, out any) error {
	quotas := map[string]storage.Quota{}
	for name, limit := range s.db.QuotaDefaults() {
		quotas[name] = storage.Quota{Limit: limit}
	}
	return s.quotaSetView(quotas, project, storage.QuotaScope{}, false, out)
}

// ShowQuotaSetDefaults is GET /v2/quota-sets/{project_id}/defaults.
func (s *Server) ShowQuotaSetDefaults(ctx context.Context, req gen.ShowQuotaSetDefaultsRequestObject) (gen.ShowQuotaSetDefaultsResponseObject, error) {
	var out gen.ShowQuotaSetDefaults200JSONResponse
	return out, s.defaultQuotas(req.ProjectId, &out.QuotaSet)
}

// ShowQuotaSetDefaultsLegacy is GET /v2/os-quota-sets/{project_id}/defaults.
func (s *Server) ShowQuotaSetDefaultsLegacy(ctx context.Context, req gen.ShowQuotaSetDefaultsLegacyRequestObject) (gen.ShowQuotaSetDefaultsLegacyResponseObject, error) {
	var out gen.ShowQuotaSetDefaultsLegacy200JSONResponse
	return out, s.defaultQuotas(req.ProjectId, &out.QuotaSet)
}

func (s *Server) deleteQuotas(ctx context.Context, project string, user, shareType *string) error {
	if err := authorizeProject(reqInfo(ctx), project); err != nil {
		return err
	}
	sc, err := s.quotaScope(ctx, project, user, shareType)
	if err != nil {
		return err
	}
	if err := s.db.DeleteQuotas(ctx, sc); err != nil {
		return internalError(err)
	}
	return nil
}

// DeleteQuotaSet is DELETE /v2/quota-sets/{project_id}.
func (s *Server) DeleteQuotaSet(ctx context.Context, req gen.DeleteQuotaSetRequestObject) (gen.DeleteQuotaSetResponseObject, error) {
	if err := s.deleteQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType); err != nil {
		return nil, err
	}
	return gen.DeleteQuotaSet202Response{}, nil
}

// DeleteQuotaSetLegacy is DELETE /v2/os-quota-sets/{project_id}.
func (s *Server) DeleteQuotaSetLegacy(ctx context.Context, req gen.DeleteQuotaSetLegacyRequestObject) (gen.DeleteQuotaSetLegacyResponseObject, error) {
	if err := s.deleteQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType); err != nil {
		return nil, err
	}
	return gen.DeleteQuotaSetLegacy202Response{}, nil
}

// UpdateQuotaSet is PUT /v2/quota-sets/{project_id}.
func (s *Server) UpdateQuotaSet(ctx context.Context, req gen.UpdateQuotaSetRequestObject) (gen.UpdateQuotaSetResponseObject, error) {
	var out gen.UpdateQuotaSet200JSONResponse
	return out, s.updateQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType, req.Body.QuotaSet, &out.QuotaSet)
}

// UpdateQuotaSetLegacy is PUT /v2/os-quota-sets/{project_id}.
func (s *Server) UpdateQuotaSetLegacy(ctx context.Context, req gen.UpdateQuotaSetLegacyRequestObject) (gen.UpdateQuotaSetLegacyResponseObject, error) {
	var out gen.UpdateQuotaSetLegacy200JSONResponse
	return out, s.updateQuotas(ctx, req.ProjectId, req.Params.UserId, req.Params.ShareType, req.Body.QuotaSet, &out.QuotaSet)
}

// quotaBody is the quota_set of an update as Manila reads it: its keys in
// a stable order (sorted), its values as decoded JSON (json.Number).
type quotaBody struct {
	keys   []string
	values map[string]any
}

func readQuotaBody(v any) (quotaBody, error) {
	qb := quotaBody{values: map[string]any{}}
	if v == nil {
		return qb, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return qb, internalError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&qb.values); err != nil {
		return qb, badRequest("Malformed request body")
	}
	for k := range qb.values {
		qb.keys = append(qb.keys, k)
	}
	sort.Strings(qb.keys)
	return qb, nil
}

// pyInt is Python's int() of a JSON value.
func pyInt(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.Atoi(x.String()); err == nil {
			return n, true
		}
		if f, err := x.Float64(); err == nil && !math.IsInf(f, 0) && math.Abs(f) < 1<<62 {
			return int(f), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// isZero is Python's value == 0 for a JSON value (False == 0 too).
func isZero(v any) bool {
	n, ok := pyInt(v)
	_, isStr := v.(string)
	return ok && !isStr && n == 0
}
