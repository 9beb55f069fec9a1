package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/backend/repo"
	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/impl/keystone"
	"github.com/manilite/manilite/metrics"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

// options is everything `manilite serve` can be told.
type options struct {
	Listen        string
	DB            string
	DataDir       string
	Auth          string
	PolicyDir     string
	LogLevel      string
	MinTransition time.Duration
	Workers       int
	NodeID        string
	JobLease      time.Duration
	// GCPercent is Go's GC target (0: leave the runtime's); see gc.go.
	GCPercent        int
	Synchronous      string
	ProjectIDPattern string
	DefaultShareType string
	// DefaultShareGroupType is Manila's default_share_group_type.
	DefaultShareGroupType string
	AvailabilityZone      string
	Host                  string
	ShutdownTimeout       time.Duration
	Keystone              keystone.Config
	// Quotas are every quota resource's default limit (-1: unlimited),
	// by resource name: Manila's quota_* options.
	Quotas map[string]int
	// BackupMaxRate caps the read rate of backups, restores and snapshot
	// copies, in bytes per second (0: unlimited).
	BackupMaxRate int64
	// Backups says where the backup repository is.
	Backups                repositoryOptions
	BackupGenericProtocols []string
	// AdminOnlyMetadata: nil is Manila's default.
	AdminOnlyMetadata []string
	// AdminOnlyELMetadata: nil is Manila's default.
	AdminOnlyELMetadata []string
	// NFS is the NFS data plane: "none" (or "") or "ganesha".
	NFS     string
	Ganesha ganeshaOptions
	// PolicyWatch reloads PolicyDir when its files change.
	PolicyWatch bool
	// PolicyDecisionLogLevel is the level of the per-decision log line
	// ("" is debug).
	PolicyDecisionLogLevel string
	// Metrics turns the Prometheus metrics on; they are served at GET
	// /metrics on the API listener, or on MetricsListen when it is set.
	Metrics       bool
	MetricsListen string
	// holdJobs (tests only) accepts jobs but runs none, so a test can stop
	// the server with a job certainly still queued.
	holdJobs bool
}

// app is the wired server: database, policy, data plane, job workers and the
// HTTP API.
type app struct {
	db     *storage.DB
	data   *backend.Local
	engine *policy.Engine
	// policy reloads the engine's rule set from --policy-dir.
	policy *policyReloader
	pool   *worker.Pool
	server *impl.Server
	// metrics is nil when --metrics is off.
	metrics *metrics.Metrics
}

func newApp(ctx context.Context, o options, log *slog.Logger) (*app, error) {
	var auth impl.Authenticator
	switch o.Auth {
	case "noauth":
		auth = impl.NoAuth{}
		log.Warn("authentication is off (--auth noauth): the X-Auth-Token \"user:project[:roles]\" is trusted as given")
	case "keystone":
		if o.Keystone.URL == "" || o.Keystone.Username == "" || o.Keystone.Password == "" {
			return nil, fmt.Errorf("--auth keystone needs --keystone-url, --keystone-username and --keystone-password")
		}
		v, err := keystone.New(o.Keystone)
		if err != nil {
			return nil, fmt.Errorf("--auth keystone: %w", err)
		}
		auth = v
	default:
		return nil, fmt.Errorf("--auth must be noauth or keystone, not %q", o.Auth)
	}

	applyGCPercent(o.GCPercent, log)
	if o.JobLease != 0 && o.JobLease < minJobLease {
		return nil, fmt.Errorf("--job-lease must be at least %v (it is renewed every third of it), not %v", minJobLease, o.JobLease)
	}
	if o.MetricsListen != "" && !o.Metrics {
		return nil, fmt.Errorf("--metrics-listen needs --metrics")
	}
	engine, err := newPolicyEngine(ctx, o, log)
	if err != nil {
		return nil, err
	}

	store, err := o.Backups.openStore(ctx, o.DataDir)
	if err != nil {
		return nil, err
	}
	node := o.nodeID() // names its job leases and its repository locks
	data, err := backend.NewLocal(o.DataDir, backend.WithMaxRate(o.BackupMaxRate), backend.WithBackupStore(store),
		backend.WithRepositoryOptions(repo.Options{LockLabel: node}))
	if err != nil {
		return nil, err
	}
	if err := data.RemoveLeftovers(); err != nil {
		log.Warn("could not finish removing deleted shares' data", "error", err)
	}

	db, err := storage.Open(ctx, o.DB, storage.Options{Synchronous: o.Synchronous, QuotaDefaults: o.Quotas})
	if err != nil {
		return nil, err
	}
	var nfs *nfsExports
	switch o.NFS {
	case "", "none":
	case "ganesha":
		if nfs, err = newNFSExports(o.Ganesha, db, data, log); err != nil {
			db.Close()
			return nil, err
		}
	default:
		db.Close()
		return nil, fmt.Errorf("--nfs must be none or ganesha, not %q", o.NFS)
	}
	pool := worker.New(db, log, o.Workers)
	pool.SetLease(storage.JobLease{Owner: node, TTL: o.JobLease})
	// The capabilities are the server's pool's; the server is made below,
	// and no job runs before the pool starts at the end.
	var server *impl.Server
	caps := func() map[string]any { return server.PoolCapabilities() }
	var shareData worker.ShareData = data
	var exportAccess worker.ExportAccess
	if nfs != nil {
		shareData, exportAccess = unexportingData{Local: data, nfs: nfs}, nfs.exportAccess
	}
	worker.RegisterShareJobs(pool, shareData, worker.Placement{Host: o.Host, AvailabilityZone: o.AvailabilityZone, Capabilities: caps})
	dataHost, _, _ := strings.Cut(o.Host, "#")
	worker.RegisterBackupJobs(pool, data, dataHost)
	worker.RegisterGroupJobs(pool, data, worker.Placement{Host: o.Host, AvailabilityZone: o.AvailabilityZone})
	worker.RegisterResizeJobs(pool, data)
	worker.RegisterShareActionJobs(pool, data)
	worker.RegisterAccessJobs(pool, exportAccess)

	// Metrics: nil interfaces when off, so nothing is even timed.
	var m *metrics.Metrics
	var serverMetrics impl.Metrics
	var metricsHandler http.Handler
	if o.Metrics {
		m = metrics.New(metrics.Options{Version: version, Logger: log})
		pool.SetObserver(m)
		if err := m.WatchJobQueue(pool.Kinds(), jobQueue(db)); err != nil {
			db.Close()
			return nil, err
		}
		if err := m.WatchBackupRepository(repositorySize(data)); err != nil {
			db.Close()
			return nil, err
		}
		serverMetrics = m
		if o.MetricsListen == "" {
			metricsHandler = m.Handler()
		}
	}

	server, err = impl.New(impl.Config{
		DB:                    db,
		Policy:                engine,
		Auth:                  auth,
		Logger:                log,
		Jobs:                  pool,
		MinTransition:         o.MinTransition,
		ProjectIDPattern:      o.ProjectIDPattern,
		DefaultShareType:      o.DefaultShareType,
		DefaultShareGroupType: o.DefaultShareGroupType,
		AvailabilityZone:      o.AvailabilityZone,
		Host:                  o.Host,
		DataDir:               o.DataDir,
		// Manila's data_manager_backup_supported_share_protocols.
		BackupGenericProtocols: o.BackupGenericProtocols,
		AdminOnlyMetadata:      o.AdminOnlyMetadata,
		AdminOnlyELMetadata:    o.AdminOnlyELMetadata,
		Metrics:                serverMetrics,
		MetricsHandler:         metricsHandler,
		// Manila's default_share_group_type.
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	if nfs != nil {
		// Before the jobs start: the access jobs they resume render again.
		if err := nfs.start(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if !o.holdJobs {
		if _, err := pool.Start(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	reloader := &policyReloader{dir: o.PolicyDir, engine: engine, log: log, debounce: policyDebounce}
	if o.PolicyDir != "" && o.PolicyWatch {
		if err := reloader.watch(); err != nil {
			_ = pool.Stop(ctx)
			db.Close()
			return nil, err
		}
	}
	return &app{db: db, data: data, engine: engine, policy: reloader, pool: pool, server: server, metrics: m}, nil
}

// repositorySize is the backup repository's footprint, as the metrics read
// it at each scrape.
func repositorySize(data *backend.Local) func(context.Context) (metrics.RepositorySize, error) {
	return func(ctx context.Context) (metrics.RepositorySize, error) {
		s, err := data.BackupStats(ctx)
		return metrics.RepositorySize{
			Bytes:   map[string]int64{"packs": s.PackBytes, "index": s.IndexBytes, "manifests": s.ManifestBytes},
			Backups: s.Backups, Chunks: s.Chunks, ChunkBytes: s.ChunkBytes,
		}, err
	}
}

// jobQueue is the job queue depth, as the metrics read it at each scrape.
func jobQueue(db *storage.DB) func(context.Context) ([]metrics.QueueCount, error) {
	return func(ctx context.Context) ([]metrics.QueueCount, error) {
		counts, err := db.CountJobs(ctx)
		out := make([]metrics.QueueCount, len(counts))
		for i, c := range counts {
			out[i] = metrics.QueueCount{Kind: c.Kind, State: c.State, Jobs: c.Jobs}
		}
		return out, err
	}
}

// Handler is the HTTP API.
func (a *app) Handler() http.Handler { return a.server.Handler() }

// Close stops watching the policy, lets running jobs finish (until ctx
// ends) and closes the database.
func (a *app) Close(ctx context.Context) error {
	a.policy.stop()
	return errors.Join(a.pool.Stop(ctx), a.db.Close(), a.data.Close())
}

// minJobLease is the shortest --job-lease: a renewal (every third of
// it) must fit in it with room to spare.
const minJobLease = time.Second

// nodeID is the node's name for job leases: --node-id, or the hostname
// and the --listen port, which tell apart nodes on one machine and stay
// the same when a node restarts (so it takes its own jobs back at once;
// on SQLite, a single node's database, a start takes back every job).
func (o options) nodeID() string {
	if o.NodeID != "" {
		return o.NodeID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if _, port, err := net.SplitHostPort(o.Listen); err == nil && port != "" && port != "0" {
		return host + ":" + port
	}
	// A port chosen by the system at each start names no node for good:
	// the process is the node.
	return host + "/" + strconv.Itoa(os.Getpid())
}
