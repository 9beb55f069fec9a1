package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// manilite's one backend does not handle share servers
// (driver_handles_share_servers=False), so there never is one: lists are
// empty and every lookup answers Manila's ShareServerNotFound.

func errNoServer(id string) *Fault { return notFound("Share server %s could not be found.", id) }

// ListShareServers is GET /v2/share-servers.
func (s *Server) ListShareServers(ctx context.Context, _ gen.ListShareServersRequestObject) (gen.ListShareServersResponseObject, error) {
	return gen.ListShareServers200JSONResponse{ShareServers: []gen.ShareServer{}}, nil
}

// ShowShareServer is GET /v2/share-servers/{id}.
func (s *Server) ShowShareServer(ctx context.Context, req gen.ShowShareServerRequestObject) (gen.ShowShareServerResponseObject, error) {
	return nil, errNoServer(req.ShareServerId)
}

// ShowShareServerDetails is GET /v2/share-servers/{id}/details.
func (s *Server) ShowShareServerDetails(ctx context.Context, req gen.ShowShareServerDetailsRequestObject) (gen.ShowShareServerDetailsResponseObject, error) {
	return nil, errNoServer(req.ShareServerId)
}

// DeleteShareServer is DELETE /v2/share-servers/{id}.
func (s *Server) DeleteShareServer(ctx context.Context, req gen.DeleteShareServerRequestObject) (gen.DeleteShareServerResponseObject, error) {
	return nil, errNoServer(req.ShareServerId)
}

func (s *Server) shareServerActionTable() actionTable[gen.ShareServerActionResponseObject] {
	return actionTable[gen.ShareServerActionResponseObject]{
		"reset_status": func(ctx context.Context, id string, value json.RawMessage) (gen.ShareServerActionResponseObject, error) {
			if _, err := resetStatusOf(value); err != nil {
				return nil, err
			}
			return nil, errNoServer(id)
		},
		"reset_task_state": func(ctx context.Context, id string, value json.RawMessage) (gen.ShareServerActionResponseObject, error) {
			var v map[string]any
			if json.Unmarshal(value, &v) != nil || v == nil {
				return nil, badRequest("Must specify 'task_state'")
			}
			if _, ok := v["task_state"]; !ok {
				return nil, badRequest("Must specify 'task_state'")
			}
			return nil, errNoServer(id)
		},
		"lookup": func(ctx context.Context, id string, _ json.RawMessage) (gen.ShareServerActionResponseObject, error) {
			return nil, errNoServer(id)
		},
	}
}

// ShareServerAction is POST /v2/share-servers/{id}/action.
func (s *Server) ShareServerAction(ctx context.Context, req gen.ShareServerActionRequestObject) (gen.ShareServerActionResponseObject, error) {
	return s.actions.shareServer.run(ctx, req.ShareServerId)
}

// ManageShareServer is POST /v2/share-servers/manage: Manila's parameter
// checks, in its order.
func (s *Server) ManageShareServer(ctx context.Context, req gen.ManageShareServerRequestObject) (gen.ManageShareServerResponseObject, error) {
	in := req.Body.ShareServer
	params := map[string]string{}
	for _, p := range []string{"host", "share_network_id", "identifier"} {
		v, ok := in.AdditionalProperties[p]
		if !ok {
			return nil, badRequest("Required parameter %s not found", p)
		}
		if str, _ := v.(string); str == "" {
			return nil, badRequest("Required parameter %s is empty", p)
		}
		params[p], _ = v.(string)
	}
	subnet, err := s.manageSubnet(ctx, optString(in.ShareNetworkSubnetId), params["share_network_id"])
	if err != nil {
		return nil, err
	}
	n, err := s.db.GetShareNetwork(ctx, subnet.ShareNetworkID)
	if err != nil {
		return nil, notFoundOr(err)
	}
	if f := networkActive(n); f != nil {
		return nil, f
	}
	host := params["host"]
	if strings.Contains(host, "#") {
		return nil, badRequest("Host parameter should not contain pool.")
	}
	backend, _, _ := strings.Cut(s.cfg.Host, "#")
	if host != backend {
		return nil, badRequest("Service %s could not be found.", host)
	}
	return nil, &Fault{Status: http.StatusNotImplemented, Message: "The backend on host " + host + " does not handle share servers."}
}

// manageSubnet is the subnet a managed server would use: the named one
// (with no other in its zone), else the network's only default subnet.
func (s *Server) manageSubnet(ctx context.Context, subnetID, netID string) (storage.ShareNetworkSubnet, error) {
	var candidates []storage.ShareNetworkSubnet
	if subnetID != "" {
		sn, err := s.db.GetSubnet(ctx, subnetID)
		if errors.Is(err, storage.ErrNotFound) {
			return sn, badRequest("The share network subnet %s does not exist.", subnetID)
		}
		if err != nil {
			return sn, internalError(err)
		}
		netID = sn.ShareNetworkID
	}
	n, err := s.db.GetShareNetwork(ctx, netID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.ShareNetworkSubnet{}, internalError(err)
	}
	var zone *string
	if subnetID != "" {
		sn, _ := s.db.GetSubnet(ctx, subnetID)
		zone = sn.AvailabilityZone
	}
	for _, sn := range n.Subnets {
		if (zone == nil && sn.AvailabilityZone == nil) || (zone != nil && sn.AvailabilityZone != nil && *zone == *sn.AvailabilityZone) {
			candidates = append(candidates, sn)
		}
	}
	switch {
	case len(candidates) == 0:
		return storage.ShareNetworkSubnet{}, badRequest("The share network %s does have a default subnet. Create one or use a specific subnet to manage this share server with API version >= 2.51.", netID)
	case len(candidates) > 1:
		shown := subnetID
		if shown == "" {
			shown = "None"
		}
		return storage.ShareNetworkSubnet{}, badRequest("Cannot manage the share server, since the share network subnet %s has more subnets in its availability zone and share network.", shown)
	}
	return candidates[0], nil
}
