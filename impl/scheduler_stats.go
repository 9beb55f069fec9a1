package impl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/nullable"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

// extPoolCapabilities, on components, is what manilite's one back end
// reports as its pool's constant capabilities.
const extPoolCapabilities = "x-manila-pool-capabilities"

func readPoolCapabilities(doc *openapi3.T) (map[string]any, error) {
	if doc.Components == nil {
		return map[string]any{}, nil
	}
	raw, ok := doc.Components.Extensions[extPoolCapabilities]
	if !ok {
		return map[string]any{}, nil
	}
	caps, ok := toMap(raw)
	if !ok {
		return nil, fmt.Errorf("components.%s must be an object", extPoolCapabilities)
	}
	return caps, nil
}

// pool is the scheduler's view of manilite's one pool (host_manager's
// get_pools entry).
type pool struct {
	name, host, backend, pool string
	capabilities              map[string]any
}

// PoolCapabilities is what the one pool reports now (the spec's constant
// capabilities, its name, backend and capacity): the share create job
// checks a type's extra specs against it, as Manila's scheduler does.
func (s *Server) PoolCapabilities() map[string]any { return s.thePool().capabilities }

func (s *Server) thePool() pool {
	hostBackend, poolName, _ := strings.Cut(s.cfg.Host, "#")
	host, backend, _ := strings.Cut(hostBackend, "@")
	caps := make(map[string]any, len(s.spec.poolCapabilities)+5)
	for k, v := range s.spec.poolCapabilities {
		caps[k] = v
	}
	caps["pool_name"] = poolName
	caps["share_backend_name"] = backend
	caps["total_capacity_gb"], caps["free_capacity_gb"] = capacityGB(s.cfg.DataDir)
	// Manila's report time: a naive UTC datetime, isoformat.
	caps["timestamp"] = time.Now().UTC().Format("2006-01-02T15:04:05.000000")
	return pool{name: s.cfg.Host, host: host, backend: backend, pool: poolName, capabilities: caps}
}

// capacityGB is the data directory's file system size and space free to
// us, in GiB (two decimals); "unknown" as a driver reports when it cannot
// tell.
func capacityGB(dir string) (any, any) {
	var st syscall.Statfs_t
	if dir == "" || syscall.Statfs(dir, &st) != nil {
		return "unknown", "unknown"
	}
	gib := func(blocks uint64) float64 {
		return math.Round(float64(blocks)*float64(st.Bsize)/(1<<30)*100) / 100
	}
	return gib(st.Blocks), gib(st.Bavail)
}

// pools is SchedulerStatsController._pools with host_manager.get_pools:
// every query key filters, share_type (from the behaviour's version)
// becomes its type's extra specs as capabilities.
func (s *Server) pools(ctx context.Context) ([]pool, error) {
	ri := reqInfo(ctx)
	filters := map[string]any{}
	for k, vs := range ri.query {
		filters[k] = vs[len(vs)-1]
	}
	if s.behaves(ri, "pools_share_type_filter") {
		req, _ := filters["share_type"].(string)
		delete(filters, "share_type")
		if req != "" {
			st, err := s.db.GetShareType(ctx, req)
			if errors.Is(err, storage.ErrNotFound) {
				st, err = s.db.GetShareTypeByName(ctx, req)
			}
			if errors.Is(err, storage.ErrNotFound) {
				return nil, badRequest("Share type %s not found.", req)
			}
			if err != nil {
				return nil, internalError(err)
			}
			filters["capabilities"] = st.ExtraSpecs
		}
	}
	p := s.thePool()
	ok, err := p.passes(filters)
	if err != nil || !ok {
		return []pool{}, err
	}
	return []pool{p}, nil
}

// passes is host_manager._passes_filters: a key the pool lacks fails;
// capabilities must be satisfied; the rest are regular expressions
// matched at the start of the pool's value (re.match). Manila's scheduler
// fails (500) on a bad expression or a capabilities string.
func (p pool) passes(filters map[string]any) (bool, error) {
	values := map[string]string{"name": p.name, "host": p.host, "backend": p.backend, "pool": p.pool}
	for k, f := range filters {
		if k == "capabilities" {
			specs, ok := f.(map[string]string)
			if !ok {
				return false, internalError(fmt.Errorf("capabilities filter %q is not a dict", f))
			}
			if !worker.CapabilitiesSatisfied(p.capabilities, specs) {
				return false, nil
			}
			continue
		}
		v, ok := values[k]
		if !ok {
			return false, nil
		}
		re, err := regexp.Compile(`^(?:` + f.(string) + `)`)
		if err != nil {
			return false, internalError(err)
		}
		if !re.MatchString(v) {
			return false, nil
		}
	}
	return true, nil
}

func (p pool) summary() gen.Pool {
	return gen.Pool{Name: p.name, Host: p.host, Backend: nullable.NewNullableWithValue(p.backend), Pool: p.pool}
}

// ListPools is GET /v2/scheduler-stats/pools.
func (s *Server) ListPools(ctx context.Context, _ gen.ListPoolsRequestObject) (gen.ListPoolsResponseObject, error) {
	ps, err := s.pools(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.PoolList{Pools: []gen.Pool{}}
	for _, p := range ps {
		out.Pools = append(out.Pools, p.summary())
	}
	return gen.ListPools200JSONResponse(out), nil
}

// ListPoolsDetail is GET /v2/scheduler-stats/pools/detail.
func (s *Server) ListPoolsDetail(ctx context.Context, _ gen.ListPoolsDetailRequestObject) (gen.ListPoolsDetailResponseObject, error) {
	ps, err := s.pools(ctx)
	if err != nil {
		return nil, err
	}
	out := gen.PoolDetailList{Pools: []gen.PoolDetail{}}
	for _, p := range ps {
		sum := p.summary()
		caps := gen.PoolDetail_Capabilities{AdditionalProperties: map[string]any{}}
		for k, v := range p.capabilities {
			switch k {
			case "pool_name":
				caps.PoolName = v.(string)
			case "share_backend_name":
				caps.ShareBackendName = v.(string)
			case "timestamp":
				caps.Timestamp = v.(string)
			case "total_capacity_gb":
				caps.TotalCapacityGb = v
			case "free_capacity_gb":
				caps.FreeCapacityGb = v
			default:
				caps.AdditionalProperties[k] = v
			}
		}
		out.Pools = append(out.Pools, gen.PoolDetail{Name: sum.Name, Host: sum.Host, Backend: sum.Backend, Pool: sum.Pool, Capabilities: caps})
	}
	return gen.ListPoolsDetail200JSONResponse(out), nil
}
