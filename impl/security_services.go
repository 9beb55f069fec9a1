package impl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/storage"
)

// securityServiceTypes are Manila's SECURITY_SERVICES_ALLOWED_TYPES, in
// its order (its message lists them).
var securityServiceTypes = []string{"active_directory", "ldap", "kerberos"}

// securityServiceSearchKeys are the filters Manila lets a caller who is
// not an admin use; an admin may filter on any field.
var securityServiceSearchKeys = []string{"name", "id", "type", "user", "server", "dns_ip", "domain"}

func ssView(ss storage.SecurityService) gen.SecurityService {
	f := ss.Fields
	return gen.SecurityService{
		Id: ss.ID, Name: ns(f["name"]), Type: ss.Type, Status: "new", CreatedAt: storage.FormatTime(ss.CreatedAt),
		UpdatedAt: nt(ss.UpdatedAt), Description: ns(f["description"]), DnsIp: ns(f["dns_ip"]), Server: ns(f["server"]),
		Domain: ns(f["domain"]), User: ns(f["user"]), Password: ns(f["password"]), ProjectId: ss.ProjectID,
		Ou: ns(f["ou"]), DefaultAdSite: ns(f["default_ad_site"]),
	}
}

// ssValues are the optional fields a create or update body gives (a
// missing key is absent, null is nil).
func ssValues(in any) map[string]*string {
	raw, _ := json.Marshal(in)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	out := map[string]*string{}
	for _, k := range storage.SecurityServiceFields {
		if v, ok := m[k]; ok {
			str, isStr := v.(string)
			if isStr {
				out[k] = &str
			} else {
				out[k] = nil
			}
		}
	}
	return out
}

// checkADSite is Manila's default_ad_site check of a create or update.
func (s *Server) checkADSite(ri *requestInfo, typ string, vals map[string]*string, sep string) *Fault {
	site, server := vals["default_ad_site"], vals["server"]
	if site == nil || *site == "" {
		return nil
	}
	if !s.behaves(ri, "security_service_default_ad_site") {
		return badRequest(`"default_ad_site" is only supported from API version 2.76.`)
	}
	if typ == "active_directory" && server != nil && *server != "" {
		return badRequest("Invalid input received: Cannot create security service because both server and 'default_ad_site' were provided%s Specify either server or 'default_ad_site'..", sep)
	}
	return nil
}

// CreateSecurityService is POST /v2/security-services.
func (s *Server) CreateSecurityService(ctx context.Context, req gen.CreateSecurityServiceRequestObject) (gen.CreateSecurityServiceResponseObject, error) {
	ri, in := reqInfo(ctx), &req.Body.SecurityService
	typ := optString(in.Type)
	if !contains(securityServiceTypes, typ) {
		shown := typ
		if !in.Type.IsSpecified() || in.Type.IsNull() {
			shown = "None"
		}
		return nil, badRequest("Invalid input received: Invalid type %s specified for security service. Valid types are %s.", shown, strings.Join(securityServiceTypes, ","))
	}
	vals := ssValues(in)
	if f := s.checkADSite(ri, typ, vals, ","); f != nil {
		return nil, f
	}
	ss, err := s.db.CreateSecurityService(ctx, storage.SecurityService{ID: storage.NewID(), ProjectID: ri.Caller.ProjectID, Type: typ, Fields: vals})
	if err != nil {
		return nil, internalError(err)
	}
	return gen.CreateSecurityService200JSONResponse{SecurityService: ssView(ss)}, nil
}

// securityServiceFor is Manila's lookup of any project's security service
// (404 "The resource could not be found.") then the rule against it (403).
func (s *Server) securityServiceFor(ctx context.Context, id string) (storage.SecurityService, error) {
	ss, err := s.db.GetSecurityService(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return ss, notFound("%s", defaultNotFound)
	}
	if err != nil {
		return ss, internalError(err)
	}
	return ss, s.authorizeAfterLookup(ctx, policy.Target{ProjectID: ss.ProjectID}, nil)
}

// ShowSecurityService is GET /v2/security-services/{id}.
func (s *Server) ShowSecurityService(ctx context.Context, req gen.ShowSecurityServiceRequestObject) (gen.ShowSecurityServiceResponseObject, error) {
	ss, err := s.securityServiceFor(ctx, req.SecurityServiceId)
	if err != nil {
		return nil, err
	}
	return gen.ShowSecurityService200JSONResponse{SecurityService: ssView(ss)}, nil
}

// UpdateSecurityService is PUT /v2/security-services/{id}: no share server
// uses a network here, so every field may change.
func (s *Server) UpdateSecurityService(ctx context.Context, req gen.UpdateSecurityServiceRequestObject) (gen.UpdateSecurityServiceResponseObject, error) {
	ss, err := s.securityServiceFor(ctx, req.SecurityServiceId)
	if err != nil {
		return nil, err
	}
	vals := ssValues(&req.Body.SecurityService)
	if f := s.checkADSite(reqInfo(ctx), ss.Type, vals, "."); f != nil {
		return nil, f
	}
	updated, err := s.db.UpdateSecurityService(ctx, ss.ID, vals)
	if err != nil {
		return nil, notFoundOr(err)
	}
	return gen.UpdateSecurityService200JSONResponse{SecurityService: ssView(updated)}, nil
}

// DeleteSecurityService is DELETE /v2/security-services/{id}: Manila
// refuses one a share network names before it checks the rule.
func (s *Server) DeleteSecurityService(ctx context.Context, req gen.DeleteSecurityServiceRequestObject) (gen.DeleteSecurityServiceResponseObject, error) {
	id := req.SecurityServiceId
	ss, err := s.db.GetSecurityService(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("%s", defaultNotFound)
	}
	if err != nil {
		return nil, internalError(err)
	}
	nets, err := s.db.SecurityServiceNetworks(ctx, id)
	if err != nil {
		return nil, internalError(err)
	}
	if len(nets) > 0 {
		return nil, forbidden("Cannot delete security service. It is assigned to share network(s)")
	}
	if err := s.authorizeAfterLookup(ctx, policy.Target{ProjectID: ss.ProjectID}, nil); err != nil {
		return nil, err
	}
	var ue *storage.InUseError
	if err := s.db.DeleteSecurityService(ctx, id); errors.As(err, &ue) {
		return nil, forbidden("Cannot delete security service. It is assigned to share network(s)")
	} else if err != nil {
		return nil, notFoundOr(err)
	}
	return gen.DeleteSecurityService202Response{}, nil
}

// listSecurityServices is Manila's _get_security_services.
func (s *Server) listSecurityServices(ctx context.Context, limit, offset *int) ([]storage.SecurityService, error) {
	ri := reqInfo(ctx)
	q := ri.query
	var all []storage.SecurityService
	var err error
	if q.Has("share_network_id") {
		n, ferr := s.visibleNetwork(ctx, q.Get("share_network_id"))
		if ferr != nil {
			return nil, ferr
		}
		for _, id := range n.SecurityServices {
			if ss, gerr := s.db.GetSecurityService(ctx, id); gerr == nil {
				all = append(all, ss)
			}
		}
	} else {
		project := ri.Caller.ProjectID
		if wantAll, berr := queryBool(q, "all_tenants", true, strictBoolMessage); berr != nil {
			return nil, berr
		} else if wantAll {
			ok, aerr := s.allowed(ctx, "security_service:get_all_security_services", callerTarget(ri))
			if aerr != nil {
				return nil, aerr
			}
			if ok {
				project = ""
			}
		}
		if all, err = s.db.ListSecurityServices(ctx, project); err != nil {
			return nil, internalError(err)
		}
	}
	for key, vals := range q {
		if key == "status" || key == "share_network_id" || key == "all_tenants" {
			continue
		}
		if !ri.Caller.IsAdmin() && !contains(securityServiceSearchKeys, key) {
			continue
		}
		kept := all[:0]
		for _, ss := range all {
			if ssField(ss, key) == vals[len(vals)-1] {
				kept = append(kept, ss)
			}
		}
		all = kept
	}
	l, o := listWindow(limit, offset)
	if o >= len(all) {
		return nil, nil
	}
	return all[o:min(len(all), o+l)], nil
}

// ssField is a security service's field as a filter compares it; a key
// that is no field (or a null field) matches nothing.
func ssField(ss storage.SecurityService, key string) any {
	switch key {
	case "id":
		return ss.ID
	case "type":
		return ss.Type
	case "project_id":
		return ss.ProjectID
	}
	if p := ss.Fields[key]; p != nil {
		return *p
	}
	return nil
}

// ListSecurityServices is GET /v2/security-services.
func (s *Server) ListSecurityServices(ctx context.Context, req gen.ListSecurityServicesRequestObject) (gen.ListSecurityServicesResponseObject, error) {
	list, err := s.listSecurityServices(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListSecurityServices200JSONResponse{SecurityServices: make([]gen.SecurityServiceSummary, len(list))}
	for i, ss := range list {
		out.SecurityServices[i] = gen.SecurityServiceSummary{Id: ss.ID, Name: ns(ss.Fields["name"]), Type: ss.Type, Status: "new"}
	}
	return out, nil
}

// ListSecurityServicesDetail is GET /v2/security-services/detail.
func (s *Server) ListSecurityServicesDetail(ctx context.Context, req gen.ListSecurityServicesDetailRequestObject) (gen.ListSecurityServicesDetailResponseObject, error) {
	list, err := s.listSecurityServices(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListSecurityServicesDetail200JSONResponse{SecurityServices: make([]gen.SecurityServiceListed, len(list))}
	for i, ss := range list {
		nets, err := s.db.SecurityServiceNetworks(ctx, ss.ID)
		if err != nil {
			return nil, internalError(err)
		}
		v := ssView(ss)
		out.SecurityServices[i] = gen.SecurityServiceListed{
			Id: v.Id, Name: v.Name, Type: v.Type, Status: v.Status, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
			Description: v.Description, DnsIp: v.DnsIp, Server: v.Server, Domain: v.Domain, User: v.User,
			Password: v.Password, ProjectId: v.ProjectId, Ou: v.Ou, DefaultAdSite: v.DefaultAdSite, ShareNetworks: append([]string{}, nets...),
		}
	}
	return out, nil
}
