package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// acceptedNetwork is update_security_service's answer: the share network,
// with 202.
type acceptedNetwork gen.ShareNetworkResponse

func (a acceptedNetwork) VisitShareNetworkActionResponse(w http.ResponseWriter) error {
	return writeJSONStatus(w, http.StatusAccepted, a)
}

// acceptedCheck is a security service check's answer (202).
type acceptedCheck gen.SecurityServiceUpdateCheck

func (a acceptedCheck) VisitShareNetworkActionResponse(w http.ResponseWriter) error {
	return writeJSONStatus(w, http.StatusAccepted, a)
}

// acceptedSubnetCheck is share_network_subnet_create_check's answer (202).
type acceptedSubnetCheck gen.SubnetCreateCheck

func (a acceptedSubnetCheck) VisitShareNetworkActionResponse(w http.ResponseWriter) error {
	return writeJSONStatus(w, http.StatusAccepted, a)
}

type networkAccepted struct{}

func (networkAccepted) VisitShareNetworkActionResponse(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(body, '\n'))
	return err
}

func (s *Server) shareNetworkActionTable() actionTable[gen.ShareNetworkActionResponseObject] {
	return actionTable[gen.ShareNetworkActionResponseObject]{
		"add_security_service":          s.addSecurityService,
		"remove_security_service":       s.removeSecurityService,
		"update_security_service":       s.updateSecurityServiceOfNetwork,
		"update_security_service_check": s.checkSecurityServiceUpdate,
		"add_security_service_check":    s.checkSecurityServiceUpdate,
		"subnet_create_check":           s.checkSubnetCreate,
		"reset_status":                  s.resetNetworkStatus,
	}
}

// ShareNetworkAction is POST /v2/share-networks/{id}/action.
func (s *Server) ShareNetworkAction(ctx context.Context, req gen.ShareNetworkActionRequestObject) (gen.ShareNetworkActionResponseObject, error) {
	return s.actions.shareNetwork.run(ctx, req.ShareNetworkId)
}

// networkForAction is the action's network: the pipeline has checked the
// action's rule against the caller's project (Manila checks it against
// the network once found, which for callers who see it is the same).
func (s *Server) networkForAction(ctx context.Context, id string) (storage.ShareNetwork, error) {
	return s.visibleNetwork(ctx, id)
}

// securityServiceIDs reads the action's ids; a missing key is Manila's
// KeyError answer.
func securityServiceIDs(value json.RawMessage, keys ...string) ([]string, bool) {
	var m map[string]any
	if json.Unmarshal(value, &m) != nil || m == nil {
		return nil, false
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		v, ok := m[k]
		if !ok {
			return nil, false
		}
		out[i], _ = v.(string)
	}
	return out, true
}

func (s *Server) addSecurityService(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	n, err := s.networkForAction(ctx, id)
	if err != nil {
		return nil, err
	}
	ids, ok := securityServiceIDs(value, "security_service_id")
	if !ok {
		return nil, badRequest("Malformed request body")
	}
	ss, err := s.db.GetSecurityService(ctx, ids[0])
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Security service %s could not be found.", ids[0])
	}
	if err != nil {
		return nil, internalError(err)
	}
	if f := s.checkSameType(ctx, n, ss); f != nil {
		return nil, f
	}
	updated, err := s.db.AssociateSecurityService(ctx, id, ss.ID, true)
	if errors.Is(err, storage.ErrAssociation) {
		return nil, badRequest("Failed to associate share network %s and security service %s: Already associated.", id, ss.ID)
	}
	return s.networkActionAnswer(ctx, updated, err, false)
}

// checkSameType is Manila's check before adding: the network must be
// active and name no security service of the same type.
func (s *Server) checkSameType(ctx context.Context, n storage.ShareNetwork, ss storage.SecurityService) *Fault {
	if f := networkActive(n); f != nil {
		return f
	}
	for _, other := range n.SecurityServices {
		o, err := s.db.GetSecurityService(ctx, other)
		if err == nil && o.Type == ss.Type {
			return conflict("Invalid security service: Cannot add security service to share network. Security service with '%s' type already added to '%s' share network", ss.Type, n.ID)
		}
	}
	return nil
}

// networkActive is Manila's check_share_network_is_active.
func networkActive(n storage.ShareNetwork) *Fault {
	if n.Status != string(state.ShareNetworkActive) {
		return badRequest("The share network %s used isn't in an '%s' state. Current status is %s. The action may be retried after the share network has changed its state.", n.ID, state.ShareNetworkActive, n.Status)
	}
	return nil
}

func (s *Server) networkActionAnswer(ctx context.Context, n storage.ShareNetwork, err error, accepted bool) (gen.ShareNetworkActionResponseObject, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("%s", defaultNotFound)
	}
	if err != nil {
		return nil, internalError(err)
	}
	out, err := s.networkResponse(ctx, n)
	if accepted {
		return acceptedNetwork(out), err
	}
	return gen.ShareNetworkAction200JSONResponse(out), err
}

func (s *Server) removeSecurityService(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	if _, err := s.networkForAction(ctx, id); err != nil {
		return nil, err
	}
	ids, ok := securityServiceIDs(value, "security_service_id")
	if !ok {
		return nil, badRequest("Malformed request body")
	}
	if _, err := s.db.GetSecurityService(ctx, ids[0]); errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Security service %s could not be found.", ids[0])
	}
	updated, err := s.db.AssociateSecurityService(ctx, id, ids[0], false)
	if errors.Is(err, storage.ErrAssociation) {
		return nil, badRequest("Failed to dissociate share network %s and security service %s: No association defined.", id, ids[0])
	}
	return s.networkActionAnswer(ctx, updated, err, false)
}

// updatePair is the current and new security services of an update or
// its check, Manila's "doesn't exist" 400 when either is missing.
func (s *Server) updatePair(ctx context.Context, value json.RawMessage) (cur, nu storage.SecurityService, err error) {
	ids, ok := securityServiceIDs(value, "current_service_id", "new_service_id")
	if !ok {
		return cur, nu, badRequest("Malformed request body.")
	}
	if cur, err = s.db.GetSecurityService(ctx, ids[0]); err == nil {
		nu, err = s.db.GetSecurityService(ctx, ids[1])
	}
	if errors.Is(err, storage.ErrNotFound) {
		return cur, nu, badRequest("The current security service or the new security service doesn't exist.")
	}
	if err != nil {
		return cur, nu, internalError(err)
	}
	return cur, nu, nil
}

// checkReplace is Manila's check before replacing cur with nu.
func checkReplace(n storage.ShareNetwork, cur, nu storage.SecurityService) *Fault {
	if f := networkActive(n); f != nil {
		return f
	}
	if !contains(n.SecurityServices, cur.ID) {
		return conflict("Invalid security service: The specified current security service %s is not associated to the share network %s.", cur.ID, n.ID)
	}
	if cur.Type != nu.Type {
		return conflict("Invalid security service: A security service can only be replaced by one of the same type. The current security service type is '%s' and the new security service type is '%s'", cur.Type, nu.Type)
	}
	return nil
}

func (s *Server) updateSecurityServiceOfNetwork(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	n, err := s.networkForAction(ctx, id)
	if err != nil {
		return nil, err
	}
	cur, nu, err := s.updatePair(ctx, value)
	if err != nil {
		return nil, err
	}
	if f := checkReplace(n, cur, nu); f != nil {
		return nil, f
	}
	updated, err := s.db.ReplaceSecurityService(ctx, id, cur.ID, nu.ID)
	if errors.Is(err, storage.ErrAssociation) {
		return nil, badRequest("Failed to associate share network %s and security service %s: Already associated.", id, nu.ID)
	}
	return s.networkActionAnswer(ctx, updated, err, true)
}

// checkSecurityServiceUpdate answers update_security_service_check and
// add_security_service_check: with no share server on the network there is
// no backend to ask, so the change is compatible.
func (s *Server) checkSecurityServiceUpdate(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	ri := reqInfo(ctx)
	n, err := s.networkForAction(ctx, id)
	if err != nil {
		return nil, err
	}
	var out acceptedCheck
	out.Compatible = true
	if ri.Action == "update_security_service_check" {
		cur, nu, err := s.updatePair(ctx, value)
		if err != nil {
			return nil, err
		}
		if f := checkReplace(n, cur, nu); f != nil {
			return nil, f
		}
		out.RequestedOperation.Operation = "update_security_service"
		out.RequestedOperation.CurrentSecurityService, out.RequestedOperation.NewSecurityService = nsv(cur.ID), nsv(nu.ID)
	} else {
		ids, ok := securityServiceIDs(value, "security_service_id")
		if !ok {
			return nil, badRequest("Malformed request body.")
		}
		ss, err := s.db.GetSecurityService(ctx, ids[0])
		if errors.Is(err, storage.ErrNotFound) || (err == nil && !ri.Caller.IsAdmin() && ss.ProjectID != ri.Caller.ProjectID) {
			return nil, badRequest("Security service %s doesn't exist.", ids[0])
		}
		if err != nil {
			return nil, internalError(err)
		}
		if f := s.checkSameType(ctx, n, ss); f != nil {
			return nil, f
		}
		out.RequestedOperation.Operation = "add_security_service"
		out.RequestedOperation.CurrentSecurityService, out.RequestedOperation.NewSecurityService = nullStr(), nsv(ss.ID)
	}
	if ri.Caller.IsAdmin() {
		out.HostsCheckResult = &map[string]any{}
	}
	return out, nil
}

func (s *Server) checkSubnetCreate(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	ri := reqInfo(ctx)
	var data map[string]any
	if json.Unmarshal(value, &data) != nil || data == nil {
		return nil, badRequest("Share Network Subnet Create Check is missing from the request body.")
	}
	if _, err := s.validateSubnetCreate(ctx, id, data, true); err != nil {
		return nil, err
	}
	out := acceptedSubnetCheck{Compatible: true}
	if ri.Caller.IsAdmin() {
		out.HostsCheckResult = &map[string]any{}
	}
	return out, nil
}

func (s *Server) resetNetworkStatus(ctx context.Context, id string, value json.RawMessage) (gen.ShareNetworkActionResponseObject, error) {
	status, err := resetStatusOf(value)
	if err != nil {
		return nil, err
	}
	if _, err := s.networkForAction(ctx, id); err != nil {
		return nil, err
	}
	if err := s.db.SetShareNetworkStatus(ctx, id, status); err != nil {
		return nil, notFoundOr(err)
	}
	return networkAccepted{}, nil
}

// resetStatusOf is the status of a reset_status value whose schema has
// checked it against Manila's valid statuses; none is Manila's 400.
func resetStatusOf(value json.RawMessage) (string, error) {
	var v struct {
		Status *string `json:"status"`
	}
	if len(value) == 0 || json.Unmarshal(value, &v) != nil || v.Status == nil {
		return "", badRequest("Must specify 'status'")
	}
	return *v.Status, nil
}
