package impl

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

func errNoSubnet(id string) *Fault {
	return notFound("Share network subnet %s could not be found.", id)
}

// subnetView is Manila's share network subnet view.
func subnetView(sn storage.ShareNetworkSubnet, netName *string, details bool) gen.ShareNetworkSubnet {
	o := subnetOfNetwork(sn, details)
	return gen.ShareNetworkSubnet{
		Id: o.Id, AvailabilityZone: o.AvailabilityZone, ShareNetworkId: sn.ShareNetworkID, ShareNetworkName: ns(netName),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, SegmentationId: o.SegmentationId, NeutronNetId: o.NeutronNetId,
		NeutronSubnetId: o.NeutronSubnetId, IpVersion: o.IpVersion, Cidr: o.Cidr, NetworkType: o.NetworkType, Mtu: o.Mtu,
		Gateway: o.Gateway, Metadata: o.Metadata,
	}
}

// subnetResponse shows a subnet with its own network's name.
func (s *Server) subnetResponse(ctx context.Context, sn storage.ShareNetworkSubnet) (gen.ShareNetworkSubnetResponse, error) {
	details, err := s.networkDetails(ctx)
	if err != nil {
		return gen.ShareNetworkSubnetResponse{}, err
	}
	n, err := s.db.GetShareNetwork(ctx, sn.ShareNetworkID)
	if err != nil {
		return gen.ShareNetworkSubnetResponse{}, notFoundOr(err)
	}
	return gen.ShareNetworkSubnetResponse{ShareNetworkSubnet: subnetView(sn, n.Name, details)}, nil
}

// validateSubnetCreate is Manila's validate_subnet_create: both neutron
// ids or neither, the network (404), the zone, and below 2.70 one subnet
// per zone. It returns the zone (nil: the default subnet).
func (s *Server) validateSubnetCreate(ctx context.Context, id string, data map[string]any, multiple bool) (*string, error) {
	_, hasNet := data["neutron_net_id"]
	_, hasSub := data["neutron_subnet_id"]
	if hasNet != hasSub {
		return nil, badRequest("When creating a new share network subnet you need to specify both neutron_net_id and neutron_subnet_id or none of them.")
	}
	n, err := s.visibleNetwork(ctx, id)
	if err != nil {
		return nil, err
	}
	var zone *string
	if az, _ := data["availability_zone"].(string); az != "" {
		if az != s.cfg.AvailabilityZone {
			return nil, badRequest("The provided availability zone %s does not exist.", az)
		}
		zone = &az
	}
	for _, sn := range n.Subnets {
		same := (zone == nil && sn.AvailabilityZone == nil) || (zone != nil && sn.AvailabilityZone != nil && *sn.AvailabilityZone == *zone)
		if same && !multiple {
			return nil, conflict("Another share network subnet was found in the specified availability zone. Only one share network subnet is allowed per availability zone for share network %s.", id)
		}
	}
	return zone, nil
}

// CreateShareNetworkSubnet is POST /v2/share-networks/{id}/subnets.
func (s *Server) CreateShareNetworkSubnet(ctx context.Context, req gen.CreateShareNetworkSubnetRequestObject) (gen.CreateShareNetworkSubnetResponseObject, error) {
	ri, in := reqInfo(ctx), &req.Body.ShareNetworkSubnet
	raw, _ := json.Marshal(in)
	var data map[string]any
	_ = json.Unmarshal(raw, &data)
	zone, err := s.validateSubnetCreate(ctx, req.ShareNetworkId, data, s.behaves(ri, "multiple_subnets_per_zone"))
	if err != nil {
		return nil, err
	}
	created, err := s.db.CreateSubnet(ctx, storage.ShareNetworkSubnet{
		ID: storage.NewID(), ShareNetworkID: req.ShareNetworkId, AvailabilityZone: zone,
		NeutronNetID: optPtr(in.NeutronNetId), NeutronSubnetID: optPtr(in.NeutronSubnetId),
	})
	if err != nil {
		return nil, notFoundOr(err)
	}
	out, err := s.subnetResponse(ctx, created)
	return gen.CreateShareNetworkSubnet200JSONResponse(out), err
}

// subnetOf finds the network (404) and then the subnet, of any network, as
// Manila's share_network_subnet_get does.
func (s *Server) subnetOf(ctx context.Context, netID, id string) (storage.ShareNetworkSubnet, error) {
	if _, err := s.visibleNetwork(ctx, netID); err != nil {
		return storage.ShareNetworkSubnet{}, err
	}
	sn, err := s.db.GetSubnet(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return sn, errNoSubnet(id)
	}
	if err != nil {
		return sn, internalError(err)
	}
	return sn, nil
}

// ShowShareNetworkSubnet is GET /v2/share-networks/{id}/subnets/{subnet}.
func (s *Server) ShowShareNetworkSubnet(ctx context.Context, req gen.ShowShareNetworkSubnetRequestObject) (gen.ShowShareNetworkSubnetResponseObject, error) {
	sn, err := s.subnetOf(ctx, req.ShareNetworkId, req.ShareNetworkSubnetId)
	if err != nil {
		return nil, err
	}
	out, err := s.subnetResponse(ctx, sn)
	return gen.ShowShareNetworkSubnet200JSONResponse(out), err
}

// DeleteShareNetworkSubnet is DELETE /v2/share-networks/{id}/subnets/{subnet}:
// no share server uses a subnet here, so nothing holds it.
func (s *Server) DeleteShareNetworkSubnet(ctx context.Context, req gen.DeleteShareNetworkSubnetRequestObject) (gen.DeleteShareNetworkSubnetResponseObject, error) {
	sn, err := s.subnetOf(ctx, req.ShareNetworkId, req.ShareNetworkSubnetId)
	if err != nil {
		return nil, err
	}
	if err := s.db.DeleteSubnet(ctx, sn.ID); err != nil {
		return nil, notFoundOr(err)
	}
	return gen.DeleteShareNetworkSubnet202Response{}, nil
}

// ListShareNetworkSubnets is GET /v2/share-networks/{id}/subnets.
func (s *Server) ListShareNetworkSubnets(ctx context.Context, req gen.ListShareNetworkSubnetsRequestObject) (gen.ListShareNetworkSubnetsResponseObject, error) {
	n, err := s.visibleNetwork(ctx, req.ShareNetworkId)
	if err != nil {
		return nil, err
	}
	details, err := s.networkDetails(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.ListShareNetworkSubnets200JSONResponse{ShareNetworkSubnets: make([]gen.ShareNetworkSubnet, len(n.Subnets))}
	for i, sn := range n.Subnets {
		out.ShareNetworkSubnets[i] = subnetView(sn, n.Name, details)
	}
	return out, nil
}
