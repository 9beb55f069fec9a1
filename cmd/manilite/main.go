// Command manilite is a standalone server for the OpenStack Shared File
// Systems (Manila) API: shares, share types, and (as they land) share
// backups and consistency-group snapshots, kept in one SQLite file.
//
//	manilite serve [flags]   run the server
//	manilite policy ...      list, evaluate, test and import policy rules
//	manilite version         print the version and the API's microversion range
//
// Every flag of serve can also be set with an environment variable named
// MANILITE_ and the flag in capitals with - as _ (MANILITE_DATA_DIR).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/worker"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "policy":
		return runPolicy(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		return printVersion(stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "manilite: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  manilite serve [flags]   run the server (manilite serve -h lists the flags)
  manilite policy ...      list, eval, check, import and export policy rules (manilite policy help)
  manilite backup check    verify the backup repository (manilite backup help)
  manilite version         print the version and the API's microversion range
`)
}

func printVersion(stdout, stderr io.Writer) int {
	doc, err := impl.LoadSpec()
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	info, err := impl.ReadSpecInfo(doc)
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	fmt.Fprintf(stdout, "manilite %s\nAPI v2, microversions %s to %s\n", version, info.MinVersion, info.MaxVersion)
	return 0
}

// serveFlags binds the flags of `manilite serve` to an options value.
func serveFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8786", "address to listen on (Manila's port is 8786)")
	fs.StringVar(&o.DB, "db", "./data/manilite.db", "SQLite database file (created with its folder), or a postgres:// URL")
	fs.StringVar(&o.DataDir, "data-dir", "./data", "folder for share data")
	fs.StringVar(&o.Auth, "auth", "noauth", "authentication: noauth or keystone")
	fs.StringVar(&o.PolicyDir, "policy-dir", "", "folder of .rego files laid over the embedded policy (a file replaces the embedded one of the same name); tested and reloaded when it changes or on SIGHUP")
	fs.BoolVar(&o.PolicyWatch, "policy-watch", true, "watch --policy-dir and reload it when it changes (SIGHUP always reloads)")
	fs.StringVar(&o.PolicyDecisionLogLevel, "policy-decision-log-level", "debug", "level of the one log line per policy decision: debug or info (or warn, error)")
	fs.BoolVar(&o.Metrics, "metrics", true, "Prometheus metrics at GET /metrics, on the API listener unless --metrics-listen is set (no token needed)")
	fs.StringVar(&o.MetricsListen, "metrics-listen", "", "address of a listener of its own for GET /metrics (e.g. 127.0.0.1:9786), so the API port does not serve it; empty: the API listener")
	fs.StringVar(&o.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.DurationVar(&o.MinTransition, "min-transition", time.Second, "how long a transitional state (creating, deleting) lasts at least")
	fs.IntVar(&o.Workers, "workers", 4, "goroutines running asynchronous jobs")
	fs.StringVar(&o.NodeID, "node-id", "", "this node's name among the nodes sharing one --db (unique per node: a node starting takes back the running jobs of its name); empty: hostname and --listen port")
	fs.DurationVar(&o.JobLease, "job-lease", worker.DefaultLeaseTTL, "how long a node's claim on a job lasts unless renewed (renewed every third of it): a node killed with kill -9 has its jobs taken over by another node within about this long plus a second")
	fs.IntVar(&o.GCPercent, "gc-percent", defaultGCPercent, "Go's garbage collection target, as GOGC (which wins when set): the heap may grow this many percent over the live heap between collections")
	fs.StringVar(&o.Synchronous, "sqlite-synchronous", "FULL", "SQLite synchronous mode: FULL (survives power loss) or NORMAL (survives a crash)")
	fs.StringVar(&o.ProjectIDPattern, "project-id-regex", `[0-9a-f\-]+`, "what a project id in /v2/{project_id}/... may look like (Manila's project_id_regex)")
	fs.StringVar(&o.DefaultShareType, "default-share-type", "default", "the share type used when a share create names none")
	fs.StringVar(&o.DefaultShareGroupType, "default-share-group-type", "default", "the share group type of share groups created without one (GET /share-group-types/default)")
	fs.StringVar(&o.AvailabilityZone, "availability-zone", "nova", "the availability zone of every share")
	fs.StringVar(&o.Host, "host", "manilite@local#pool", "the share host shown to admins")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests and jobs may take to finish on SIGTERM")
	quotaFlags(fs, o)
	repositoryFlags(fs, &o.Backups)
	fs.Var((*byteRate)(&o.BackupMaxRate), "backup-max-rate", "cap on the read rate of backups, restores and snapshot copies, bytes/s with an optional K, M or G (binary) suffix; 0 is no cap")
	fs.Var((*stringList)(&o.BackupGenericProtocols), "backup-generic-protocols", "share protocols a backup without backup_options may take (Manila's generic path), comma-separated")
	fs.Var((*stringList)(&o.AdminOnlyELMetadata), "admin-only-el-metadata", "export location metadata keys only admins may set, comma-separated (default Manila's: preferred)")
	fs.Var((*stringList)(&o.AdminOnlyMetadata), "admin-only-metadata", "share metadata keys only admins may set or delete, comma-separated (default Manila's: __affinity_same_host,__affinity_different_host,__managed_at)")
	fs.StringVar(&o.NFS, "nfs", "none", "NFS data plane: none (access rules are records only) or ganesha (NFS shares' ip rules become nfs-ganesha exports)")
	fs.StringVar(&o.Ganesha.Config, "nfs-ganesha-config", "", "ganesha mode: the configuration file manilite owns and rewrites whole, the one ganesha.nfsd is started with (-f)")
	fs.StringVar(&o.Ganesha.PIDFile, "nfs-ganesha-pidfile", "/run/ganesha/ganesha.pid", "ganesha mode: ganesha.nfsd's pid file (-p); it is sent SIGHUP to reload the exports")
	fs.IntVar(&o.Ganesha.Port, "nfs-ganesha-port", 2049, "ganesha mode: the NFS port (NFS_Port; ganesha reads it when it starts)")
	fs.StringVar(&o.Ganesha.Bind, "nfs-ganesha-bind", "127.0.0.1", "ganesha mode: the IP address ganesha listens on (Bind_addr; read when it starts)")
	fs.BoolVar(&o.Ganesha.Graceless, "nfs-ganesha-graceless", false, "ganesha mode: no NFSv4 grace period after ganesha starts (Graceless)")
	fs.StringVar(&o.Ganesha.RecoveryRoot, "nfs-ganesha-recovery-root", "", "ganesha mode: folder of ganesha's NFSv4 client recovery records (RecoveryRoot; empty: ganesha's /var/lib/nfs/ganesha)")
	fs.StringVar(&o.Keystone.URL, "keystone-url", "", "keystone mode: Keystone's URL, e.g. http://127.0.0.1:5000")
	fs.StringVar(&o.Keystone.Username, "keystone-username", "manila", "keystone mode: the service user")
	fs.StringVar(&o.Keystone.Password, "keystone-password", "", "keystone mode: the service user's password")
	fs.StringVar(&o.Keystone.UserDomain, "keystone-user-domain", "Default", "keystone mode: the service user's domain")
	fs.StringVar(&o.Keystone.ProjectName, "keystone-project", "service", "keystone mode: the service project")
	fs.StringVar(&o.Keystone.ProjectDomain, "keystone-project-domain", "Default", "keystone mode: the service project's domain")
	fs.DurationVar(&o.Keystone.ConnectTimeout, "keystone-connect-timeout", 0, "keystone mode: bound on connecting to Keystone (0: none, as keystonemiddleware's http_connect_timeout)")
	fs.DurationVar(&o.Keystone.ReadTimeout, "keystone-read-timeout", 0, "keystone mode: bound on waiting for Keystone's answer (0: none; Manila waits for a slow Keystone)")
	fs.IntVar(&o.Keystone.Retries, "keystone-max-retries", 3, "keystone mode: retries of a Keystone request that got no answer (keystonemiddleware's http_request_max_retries)")
	fs.IntVar(&o.Keystone.CacheSize, "keystone-cache-size", 10000, "keystone mode: valid tokens kept in memory")
	fs.DurationVar(&o.Keystone.CacheTTL, "keystone-cache-ttl", 5*time.Minute, "keystone mode: how long a token is trusted before it is checked again")
}

// applyEnv sets every flag not given on the command line from its
// MANILITE_* environment variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := "MANILITE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return errors.Join(errs...)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("manilite serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := options{BackupGenericProtocols: []string{"NFS"}}
	serveFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := applyEnv(fs, getenv); err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 2
	}
	o.Backups.credentialsFrom(getenv)
	log, err := newLogger(stderr, o.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// SIGHUP reloads the policy; caught from the start, since its default
	// action would end the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	a, err := newApp(ctx, o, log)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		log.Error("cannot listen", "address", o.Listen, "error", err)
		_ = a.Close(context.Background())
		return 1
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 2) // the API listener and the metrics one
	metricsSrv, err := serveMetrics(o, a, log, served)
	if err != nil {
		log.Error("cannot listen", "address", o.MetricsListen, "error", err)
		_ = ln.Close()
		_ = a.Close(context.Background())
		return 1
	}
	go func() { served <- srv.Serve(ln) }()
	log.Info("manilite serving", "version", version, "address", ln.Addr().String(), "db", o.DB,
		"data_dir", o.DataDir, "auth", o.Auth, "policy_hash", a.engine.Hash())
	go func() {
		for {
			select {
			case <-hup:
				a.reloadPolicy(ctx, "SIGHUP")
			case <-ctx.Done():
				return
			}
		}
	}()

	code := 0
	select {
	case <-ctx.Done():
		log.Info("stopping: waiting for requests in flight")
	case err := <-served:
		log.Error("server stopped", "error", err)
		code = 1
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "error", err)
		code = 1
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	if err := a.Close(shutdownCtx); err != nil {
		log.Error("close", "error", err)
		code = 1
	}
	log.Info("stopped")
	return code
}

// serveMetrics starts the --metrics-listen listener, if there is one: it
// serves GET /metrics and nothing else. A Serve error ends up in served.
func serveMetrics(o options, a *app, log *slog.Logger, served chan<- error) (*http.Server, error) {
	if o.MetricsListen == "" || a.metrics == nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.MetricsListen)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+impl.MetricsPath, a.metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			served <- fmt.Errorf("metrics listener: %w", err)
		}
	}()
	log.Info("metrics serving", "address", ln.Addr().String(), "path", impl.MetricsPath)
	return srv, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// byteRate is a flag of bytes per second with an optional binary suffix.
type byteRate int64

func (b *byteRate) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteRate) Set(s string) error {
	s = strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "/S"), "B")
	s = strings.TrimSuffix(s, "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a rate like 50M", s)
	}
	*b = byteRate(n * mult)
	return nil
}

// stringList is a comma-separated flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, strings.ToUpper(p))
		}
	}
	return nil
}
