package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// allowAccess is the allow_access action (manila/api/v2/shares.py
// _allow_access and the share API's allow_access), in Manila's order.
func (s *Server) allowAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	ri := reqInfo(ctx)
	in, err := decodeAction[gen.ShareAccessAllow](value)
	if err != nil {
		return nil, err
	}
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Cannot allow access for share '%s' since it has been soft deleted.", id)
	}
	if !s.behaves(ri, "access_on_error_status") && sh.AccessRulesStatus == state.AccessRulesError {
		return nil, badRequest("Access rules cannot be added while the share or any of its replicas or migration copies has its access_rules_status set to %s. Deny any rules in %s state and try again.",
			state.AccessRulesError, state.AccessRuleError)
	}
	locked := pyTruthy(in.LockVisibility) || pyTruthy(in.LockDeletion)
	if !locked && in.LockReason.IsSpecified() && !in.LockReason.IsNull() && in.LockReason.MustGet() != "" {
		return nil, badRequest("Lock reason can only be specified when locking the visibility or the deletion of an access rule.")
	}
	same, err := validateAccess(in.AccessType, in.AccessTo, s.behaves(ri, "access_cephx"), s.behaves(ri, "access_ipv6"))
	if err != nil {
		return nil, err
	}
	level := string(state.AccessLevelInitial)
	if in.AccessLevel.IsSpecified() && !in.AccessLevel.IsNull() {
		level = in.AccessLevel.MustGet()
		if !validAccessLevel(level) {
			return nil, badRequest("Invalid access rule: Invalid share access level: %s.", level)
		}
	}
	var md map[string]string
	if in.Metadata.IsSpecified() && !in.Metadata.IsNull() {
		if md, err = accessMetadata(in.Metadata.MustGet(), false); err != nil {
			return nil, err
		}
	}
	c := storage.AccessChange{ShareID: id, Refuse: s.accessRefusingStatuses(ctx, s.behaves(ri, "access_on_error_share")), JobDelay: s.cfg.MinTransition}
	rule := storage.AccessRule{ID: storage.NewID(), AccessType: in.AccessType, AccessTo: in.AccessTo, AccessLevel: level, Metadata: md}
	r, err := s.db.AllowAccess(ctx, c, rule, same)
	if errors.Is(err, storage.ErrAccessExists) {
		return nil, badRequest("Share access %s:%s exists.", in.AccessType, in.AccessTo)
	}
	if err != nil {
		return nil, accessChangeFault(err, id, "New access rules cannot be applied while the share or any of its replicas or migration copies lacks a valid host or is in an invalid state.")
	}
	s.cfg.Jobs.Notify()
	return accessResponse{Access: s.accessView(ctx, r)}, nil
}

// denyAccess is the deny_access action (_deny_access).
func (s *Server) denyAccess(ctx context.Context, id string, value json.RawMessage) (gen.ShareActionResponseObject, error) {
	ri := reqInfo(ctx)
	in, err := decodeAction[gen.ShareAccessDeny](value)
	if err != nil {
		return nil, err
	}
	sh, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id))
	if err != nil {
		return nil, err
	}
	if sh.IsSoftDeleted {
		return nil, forbidden("Cannot deny access for share '%s' since it has been soft deleted.", id)
	}
	if err := s.requirePolicy(ctx, "share:access_get", callerTarget(ri)); err != nil {
		return nil, err
	}
	r, err := s.db.GetAccessRule(ctx, in.AccessId)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && r.ShareID != id) {
		return nil, notFound("Resource could not be found.")
	}
	if err != nil {
		return nil, internalError(err)
	}
	c := storage.AccessChange{ShareID: id, Refuse: s.accessRefusingStatuses(ctx, s.behaves(ri, "access_on_error_share")), JobDelay: s.cfg.MinTransition}
	if _, err := s.db.ChangeAccessRule(ctx, c, r.ID, state.AccessRuleDeny, nil); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, notFound("Resource could not be found.")
		}
		return nil, accessChangeFault(err, id, "Access rules cannot be denied while the share, any of its replicas or migration copies lacks a valid host or is in an invalid state.")
	}
	s.cfg.Jobs.Notify()
	return gen.ShareAction202Response{}, nil
}

// accessList is the access_list action (below 2.45).
func (s *Server) accessList(ctx context.Context, id string, _ json.RawMessage) (gen.ShareActionResponseObject, error) {
	if _, err := s.visibleShare(ctx, id, notFound("Share %s could not be found.", id)); err != nil {
		return nil, err
	}
	if err := s.authorizeAfterLookup(ctx, callerTarget(reqInfo(ctx)), nil); err != nil {
		return nil, err
	}
	rules, err := s.db.ListAccessRules(ctx, id)
	if err != nil {
		return nil, internalError(err)
	}
	return accessListResponse(s.accessListView(ctx, rules)), nil
}

// ListShareAccessRules is GET /v2/share-access-rules?share_id=.
func (s *Server) ListShareAccessRules(ctx context.Context, req gen.ListShareAccessRulesRequestObject) (gen.ListShareAccessRulesResponseObject, error) {
	if req.Params.ShareId == nil {
		return nil, badRequest("The field 'share_id' has to be specified.")
	}
	id := *req.Params.ShareId
	if _, err := s.visibleShare(ctx, id, badRequest("Share %s not found.", id)); err != nil {
		return nil, err
	}
	if err := s.requirePolicy(ctx, "share:access_get_all", callerTarget(reqInfo(ctx))); err != nil {
		return nil, err
	}
	keep, err := s.accessListFilter(ctx, req.Params)
	if err != nil {
		return nil, err
	}
	rules, err := s.db.ListAccessRules(ctx, id)
	if err != nil {
		return nil, internalError(err)
	}
	var kept []storage.AccessRule
	for _, r := range rules {
		if keep(r) {
			kept = append(kept, r)
		}
	}
	return gen.ListShareAccessRules200JSONResponse(s.accessListView(ctx, kept)), nil
}

// accessListFilter is the list's search options, as Manila's
// access_get_all applies them (exact matches, metadata pairs), checked as
// _validate_search_opts checks them from 2.82.
func (s *Server) accessListFilter(ctx context.Context, p gen.ListShareAccessRulesParams) (func(storage.AccessRule) bool, error) {
	var md map[string]string
	if p.Metadata != nil {
		var err error
		if md, err = parseDictLiteral(*p.Metadata); err != nil {
			return nil, badRequest("Invalid input received: Wrong metadata filter provided: %s.", *p.Metadata)
		}
	}
	if s.behaves(reqInfo(ctx), "access_list_filter_checks") {
		typ, to := deref(p.AccessType), deref(p.AccessTo)
		if typ != "" && !knownAccessType(typ) {
			return nil, badRequest("Invalid or unsupported share access type: %s.", typ)
		}
		if to != "" && typ == "" {
			return nil, badRequest("Invalid input received: 'access_type' parameter must be provided when specifying 'access_to'..")
		}
		if typ != "" && to != "" {
			if _, err := validateAccess(typ, to, true, true); err != nil {
				return nil, err
			}
		}
		if lvl := deref(p.AccessLevel); lvl != "" && !validAccessLevel(lvl) {
			return nil, badRequest("Invalid or unsupported share access level: %s.", lvl)
		}
	}
	eq := func(want *string, got string) bool { return want == nil || *want == got }
	return func(r storage.AccessRule) bool {
		for k, v := range md {
			if r.Metadata[k] != v {
				return false
			}
		}
		return eq(p.AccessType, r.AccessType) && eq(p.AccessTo, r.AccessTo) && eq(p.AccessLevel, r.AccessLevel) &&
			(p.AccessKey == nil || (r.AccessKey != nil && *r.AccessKey == *p.AccessKey))
	}, nil
}

// accessGet is the share API's access_get: share:access_get, the rule,
// then its share must be visible; missing words the 404.
func (s *Server) accessGet(ctx context.Context, id string, missing *Fault) (storage.AccessRule, storage.Share, error) {
	if err := s.requirePolicy(ctx, "share:access_get", callerTarget(reqInfo(ctx))); err != nil {
		return storage.AccessRule{}, storage.Share{}, err
	}
	r, err := s.db.GetAccessRule(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return r, storage.Share{}, missing
	}
	if err != nil {
		return r, storage.Share{}, internalError(err)
	}
	sh, err := s.visibleShare(ctx, r.ShareID, missing)
	return r, sh, err
}

// ShowShareAccessRule is GET /v2/share-access-rules/{id}.
func (s *Server) ShowShareAccessRule(ctx context.Context, req gen.ShowShareAccessRuleRequestObject) (gen.ShowShareAccessRuleResponseObject, error) {
	r, _, err := s.accessGet(ctx, req.AccessId, notFound("Share access rule %s not found.", req.AccessId))
	if err != nil {
		return nil, err
	}
	return gen.ShowShareAccessRule200JSONResponse{Access: s.accessView(ctx, r)}, nil
}

// UpdateShareAccessRule is PUT /v2/share-access-rules/{id} (2.88+): a new
// access_level, applied by the access job.
func (s *Server) UpdateShareAccessRule(ctx context.Context, req gen.UpdateShareAccessRuleRequestObject) (gen.UpdateShareAccessRuleResponseObject, error) {
	var level string
	if lv := req.Body.UpdateAccess.AccessLevel; lv.IsSpecified() && !lv.IsNull() {
		raw := lv.MustGet()
		level, _ = raw.(string)
		if level == "" && pyTruthy(raw) {
			return nil, badRequest("Invalid or unsupported share access level: %s.", plainValue(raw))
		}
	}
	if level == "" {
		return nil, badRequest("Invalid input. Missing 'access_level' in update request.")
	}
	if !validAccessLevel(level) {
		return nil, badRequest("Invalid or unsupported share access level: %s.", level)
	}
	r, _, err := s.accessGet(ctx, req.AccessId, notFound("Share access rule %s not found.", req.AccessId))
	if err != nil {
		return nil, err
	}
	if r.AccessLevel != level {
		c := storage.AccessChange{ShareID: r.ShareID, Refuse: s.accessRefusingStatuses(ctx, true), JobDelay: s.cfg.MinTransition}
		if r, err = s.db.ChangeAccessRule(ctx, c, r.ID, state.AccessRuleUpdate, &level); err != nil {
			return nil, accessChangeFault(err, r.ShareID, "Access rules cannot be updated while the share, any of its replicas or migration copies lacks a valid host or is in an invalid state.")
		}
		s.cfg.Jobs.Notify()
	}
	return gen.UpdateShareAccessRule200JSONResponse{Access: s.accessView(ctx, r)}, nil
}

// UpdateShareAccessRuleMetadata is PUT /v2/share-access-rules/{id}/metadata.
func (s *Server) UpdateShareAccessRuleMetadata(ctx context.Context, req gen.UpdateShareAccessRuleMetadataRequestObject) (gen.UpdateShareAccessRuleMetadataResponseObject, error) {
	if _, _, err := s.accessGet(ctx, req.AccessId, notFound("Resource could not be found.")); err != nil {
		return nil, err
	}
	// The share API re-raises bare InvalidMetadata / InvalidMetadataSize.
	md, err := accessMetadata(req.Body.Metadata, true)
	if err != nil {
		return nil, err
	}
	all, err := s.db.SetMetadata(ctx, storage.AccessRuleMetadata, req.AccessId, md, false)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Resource could not be found.")
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.UpdateShareAccessRuleMetadata200JSONResponse{Metadata: all}, nil
}

// DeleteShareAccessRuleMetadata is DELETE /v2/share-access-rules/{id}/metadata/{key}.
func (s *Server) DeleteShareAccessRuleMetadata(ctx context.Context, req gen.DeleteShareAccessRuleMetadataRequestObject) (gen.DeleteShareAccessRuleMetadataResponseObject, error) {
	if _, _, err := s.accessGet(ctx, req.AccessId, notFound("Resource could not be found.")); err != nil {
		return nil, err
	}
	err := s.db.DeleteMetadataItem(ctx, storage.AccessRuleMetadata, req.AccessId, req.Key)
	switch {
	case errors.Is(err, storage.ErrNoSuchKey), errors.Is(err, storage.ErrNotFound):
		return nil, notFound("Share access rule metadata does not exist.")
	case err != nil:
		return nil, internalError(err)
	}
	return gen.DeleteShareAccessRuleMetadata200Response{}, nil
}
