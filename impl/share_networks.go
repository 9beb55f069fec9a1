package impl

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

const ruleShowNetworkDetails = "share_network:show_network_details"

func errNoNetwork(id string) *Fault { return notFound("Share network %s could not be found.", id) }

// visibleNetwork is Manila's share_network_get: project-scoped for a
// caller who is not an admin.
func (s *Server) visibleNetwork(ctx context.Context, id string) (storage.ShareNetwork, error) {
	return projectScoped(ctx, id, s.db.GetShareNetwork, func(n storage.ShareNetwork) string { return n.ProjectID }, errNoNetwork(id))
}

// networkDetails is Manila's show_network_details check: without it
// network_type and segmentation_id are shown as null.
func (s *Server) networkDetails(ctx context.Context) (bool, error) {
	return s.allowed(ctx, ruleShowNetworkDetails, callerTarget(reqInfo(ctx)))
}

func ni(p *int) nullable.Nullable[int] {
	if p == nil {
		return nullable.NewNullNullable[int]()
	}
	return nullable.NewNullableWithValue(*p)
}

func nt(t *time.Time) nullable.Nullable[string] {
	if t == nil {
		return nullStr()
	}
	return nsv(storage.FormatTime(*t))
}

// subnetOfNetwork is a subnet as a share network's view shows it.
func subnetOfNetwork(sn storage.ShareNetworkSubnet, details bool) gen.ShareNetworkSubnetOfNetwork {
	v := gen.ShareNetworkSubnetOfNetwork{
		Id: sn.ID, AvailabilityZone: ns(sn.AvailabilityZone), CreatedAt: storage.FormatTime(sn.CreatedAt), UpdatedAt: nt(sn.UpdatedAt),
		SegmentationId: ni(sn.SegmentationID), NeutronNetId: ns(sn.NeutronNetID), NeutronSubnetId: ns(sn.NeutronSubnetID),
		IpVersion: ni(sn.IPVersion), Cidr: ns(sn.CIDR), NetworkType: ns(sn.NetworkType), Mtu: ni(sn.MTU), Gateway: ns(sn.Gateway),
		Metadata: &map[string]string{},
	}
	if !details {
		v.NetworkType, v.SegmentationId = nullStr(), nullable.NewNullNullable[int]()
	}
	return v
}

// networkView is Manila's share network detail view; below 2.51 the
// default subnet's fields are the network's own.
func networkView(n storage.ShareNetwork, details bool) gen.ShareNetwork {
	subnets := make([]gen.ShareNetworkSubnetOfNetwork, len(n.Subnets))
	var def gen.ShareNetworkSubnetOfNetwork
	def.SegmentationId, def.IpVersion, def.Mtu = nullable.NewNullNullable[int](), nullable.NewNullNullable[int](), nullable.NewNullNullable[int]()
	def.NeutronNetId, def.NeutronSubnetId, def.NetworkType, def.Cidr, def.Gateway = nullStr(), nullStr(), nullStr(), nullStr(), nullStr()
	for i, sn := range n.Subnets {
		subnets[i] = subnetOfNetwork(sn, details)
		if sn.AvailabilityZone == nil {
			def = subnets[i]
		}
	}
	yes := true
	status := n.Status
	return gen.ShareNetwork{
		Id: n.ID, Name: ns(n.Name), ProjectId: n.ProjectID, CreatedAt: storage.FormatTime(n.CreatedAt), UpdatedAt: nt(n.UpdatedAt),
		Description: ns(n.Description), NeutronNetId: def.NeutronNetId, NeutronSubnetId: def.NeutronSubnetId,
		NetworkType: def.NetworkType, SegmentationId: def.SegmentationId, Cidr: def.Cidr, IpVersion: def.IpVersion,
		Gateway: def.Gateway, Mtu: def.Mtu, NovaNetId: nullStr(), ShareNetworkSubnets: &subnets,
		// No share server ever uses a network here: Manila's all() of none.
		Status: &status, SecurityServiceUpdateSupport: &yes, NetworkAllocationUpdateSupport: &yes,
	}
}

func (s *Server) networkResponse(ctx context.Context, n storage.ShareNetwork) (gen.ShareNetworkResponse, error) {
	details, err := s.networkDetails(ctx)
	return gen.ShareNetworkResponse{ShareNetwork: networkView(n, details)}, err
}

// CreateShareNetwork is POST /v2/share-networks.
func (s *Server) CreateShareNetwork(ctx context.Context, req gen.CreateShareNetworkRequestObject) (gen.CreateShareNetworkResponseObject, error) {
	ri, in := reqInfo(ctx), &req.Body.ShareNetwork
	if _, ok := in.AdditionalProperties["nova_net_id"]; ok {
		return nil, badRequest("nova networking is not supported starting in Ocata.")
	}
	sub := storage.ShareNetworkSubnet{
		ID: storage.NewID(), NeutronNetID: optPtr(in.NeutronNetId), NeutronSubnetID: optPtr(in.NeutronSubnetId),
		NetworkType: optPtr(in.NetworkType), CIDR: optPtr(in.Cidr), Gateway: optPtr(in.Gateway),
		SegmentationID: optInt(in.SegmentationId), IPVersion: optInt(in.IpVersion), MTU: optInt(in.Mtu),
	}
	if az := optString(in.AvailabilityZone); in.AvailabilityZone.IsSpecified() {
		if az != s.cfg.AvailabilityZone {
			return nil, badRequest("The provided availability zone %s does not exist.", az)
		}
		sub.AvailabilityZone = &az
	}
	if in.NeutronNetId.IsSpecified() != in.NeutronSubnetId.IsSpecified() {
		return nil, badRequest("When creating a new share network subnet you need to specify both neutron_net_id and neutron_subnet_id or none of them.")
	}
	n := storage.ShareNetwork{
		ID: storage.NewID(), ProjectID: ri.Caller.ProjectID, UserID: ri.Caller.UserID,
		Name: optPtr(in.Name), Description: optPtr(in.Description), Status: string(state.ShareNetworkInitial),
	}
	created, err := s.db.CreateShareNetwork(ctx, n, sub)
	var qe *storage.QuotaError
	switch {
	case errors.As(err, &qe):
		return nil, &Fault{Status: http.StatusRequestEntityTooLarge, Message: "Maximum number of share-networks allowed (" + strconv.Itoa(qe.Quotas["share_networks"]) + ") exceeded."}
	case err != nil:
		return nil, internalError(err)
	}
	out, err := s.networkResponse(ctx, created)
	return gen.CreateShareNetwork200JSONResponse(out), err
}

func optInt(n nullable.Nullable[int]) *int {
	if !n.IsSpecified() || n.IsNull() {
		return nil
	}
	v := n.MustGet()
	return &v
}

// ShowShareNetwork is GET /v2/share-networks/{id}.
func (s *Server) ShowShareNetwork(ctx context.Context, req gen.ShowShareNetworkRequestObject) (gen.ShowShareNetworkResponseObject, error) {
	n, err := s.visibleNetwork(ctx, req.ShareNetworkId)
	if err != nil {
		return nil, err
	}
	out, err := s.networkResponse(ctx, n)
	return gen.ShowShareNetwork200JSONResponse(out), err
}

// UpdateShareNetwork is PUT /v2/share-networks/{id}.
func (s *Server) UpdateShareNetwork(ctx context.Context, req gen.UpdateShareNetworkRequestObject) (gen.UpdateShareNetworkResponseObject, error) {
	id, in := req.ShareNetworkId, &req.Body.ShareNetwork
	n, err := s.visibleNetwork(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, ok := in.AdditionalProperties["nova_net_id"]; ok {
		return nil, badRequest("nova networking is not supported starting in Ocata.")
	}
	u := storage.NetworkUpdate{Name: optSet(in.Name), Description: optSet(in.Description)}
	if in.NeutronNetId.IsSpecified() || in.NeutronSubnetId.IsSpecified() {
		var defaults []storage.ShareNetworkSubnet
		for _, sn := range n.Subnets {
			if sn.AvailabilityZone == nil {
				defaults = append(defaults, sn)
			}
		}
		switch {
		case len(defaults) == 0:
			return nil, badRequest("The share network %s does not have a 'default' subnet that serves all availability zones, so subnet details ('neutron_net_id', 'neutron_subnet_id') cannot be updated.", id)
		case len(defaults) > 1:
			return nil, badRequest("The share network %s does not have an unique 'default' subnet that serves all availability zones, so subnet details ('neutron_net_id', 'neutron_subnet_id') cannot be updated.", id)
		}
		d := defaults[0]
		if d.NeutronNetID == nil && d.NeutronSubnetID == nil && (optPtr(in.NeutronNetId) == nil || optPtr(in.NeutronSubnetId) == nil) {
			return nil, badRequest("To update the share network %s you need to specify both 'neutron_net_id' and 'neutron_subnet_id'.", id)
		}
		u.Subnet, u.NeutronNetID, u.NeutronSubnetID = d.ID, optSet(in.NeutronNetId), optSet(in.NeutronSubnetId)
	}
	updated, err := s.db.UpdateShareNetwork(ctx, id, u)
	if err != nil {
		return nil, notFoundOr(err)
	}
	out, err := s.networkResponse(ctx, updated)
	return gen.UpdateShareNetwork200JSONResponse(out), err
}

// optSet is a key's new value when the body has it (null or a string).
func optSet(n nullable.Nullable[string]) **string {
	if !n.IsSpecified() {
		return nil
	}
	v := optPtr(n)
	return &v
}

// DeleteShareNetwork is DELETE /v2/share-networks/{id}.
func (s *Server) DeleteShareNetwork(ctx context.Context, req gen.DeleteShareNetworkRequestObject) (gen.DeleteShareNetworkResponseObject, error) {
	id := req.ShareNetworkId
	if _, err := s.visibleNetwork(ctx, id); err != nil {
		return nil, err
	}
	if err := s.db.DeleteShareNetwork(ctx, id); err != nil {
		return nil, inUseFault(err, id)
	}
	return gen.DeleteShareNetwork202Response{}, nil
}

func inUseFault(err error, id string) error {
	var ue *storage.InUseError
	switch {
	case errors.As(err, &ue) && ue.What == "shares":
		return conflict("Can not delete share network %s, it has %d share(s).", id, ue.Count)
	case errors.As(err, &ue) && ue.What == "share groups":
		return conflict("Can not delete share network %s, it has %d share group(s).", id, ue.Count)
	case errors.As(err, &ue):
		return conflict("The share network %s has more than one subnet attached. Please remove the subnets untill you have one or no subnets remaining.", id)
	}
	return notFoundOr(err)
}

// networkFilterFor reads the list's database filters as Manila does: an
// admin sees the given project's, every project's with all_tenants, else
// the admin's own; anyone else only their own.
func networkFilterFor(ri *requestInfo) (storage.NetworkFilter, error) {
	q := ri.query
	f := storage.NetworkFilter{ProjectID: ri.Caller.ProjectID}
	if ri.Caller.IsAdmin() {
		all, err := queryBool(q, "all_tenants", true, strictBoolMessage)
		switch {
		case q.Has("project_id"):
			f.ProjectID = q.Get("project_id")
		case err != nil:
			return f, err
		case all:
			f.ProjectID = ""
		}
	}
	for key, dst := range map[string]**time.Time{"created_since": &f.CreatedSince, "created_before": &f.CreatedBefore} {
		if q.Has(key) {
			t, err := time.Parse("2006-01-02", q.Get(key))
			if err != nil {
				return f, badRequest("%s is not in yyyy-mm-dd format.", q.Get(key))
			}
			*dst = &t
		}
	}
	if q.Has("security_service_id") {
		v := q.Get("security_service_id")
		f.SecurityServiceID = &v
	}
	return f, nil
}

// listNetworks is Manila's _get_share_networks: the database filters, then
// every other query key matched against the network's and its subnets'
// fields.
func (s *Server) listNetworks(ctx context.Context, limit, offset *int) ([]storage.ShareNetwork, bool, error) {
	ri := reqInfo(ctx)
	f, err := networkFilterFor(ri)
	if err != nil {
		return nil, false, err
	}
	nets, err := s.db.ListShareNetworks(ctx, f)
	if err != nil {
		return nil, false, internalError(err)
	}
	details, err := s.networkDetails(ctx)
	if err != nil {
		return nil, false, err
	}
	like := s.behaves(ri, "share_network_like_filters")
	for key, vals := range ri.query {
		switch key {
		case "all_tenants", "created_since", "created_before", "limit", "offset", "security_service_id", "project_id":
			continue
		case "network_type", "segmentation_id":
			if !details {
				continue
			}
		}
		kept := nets[:0]
		for _, n := range nets {
			if networkMatches(n, key, vals[len(vals)-1], like) {
				kept = append(kept, n)
			}
		}
		nets = kept
	}
	l, o := listWindow(limit, offset)
	if o >= len(nets) {
		return nil, details, nil
	}
	return nets[o:min(len(nets), o+l)], details, nil
}

// networkFields are a network's and a subnet's fields as Manila's models
// get() them; ip_version and segmentation_id are integers, which Manila
// compares with the query value made an integer.
func networkFields(n storage.ShareNetwork) map[string]any {
	return map[string]any{"id": n.ID, "name": n.Name, "description": n.Description, "project_id": n.ProjectID, "user_id": n.UserID, "status": n.Status}
}

func subnetFields(sn storage.ShareNetworkSubnet) map[string]any {
	return map[string]any{
		"id": sn.ID, "share_network_id": sn.ShareNetworkID, "availability_zone": sn.AvailabilityZone, "neutron_net_id": sn.NeutronNetID,
		"neutron_subnet_id": sn.NeutronSubnetID, "network_type": sn.NetworkType, "cidr": sn.CIDR, "gateway": sn.Gateway,
		"segmentation_id": sn.SegmentationID, "ip_version": sn.IPVersion, "mtu": sn.MTU,
	}
}

func networkMatches(n storage.ShareNetwork, key, value string, like bool) bool {
	if fieldMatches(networkFields(n), key, value, like) {
		return true
	}
	for _, sn := range n.Subnets {
		if fieldMatches(subnetFields(sn), key, value, like) {
			return true
		}
	}
	return false
}

// fieldMatches is Manila's filter test: equal, or from 2.36 for key~ a
// substring of the field's string.
func fieldMatches(fields map[string]any, key, value string, like bool) bool {
	if base, ok := strings.CutSuffix(key, "~"); ok && like {
		if p, _ := fields[base].(*string); p != nil {
			return strings.Contains(*p, value)
		}
		return false
	}
	switch v := fields[key].(type) {
	case string:
		return v == value
	case *string:
		return v != nil && *v == value
	case *int:
		if key != "ip_version" && key != "segmentation_id" {
			return false // mtu: Manila compares the int with the string
		}
		want, err := strconv.Atoi(value)
		return err == nil && v != nil && *v == want
	}
	return false
}

// ListShareNetworks is GET /v2/share-networks.
func (s *Server) ListShareNetworks(ctx context.Context, req gen.ListShareNetworksRequestObject) (gen.ListShareNetworksResponseObject, error) {
	nets, _, err := s.listNetworks(ctx, req.Params.Limit, req.Params.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareNetworks200JSONResponse{ShareNetworks: make([]gen.ShareNetworkSummary, len(nets))}
	for i, n := range nets {
		out.ShareNetworks[i] = gen.ShareNetworkSummary{Id: n.ID, Name: ns(n.Name)}
	}
	return out, nil
}

// ListShareNetworksDetail is GET /v2/share-networks/detail.
func (s *Server) ListShareNetworksDetail(ctx context.Context, req gen.ListShareNetworksDetailRequestObject) (gen.ListShareNetworksDetailResponseObject, error) {
	p := req.Params
	nets, details, err := s.listNetworks(ctx, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareNetworksDetail200JSONResponse{ShareNetworks: make([]gen.ShareNetwork, len(nets))}
	for i, n := range nets {
		out.ShareNetworks[i] = networkView(n, details)
	}
	return out, nil
}

// checkShareNetwork is Manila's share create check of share_network_id:
// the caller's network (404), active, and with a subnet in the requested
// zone (the default subnet serves every zone).
func (s *Server) checkShareNetwork(ctx context.Context, id, zone string) error {
	n, err := s.visibleNetwork(ctx, id)
	if err != nil {
		return err
	}
	if f := networkActive(n); f != nil {
		return f
	}
	if zone != "" && !servesZone(n, zone) {
		return badRequest("A share network subnet was not found for the requested availability zone.")
	}
	return nil
}

func servesZone(n storage.ShareNetwork, zone string) bool {
	for _, sn := range n.Subnets {
		if sn.AvailabilityZone == nil || *sn.AvailabilityZone == zone {
			return true
		}
	}
	return false
}

// networkServesZone is Manila's share API check when no zone is asked
// for: some zone the network has a subnet in (and the share type allows)
// must remain.
func (s *Server) networkServesZone(ctx context.Context, ri *requestInfo, id, zone string, shareType *storage.ShareType) error {
	if zone != "" {
		return nil
	}
	n, err := s.visibleNetwork(ctx, id)
	if err != nil {
		return err
	}
	ok := servesZone(n, s.cfg.AvailabilityZone)
	if zones, set := "", false; shareType != nil && s.behaves(ri, "availability_zone_in_share_type") {
		zones, set = shareType.ExtraSpecs["availability_zones"]
		if set && zones != "" && !contains(splitCSV(zones), s.cfg.AvailabilityZone) {
			ok = false
		}
	}
	if !ok {
		return badRequest("The share network is not supported within any requested availability zone. Check the share type's 'availability_zones' extra-spec and the availability zones of the share network subnets")
	}
	return nil
}
