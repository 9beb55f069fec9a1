package impl

import (
	"context"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// Share replicas: manilite replicates nothing, so no share has a replica
// (Manila lists only instances with a replica_state): the lists are empty
// and every replica is unknown. Manila's own suite lists a share's
// replicas before it deletes the share.

// ListShareReplicas is GET /v2/share-replicas (2.11+, experimental to 2.55).
func (s *Server) ListShareReplicas(ctx context.Context, req gen.ListShareReplicasRequestObject) (gen.ListShareReplicasResponseObject, error) {
	return gen.ListShareReplicas200JSONResponse{ShareReplicas: []gen.ShareReplicaSummary{}}, nil
}

// ListShareReplicasDetail is GET /v2/share-replicas/detail.
func (s *Server) ListShareReplicasDetail(ctx context.Context, req gen.ListShareReplicasDetailRequestObject) (gen.ListShareReplicasDetailResponseObject, error) {
	return gen.ListShareReplicasDetail200JSONResponse{ShareReplicas: []gen.ShareReplica{}}, nil
}

// ShowShareReplica is GET /v2/share-replicas/{id}: always Manila's 404.
func (s *Server) ShowShareReplica(ctx context.Context, req gen.ShowShareReplicaRequestObject) (gen.ShowShareReplicaResponseObject, error) {
	return nil, notFound("Replica %s not found.", req.ReplicaId)
}

// availabilityZones is the one zone the server is configured with, as
// Manila lists the zones its services registered.
func (s *Server) availabilityZones(ctx context.Context) (gen.AvailabilityZoneList, error) {
	az, err := s.db.EnsureAvailabilityZone(ctx, s.cfg.AvailabilityZone)
	if err != nil {
		return gen.AvailabilityZoneList{}, internalError(err)
	}
	v := gen.AvailabilityZone{Id: az.ID, Name: az.Name, CreatedAt: storage.FormatTime(az.CreatedAt), UpdatedAt: nullStr()}
	if az.UpdatedAt != nil {
		v.UpdatedAt = nsv(storage.FormatTime(*az.UpdatedAt))
	}
	return gen.AvailabilityZoneList{AvailabilityZones: []gen.AvailabilityZone{v}}, nil
}

// ListAvailabilityZones is GET /v2/availability-zones (2.7+).
func (s *Server) ListAvailabilityZones(ctx context.Context, _ gen.ListAvailabilityZonesRequestObject) (gen.ListAvailabilityZonesResponseObject, error) {
	out, err := s.availabilityZones(ctx)
	return gen.ListAvailabilityZones200JSONResponse(out), err
}

// ListAvailabilityZonesLegacy is GET /v2/os-availability-zone (2.0-2.6).
func (s *Server) ListAvailabilityZonesLegacy(ctx context.Context, _ gen.ListAvailabilityZonesLegacyRequestObject) (gen.ListAvailabilityZonesLegacyResponseObject, error) {
	out, err := s.availabilityZones(ctx)
	return gen.ListAvailabilityZonesLegacy200JSONResponse(out), err
}
