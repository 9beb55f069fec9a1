package impl

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oapi-codegen/nullable"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// ourServices are the services a Manila with manilite's one back end runs:
// the scheduler and the data service on the host, the share service on
// host@backend.
func (s *Server) ourServices() []storage.ServiceSpec {
	hostBackend, _, _ := strings.Cut(s.cfg.Host, "#")
	host, _, _ := strings.Cut(hostBackend, "@")
	return []storage.ServiceSpec{
		{Host: host, Binary: "manila-scheduler", Topic: "manila-scheduler"},
		{Host: hostBackend, Binary: "manila-share", Topic: "manila-share"},
		{Host: host, Binary: "manila-data", Topic: "manila-data"},
	}
}

// services is ServiceMixin._index with service_get_all_with_filters: an
// invalid ensuring or status, or an unknown zone, lists nothing; host,
// binary, state and topic must equal the service's.
func (s *Server) services(ctx context.Context) ([]gen.Service, error) {
	q := reqInfo(ctx).query
	if err := s.db.EnsureServices(ctx, s.ourServices()); err != nil {
		return nil, internalError(err)
	}
	az, err := s.db.EnsureAvailabilityZone(ctx, s.cfg.AvailabilityZone)
	if err != nil {
		return nil, internalError(err)
	}
	rows, err := s.db.ListServices(ctx)
	if err != nil {
		return nil, internalError(err)
	}
	_, hasEnsuring := q["ensuring"]
	ensuring, ensuringValid := parseStrictBool(q.Get("ensuring"))
	status, zone := q.Get("status"), q.Get("zone")
	if hasEnsuring && !ensuringValid ||
		status != "" && status != "enabled" && status != "disabled" ||
		zone != "" && zone != az.Name && zone != az.ID {
		return []gen.Service{}, nil
	}
	now := nullable.NewNullableWithValue(storage.FormatTime(time.Now()))
	out := []gen.Service{}
	for _, r := range rows {
		v := gen.Service{Id: r.ID, Binary: r.Binary, Host: r.Host, Zone: az.Name, Status: "enabled", State: "up",
			UpdatedAt: now, DisabledReason: nullStr(), Ensuring: nullable.NewNullableWithValue(false)}
		if r.Disabled {
			v.Status = "disabled"
		}
		if r.DisabledReason != nil {
			v.DisabledReason = nullable.NewNullableWithValue(*r.DisabledReason)
		}
		fields := map[string]string{"host": r.Host, "binary": r.Binary, "state": v.State, "topic": r.Topic, "status": string(v.Status)}
		if !servicePasses(q, fields) || hasEnsuring && ensuring {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

func servicePasses(q map[string][]string, fields map[string]string) bool {
	for k, v := range fields {
		if vs, ok := q[k]; ok && (k != "status" || vs[len(vs)-1] != "") && vs[len(vs)-1] != v {
			return false
		}
	}
	return true
}

// ListServices is GET /v2/services (2.7+).
func (s *Server) ListServices(ctx context.Context, _ gen.ListServicesRequestObject) (gen.ListServicesResponseObject, error) {
	out, err := s.services(ctx)
	return gen.ListServices200JSONResponse(gen.ServiceList{Services: out}), err
}

// ListServicesLegacy is GET /v2/os-services (2.0-2.6).
func (s *Server) ListServicesLegacy(ctx context.Context, _ gen.ListServicesLegacyRequestObject) (gen.ListServicesLegacyResponseObject, error) {
	out, err := s.services(ctx)
	return gen.ListServicesLegacy200JSONResponse(gen.ServiceList{Services: out}), err
}

// updateService is ServiceMixin._update: enable or disable scheduling to a
// service, found by the body's host and binary.
func (s *Server) updateService(ctx context.Context, action string, body *gen.ServiceUpdateRequest) (gen.ServiceUpdateResponse, error) {
	ri := reqInfo(ctx)
	withReason := s.behaves(ri, "service_disabled_reason")
	out := gen.ServiceUpdateResponse{DisabledReason: nullStr(), Ensuring: nullable.NewNullNullable[bool]()}
	var reason *string
	switch action {
	case "enable":
		out.Status = "enabled"
	case "disable":
		out.Status = "disabled"
		if body != nil && pyTruthy(body.DisabledReason) {
			if !withReason {
				return out, badRequest("'disabled_reason' option is not supported by this microversion. Use 2.83 or greater microversion to be able to set 'disabled_reason'.")
			}
			str, ok := body.DisabledReason.(string)
			if !ok {
				return out, internalError(errors.New("disabled_reason is not a string"))
			}
			r := strings.TrimSpace(str)
			if n := utf8.RuneCountInString(r); n < 1 || n > 255 {
				return out, badRequest("Disabled reason contains invalid characters or is too long")
			}
			reason = &r
			out.DisabledReason = nullable.NewNullableWithValue(r)
		}
	default:
		return out, notFound("Unknown action '%s'", action)
	}
	if body == nil || body.Host == nil || body.Binary == nil {
		return out, badRequest(defaultBadRequest)
	}
	out.Host, out.Binary = pyStr(body.Host), pyStr(body.Binary)
	if err := s.db.EnsureServices(ctx, s.ourServices()); err != nil {
		return out, internalError(err)
	}
	setReason := withReason && action == "enable" || reason != nil
	err := s.db.UpdateService(ctx, out.Host, out.Binary, action == "disable", setReason, reason)
	if errors.Is(err, storage.ErrServiceNotFound) {
		return out, notFound("Could not find binary %s on host %s.", out.Binary, out.Host)
	}
	if err != nil {
		return out, internalError(err)
	}
	return out, nil
}

// UpdateService is PUT /v2/services/{enable|disable} (2.7+).
func (s *Server) UpdateService(ctx context.Context, req gen.UpdateServiceRequestObject) (gen.UpdateServiceResponseObject, error) {
	out, err := s.updateService(ctx, req.ServiceAction, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.UpdateService200JSONResponse(out), nil
}

// UpdateServiceLegacy is PUT /v2/os-services/{enable|disable} (2.0-2.6).
func (s *Server) UpdateServiceLegacy(ctx context.Context, req gen.UpdateServiceLegacyRequestObject) (gen.UpdateServiceLegacyResponseObject, error) {
	out, err := s.updateService(ctx, req.ServiceAction, req.Body)
	if err != nil {
		return nil, err
	}
	return gen.UpdateServiceLegacy200JSONResponse(out), nil
}

// EnsureShares is POST /v2/services/ensure-shares (2.86+): the host's
// manila-share service must exist (Manila's message formats the builtin
// id, not the host) and be up, as it always is while manilite runs.
func (s *Server) EnsureShares(ctx context.Context, req gen.EnsureSharesRequestObject) (gen.EnsureSharesResponseObject, error) {
	if err := s.db.EnsureServices(ctx, s.ourServices()); err != nil {
		return nil, internalError(err)
	}
	rows, err := s.db.ListServices(ctx)
	if err != nil {
		return nil, internalError(err)
	}
	for _, r := range rows {
		if r.Host == req.Body.EnsureShares.Host && r.Binary == "manila-share" {
			return gen.EnsureShares202Response{}, nil
		}
	}
	return nil, notFound("manila-share binary for '<built-in function id>' host not found")
}
