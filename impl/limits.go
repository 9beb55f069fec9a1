package impl

import (
	"context"
	"encoding/json"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// ListLimits is GET /v2/limits: Manila's LimitsController.index, the
// caller's project's limits and what it uses, under the names the spec's
// LimitsAbsolute schema gives them (x-manila-quota-limit /
// x-manila-quota-in-use); no rate limits.
func (s *Server) ListLimits(ctx context.Context, _ gen.ListLimitsRequestObject) (gen.ListLimitsResponseObject, error) {
	ri := reqInfo(ctx)
	quotas, err := s.db.Quotas(ctx, storage.QuotaScope{ProjectID: ri.Caller.ProjectID})
	if err != nil {
		return nil, internalError(err)
	}
	absolute := map[string]int{}
	for name, p := range s.doc.Components.Schemas["LimitsAbsolute"].Value.Properties {
		if res, ok := decodeExt(p.Value.Extensions[extQuotaLimit]).(string); ok {
			absolute[name] = quotas[res].Limit
		}
		if res, ok := decodeExt(p.Value.Extensions[extQuotaInUse]).(string); ok {
			absolute[name] = quotas[res].InUse
		}
	}
	out := gen.ListLimits200JSONResponse{}
	out.Limits.Rate = []map[string]interface{}{}
	raw, err := json.Marshal(absolute)
	if err != nil {
		return nil, internalError(err)
	}
	if err := json.Unmarshal(raw, &out.Limits.Absolute); err != nil {
		return nil, internalError(err)
	}
	return out, nil
}
